// The status changes the live feed delivers, and how audit events become them. Every
// AuditAction is classified in one table (a ticket, request, health or review change, or none) that the
// audit data shapes type (domain/audit/events.ts): a new action does not compile until it is
// classified, and a classification must agree with its action's data. Stored data is then read
// back with a validating decoder: an event whose data does not have its shape is reported, not
// guessed at.
import {
  AuditAction,
  HealthStatus,
  RequestStatus,
  ReviewDecision,
  TicketKind,
  TicketStatus,
} from "../generated/prisma/enums.ts";
import type {
  AuditData,
  GrantData,
  HealthStatusData,
  RequestStatusData,
  ReviewData,
  TicketStatusData,
} from "../domain/audit/events.ts";
import { fromGlobalId } from "../domain/global-id.ts";

export interface TicketStatusChange {
  kind: "ticket";
  sequence: number;
  at: Date;
  requestId: string;
  ticketId: string;
  actorId: string | null;
  previousStatus: TicketStatus | null;
  status: TicketStatus;
}

export interface RequestStatusChange {
  kind: "request";
  sequence: number;
  at: Date;
  requestId: string;
  actorId: string | null;
  previousStatus: RequestStatus | null;
  status: RequestStatus;
}

export interface SystemHealthChange {
  kind: "health";
  sequence: number;
  at: Date;
  systemId: string;
  previousStatus: HealthStatus | null;
  status: HealthStatus;
  message: string | null;
}

/** A grant began, ended or moved its end: for its holder and admins. */
export interface GrantChange {
  kind: "grant";
  sequence: number;
  at: Date;
  action: GrantChangeAction;
  grantId: string;
  identityId: string;
  actorId: string | null;
}

/** An access review campaign started or closed (itemId null), or one of its items was decided. */
export interface AccessReviewChange {
  kind: "review";
  sequence: number;
  at: Date;
  reviewId: string;
  itemId: string | null;
  actorId: string | null;
  action: "REVIEW_STARTED" | "REVIEW_ITEM_DECIDED" | "REVIEW_CLOSED";
  /** The item's decision (REVIEW_ITEM_DECIDED). */
  decision: ReviewDecision | null;
}

export type StatusChange =
  TicketStatusChange | RequestStatusChange | SystemHealthChange | GrantChange | AccessReviewChange;
export type ChangeKind = StatusChange["kind"];

/** The kind of change an action's data shape describes, if any (a grant's data may carry none). */
type KindOf<Data> = [Data] extends [TicketStatusData]
  ? "ticket"
  : [Data] extends [RequestStatusData]
    ? "request"
    : [Data] extends [HealthStatusData]
      ? "health"
      : [Data] extends [ReviewData]
        ? "review"
        : [Data] extends [GrantData]
          ? "grant" | null
          : null;

/** How the live feed treats each audit action: the kind of change it delivers, or null. */
export const LIVE_KINDS = {
  REQUEST_CREATED: "request",
  REQUEST_STATUS_CHANGED: "request",
  REQUEST_CANCELLED: "request",
  TICKET_CREATED: "ticket",
  TICKET_APPROVED: "ticket",
  TICKET_REJECTED: "ticket",
  TICKET_FULFILLED: "ticket",
  TICKET_FAILED: "ticket",
  TICKET_STATUS_CHANGED: "ticket",
  // A reassignment changes who may act (status unchanged): lists of actionable tickets follow it.
  TICKET_REASSIGNED: "ticket",
  TICKET_REMINDED: "ticket",
  TICKET_ESCALATED: "ticket",
  TICKET_CLAIMED: "ticket",
  DELEGATION_SET: null,
  DELEGATION_ENDED: null,
  NOTIFICATION_SETTINGS_CHANGED: null,
  TICKET_COMMENTED: null,
  CONNECTOR_CALLED: null,
  GRANT_ACTIVATED: "grant",
  GRANT_REVOKED: "grant",
  GRANT_EXPIRED: "grant",
  CONFIG_CHANGED: null,
  TOKEN_ISSUED: null,
  TOKEN_REVOKED: null,
  POLICY_APPLIED: null,
  SYSTEM_HEALTH_CHANGED: "health",
  SESSION_STARTED: null,
  SESSION_ENDED: null,
  GRANT_EXTENDED: "grant",
  REVIEW_STARTED: "review",
  REVIEW_ITEM_DECIDED: "review",
  REVIEW_CLOSED: "review",
} as const satisfies { [A in AuditAction]: KindOf<AuditData[A]> };

/** The actions that carry changes of each kind. */
export const ACTIONS_OF: Record<ChangeKind, AuditAction[]> = {
  ticket: [],
  request: [],
  health: [],
  grant: [],
  review: [],
};

/** The grant actions, as the live change names them. */
const GRANT_CHANGE_ACTIONS = {
  GRANT_ACTIVATED: "ACTIVATED",
  GRANT_REVOKED: "REVOKED",
  GRANT_EXPIRED: "EXPIRED",
  GRANT_EXTENDED: "EXTENDED",
} as const satisfies Partial<Record<AuditAction, string>>;
export type GrantChangeAction = (typeof GRANT_CHANGE_ACTIONS)[keyof typeof GRANT_CHANGE_ACTIONS];
export const GRANT_CHANGE_KINDS = Object.values(GRANT_CHANGE_ACTIONS);
for (const action of Object.values(AuditAction)) {
  const kind = LIVE_KINDS[action];
  if (kind) ACTIONS_OF[kind].push(action);
}
/** Every action that carries a change. */
export const CHANGE_ACTIONS: readonly AuditAction[] = Object.values(ACTIONS_OF).flat();

/** An audit event as the feed reads it (data: the stored canonical JSON). */
export interface StoredEvent {
  sequence: number;
  at: Date;
  action: AuditAction;
  actorId: string | null;
  requestId: string | null;
  ticketId: string | null;
  data: string;
}

export type Decoded = { ok: true; change: StatusChange | null } | { ok: false; problem: string };

type Fields = { [key: string]: unknown };

function parseFields(text: string): Fields | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Fields) : null;
}

const oneOf =
  <T extends string>(values: { [key: string]: T }) =>
  (value: unknown): value is T =>
    typeof value === "string" && Object.values<string>(values).includes(value);

const isTicketStatus = oneOf(TicketStatus);
const isTicketKind = oneOf(TicketKind);
const isRequestStatus = oneOf(RequestStatus);
const isHealthStatus = oneOf(HealthStatus);
const isReviewDecision = oneOf(ReviewDecision);

/** The database id inside a global id of `type` in the event's data, or null. */
function idOf(value: unknown, type: string): string | null {
  const decoded = typeof value === "string" ? fromGlobalId(value) : null;
  return decoded?.type === type ? decoded.id : null;
}

/** `previousStatus` (null or a status) and `status` of a change, or what is wrong with them. */
function statuses<T extends string>(
  fields: Fields,
  isStatus: (value: unknown) => value is T,
): { previousStatus: T | null; status: T } | string {
  const { previousStatus, status } = fields;
  if (!isStatus(status)) return `status ${JSON.stringify(status)} is not one of its statuses`;
  if (previousStatus !== null && !isStatus(previousStatus)) {
    return `previousStatus ${JSON.stringify(previousStatus)} is neither null nor one of its statuses`;
  }
  return { previousStatus, status };
}

/**
 * The change a stored event records: null when its action carries none, a problem when its data
 * (or the columns the change needs) do not have the action's shape.
 */
export function decodeChange(event: StoredEvent): Decoded {
  const kind = LIVE_KINDS[event.action];
  if (kind === null) return { ok: true, change: null };
  const fields = parseFields(event.data);
  if (!fields) return { ok: false, problem: "data is not a JSON object" };
  const at = { sequence: event.sequence, at: event.at };
  switch (kind) {
    case "health": {
      const pair = statuses(fields, isHealthStatus);
      if (typeof pair === "string") return { ok: false, problem: pair };
      const system = typeof fields.systemId === "string" ? fromGlobalId(fields.systemId) : null;
      if (system?.type !== "System") return { ok: false, problem: "systemId is not the id of a System" };
      const { message } = fields;
      if (message !== null && typeof message !== "string") return { ok: false, problem: "message is not text or null" };
      return { ok: true, change: { kind, ...at, systemId: system.id, ...pair, message } };
    }
    case "request": {
      const pair = statuses(fields, isRequestStatus);
      if (typeof pair === "string") return { ok: false, problem: pair };
      if (!event.requestId) return { ok: false, problem: "the event names no request" };
      return { ok: true, change: { kind, ...at, requestId: event.requestId, actorId: event.actorId, ...pair } };
    }
    case "grant": {
      const grant = typeof fields.grantId === "string" ? fromGlobalId(fields.grantId) : null;
      const holder = typeof fields.identityId === "string" ? fromGlobalId(fields.identityId) : null;
      if (grant?.type !== "Grant") return { ok: false, problem: "grantId is not the id of a Grant" };
      if (holder?.type !== "Identity") return { ok: false, problem: "identityId is not the id of an Identity" };
      const action = GRANT_CHANGE_ACTIONS[event.action as keyof typeof GRANT_CHANGE_ACTIONS];
      const ids = { grantId: grant.id, identityId: holder.id, actorId: event.actorId };
      return { ok: true, change: { kind, ...at, action, ...ids } };
    }
    case "review": {
      const reviewId = idOf(fields.reviewId, "AccessReview");
      if (!reviewId) return { ok: false, problem: "reviewId is not the id of an AccessReview" };
      const base = { kind, ...at, reviewId, actorId: event.actorId };
      if (event.action !== "REVIEW_ITEM_DECIDED") {
        const action = event.action === "REVIEW_STARTED" ? event.action : "REVIEW_CLOSED";
        return { ok: true, change: { ...base, action, itemId: null, decision: null } };
      }
      const itemId = idOf(fields.itemId, "AccessReviewItem");
      if (!itemId) return { ok: false, problem: "itemId is not the id of an AccessReviewItem" };
      if (!isReviewDecision(fields.decision))
        return { ok: false, problem: `decision ${JSON.stringify(fields.decision)} is not a review decision` };
      return { ok: true, change: { ...base, action: event.action, itemId, decision: fields.decision } };
    }
    case "ticket": {
      const pair = statuses(fields, isTicketStatus);
      if (typeof pair === "string") return { ok: false, problem: pair };
      if (!isTicketKind(fields.kind))
        return { ok: false, problem: `kind ${JSON.stringify(fields.kind)} is not a ticket kind` };
      if (!event.requestId || !event.ticketId) return { ok: false, problem: "the event names no request or ticket" };
      const ids = { requestId: event.requestId, ticketId: event.ticketId, actorId: event.actorId };
      return { ok: true, change: { kind, ...at, ...ids, ...pair } };
    }
  }
}
