// Leavers and movers: what follows, in the same transaction, when an identity is deactivated or
// its manager changes. updateIdentity calls these after writing the identity row (so routing
// already sees the change), as will anything else that deactivates people (SCIM); `actorId` is
// the admin making the change, or null when the system does.
//
// A leaver's API tokens stop through `credentialsChanged` (directory.ts). Then: the open requests
// they made or that are for them are cancelled; the open tickets naming them as an assignee go to
// the remaining named assignees, or are routed again (the admins when nobody eligible is left);
// their active grants are revoked (a REVOKE job on connector systems, a revocation ticket for the
// fulfillers on MANUAL ones). Each step is audited and live. Reactivation restores none of it.
import { openItemWhere, openTicketWhere } from "../lifecycle.ts";
import { routeApprovalStepAgain, type Routing } from "../policy/routing.ts";
import { cancelOpenItems } from "../requests/request-actions.ts";
import { endGrant, revocableGrantSelect } from "../grants/revocation.ts";
import { reassignableTicketSelect, reassignTicket, type ReassignableTicket } from "../tickets/reassign-ticket.ts";
import type { Tx, Work } from "../work.ts";

/** The reason recorded on every cancellation and revocation a deactivation causes. */
const DEACTIVATION_REASON = "identity deactivated";

async function partiesOf(tx: Tx, requestId: string) {
  return tx.request.findUniqueOrThrow({ where: { id: requestId }, select: { requesterId: true, targetId: true } });
}

/**
 * Who takes over a ticket that named the leaver: the other named assignees who are still active
 * (the assignment stays a snapshot), else the step routed again without the leaver.
 */
async function routeWithout(work: Work, ticket: ReassignableTicket, leaverId: string): Promise<Routing> {
  const others = ticket.assignees.map((a) => a.id).filter((id) => id !== leaverId);
  const stillActive = others.length
    ? await work.tx.identity.findMany({ where: { id: { in: others }, active: true }, select: { id: true } })
    : [];
  if (stillActive.length > 0) {
    return {
      assigneeIds: stillActive.map((i) => i.id),
      assigneeGroupId: null,
      assignedToAdmins: false,
      fallbackReason: null,
    };
  }
  return routeApprovalStepAgain(work.tx, ticket, await partiesOf(work.tx, ticket.requestId));
}

/** Everything a deactivation ends: requests, assignments, grants (see the header). */
export async function offboardIdentity(work: Work, actorId: string | null, identityId: string): Promise<void> {
  const requests = await work.tx.request.findMany({
    where: { OR: [{ requesterId: identityId }, { targetId: identityId }], items: { some: openItemWhere } },
    select: { id: true, targetId: true },
    orderBy: { number: "asc" },
  });
  for (const request of requests) await cancelOpenItems(work, actorId, request, DEACTIVATION_REASON);

  const tickets = await work.tx.ticket.findMany({
    where: { assignees: { some: { id: identityId } }, ...openTicketWhere },
    select: reassignableTicketSelect,
    orderBy: { number: "asc" },
  });
  for (const ticket of tickets) {
    await reassignTicket(work, actorId, ticket, await routeWithout(work, ticket, identityId), "assignee deactivated");
  }

  const grants = await work.tx.grant.findMany({
    where: { identityId, status: "ACTIVE" },
    select: revocableGrantSelect,
    orderBy: { grantedAt: "asc" },
  });
  for (const grant of grants) await endGrant(work, grant, { status: "REVOKED", actorId, reason: DEACTIVATION_REASON });
}

/** A mover: the open MANAGER-step approvals of requests for the identity go to its manager now. */
export async function rerouteManagerApprovals(work: Work, actorId: string | null, identityId: string): Promise<void> {
  const tickets = await work.tx.ticket.findMany({
    where: { kind: "APPROVAL", request: { targetId: identityId }, ...openTicketWhere },
    select: reassignableTicketSelect,
    orderBy: { number: "asc" },
  });
  for (const ticket of tickets) {
    const routing = await routeApprovalStepAgain(work.tx, ticket, await partiesOf(work.tx, ticket.requestId));
    if (routing.stepKind === "MANAGER") await reassignTicket(work, actorId, ticket, routing, "manager changed");
  }
}
