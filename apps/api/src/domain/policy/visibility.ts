// Who may see what: the one definition of visibility for requests, tickets, grants, audit
// events and access reviews. Queries use the `...Where` builders (SQL filters), the live feed uses `canSeeRequest`
// (in memory, over the same facts). Tests check that both agree.
//
// An end user sees a request when they made it, it is for them, or they are involved in one of
// its tickets (named assignee, member of the assigned group, or the one who decided it). Tickets
// and audit events are visible exactly when their request is. Admins see everything.
import type { Prisma } from "../../generated/prisma/client.ts";
import { type Actor, isAdmin } from "../work.ts";

export function involvedTicketWhere(viewer: Actor): Prisma.TicketWhereInput {
  return {
    OR: [
      { assignees: { some: { id: viewer.id } } },
      { assigneeGroup: { members: { some: { id: viewer.id } } } },
      { decidedById: viewer.id },
    ],
  };
}

export function visibleRequestWhere(viewer: Actor): Prisma.RequestWhereInput {
  if (isAdmin(viewer)) return {};
  return {
    OR: [{ requesterId: viewer.id }, { targetId: viewer.id }, { tickets: { some: involvedTicketWhere(viewer) } }],
  };
}

export function visibleTicketWhere(viewer: Actor): Prisma.TicketWhereInput {
  return isAdmin(viewer) ? {} : { request: visibleRequestWhere(viewer) };
}

/**
 * The `tickets` list of an end user: tickets they are involved in and those of their own
 * requests (a narrower view than visibility, which also includes sibling tickets).
 */
export function ticketListWhere(viewer: Actor): Prisma.TicketWhereInput {
  if (isAdmin(viewer)) return {};
  return {
    OR: [{ request: { OR: [{ requesterId: viewer.id }, { targetId: viewer.id }] } }, involvedTicketWhere(viewer)],
  };
}

export function visibleAuditEventWhere(viewer: Actor): Prisma.AuditEventWhereInput {
  return isAdmin(viewer) ? {} : { request: visibleRequestWhere(viewer) };
}

/**
 * Grants someone may act on as holder: their own (admins: all). The `grants` list, extensions and
 * revokeGrant use it; seeing a grant (below) is wider.
 */
export function heldGrantWhere(viewer: Actor): Prisma.GrantWhereInput {
  return isAdmin(viewer) ? {} : { identityId: viewer.id };
}

/** Grants: the holder and admins, and the reviewers of a review item about the grant (they decide on it). */
export function visibleGrantWhere(viewer: Actor): Prisma.GrantWhereInput {
  if (isAdmin(viewer)) return {};
  return { OR: [{ identityId: viewer.id }, { reviewItems: { some: visibleReviewItemWhere(viewer) } }] };
}

/**
 * Access review items: their reviewers and admins. Not their holders, even once the campaign
 * closed: reviewers must be free to decide. A holder learns of a revocation from the grant's end
 * (its GRANT_REVOKED event on the request that granted it carries the reason).
 */
export function visibleReviewItemWhere(viewer: Actor): Prisma.AccessReviewItemWhereInput {
  return isAdmin(viewer) ? {} : { reviewers: { some: { id: viewer.id } } };
}

/** Access review campaigns: admins, and end users who review at least one of their items. */
export function visibleReviewWhere(viewer: Actor): Prisma.AccessReviewWhereInput {
  return isAdmin(viewer) ? {} : { items: { some: visibleReviewItemWhere(viewer) } };
}

/** Who receives a campaign's live changes: the reviewers of each item (admins receive all). */
export interface ReviewAudience {
  /** Every reviewer of the campaign's items (a start or a close reaches them all). */
  reviewers: ReadonlySet<string>;
  /** Each item's reviewers (a decision reaches those of its item). */
  itemReviewers: ReadonlyMap<string, ReadonlySet<string>>;
}

export const reviewAudienceSelect = {
  items: { select: { id: true, reviewers: { select: { id: true } } } },
} satisfies Prisma.AccessReviewSelect;

export function toReviewAudience(
  review: Prisma.AccessReviewGetPayload<{ select: typeof reviewAudienceSelect }>,
): ReviewAudience {
  const itemReviewers = new Map(review.items.map((item) => [item.id, new Set(item.reviewers.map((r) => r.id))]));
  return { reviewers: new Set([...itemReviewers.values()].flatMap((ids) => [...ids])), itemReviewers };
}

/** A change of the campaign (itemId null) or of one of its items, for `viewer`. */
export function canSeeReviewChange(viewer: Actor, audience: ReviewAudience, itemId: string | null): boolean {
  if (isAdmin(viewer)) return true;
  const who = itemId === null ? audience.reviewers : audience.itemReviewers.get(itemId);
  return who?.has(viewer.id) ?? false;
}

/** Resources an end user may list: the requestable ones. */
export function visibleResourceWhere(viewer: Actor): Prisma.ResourceWhereInput {
  return isAdmin(viewer) ? {} : { requestable: true };
}

/** The facts about a request that decide who sees it (what the live feed loads per change). */
export interface RequestAudience {
  requesterId: string;
  targetId: string;
  /** Named assignees, members of assigned groups, deciders, across all its tickets. */
  involved: ReadonlySet<string>;
}

export const audienceSelect = {
  requesterId: true,
  targetId: true,
  tickets: {
    select: {
      decidedById: true,
      assignees: { select: { id: true } },
      assigneeGroup: { select: { members: { select: { id: true } } } },
    },
  },
} satisfies Prisma.RequestSelect;

export function toAudience(request: Prisma.RequestGetPayload<{ select: typeof audienceSelect }>): RequestAudience {
  const involved = new Set<string>();
  for (const ticket of request.tickets) {
    if (ticket.decidedById) involved.add(ticket.decidedById);
    for (const assignee of ticket.assignees) involved.add(assignee.id);
    for (const member of ticket.assigneeGroup?.members ?? []) involved.add(member.id);
  }
  return { requesterId: request.requesterId, targetId: request.targetId, involved };
}

export function canSeeRequest(viewer: Actor, audience: RequestAudience): boolean {
  return (
    isAdmin(viewer) ||
    audience.requesterId === viewer.id ||
    audience.targetId === viewer.id ||
    audience.involved.has(viewer.id)
  );
}

/** An identity's own records (grants, API tokens): admins and the identity itself. */
export function maySeePersonal(viewer: Actor | null, identityId: string): boolean {
  return viewer !== null && (isAdmin(viewer) || viewer.id === identityId);
}

/** Data keys of audit events that only admins read: what a connector's peer said (`detail`). */
const ADMIN_ONLY_AUDIT_DATA: Partial<Record<string, readonly string[]>> = { CONNECTOR_CALLED: ["detail"] };

/**
 * An audit event's data as `viewer` may read it. Everyone who may see the event reads its code
 * and plain message; a connector's detail (a peer's words: host names, users, internals) is for
 * admins, who also get the whole trail, unchanged and verifiable, from the export.
 */
export function auditDataFor(viewer: Actor | null, action: string, data: string): unknown {
  const parsed = JSON.parse(data) as Record<string, unknown>;
  const hidden = ADMIN_ONLY_AUDIT_DATA[action];
  if (!hidden || viewer?.role === "ADMIN") return parsed;
  return Object.fromEntries(Object.entries(parsed).filter(([key]) => !hidden.includes(key)));
}
