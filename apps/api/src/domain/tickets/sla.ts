// Ticket SLAs: how long an open ticket may wait for a person (its resource's SLA, else its
// system's, else the organisation's default), the reminder when it passes (TICKET_REMINDED) and
// the escalation at twice the SLA (TICKET_ESCALATED). The sweeper calls `sweepTicketSlas`; each
// reminder and escalation is its own transaction and a conditional update on remindedAt /
// escalatedAt, so however many instances sweep, each happens once.
//
// Escalation ADDS the fallback approvers: the named assignees keep the ticket (a manager who comes
// back can still decide), and the fallback group takes the ticket's one group slot (a group-assigned
// ticket's own group is replaced; TICKET_ESCALATED records it) or, without a usable fallback group,
// the admins are added. A ticket the fallback already has is only marked escalated.
import type { Prisma } from "../../generated/prisma/client.ts";
import type { Database } from "../../db/database.ts";
import { toGlobalId } from "../global-id.ts";
import { readSettings } from "../settings/settings.ts";
import type { Work } from "../work.ts";

const HOUR_MS = 3_600_000;
/** The shortest SLA there is (settings.ts: 1 hour): younger tickets are not read at all. */
const MIN_SLA_MS = HOUR_MS;
/** Tickets read per round; a sweep goes on until none is left. */
const BATCH = 200;

/** What an SLA is computed from: the ticket's resource, its system, the organisation's default. */
export const slaSourcesSelect = {
  ticketSlaHours: true,
  system: { select: { ticketSlaHours: true } },
} satisfies Prisma.ResourceSelect;

export type SlaSources = Prisma.ResourceGetPayload<{ select: typeof slaSourcesSelect }>;

export const slaHoursOf = (resource: SlaSources, defaultHours: number): number =>
  resource.ticketSlaHours ?? resource.system.ticketSlaHours ?? defaultHours;

/** When an OPEN ticket is due (null for tickets nobody is waiting on: decided, closed, with a connector). */
export function slaDueAt(ticket: { status: string; createdAt: Date }, hours: number): Date | null {
  return ticket.status === "OPEN" ? new Date(ticket.createdAt.getTime() + hours * HOUR_MS) : null;
}

const slaTicketSelect = {
  id: true,
  kind: true,
  status: true,
  step: true,
  requestId: true,
  createdAt: true,
  remindedAt: true,
  assigneeGroupId: true,
  assignedToAdmins: true,
  assignees: { select: { id: true }, orderBy: { id: "asc" } },
} satisfies Prisma.TicketSelect;

type SlaTicket = Prisma.TicketGetPayload<{ select: typeof slaTicketSelect }>;

/** Reminds the ticket's assignees once; false when another sweep did, or it is no longer OPEN. */
export async function remindTicket(work: Work, ticket: SlaTicket, slaHours: number, now: Date): Promise<boolean> {
  const { count } = await work.tx.ticket.updateMany({
    where: { id: ticket.id, status: "OPEN", remindedAt: null },
    data: { remindedAt: now },
  });
  if (count !== 1) return false;
  work.audit.append({
    action: "TICKET_REMINDED",
    actorId: null,
    requestId: ticket.requestId,
    ticketId: ticket.id,
    data: {
      previousStatus: "OPEN",
      status: "OPEN",
      kind: ticket.kind,
      slaHours,
      assigneeIds: ticket.assignees.map((a) => toGlobalId("Identity", a.id)),
      assigneeGroupId: ticket.assigneeGroupId ? toGlobalId("Group", ticket.assigneeGroupId) : null,
      assignedToAdmins: ticket.assignedToAdmins,
    },
  });
  return true;
}

/**
 * Escalates the ticket once (see the header); false when another sweep did, it is no longer
 * OPEN, or the fallback had it already (then it is only marked, so it is not looked at again).
 */
export async function escalateTicket(work: Work, ticket: SlaTicket, slaHours: number, now: Date): Promise<boolean> {
  const { tx } = work;
  const parties = await tx.request.findUniqueOrThrow({
    where: { id: ticket.requestId },
    select: { requesterId: true, targetId: true },
  });
  const { fallbackGroupId } = await readSettings(tx);
  const groupUsable =
    fallbackGroupId !== null &&
    (await tx.identity.count({
      where: {
        active: true,
        id: { notIn: [parties.requesterId, parties.targetId] },
        groups: { some: { id: fallbackGroupId } },
      },
    })) > 0;
  const assigneeGroupId = groupUsable ? fallbackGroupId : ticket.assigneeGroupId;
  const assignedToAdmins = groupUsable ? ticket.assignedToAdmins : true;
  const already = assigneeGroupId === ticket.assigneeGroupId && assignedToAdmins === ticket.assignedToAdmins;
  const { count } = await tx.ticket.updateMany({
    where: { id: ticket.id, status: "OPEN", escalatedAt: null },
    data: already
      ? { escalatedAt: now }
      : {
          escalatedAt: now,
          assigneeGroupId,
          assignedToAdmins,
          claimedById: null,
          routingNote: `escalated: still open after ${2 * slaHours} hours (twice its SLA)`,
        },
  });
  if (count !== 1 || already) return false;
  work.audit.append({
    action: "TICKET_ESCALATED",
    actorId: null,
    requestId: ticket.requestId,
    ticketId: ticket.id,
    data: {
      previousStatus: "OPEN",
      status: "OPEN",
      kind: ticket.kind,
      slaHours,
      previousAssigneeIds: ticket.assignees.map((a) => toGlobalId("Identity", a.id)),
      previousAssigneeGroupId: ticket.assigneeGroupId ? toGlobalId("Group", ticket.assigneeGroupId) : null,
      assigneeGroupId: assigneeGroupId ? toGlobalId("Group", assigneeGroupId) : null,
      assignedToAdmins,
    },
  });
  return true;
}

/**
 * Reminds and escalates every OPEN ticket that is due at `now` (the sweeper's task); returns how
 * many reminders and escalations this call made.
 */
export async function sweepTicketSlas(db: Database, now: Date): Promise<number> {
  const { ticketSlaHours: defaultHours } = await readSettings(db.read);
  let done = 0;
  let after = -1;
  for (;;) {
    const open = await db.read.ticket.findMany({
      where: {
        status: "OPEN",
        escalatedAt: null,
        createdAt: { lte: new Date(now.getTime() - MIN_SLA_MS) },
        number: { gt: after },
      },
      select: { number: true, createdAt: true, remindedAt: true, id: true, resource: { select: slaSourcesSelect } },
      orderBy: { number: "asc" },
      take: BATCH,
    });
    for (const candidate of open) {
      const hours = slaHoursOf(candidate.resource, defaultHours);
      const late = now.getTime() - candidate.createdAt.getTime();
      const remind = candidate.remindedAt === null && late >= hours * HOUR_MS;
      const escalate = late >= 2 * hours * HOUR_MS;
      if (!remind && !escalate) continue;
      for (const step of [remind ? remindTicket : null, escalate ? escalateTicket : null]) {
        if (!step) continue;
        const changed = await db.transact(async (work) => {
          const ticket = await work.tx.ticket.findUnique({ where: { id: candidate.id }, select: slaTicketSelect });
          return ticket !== null && (await step(work, ticket, hours, now));
        });
        if (changed) done += 1;
      }
    }
    if (open.length < BATCH) return done;
    after = open.at(-1)?.number ?? after;
  }
}
