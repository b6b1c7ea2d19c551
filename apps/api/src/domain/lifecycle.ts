// The lifecycle of requests, their items and their tickets, in one place: what each status
// means, which transitions exist (and, for tickets, who makes them and which audit event records
// them), what "open" and "actionable" mean, how a request's status follows from its items — and
// the only writers of those statuses. Every status change goes through moveTicket (which moves
// the ticket's item along where the table says so) / moveItems / refreshRequestStatus, and
// creation checks its initial status against the same tables; a transition the tables do not
// list is a programming error, never a user's.
import type { AuditAction, Prisma, RequestStatus, TicketStatus } from "../generated/prisma/client.ts";
import { TicketKind } from "../generated/prisma/enums.ts";
import type { AuditEntry } from "./audit/events.ts";
import { invalidState } from "./errors.ts";
import type { Work } from "./work.ts";

/** A transition the tables do not allow: a bug in the caller, not something a user can cause. */
export class LifecycleError extends Error {
  override name = "LifecycleError";
}

// ---------------------------------------------------------------- tickets

/** What a ticket of each kind means in each status it can be in (a kind lists only those). */
export const TICKET_STATUSES = {
  APPROVAL: {
    OPEN: "Waiting for one of the step's approvers to approve or reject it.",
    APPROVED: "An approver approved the step; the item went on to its next step or to fulfillment.",
    REJECTED: "An approver rejected the step, which closed the item as rejected.",
    CANCELLED: "The request was cancelled while the step was waiting.",
  },
  FULFILLMENT: {
    OPEN: "Waiting for a fulfiller to provision the access by hand and mark it fulfilled.",
    IN_PROGRESS: "A connector job is provisioning the access; nobody needs to act.",
    FULFILLED: "The access was provisioned, by a fulfiller or by a connector (verified where the protocol allows).",
    FAILED:
      "The connector failed for good, or a fulfiller said it cannot be done (with the reason); a fulfiller retries it or provisions the access by hand.",
    CANCELLED: "The request was cancelled before the access was provisioned.",
  },
  REVOCATION: {
    OPEN: "The grant was revoked on a system without a connector: waiting for a fulfiller to remove the access by hand and say what was done.",
    FULFILLED: "A fulfiller removed the access and left the evidence (a comment).",
  },
} as const satisfies Record<TicketKind, Partial<Record<TicketStatus, string>>>;

type TicketStatusOf<K extends TicketKind> = keyof (typeof TICKET_STATUSES)[K];

/**
 * Who makes a transition: the ticket's `assignee` (an approver or fulfiller, or an admin
 * overriding), the `workflow` itself (opening the next ticket), a `connector` job, or a
 * `cancellation` of the request.
 */
export type Mover = "assignee" | "workflow" | "connector" | "cancellation";

/** The audit actions that record a ticket's status changes. */
export type TicketStatusAction = Extract<
  AuditAction,
  | "TICKET_CREATED"
  | "TICKET_APPROVED"
  | "TICKET_REJECTED"
  | "TICKET_FULFILLED"
  | "TICKET_FAILED"
  | "TICKET_STATUS_CHANGED"
>;

export type TicketTransition = {
  [K in TicketKind]: {
    kind: K;
    /** null: the ticket is created in `to`. */
    from: TicketStatusOf<K> | null;
    to: TicketStatusOf<K>;
    by: Mover;
    action: TicketStatusAction;
    /** The move of the ticket's item that goes with it (moveTicket makes both). */
    item?: { from: ItemStatus; to: ItemStatus };
    when: string;
  };
}[TicketKind];

/**
 * Every status change a ticket can make; nothing else is ever written. A cancellation moves the
 * request's open items itself (cancelRequest), all at once.
 */
export const TICKET_TRANSITIONS: readonly TicketTransition[] = [
  {
    kind: "APPROVAL",
    from: null,
    to: "OPEN",
    by: "workflow",
    action: "TICKET_CREATED",
    when: "the item reaches the step",
  },
  { kind: "APPROVAL", from: "OPEN", to: "APPROVED", by: "assignee", action: "TICKET_APPROVED", when: "approveTicket" },
  {
    kind: "APPROVAL",
    from: "OPEN",
    to: "REJECTED",
    by: "assignee",
    action: "TICKET_REJECTED",
    item: { from: "PENDING_APPROVAL", to: "REJECTED" },
    when: "rejectTicket (approveTicket moves the item only after its last step: advanceItem)",
  },
  {
    kind: "APPROVAL",
    from: "OPEN",
    to: "CANCELLED",
    by: "cancellation",
    action: "TICKET_STATUS_CHANGED",
    when: "cancelRequest",
  },
  {
    kind: "FULFILLMENT",
    from: null,
    to: "OPEN",
    by: "workflow",
    action: "TICKET_CREATED",
    when: "the item's last approval lands on a MANUAL system",
  },
  {
    kind: "FULFILLMENT",
    from: null,
    to: "IN_PROGRESS",
    by: "workflow",
    action: "TICKET_CREATED",
    when: "the item's last approval lands on a connector system (a provisioning job is queued with it)",
  },
  {
    kind: "FULFILLMENT",
    from: "OPEN",
    to: "FULFILLED",
    by: "assignee",
    action: "TICKET_FULFILLED",
    item: { from: "APPROVED", to: "FULFILLED" },
    when: "fulfillTicket",
  },
  {
    kind: "FULFILLMENT",
    from: "IN_PROGRESS",
    to: "FULFILLED",
    by: "connector",
    action: "TICKET_FULFILLED",
    item: { from: "APPROVED", to: "FULFILLED" },
    when: "the connector call succeeded (and reading the state back confirmed it)",
  },
  {
    kind: "FULFILLMENT",
    from: "IN_PROGRESS",
    to: "FAILED",
    by: "connector",
    action: "TICKET_FAILED",
    item: { from: "APPROVED", to: "FAILED" },
    when: "the connector's last attempt failed",
  },
  {
    kind: "FULFILLMENT",
    from: "OPEN",
    to: "FAILED",
    by: "assignee",
    action: "TICKET_FAILED",
    item: { from: "APPROVED", to: "FAILED" },
    when: "declineFulfillment: a fulfiller cannot provision the access by hand, and says why",
  },
  {
    kind: "FULFILLMENT",
    from: "FAILED",
    to: "FULFILLED",
    by: "assignee",
    action: "TICKET_FULFILLED",
    item: { from: "FAILED", to: "FULFILLED" },
    when: "fulfillTicket: a fulfiller provisioned the access by hand",
  },
  {
    kind: "FULFILLMENT",
    from: "FAILED",
    to: "IN_PROGRESS",
    by: "assignee",
    action: "TICKET_STATUS_CHANGED",
    item: { from: "FAILED", to: "APPROVED" },
    when: "retryFulfillment on a connector system (a new job)",
  },
  {
    kind: "FULFILLMENT",
    from: "FAILED",
    to: "OPEN",
    by: "assignee",
    action: "TICKET_STATUS_CHANGED",
    item: { from: "FAILED", to: "APPROVED" },
    when: "retryFulfillment on a MANUAL system (back to its fulfillers)",
  },
  {
    kind: "FULFILLMENT",
    from: "OPEN",
    to: "CANCELLED",
    by: "cancellation",
    action: "TICKET_STATUS_CHANGED",
    when: "cancelRequest",
  },
  {
    kind: "FULFILLMENT",
    from: "IN_PROGRESS",
    to: "CANCELLED",
    by: "cancellation",
    action: "TICKET_STATUS_CHANGED",
    when: "cancelRequest (the job stops and a revocation job is queued)",
  },
  {
    kind: "FULFILLMENT",
    from: "FAILED",
    to: "CANCELLED",
    by: "cancellation",
    action: "TICKET_STATUS_CHANGED",
    when: "cancelRequest (a revocation job is queued)",
  },
  // Revocation tickets belong to the request whose item granted the access, and move neither
  // that item nor the request: the grant is already REVOKED, the ticket is the removal's evidence.
  // Nothing cancels one: once a grant is revoked its access must go.
  {
    kind: "REVOCATION",
    from: null,
    to: "OPEN",
    by: "workflow",
    action: "TICKET_CREATED",
    when: "a grant on a MANUAL system is revoked (revokeGrant, or its holder was deactivated)",
  },
  {
    kind: "REVOCATION",
    from: "OPEN",
    to: "FULFILLED",
    by: "assignee",
    action: "TICKET_FULFILLED",
    when: "fulfillTicket, with the evidence of the removal (a comment is required)",
  },
];

/** Statuses that record who decided the ticket and when (decidedBy: null for a connector). */
const DECIDING_STATUSES: readonly TicketStatus[] = ["APPROVED", "REJECTED", "FULFILLED"];

const TICKET_KINDS = Object.values(TicketKind);

function ticketStatusesWhere(pick: (t: TicketTransition) => boolean): Record<TicketKind, TicketStatus[]> {
  const byKind: Record<TicketKind, TicketStatus[]> = { APPROVAL: [], FULFILLMENT: [], REVOCATION: [] };
  for (const t of TICKET_TRANSITIONS) {
    if (t.from !== null && pick(t) && !byKind[t.kind].includes(t.from)) byKind[t.kind].push(t.from);
  }
  return byKind;
}

/** Open: the ticket can still change (some transition leaves its status). A cancellation closes it. */
export const OPEN_TICKET_STATUSES = ticketStatusesWhere(() => true);
/** Actionable: an assignee may act on it now (approve, reject, fulfill, retry). */
export const ACTIONABLE_TICKET_STATUSES = ticketStatusesWhere((t) => t.by === "assignee");

export const isActionableTicket = (kind: TicketKind, status: TicketStatus): boolean =>
  ACTIONABLE_TICKET_STATUSES[kind].includes(status);

const byKindWhere = (byKind: Record<TicketKind, TicketStatus[]>): Prisma.TicketWhereInput => ({
  OR: TICKET_KINDS.map((kind) => ({ kind, status: { in: byKind[kind] } })),
});
/** SQL form of "open" for tickets (a cancellation closes these). */
export const openTicketWhere: Prisma.TicketWhereInput = byKindWhere(OPEN_TICKET_STATUSES);
/** SQL form of isActionableTicket. */
export const actionableTicketWhere: Prisma.TicketWhereInput = byKindWhere(ACTIONABLE_TICKET_STATUSES);

function findTicketTransition(kind: TicketKind, from: TicketStatus | null, to: TicketStatus): TicketTransition {
  const transition = TICKET_TRANSITIONS.find((t) => t.kind === kind && t.from === from && t.to === to);
  if (!transition) throw new LifecycleError(`No ${kind} ticket goes from ${from ?? "(new)"} to ${to}.`);
  return transition;
}

/** Checks a new ticket's status against the table (the caller creates the row and its TICKET_CREATED event). */
export function checkTicketCreation(kind: TicketKind, status: TicketStatus): void {
  findTicketTransition(kind, null, status);
}

/** A ticket as its writer needs it (rows loaded with these fields fit as they are). */
export interface TicketRef {
  id: string;
  requestId: string;
  itemId: string;
  kind: TicketKind;
}

/** The actions a move writes (TICKET_CREATED is written with the new row, by open-ticket.ts). */
export type TicketMoveAction = Exclude<TicketStatusAction, "TICKET_CREATED">;

/**
 * A move is its audit event: `data.previousStatus` is the status the caller read (the update
 * applies only if the ticket is still in it), `data.status` the one it moves to.
 */
export type TicketMoveEvent<A extends TicketMoveAction> = Omit<AuditEntry<A>, "requestId" | "ticketId">;

async function applyTicketMove<A extends TicketMoveAction>(
  work: Work,
  ticket: TicketRef,
  event: TicketMoveEvent<A>,
): Promise<boolean> {
  const { previousStatus: from, status: to, kind } = event.data;
  if (kind !== ticket.kind) throw new LifecycleError(`A ${ticket.kind} ticket's event says ${kind}.`);
  const transition = findTicketTransition(kind, from, to);
  if (transition.action !== event.action) {
    throw new LifecycleError(`${from} → ${to} is recorded as ${transition.action}, not ${event.action}.`);
  }
  const decided = DECIDING_STATUSES.includes(to) ? { byId: event.actorId, at: new Date() } : undefined;
  if (!(await work.sql.moveTicket({ id: ticket.id, from, to, decided }))) return false;
  if (transition.item) await moveItem(work, { id: ticket.itemId, status: transition.item.from }, transition.item.to);
  work.audit.append<A>({ ...event, requestId: ticket.requestId, ticketId: ticket.id });
  return true;
}

/**
 * Moves a ticket `from → to` with a conditional update (and its item, where the table says so)
 * and appends its audit event; of two simultaneous moves exactly one wins, and the other gets
 * INVALID_STATE.
 */
export async function moveTicket<A extends TicketMoveAction>(
  work: Work,
  ticket: TicketRef,
  event: TicketMoveEvent<A>,
): Promise<void> {
  if (!(await applyTicketMove(work, ticket, event))) throw invalidState("The ticket was already decided or changed.");
}

/** As moveTicket, for the system's own moves that lose quietly: false when the ticket had left `from` already. */
export function moveTicketIfStill<A extends TicketMoveAction>(
  work: Work,
  ticket: TicketRef,
  event: TicketMoveEvent<A>,
): Promise<boolean> {
  return applyTicketMove(work, ticket, event);
}

// ---------------------------------------------------------------- items

/** What a request item means in each status (items use the request statuses but PARTIALLY_FULFILLED). */
export const ITEM_STATUSES = {
  PENDING_APPROVAL: "Waiting for its current approval step to be decided.",
  APPROVED: "Every approval step approved; its fulfillment ticket is open or a connector is provisioning it.",
  FULFILLED: "The access was provisioned; the target holds an active grant for it.",
  REJECTED: "An approver rejected one of its steps.",
  CANCELLED: "The request was cancelled before the access was provisioned.",
  FAILED:
    "The connector failed for good, or a fulfiller said it cannot be done; a fulfiller retries it or provisions the access by hand.",
} as const satisfies Partial<Record<RequestStatus, string>>;

export type ItemStatus = keyof typeof ITEM_STATUSES;

export interface ItemTransition {
  from: ItemStatus | null;
  to: ItemStatus;
  when: string;
}

/** Every status change an item can make. */
export const ITEM_TRANSITIONS: readonly ItemTransition[] = [
  { from: null, to: "PENDING_APPROVAL", when: "the request is created" },
  {
    from: "PENDING_APPROVAL",
    to: "APPROVED",
    when: "its last approval step is approved, or it has none (auto-approval)",
  },
  { from: "PENDING_APPROVAL", to: "REJECTED", when: "one of its approval tickets is rejected" },
  { from: "APPROVED", to: "FULFILLED", when: "its fulfillment ticket is fulfilled (by a fulfiller or a connector)" },
  {
    from: "APPROVED",
    to: "FAILED",
    when: "its fulfillment ticket failed (the connector's last attempt, or a fulfiller declined it)",
  },
  { from: "FAILED", to: "APPROVED", when: "a fulfiller retries the fulfillment" },
  { from: "FAILED", to: "FULFILLED", when: "a fulfiller provisions the access by hand" },
  { from: "PENDING_APPROVAL", to: "CANCELLED", when: "the request is cancelled" },
  { from: "APPROVED", to: "CANCELLED", when: "the request is cancelled" },
  { from: "FAILED", to: "CANCELLED", when: "the request is cancelled" },
];

/** Open: the item can still change; its target cannot request the same resource meanwhile (`openKey`). */
export const OPEN_ITEM_STATUSES: readonly RequestStatus[] = [
  ...new Set(ITEM_TRANSITIONS.flatMap((t) => (t.from === null ? [] : [t.from]))),
];
export const isOpenItem = (status: RequestStatus): boolean => OPEN_ITEM_STATUSES.includes(status);
/** SQL form of isOpenItem. */
export const openItemWhere: Prisma.RequestItemWhereInput = { status: { in: [...OPEN_ITEM_STATUSES] } };

function checkItemTransition(from: RequestStatus | null, to: RequestStatus): void {
  if (!ITEM_TRANSITIONS.some((t) => t.from === from && t.to === to)) {
    throw new LifecycleError(`No item goes from ${from ?? "(new)"} to ${to}.`);
  }
}

/** The status every item starts in. */
export const NEW_ITEM_STATUS: ItemStatus = "PENDING_APPROVAL";
checkItemTransition(null, NEW_ITEM_STATUS);

/**
 * Moves items, each from the status the caller read, to `to` (conditional updates; INVALID_STATE
 * when one changed meanwhile). An item that closes frees its `openKey`.
 */
export async function moveItems(
  work: Work,
  items: readonly { id: string; status: RequestStatus }[],
  to: ItemStatus,
): Promise<void> {
  const byFrom = new Map<RequestStatus, string[]>();
  for (const item of items) byFrom.set(item.status, [...(byFrom.get(item.status) ?? []), item.id]);
  for (const [from, ids] of byFrom) {
    checkItemTransition(from, to);
    const count = await work.sql.moveItems({ ids, from, to, clearOpenKey: !isOpenItem(to) });
    if (count !== ids.length) throw invalidState("The item changed meanwhile.");
  }
}

export const moveItem = (work: Work, item: { id: string; status: RequestStatus }, to: ItemStatus): Promise<void> =>
  moveItems(work, [item], to);

// ---------------------------------------------------------------- requests

/** What a request means in each status; it follows from its items (deriveRequestStatus). */
export const REQUEST_STATUSES = {
  PENDING_APPROVAL: "At least one item waits for an approval.",
  APPROVED: "No item waits for approval, and at least one approved item is being fulfilled.",
  FAILED: "An item's fulfillment failed for good and waits for a fulfiller; no other item waits for anything.",
  FULFILLED: "Every item was fulfilled.",
  PARTIALLY_FULFILLED: "Some items were fulfilled, the others rejected or cancelled.",
  REJECTED: "No item was fulfilled, and at least one was rejected (the others, if any, cancelled).",
  CANCELLED: "The request was cancelled before any item was fulfilled or rejected.",
} as const satisfies Record<RequestStatus, string>;

/** DESIGN.md "Request status": a request's status from its items' statuses. */
export function deriveRequestStatus(items: readonly RequestStatus[]): RequestStatus {
  const has = (s: RequestStatus) => items.includes(s);
  const all = (s: RequestStatus) => items.length > 0 && items.every((i) => i === s);
  if (has("PENDING_APPROVAL")) return "PENDING_APPROVAL";
  if (has("APPROVED")) return "APPROVED";
  if (has("FAILED")) return "FAILED";
  if (all("FULFILLED")) return "FULFILLED";
  if (has("FULFILLED")) return "PARTIALLY_FULFILLED";
  if (all("CANCELLED")) return "CANCELLED";
  return "REJECTED";
}

/**
 * Every status change a request can make (key: from; "(new)": creation). After creation the
 * status follows from the items, so these are exactly the changes that item transitions cause
 * (the lifecycle test derives them from ITEM_TRANSITIONS). The other statuses are final.
 */
export const REQUEST_TRANSITIONS: Readonly<Partial<Record<RequestStatus | "(new)", readonly RequestStatus[]>>> = {
  "(new)": ["PENDING_APPROVAL"],
  PENDING_APPROVAL: ["APPROVED", "FAILED", "PARTIALLY_FULFILLED", "REJECTED", "CANCELLED"],
  APPROVED: ["FAILED", "FULFILLED", "PARTIALLY_FULFILLED", "REJECTED", "CANCELLED"],
  FAILED: ["APPROVED", "FULFILLED", "PARTIALLY_FULFILLED", "REJECTED", "CANCELLED"],
};

function checkRequestTransition(from: RequestStatus | null, to: RequestStatus): void {
  if (!REQUEST_TRANSITIONS[from ?? "(new)"]?.includes(to)) {
    throw new LifecycleError(`No request goes from ${from ?? "(new)"} to ${to}.`);
  }
}

/** The status every request starts in. */
export const NEW_REQUEST_STATUS: RequestStatus = "PENDING_APPROVAL";
checkRequestTransition(null, NEW_REQUEST_STATUS);

/**
 * Recomputes the request's status from its items; writes it (and closedAt, set once no item is
 * open) with an audit event when it changed, or always when `explicit` names the action (e.g.
 * REQUEST_CANCELLED).
 */
export async function refreshRequestStatus(
  work: Work,
  requestId: string,
  actorId: string | null,
  explicit?: { action: "REQUEST_CANCELLED"; comment: string | null },
): Promise<RequestStatus> {
  // Touching the row first takes its lock (PostgreSQL) before the items are read: two decisions
  // on sibling items that commit together would otherwise each derive the status from the other's
  // item as it was before, and leave the request with a stale status.
  const request = await work.sql.touchRequest(requestId);
  if (!request) throw new LifecycleError(`No request ${requestId} to refresh.`);
  const itemStatuses = await work.sql.itemStatuses(requestId);
  const status = deriveRequestStatus(itemStatuses);
  if (status !== request.status) checkRequestTransition(request.status, status);
  const closedAt = itemStatuses.some(isOpenItem) ? null : (request.closedAt ?? new Date());
  // The touch above already wrote updatedAt: a second write only when status or closedAt change.
  if (status !== request.status || closedAt !== request.closedAt) {
    await work.sql.setRequestStatus(requestId, status, closedAt);
  }
  if (status !== request.status || explicit) {
    work.audit.append({
      action: explicit?.action ?? "REQUEST_STATUS_CHANGED",
      actorId,
      requestId,
      comment: explicit?.comment ?? null,
      data: { previousStatus: request.status, status },
    });
  }
  return status;
}

// ---------------------------------------------------------------- descriptions

/** A ticket status's meaning for every kind that has it, e.g. for the schema. */
export function describeTicketStatus(status: TicketStatus): string {
  return TICKET_KINDS.flatMap((kind) => {
    const meanings: Partial<Record<TicketStatus, string>> = TICKET_STATUSES[kind];
    const meaning = meanings[status];
    return meaning ? [`${kind}: ${meaning}`] : [];
  }).join("\n");
}
