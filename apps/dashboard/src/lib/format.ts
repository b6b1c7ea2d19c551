// How numbers, statuses and times read for people (the words themselves are the contract's).
import {
  auditActionLabels,
  type AuditAction,
  grantStatusLabels,
  grantStatusTones,
  type GrantStatus,
  healthStatusLabels,
  healthStatusTones,
  type HealthStatus,
  requestStatusLabels,
  requestStatusTones,
  type RequestStatus,
  ticketStatusLabels,
  ticketStatusTones,
  type TicketStatus,
  type Tone,
} from "@access/contract";

export const requestLabel = (n: number) => `REQ-${n}`;
export const ticketLabel = (n: number) => `TKT-${n}`;

/** Anything a status badge shows. Values shared by several enums read and look the same in each. */
export type Status = RequestStatus | TicketStatus | HealthStatus | GrantStatus;

// A request's own table comes first: the few values it reads differently (APPROVED: approved, but
// not set up yet) are asked for with `of: "request"`, and every other enum reads as its own.
const STATUS_TEXT: Record<Status, string> = {
  ...requestStatusLabels,
  ...grantStatusLabels,
  ...healthStatusLabels,
  ...ticketStatusLabels,
};
const STATUS_TONE: Record<Status, Tone> = {
  ...requestStatusTones,
  ...grantStatusTones,
  ...healthStatusTones,
  ...ticketStatusTones,
};

const isRequestStatus = (status: Status): status is RequestStatus => status in requestStatusLabels;

export const statusText = (status: Status, of?: "request"): string =>
  of === "request" && isRequestStatus(status) ? requestStatusLabels[status] : STATUS_TEXT[status];
export const statusTone = (status: Status, of?: "request"): Tone =>
  of === "request" && isRequestStatus(status) ? requestStatusTones[status] : STATUS_TONE[status];

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["week", 7 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
];

/** "3 minutes ago", "just now"; `now` for tests. */
export function relativeTime(iso: string, now: number = Date.now()): string {
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  if (Math.abs(seconds) < 45) return "just now";
  const format = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return format.format(Math.round(seconds / size), unit);
  }
  return format.format(Math.round(seconds / 60), "minute");
}

export const exactTime = (iso: string) =>
  new Date(iso).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "medium" });

/** UserErrors by input field name (the second path element), for showing next to fields. */
export function errorsByField(
  errors: readonly { message: string; field?: readonly string[] | null }[],
): Record<string, string> {
  const byField: Record<string, string> = {};
  for (const error of errors) {
    const key = error.field?.[1] ?? "_form";
    byField[key] = byField[key] ? `${byField[key]} ${error.message}` : error.message;
  }
  return byField;
}

/**
 * Who may act on a ticket that is still waiting, in words ("Bob Manager", "any member of IT
 * Fulfillers", "Bob Manager or any member of IT Fulfillers"); null once nobody needs to act.
 */
export function whoMayAct(
  status: TicketStatus,
  assignees: readonly { displayName: string }[],
  group: { name: string } | null | undefined,
): string | null {
  if (status !== "OPEN" && status !== "FAILED") return null;
  const who = [...assignees.map((a) => a.displayName), ...(group ? [`any member of ${group.name}`] : [])];
  return who.length > 0 ? who.join(" or ") : null;
}

/** What a configuration change, a session's end or a token's issue was, from its data. */
/** How a changed setting named in an audit event's `changed` reads. */
const SETTING_WORDS: Record<string, string> = {
  name: "name",
  description: "description",
  connectorConfig: "connector settings",
  fulfillersGroupId: "fulfillers",
  ticketSlaHours: "SLA",
};

function auditDetail(action: AuditAction, data: Record<string, unknown>): string | null {
  const notes: string[] = [];
  if (action === "CONFIG_CHANGED") {
    if (typeof data.entity === "string" && typeof data.change === "string") notes.push(`${data.entity} ${data.change}`);
    if (data.active === false) notes.push("deactivated");
    if (data.active === true) notes.push("reactivated");
    if (Array.isArray(data.changed) && data.changed.length > 0)
      notes.push(`changed ${data.changed.map((key) => SETTING_WORDS[String(key)] ?? String(key)).join(", ")}`);
    if (data.role === "ADMIN") notes.push("role: admin");
    if (data.role === "END_USER") notes.push("role: end user");
  }
  if (action === "SESSION_ENDED" && typeof data.reason === "string") notes.push(data.reason);
  if (action === "TICKET_STATUS_CHANGED" && data.reason === "request cancelled")
    notes.push("withdrawn because the request was cancelled");
  if (action === "TICKET_STATUS_CHANGED" && data.reason === "retry") notes.push("reopened to try again");
  if (action === "TOKEN_ISSUED" && data.scope === "SCIM") notes.push("SCIM token");
  if (data.source === "SCIM") notes.push("via SCIM");
  return notes.length > 0 ? notes.join(", ") : null;
}

/** The words of a status an audit event names: a request's own for request events. */
function statusWords(value: unknown, ofRequest: boolean): string | null {
  if (typeof value !== "string" || !(value in STATUS_TEXT)) return null;
  return statusText(value as Status, ofRequest ? "request" : undefined);
}

/** What `auditText` reads of an audit event (the AuditEventFields fragment has it all). */
export interface AuditEventLike {
  action: AuditAction;
  data: unknown;
  ticket?: { number: number } | null;
  subjectIdentity?: { displayName: string } | null;
  subjectResource?: { name: string } | null;
  subjectSystem?: { name: string } | null;
  subjectGroup?: { name: string } | null;
}

/**
 * An audit event in people's words: what happened to what, and from what to what ("TKT-3
 * approved: Open → Approved", "Request status changed: Approved, being set up → Fulfilled",
 * "Access granted (Alice Employee, GitHub Write Access)"). The action's code stays on the row as
 * its title.
 */
export function auditText(event: AuditEventLike): string {
  const { action, data, ticket } = event;
  const record = data !== null && typeof data === "object" ? (data as Record<string, unknown>) : null;
  const label = auditActionLabels[action];
  // A ticket's events name it: "Ticket approved" reads "TKT-3 approved".
  const labelled = !ticket
    ? label
    : label.startsWith("Ticket ")
      ? `${ticketLabel(ticket.number)} ${label.slice("Ticket ".length)}`
      : `${label} (${ticketLabel(ticket.number)})`;
  // Whose access, token or session, and which resource, group or system: "Access granted (Alice
  // Employee, GitHub Write Access)". Something deleted since is named by the name its change recorded.
  const names = [
    event.subjectIdentity?.displayName,
    event.subjectResource?.name,
    event.subjectGroup?.name,
    event.subjectSystem?.name,
  ].filter((name): name is string => Boolean(name));
  const subject =
    names.length === 0 && action === "CONFIG_CHANGED" && typeof record?.name === "string" ? [record.name] : names;
  const what = subject.length > 0 ? `${labelled} (${subject.join(", ")})` : labelled;
  const detail = record ? auditDetail(action, record) : null;
  if (detail) return `${what}: ${detail}`;
  const ofRequest = action.startsWith("REQUEST_");
  const to = statusWords(record?.status, ofRequest);
  const from = statusWords(record?.previousStatus, ofRequest);
  // A reassignment carries its unchanged status: nothing changed to show.
  if (!to || action === "TICKET_REASSIGNED" || from === to) return what;
  return from ? `${what}: ${from} → ${to}` : `${what}: ${to}`;
}
