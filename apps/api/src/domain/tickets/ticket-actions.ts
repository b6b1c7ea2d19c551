// What people do to tickets: approve, reject, fulfill, decline a fulfillment, retry, comment, and
// the cancellation of a request's open tickets. Each function runs inside the caller's transaction, checks visibility,
// the actor's right (separation of duties, admin override) and the ticket's state, then moves it
// through the lifecycle's writer (a conditional update, so that of two simultaneous decisions
// exactly one wins).
import { toGlobalId } from "../global-id.ts";
import { invalid, invalidState, notFound } from "../errors.ts";
import { activateGrant } from "../grants/grants.ts";
import { checkEnd, describeTime } from "../grants/grant-ends.ts";
import { isActionableTicket, moveTicket, openTicketWhere, refreshRequestStatus } from "../lifecycle.ts";
import { visibleTicketWhere } from "../policy/visibility.ts";
import { actingRightOf, requireRight } from "../policy/routing.ts";
import { LIMITS, optionalText, requiredText } from "../validate.ts";
import { type Actor, isAdmin, type Work } from "../work.ts";
import { cancelPendingJobs, enqueueJob } from "../jobs.ts";
import { advanceItem, type ItemContext } from "./open-ticket.ts";

const ticketSelect = {
  id: true,
  kind: true,
  status: true,
  step: true,
  itemId: true,
  requestId: true,
  resourceId: true,
  assigneeGroupId: true,
  assignedToAdmins: true,
  claimedById: true,
  request: { select: { requesterId: true, targetId: true } },
} as const;

/**
 * The visible ticket as its actions need it: one statement for the ticket (whether the actor is
 * one of its named assignees is a count joined into the same SELECT) and one for its request's
 * parties. One relation per read also keeps Prisma from running sibling relation reads
 * concurrently on the transaction's one connection (PostgreSQL's driver deprecates that).
 */
async function loadTicket(work: Work, actor: Actor, ticketId: string) {
  const ticket = await work.tx.ticket.findFirst({
    where: { id: ticketId, ...visibleTicketWhere(actor) },
    select: { ...ticketSelect, _count: { select: { assignees: { where: { id: actor.id } } } } },
  });
  if (!ticket) throw notFound("Ticket", ["input", "ticketId"]);
  const item: ItemContext = {
    itemId: ticket.itemId,
    requestId: ticket.requestId,
    resourceId: ticket.resourceId,
    requesterId: ticket.request.requesterId,
    targetId: ticket.request.targetId,
  };
  return { ticket, item };
}

type LoadedTicket = Awaited<ReturnType<typeof loadTicket>>["ticket"];

/**
 * The actor's right to act on the ticket (routing.ts: actingRightOf), throwing the contract's
 * error when there is none; true for an admin's override. The group's membership is read only
 * when it decides: not for the requester or target, nor for an actor assigned by name or as admin.
 */
async function requireRightToAct(work: Work, actor: Actor, ticket: LoadedTicket): Promise<boolean> {
  const parties = ticket.request;
  const isParty = actor.id === parties.requesterId || actor.id === parties.targetId;
  const assigned =
    !isParty &&
    (ticket._count.assignees > 0 ||
      (ticket.assignedToAdmins && isAdmin(actor)) ||
      (ticket.assigneeGroupId !== null &&
        (await work.tx.group.count({ where: { id: ticket.assigneeGroupId, members: { some: { id: actor.id } } } })) >
          0));
  return requireRight(actingRightOf(actor, parties, assigned));
}

async function requiresEvidence(work: Work, resourceId: string): Promise<boolean> {
  const resource = await work.tx.resource.findUniqueOrThrow({
    where: { id: resourceId },
    select: { requiresFulfillmentEvidence: true },
  });
  return resource.requiresFulfillmentEvidence;
}

async function addComment(work: Work, ticketId: string, authorId: string, body: string | null): Promise<void> {
  if (body) await work.tx.ticketComment.create({ data: { ticketId, authorId, body } });
}

export interface DecideInput {
  ticketId: string;
  comment?: string | null;
}

export interface ApproveInput extends DecideInput {
  /** An earlier end of access than the item has (approvals only). */
  grantExpiresAt?: Date | null;
}

/**
 * The earlier end an approver sets: in the future, within the resource's maximum, and not later
 * than the end the item already has (an approver shortens access, never lengthens it).
 */
async function shortenedEnd(work: Work, itemId: string, end: Date): Promise<Date> {
  const field = ["input", "grantExpiresAt"];
  const item = await work.tx.requestItem.findUniqueOrThrow({
    where: { id: itemId },
    select: { grantExpiresAt: true, resource: { select: { name: true, maxGrantDuration: true, sensitivity: true } } },
  });
  const problem = checkEnd(end, new Date(), item.resource, field);
  if (problem) throw problem;
  if (item.grantExpiresAt && end.getTime() > item.grantExpiresAt.getTime()) {
    throw invalid(
      `An approver may only move the end of access earlier than requested (${describeTime(item.grantExpiresAt)}).`,
      field,
    );
  }
  return end;
}

export async function decideTicket(
  work: Work,
  actor: Actor,
  input: ApproveInput,
  decision: "APPROVED" | "REJECTED",
): Promise<void> {
  const comment = optionalText(input.comment, LIMITS.comment, ["input", "comment"]);
  const { ticket, item } = await loadTicket(work, actor, input.ticketId);
  if (ticket.kind !== "APPROVAL") throw invalidState("Only approval tickets are approved or rejected.");
  const override = await requireRightToAct(work, actor, ticket);
  if (ticket.status !== "OPEN") throw invalidState(`The ticket is ${ticket.status}, not OPEN.`);
  // The reason is what the requester is told; checked after the right to decide, so that someone
  // who may not decide learns nothing more than that.
  if (decision === "REJECTED" && !comment) {
    throw invalid("A rejection needs a reason: the requester is told it.", ["input", "comment"]);
  }
  const end =
    decision === "APPROVED" && input.grantExpiresAt
      ? await shortenedEnd(work, item.itemId, input.grantExpiresAt)
      : null;
  await moveTicket(work, ticket, {
    action: decision === "APPROVED" ? "TICKET_APPROVED" : "TICKET_REJECTED",
    actorId: actor.id,
    comment,
    data: {
      previousStatus: "OPEN",
      status: decision,
      kind: "APPROVAL",
      step: ticket.step,
      override,
      ...(end ? { grantExpiresAt: end.toISOString() } : {}),
    },
  });
  if (end)
    await work.tx.requestItem.update({
      where: { id: item.itemId },
      data: { grantExpiresAt: end },
      select: { id: true },
    });
  await addComment(work, ticket.id, actor.id, comment);
  // A rejection closed the item with the ticket; an approval opens the next step or fulfillment.
  if (decision === "APPROVED") await advanceItem(work, item, ticket.step ?? 0, actor.id);
  await refreshRequestStatus(work, ticket.requestId, actor.id);
}

export async function fulfillTicket(work: Work, actor: Actor, input: DecideInput): Promise<void> {
  const comment = optionalText(input.comment, LIMITS.comment, ["input", "comment"]);
  const { ticket, item } = await loadTicket(work, actor, input.ticketId);
  if (ticket.kind === "APPROVAL") throw invalidState("Approval tickets are approved or rejected, not fulfilled.");
  const override = await requireRightToAct(work, actor, ticket);
  if (!isActionableTicket(ticket.kind, ticket.status))
    throw invalidState(`The ticket is ${ticket.status}; it cannot be fulfilled.`);
  // Evidence is a comment: a removal always needs it; for provisioning the resource's rule
  // matters (and is read) only when there is none.
  if (!comment && ticket.kind === "REVOCATION") {
    throw invalid("Say how the access was removed: a revocation is closed with evidence in a comment.", [
      "input",
      "comment",
    ]);
  }
  if (!comment && (await requiresEvidence(work, item.resourceId))) {
    throw invalid("This resource requires fulfillment evidence: describe what was done in a comment.", [
      "input",
      "comment",
    ]);
  }
  await moveTicket(work, ticket, {
    action: "TICKET_FULFILLED",
    actorId: actor.id,
    comment,
    data: { previousStatus: ticket.status, status: "FULFILLED", kind: ticket.kind, override },
  });
  await addComment(work, ticket.id, actor.id, comment);
  // The grant was revoked when the revocation ticket opened; its item and request stay as they are.
  if (ticket.kind === "REVOCATION") return;
  await activateGrant(
    work,
    { identityId: item.targetId, resourceId: item.resourceId, requestId: item.requestId, itemId: item.itemId },
    actor.id,
  );
  await refreshRequestStatus(work, ticket.requestId, actor.id);
}

/**
 * A fulfiller cannot provision the access by hand ("cannot fulfil") and says why: the OPEN
 * fulfillment ticket goes FAILED with the reason (the event's comment and a ticket comment), the
 * item and request show FAILED, and the requester is told (TICKET_FAILED, as for a connector's
 * failure). Only OPEN tickets: an IN_PROGRESS one is a connector's job under way, and a FAILED one
 * has failed already. retryFulfillment or fulfillTicket still resolve it afterwards.
 */
export async function declineFulfillment(
  work: Work,
  actor: Actor,
  input: { ticketId: string; reason: string },
): Promise<void> {
  const reason = requiredText(input.reason, LIMITS.reason, ["input", "reason"]);
  const { ticket } = await loadTicket(work, actor, input.ticketId);
  if (ticket.kind !== "FULFILLMENT") throw invalidState("Only fulfillment tickets are declined.");
  const override = await requireRightToAct(work, actor, ticket);
  if (ticket.status !== "OPEN") throw invalidState(`The ticket is ${ticket.status}, not OPEN.`);
  await moveTicket(work, ticket, {
    action: "TICKET_FAILED",
    actorId: actor.id,
    comment: reason,
    data: { previousStatus: "OPEN", status: "FAILED", kind: "FULFILLMENT", by: "fulfiller", override },
  });
  await addComment(work, ticket.id, actor.id, reason);
  await refreshRequestStatus(work, ticket.requestId, actor.id);
}

/**
 * Retries a FAILED fulfillment ticket: connector systems run a fresh job (IN_PROGRESS); without
 * a connector the ticket goes back to OPEN for its fulfillers.
 */
export async function retryFulfillment(work: Work, actor: Actor, input: DecideInput): Promise<void> {
  const comment = optionalText(input.comment, LIMITS.comment, ["input", "comment"]);
  const { ticket, item } = await loadTicket(work, actor, input.ticketId);
  if (ticket.kind !== "FULFILLMENT") throw invalidState("Only fulfillment tickets are retried.");
  const override = await requireRightToAct(work, actor, ticket);
  if (ticket.status !== "FAILED") throw invalidState(`The ticket is ${ticket.status}, not FAILED.`);
  const system = await work.tx.resource.findUniqueOrThrow({
    where: { id: item.resourceId },
    select: { system: { select: { id: true, connector: true } } },
  });
  const next = system.system.connector === "MANUAL" ? "OPEN" : "IN_PROGRESS";
  await moveTicket(work, ticket, {
    action: "TICKET_STATUS_CHANGED",
    actorId: actor.id,
    comment,
    data: { previousStatus: "FAILED", status: next, kind: "FULFILLMENT", reason: "retry", override },
  });
  await addComment(work, ticket.id, actor.id, comment);
  if (next === "IN_PROGRESS") {
    await enqueueJob(work, {
      kind: "PROVISION",
      systemId: system.system.id,
      ticketId: ticket.id,
      identityId: item.targetId,
      resourceId: item.resourceId,
    });
  }
  await refreshRequestStatus(work, ticket.requestId, actor.id);
}

export async function commentOnTicket(
  work: Work,
  actor: Actor,
  input: { ticketId: string; body: string },
): Promise<void> {
  const body = requiredText(input.body, LIMITS.comment, ["input", "body"]);
  const { ticket } = await loadTicket(work, actor, input.ticketId);
  const created = await work.tx.ticketComment.create({
    data: { ticketId: ticket.id, authorId: actor.id, body },
    select: { id: true },
  });
  work.audit.append({
    action: "TICKET_COMMENTED",
    actorId: actor.id,
    requestId: ticket.requestId,
    ticketId: ticket.id,
    comment: body,
    data: { commentId: toGlobalId("TicketComment", created.id) },
  });
}

/**
 * Takes a ticket the actor may act on ("assign to me": claimedBy), or gives it back (release).
 * A claim is a signal, not a lock: whoever is assigned may still act, and another assignee may
 * take it over (the event names the previous holder). Admins may take any ticket they may act
 * on, and give back anyone's claim.
 */
export async function claimTicket(
  work: Work,
  actor: Actor,
  input: { ticketId: string; release: boolean },
): Promise<void> {
  const { ticket } = await loadTicket(work, actor, input.ticketId);
  await requireRightToAct(work, actor, ticket);
  if (!isActionableTicket(ticket.kind, ticket.status)) {
    throw invalidState(`The ticket is ${ticket.status}: nobody is waiting on it.`);
  }
  const previous = ticket.claimedById;
  if (input.release && previous !== actor.id && !(previous !== null && isAdmin(actor))) {
    throw invalidState("You have not taken this ticket.");
  }
  const next = input.release ? null : actor.id;
  if (next === previous) return;
  const { count } = await work.tx.ticket.updateMany({
    where: { id: ticket.id, status: ticket.status, claimedById: previous },
    data: { claimedById: next },
  });
  if (count !== 1) throw invalidState("The ticket changed meanwhile; look again.");
  work.audit.append({
    action: "TICKET_CLAIMED",
    actorId: actor.id,
    requestId: ticket.requestId,
    ticketId: ticket.id,
    data: {
      previousStatus: ticket.status,
      status: ticket.status,
      kind: ticket.kind,
      claimedById: next ? toGlobalId("Identity", next) : null,
      previousClaimedById: previous ? toGlobalId("Identity", previous) : null,
    },
  });
}

/**
 * Closes every still-open ticket of the given items as CANCELLED (request cancellation). A
 * connector call already under way (or failed half-way) may have provisioned the access: its
 * pending job stops and a revocation job is queued, which is harmless when nothing was given.
 */
export async function cancelOpenTickets(
  work: Work,
  actorId: string | null,
  request: { id: string; targetId: string },
  itemIds: string[],
): Promise<void> {
  const open = await work.tx.ticket.findMany({
    where: { itemId: { in: itemIds }, ...openTicketWhere },
    select: {
      id: true,
      itemId: true,
      status: true,
      kind: true,
      resourceId: true,
      // The request is the caller's (its target given): one relation, read without a sibling.
      resource: { select: { systemId: true, system: { select: { connector: true } } } },
    },
    orderBy: { number: "asc" },
  });
  const connectorTickets = open.filter((t) => t.kind === "FULFILLMENT" && t.resource.system.connector !== "MANUAL");
  await cancelPendingJobs(
    work,
    connectorTickets.map((t) => t.id),
  );
  for (const ticket of connectorTickets) {
    await enqueueJob(work, {
      kind: "REVOKE",
      systemId: ticket.resource.systemId,
      ticketId: ticket.id,
      identityId: request.targetId,
      resourceId: ticket.resourceId,
    });
  }
  for (const ticket of open) {
    await moveTicket(
      work,
      { ...ticket, requestId: request.id },
      {
        action: "TICKET_STATUS_CHANGED",
        actorId,
        data: { previousStatus: ticket.status, status: "CANCELLED", kind: ticket.kind, reason: "request cancelled" },
      },
    );
  }
}
