// An audit event as a CloudEvent 1.0 (structured JSON mode), and what an event is about: its
// subject (the ticket, request, grant, system or review) and the systems it concerns (for
// endpoints scoped to one system). Every id in the event is the API's global id: the audit data
// holds global ids already, the row's own ids are converted here. The data is the stored data
// without what the API shows admins only.
import type { Client } from "../../db/database.ts";
import type { AuditAction } from "../../generated/prisma/client.ts";
import { fromGlobalId, toGlobalId, toGlobalIdOrNull } from "../global-id.ts";
import { auditDataFor } from "../policy/visibility.ts";
import { cloudEventType, topicOf } from "./topics.ts";

/** The audit row fields an outbound event is made of. */
export interface AuditRow {
  id: string;
  sequence: number;
  at: Date;
  actorId: string | null;
  action: AuditAction;
  requestId: string | null;
  ticketId: string | null;
  comment: string | null;
  /** The stored canonical JSON text. */
  data: string;
}

export interface CloudEvent {
  specversion: "1.0";
  id: string;
  source: string;
  type: string;
  subject: string | null;
  time: string;
  datacontenttype: "application/json";
  /** The CloudEvents sequence extension: the audit sequence, as a string. */
  sequence: string;
  data: {
    sequence: number;
    action: AuditAction;
    actorId: string | null;
    requestId: string | null;
    ticketId: string | null;
    comment: string | null;
    data: unknown;
  };
}

export type AuditData = Record<string, unknown>;

const jsonObjectOf = (value: unknown): AuditData =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as AuditData) : {};

export const auditDataOf = (row: Pick<AuditRow, "data">): AuditData => jsonObjectOf(JSON.parse(row.data));

const text = (value: unknown): string | null => (typeof value === "string" ? value : null);

/** `source` of every event: `<PUBLIC_URL>/audit`, or `urn:access-requests/audit` without one. */
export const eventSource = (publicUrl: URL | undefined): string =>
  publicUrl ? new URL("/audit", publicUrl).href : "urn:access-requests/audit";

/** The global id of what the event is about (by topic), or null. */
export function subjectOf(row: AuditRow, data: AuditData): string | null {
  switch (topicOf(row.action)) {
    case "REQUESTS":
      return toGlobalIdOrNull("Request", row.requestId);
    case "TICKETS":
      return toGlobalIdOrNull("Ticket", row.ticketId);
    case "GRANTS":
      return text(data.grantId);
    case "SYSTEM_HEALTH":
      return text(data.systemId);
    case "REVIEWS":
      return text(data.reviewId);
    default:
      return null;
  }
}

/**
 * Audit data keys withheld from outbound events (beyond what the API hides from non-admins): a
 * health change's message is the connector's own words (host names, internals), which the API
 * shows admins only (ConnectorHealth.message).
 */
const WITHHELD: Partial<Record<AuditAction, readonly string[]>> = { SYSTEM_HEALTH_CHANGED: ["message"] };

/** The audit event's data as it leaves the product: as a non-admin reader of the event reads it. */
function outboundData(row: AuditRow): AuditData {
  const data = jsonObjectOf(auditDataFor(null, row.action, row.data));
  const withheld = WITHHELD[row.action] ?? [];
  return Object.fromEntries(Object.entries(data).filter(([key]) => !withheld.includes(key)));
}

export function cloudEventOf(row: AuditRow, source: string): CloudEvent {
  const data = outboundData(row);
  return {
    specversion: "1.0",
    id: toGlobalId("AuditEvent", row.id),
    source,
    type: cloudEventType(row.action),
    subject: subjectOf(row, data),
    time: row.at.toISOString(),
    datacontenttype: "application/json",
    sequence: String(row.sequence),
    data: {
      sequence: row.sequence,
      action: row.action,
      actorId: toGlobalIdOrNull("Identity", row.actorId),
      requestId: toGlobalIdOrNull("Request", row.requestId),
      ticketId: toGlobalIdOrNull("Ticket", row.ticketId),
      comment: row.comment,
      data,
    },
  };
}

/** The database id inside a global id of `type` held in the audit data, or null. */
function localId(value: unknown, type: string): string | null {
  const decoded = typeof value === "string" ? fromGlobalId(value) : null;
  return decoded?.type === type ? decoded.id : null;
}

const localIds = (values: unknown, type: string): string[] =>
  Array.isArray(values) ? values.map((v) => localId(v, type)).filter((id): id is string => id !== null) : [];

/** Whether the event concerns `systemId` (an endpoint scoped to one system receives only those). */
export async function concernsSystem(read: Client, row: AuditRow, systemId: string): Promise<boolean> {
  const data = auditDataOf(row);
  const resourceIn = async (resourceIds: string[]) =>
    resourceIds.length > 0 && (await read.resource.count({ where: { id: { in: resourceIds }, systemId } })) > 0;
  switch (topicOf(row.action)) {
    case "TICKETS":
      return (
        row.ticketId !== null && (await read.ticket.count({ where: { id: row.ticketId, resource: { systemId } } })) > 0
      );
    case "REQUESTS":
      return (
        row.requestId !== null &&
        (await read.requestItem.count({ where: { requestId: row.requestId, resource: { systemId } } })) > 0
      );
    case "GRANTS":
      return resourceIn(localIds([data.resourceId], "Resource"));
    case "SYSTEM_HEALTH":
      return localId(data.systemId, "System") === systemId;
    case "REVIEWS": {
      const reviewId = localId(data.reviewId, "AccessReview");
      if (row.action === "REVIEW_ITEM_DECIDED") return resourceIn(localIds([data.resourceId], "Resource"));
      if (!reviewId) return false;
      const review = await read.accessReview.count({
        where: {
          id: reviewId,
          OR: [{ systems: { some: { id: systemId } } }, { resources: { some: { systemId } } }],
        },
      });
      return review > 0;
    }
    default:
      return false;
  }
}
