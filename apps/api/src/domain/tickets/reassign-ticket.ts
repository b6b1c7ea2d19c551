// Reassigning an open ticket when the people behind its assignment change: a named assignee was
// deactivated (directory/leavers.ts), the target's manager changed, or an admin moved it
// (reassignTicketByAdmin). A reassignment gives the ticket a fresh routing note, and drops its
// claim and its delegation mark (they were about the previous assignment). The ticket keeps its
// status; the new assignment is recorded as TICKET_REASSIGNED, which the live feed delivers as a
// ticket change (previousStatus = status), so lists of tickets people may act on follow it.
import type { Prisma, TicketStatus } from "../../generated/prisma/client.ts";
import { requireAdmin } from "../admin-only.ts";
import type { AuditData } from "../audit/events.ts";
import { DomainError, invalid, invalidState, notFound } from "../errors.ts";
import { toGlobalId } from "../global-id.ts";
import { OPEN_TICKET_STATUSES } from "../lifecycle.ts";
import type { Routing } from "../policy/routing.ts";
import { LIMITS, requiredText } from "../validate.ts";
import type { Actor, Work } from "../work.ts";

/** What a reassignment reads of a ticket (one relation: its named assignees). */
export const reassignableTicketSelect = {
  id: true,
  kind: true,
  status: true,
  step: true,
  requestId: true,
  resourceId: true,
  assigneeGroupId: true,
  assignedToAdmins: true,
  assignees: { select: { id: true }, orderBy: { id: "asc" } },
} satisfies Prisma.TicketSelect;

export type ReassignableTicket = Prisma.TicketGetPayload<{ select: typeof reassignableTicketSelect }>;

const sameAssignment = (ticket: ReassignableTicket, routing: Routing): boolean =>
  ticket.assignedToAdmins === routing.assignedToAdmins &&
  ticket.assigneeGroupId === routing.assigneeGroupId &&
  ticket.assignees.map((a) => a.id).join() === [...new Set(routing.assigneeIds)].sort().join();

/**
 * Gives the ticket `routing`'s assignment if it is still in the status read (its row is locked by
 * the conditional update first); false, with nothing written, when it moved meanwhile or the
 * assignment is already that one.
 */
export async function reassignTicket(
  work: Work,
  actorId: string | null,
  ticket: ReassignableTicket,
  routing: Routing,
  reason: AuditData["TICKET_REASSIGNED"]["reason"],
  comment: string | null = null,
): Promise<boolean> {
  if (sameAssignment(ticket, routing)) return false;
  const { count } = await work.tx.ticket.updateMany({
    where: { id: ticket.id, status: ticket.status },
    data: {
      assigneeGroupId: routing.assigneeGroupId,
      assignedToAdmins: routing.assignedToAdmins,
      routingNote: routing.fallbackReason,
      claimedById: null,
      delegatedFromId: null,
    },
  });
  if (count !== 1) return false;
  const assigneeIds = [...new Set(routing.assigneeIds)].sort();
  await work.tx.ticket.update({
    where: { id: ticket.id },
    data: { assignees: { set: assigneeIds.map((id) => ({ id })) } },
    select: { id: true },
  });
  const status: TicketStatus = ticket.status;
  work.audit.append({
    action: "TICKET_REASSIGNED",
    actorId,
    requestId: ticket.requestId,
    ticketId: ticket.id,
    comment,
    data: {
      previousStatus: status,
      status,
      kind: ticket.kind,
      step: ticket.step,
      reason,
      previousAssigneeIds: ticket.assignees.map((a) => toGlobalId("Identity", a.id)),
      previousAssigneeGroupId: ticket.assigneeGroupId ? toGlobalId("Group", ticket.assigneeGroupId) : null,
      assigneeIds: assigneeIds.map((id) => toGlobalId("Identity", id)),
      assigneeGroupId: routing.assigneeGroupId ? toGlobalId("Group", routing.assigneeGroupId) : null,
      assignedToAdmins: routing.assignedToAdmins,
      fallbackReason: routing.fallbackReason,
    },
  });
  return true;
}

export interface ReassignByAdminInput {
  ticketId: string;
  /** Exactly one of assigneeId and groupId. */
  assigneeId?: string | null;
  groupId?: string | null;
  reason: string;
}

/**
 * An admin gives an open ticket to one person or one group, with the reason (the event's comment).
 * The new assignee must be able to act: active, and neither the requester nor the target (a group:
 * with at least one such member). An assignment that is already the ticket's changes nothing.
 */
export async function reassignTicketByAdmin(work: Work, actor: Actor, input: ReassignByAdminInput): Promise<void> {
  requireAdmin(actor);
  const reason = requiredText(input.reason, LIMITS.reason, ["input", "reason"]);
  const assigneeId = input.assigneeId ?? null;
  const groupId = input.groupId ?? null;
  if ((assigneeId === null) === (groupId === null)) {
    throw invalid("Name either one assignee or one group.", ["input", assigneeId === null ? "assigneeId" : "groupId"]);
  }
  const { tx } = work;
  const ticket = await tx.ticket.findUnique({
    where: { id: input.ticketId },
    select: { ...reassignableTicketSelect, request: { select: { requesterId: true, targetId: true } } },
  });
  if (!ticket) throw notFound("Ticket", ["input", "ticketId"]);
  if (!OPEN_TICKET_STATUSES[ticket.kind].includes(ticket.status)) {
    throw invalidState(`The ticket is ${ticket.status}: only open tickets are reassigned.`);
  }
  const parties = ticket.request;
  let routing: Routing;
  if (assigneeId !== null) {
    const field = ["input", "assigneeId"];
    const person = await tx.identity.findUnique({ where: { id: assigneeId }, select: { id: true, active: true } });
    if (!person) throw notFound("Identity", field);
    if (person.id === parties.requesterId || person.id === parties.targetId) {
      throw new DomainError(
        "SELF_APPROVAL",
        "The requester and the target of a request may not act on its tickets.",
        field,
      );
    }
    if (!person.active) throw invalid("The new assignee is not active.", field);
    routing = { assigneeIds: [person.id], assigneeGroupId: null, assignedToAdmins: false, fallbackReason: null };
  } else {
    const field = ["input", "groupId"];
    const group = await tx.group.findUnique({ where: { id: groupId ?? "" }, select: { id: true } });
    if (!group) throw notFound("Group", field);
    const eligible = await tx.identity.count({
      where: {
        active: true,
        id: { notIn: [parties.requesterId, parties.targetId] },
        groups: { some: { id: group.id } },
      },
    });
    if (eligible === 0) throw invalid("Nobody in the group may act on this ticket.", field);
    routing = { assigneeIds: [], assigneeGroupId: group.id, assignedToAdmins: false, fallbackReason: null };
  }
  await reassignTicket(work, actor.id, ticket, routing, "reassigned by admin", reason);
}
