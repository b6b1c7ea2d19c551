// Reassigning an open ticket when the people behind its assignment change: a named assignee was
// deactivated (directory/leavers.ts), or the target's manager changed. The ticket keeps its
// status; the new assignment is recorded as TICKET_REASSIGNED, which the live feed delivers as a
// ticket change (previousStatus = status), so lists of tickets people may act on follow it.
import type { Prisma, TicketStatus } from "../../generated/prisma/client.ts";
import type { AuditData } from "../audit/events.ts";
import { toGlobalId } from "../global-id.ts";
import type { Routing } from "../policy/routing.ts";
import type { Work } from "../work.ts";

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
): Promise<boolean> {
  if (sameAssignment(ticket, routing)) return false;
  const { count } = await work.tx.ticket.updateMany({
    where: { id: ticket.id, status: ticket.status },
    data: { assigneeGroupId: routing.assigneeGroupId, assignedToAdmins: routing.assignedToAdmins },
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
    data: {
      previousStatus: status,
      status,
      kind: ticket.kind,
      step: ticket.step,
      reason,
      previousAssigneeIds: ticket.assignees.map((a) => toGlobalId("Identity", a.id)),
      assigneeIds: assigneeIds.map((id) => toGlobalId("Identity", id)),
      assigneeGroupId: routing.assigneeGroupId ? toGlobalId("Group", routing.assigneeGroupId) : null,
      assignedToAdmins: routing.assignedToAdmins,
      fallbackReason: routing.fallbackReason,
    },
  });
  return true;
}
