// Opaque global ids as the API shows them: base64("<Type>:<database id>"), the Relay
// convention Pothos uses. The audit chain hashes these, so the encoding must never change.

export type NodeType =
  | "Identity"
  | "Group"
  | "System"
  | "Resource"
  | "Grant"
  | "Request"
  | "RequestItem"
  | "Ticket"
  | "TicketComment"
  | "AuditEvent"
  | "ApiToken"
  | "Session"
  | "AccessReview"
  | "AccessReviewItem"
  | "Delegation"
  | "Notification"
  | "EmailMessage"
  | "EventEndpoint"
  /** Not a Node: the organisation's settings row, named in its CONFIG_CHANGED events. */
  | "Settings";

export function toGlobalId(type: NodeType, id: string): string {
  return Buffer.from(`${type}:${id}`, "utf8").toString("base64");
}

export function toGlobalIdOrNull(type: NodeType, id: string | null | undefined): string | null {
  return id == null ? null : toGlobalId(type, id);
}

/** Decodes a global id; null when it is malformed. */
export function fromGlobalId(globalId: string): { type: string; id: string } | null {
  if (globalId.length === 0 || globalId.length > 200 || !/^[A-Za-z0-9+/]+={0,2}$/.test(globalId)) return null;
  const decoded = Buffer.from(globalId, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon <= 0 || colon === decoded.length - 1) return null;
  const type = decoded.slice(0, colon);
  const id = decoded.slice(colon + 1);
  if (!/^[A-Za-z]+$/.test(type) || !/^[A-Za-z0-9_-]+$/.test(id)) return null;
  return { type, id };
}
