// The notification projector: the audit trail is the outbox. One call reads the audit events
// after the "notifications" cursor (up to the committed head), works out who must be told what,
// and in the caller's ONE transaction writes the in-app Notification rows, the EmailMessage rows
// (when email is on and the kind is not muted) and moves the cursor with a conditional update.
// If another instance moved the cursor first, CursorMoved rolls the whole batch back; so a crash
// neither loses nor doubles a notification, and several instances project each event once (the
// unique keys (identityId, sequence, kind) back this up).
//
// Who gets what is in docs/design.md ("Notifications: the audit trail is the outbox"). Recipients
// are resolved when projecting: only active identities, never the actor of the event, never the
// request's requester or target for tickets (they cannot act on them).
import type { AuditAction, NotificationKind, Prisma } from "../../generated/prisma/client.ts";
import type { AuditData } from "../audit/events.ts";
import { fromGlobalId } from "../global-id.ts";
import { parseKinds, readSettings, type OrganisationSettings } from "../settings/settings.ts";
import { afterStep, stepCount } from "../tickets/chain.ts";
import type { Tx, Work } from "../work.ts";
import {
  dashboardPaths,
  emailOf,
  type Message,
  names,
  quoted,
  requestLabel,
  ticketLabel,
  whenText,
} from "./compose.ts";

export const NOTIFICATIONS_CURSOR = "notifications";
/** Events read per transaction: small enough to keep SQLite's single writer free most of the time. */
export const PROJECTION_BATCH = 50;

/** The actions anyone is told about. */
export const NOTIFYING_ACTIONS = [
  "TICKET_CREATED",
  "TICKET_REASSIGNED",
  "TICKET_ESCALATED",
  "TICKET_REMINDED",
  "TICKET_APPROVED",
  "TICKET_REJECTED",
  "TICKET_FAILED",
  // Only the cancellation of a ticket that waited on someone tells anyone (withdrawalPlan).
  "TICKET_STATUS_CHANGED",
  "GRANT_ACTIVATED",
  "GRANT_EXPIRED",
  "GRANT_REVOKED",
] as const satisfies readonly AuditAction[];

/** Another instance moved the cursor while this batch was being projected: roll back and read again. */
export class CursorMoved extends Error {
  constructor() {
    super("the notifications cursor moved under this projection");
    this.name = "CursorMoved";
  }
}

export interface ProjectionOptions {
  /** SMTP is configured: write EmailMessage rows too. */
  email: boolean;
  publicUrl: URL | undefined;
  now: Date;
}

export interface Projection {
  /** The cursor after this batch. */
  cursor: number;
  events: number;
  notifications: number;
  emails: number;
  /** More events may wait after this batch. */
  more: boolean;
}

interface Event {
  sequence: number;
  action: AuditAction;
  actorId: string | null;
  ticketId: string | null;
  requestId: string | null;
  comment: string | null;
  data: string;
}

/** One message for a set of recipients (excluded: who must not get it). */
interface Planned {
  message: Message;
  recipients: string[];
}

const ticketSelect = {
  id: true,
  number: true,
  kind: true,
  step: true,
  routingNote: true,
  delegatedFrom: { select: { displayName: true } },
  request: {
    select: {
      id: true,
      number: true,
      justification: true,
      requesterId: true,
      targetId: true,
      requester: { select: { displayName: true } },
      target: { select: { displayName: true } },
    },
  },
  resource: {
    select: {
      name: true,
      system: { select: { name: true, connector: true, fulfillersGroup: { select: { name: true } } } },
      approvalSteps: {
        orderBy: { order: "asc" },
        select: {
          order: true,
          kind: true,
          group: { select: { name: true } },
          approvers: { select: { displayName: true }, orderBy: { displayName: "asc" } },
        },
      },
    },
  },
  item: {
    select: {
      tickets: {
        where: { kind: "APPROVAL" },
        orderBy: { createdAt: "asc" },
        select: { step: true, status: true, decidedBy: { select: { displayName: true } } },
      },
    },
  },
} satisfies Prisma.TicketSelect;

type TicketFacts = Prisma.TicketGetPayload<{ select: typeof ticketSelect }>;

const grantSelect = {
  id: true,
  identityId: true,
  expiresAt: true,
  endReason: true,
  identity: { select: { displayName: true } },
  resource: { select: { name: true, system: { select: { name: true } } } },
  request: { select: { id: true, number: true, requesterId: true } },
} satisfies Prisma.GrantSelect;

type GrantFacts = Prisma.GrantGetPayload<{ select: typeof grantSelect }>;

const localId = (globalId: string | null | undefined): string | null =>
  globalId ? (fromGlobalId(globalId)?.id ?? null) : null;
const localIds = (globalIds: readonly string[] | undefined): string[] =>
  (globalIds ?? []).flatMap((id) => localId(id) ?? []);

/** What one batch reads more than once (people, groups, admins), read once. */
class Lookups {
  private readonly people = new Map<string, Promise<string>>();
  private readonly groups = new Map<string, Promise<{ name: string; memberIds: string[] }>>();
  private adminIds: Promise<string[]> | null = null;
  private settings: Promise<OrganisationSettings> | null = null;

  constructor(private readonly tx: Tx) {}

  ticket(id: string): Promise<TicketFacts | null> {
    return this.tx.ticket.findUnique({ where: { id }, select: ticketSelect });
  }

  grant(id: string): Promise<GrantFacts | null> {
    return this.tx.grant.findUnique({ where: { id }, select: grantSelect });
  }

  /** A person's display name ("someone" for an id that names nobody). */
  name(id: string): Promise<string> {
    let name = this.people.get(id);
    if (!name) {
      name = this.tx.identity
        .findUnique({ where: { id }, select: { displayName: true } })
        .then((row) => row?.displayName ?? "someone");
      this.people.set(id, name);
    }
    return name;
  }

  group(id: string): Promise<{ name: string; memberIds: string[] }> {
    let group = this.groups.get(id);
    if (!group) {
      group = this.tx.group
        .findUnique({ where: { id }, select: { name: true, members: { select: { id: true } } } })
        .then((row) => ({ name: row?.name ?? "a group", memberIds: row?.members.map((m) => m.id) ?? [] }));
      this.groups.set(id, group);
    }
    return group;
  }

  /** A ticket's assignment as it stands now (local ids), null for a ticket that is gone. */
  async assignmentNow(ticketId: string): Promise<LocalAssignment | null> {
    const row = await this.tx.ticket.findUnique({
      where: { id: ticketId },
      select: { assignees: { select: { id: true } }, assigneeGroupId: true, assignedToAdmins: true },
    });
    return row && { ...row, assigneeIds: row.assignees.map((a) => a.id) };
  }

  /** The cancellation (REQUEST_CANCELLED, written after its tickets' in one transaction) that followed `sequence`. */
  cancellationAfter(requestId: string, sequence: number) {
    return this.tx.auditEvent.findFirst({
      where: { requestId, action: "REQUEST_CANCELLED", sequence: { gt: sequence } },
      orderBy: { sequence: "asc" },
      select: { comment: true, actorId: true },
    });
  }

  admins(): Promise<string[]> {
    this.adminIds ??= this.tx.identity
      .findMany({ where: { role: "ADMIN", active: true }, select: { id: true } })
      .then((rows) => rows.map((r) => r.id));
    return this.adminIds;
  }

  organisation(): Promise<OrganisationSettings> {
    this.settings ??= readSettings(this.tx);
    return this.settings;
  }
}

/** An assignment as the ticket events record it (ids are global). */
interface Assignment {
  assigneeIds: readonly string[];
  assigneeGroupId: string | null;
  assignedToAdmins: boolean;
}

const NOBODY: LocalAssignment = { assigneeIds: [], assigneeGroupId: null, assignedToAdmins: false };

/** An assignment with the database's own ids (a ticket row's). */
interface LocalAssignment {
  assigneeIds: readonly string[];
  assigneeGroupId: string | null;
  assignedToAdmins: boolean;
}

/** Who an assignment reaches: the named assignees, the group's members, the admins. */
async function peopleOf(lookups: Lookups, assignment: LocalAssignment): Promise<string[]> {
  const ids = new Set(assignment.assigneeIds);
  if (assignment.assigneeGroupId) {
    for (const id of (await lookups.group(assignment.assigneeGroupId)).memberIds) ids.add(id);
  }
  if (assignment.assignedToAdmins) for (const id of await lookups.admins()) ids.add(id);
  return [...ids];
}

/** Who an assignment recorded in a ticket event reaches. */
const assignedPeople = (lookups: Lookups, assignment: Assignment): Promise<string[]> =>
  peopleOf(lookups, {
    assigneeIds: localIds(assignment.assigneeIds),
    assigneeGroupId: localId(assignment.assigneeGroupId),
    assignedToAdmins: assignment.assignedToAdmins,
  });

/** "Alice Employee asks for GitHub Write Access on GitHub (REQ-3)", naming the target when someone else. */
function askedFor(ticket: TicketFacts): string {
  const { request, resource } = ticket;
  const forWhom = request.targetId === request.requesterId ? "" : ` for ${request.target.displayName}`;
  return `${request.requester.displayName} asks for ${resource.name} on ${resource.system.name}${forWhom} (${requestLabel(request.number)}).`;
}

/** The approval chain around an approval ticket: step n of m, earlier deciders, who is next. */
function chainLines(ticket: TicketFacts): string[] {
  if (ticket.kind === "FULFILLMENT") {
    const approvers = ticket.item.tickets.flatMap((t) =>
      t.status === "APPROVED" && t.decidedBy && t.step !== null ? [`${t.decidedBy.displayName} (step ${t.step})`] : [],
    );
    return [approvers.length > 0 ? `Approved by ${names(approvers)}.` : "Approved without an approval step."];
  }
  if (ticket.kind !== "APPROVAL" || ticket.step === null) return [];
  const step = ticket.step;
  const total = stepCount(ticket, step);
  const lines = [`This is approval step ${step} of ${total}.`];
  for (const earlier of ticket.item.tickets) {
    if (earlier.step !== null && earlier.step < step && earlier.status === "APPROVED" && earlier.decidedBy) {
      lines.push(`Step ${earlier.step} was approved by ${earlier.decidedBy.displayName}.`);
    }
  }
  lines.push(`After your approval: ${afterStep(ticket, step)}.`);
  return lines;
}

/** The ticket-to-act-on message (TICKET_ASSIGNED, TICKET_REMINDER): the same words for every assignee. */
function ticketMessage(kind: "TICKET_ASSIGNED" | "TICKET_REMINDER", ticket: TicketFacts, why: string[]): Message {
  const label = ticketLabel(ticket.number);
  const { request, resource } = ticket;
  const holder = request.target.displayName;
  const what =
    ticket.kind === "APPROVAL"
      ? `approve or reject ${resource.name} for ${holder}`
      : ticket.kind === "FULFILLMENT"
        ? `give ${holder} ${resource.name} on ${resource.system.name}`
        : `remove ${resource.name} on ${resource.system.name} from ${holder}`;
  const title = kind === "TICKET_REMINDER" ? `Reminder: ${label} is waiting for you` : `${label}: ${what}`;
  const lines = [
    ...(kind === "TICKET_REMINDER" ? [`${label} is waiting for you to ${what}.`] : []),
    askedFor(ticket),
    `Justification: ${quoted(request.justification)}`,
    ...chainLines(ticket),
    ...why,
  ];
  if (ticket.kind === "FULFILLMENT") lines.push("Give the access, then mark the ticket fulfilled.");
  if (ticket.kind === "REVOCATION") lines.push("Remove the access, then mark the ticket done.");
  return {
    kind,
    title,
    lines,
    links: [
      { label: `Act on ${label}`, path: dashboardPaths.tickets },
      { label: `Request ${requestLabel(request.number)}`, path: dashboardPaths.request(request.id) },
    ],
    requestId: request.id,
    ticketId: ticket.id,
  };
}

/** The admins' alert: a step went to them because it had nobody, and no fallback group is set. */
function adminAlert(ticket: TicketFacts, reason: string): Message {
  const label = ticketLabel(ticket.number);
  return {
    kind: "ADMIN_ALERT",
    title: `${label} went to the admins: configure fallback approvers`,
    lines: [
      `${label} (${requestLabel(ticket.request.number)}, ${ticket.resource.name} on ${ticket.resource.system.name}) ` +
        `has nobody else to act on it: ${reason}.`,
      "No fallback approvers group is configured, so it came to the admins. Configure one in the " +
        "organisation settings so such tickets go to the right people.",
    ],
    links: [
      { label: "Tickets for admins", path: dashboardPaths.adminTickets },
      { label: `Request ${requestLabel(ticket.request.number)}`, path: dashboardPaths.request(ticket.request.id) },
    ],
    requestId: ticket.request.id,
    ticketId: ticket.id,
  };
}

/** The assignment events: the new assignees hear of the ticket; admins of a missing fallback group. */
async function assignmentPlans(lookups: Lookups, event: Event, ticket: TicketFacts): Promise<Planned[]> {
  const why: string[] = [];
  let assignment: Assignment;
  let previous: Assignment | null = null;
  let fallbackReason: string | null = null;
  if (event.action === "TICKET_CREATED") {
    const data = JSON.parse(event.data) as AuditData["TICKET_CREATED"];
    if (data.status !== "OPEN") return [];
    assignment = data;
    fallbackReason = data.fallbackReason;
    const away = await Promise.all(localIds(data.delegatedFromIds).map((id) => lookups.name(id)));
    if (away.length > 0) why.push(`You act on behalf of ${names(away)}, who ${away.length > 1 ? "are" : "is"} away.`);
  } else if (event.action === "TICKET_REASSIGNED") {
    const data = JSON.parse(event.data) as AuditData["TICKET_REASSIGNED"];
    assignment = data;
    previous = {
      assigneeIds: data.previousAssigneeIds,
      assigneeGroupId: data.previousAssigneeGroupId ?? null,
      assignedToAdmins: false,
    };
    fallbackReason = data.fallbackReason;
    if (data.reason === "reassigned by admin") {
      const by = event.actorId ? await lookups.name(event.actorId) : "an admin";
      why.push(`${by} reassigned it to you${event.comment ? `: ${event.comment}` : "."}`);
    } else why.push(`It was reassigned (${data.reason}).`);
  } else {
    const data = JSON.parse(event.data) as AuditData["TICKET_ESCALATED"];
    assignment = { ...data, assigneeIds: [] };
    previous = {
      assigneeIds: data.previousAssigneeIds,
      assigneeGroupId: data.previousAssigneeGroupId,
      assignedToAdmins: false,
    };
    why.push(`It was escalated: it has been open longer than twice its SLA of ${data.slaHours} hours.`);
  }
  const routing = fallbackReason ?? ticket.routingNote;
  if (routing) why.push(`Why it came to you: ${routing}.`);
  let recipients = await assignedPeople(lookups, assignment);
  if (previous) {
    const before = new Set(await assignedPeople(lookups, previous));
    recipients = recipients.filter((id) => !before.has(id));
  }
  const plans: Planned[] = [{ message: ticketMessage("TICKET_ASSIGNED", ticket, why), recipients }];
  const adminsBecauseNobody =
    assignment.assignedToAdmins && (fallbackReason !== null || event.action === "TICKET_ESCALATED");
  if (adminsBecauseNobody && (await lookups.organisation()).fallbackGroupId === null) {
    plans.push({
      message: adminAlert(ticket, fallbackReason ?? "it was escalated past its SLA"),
      recipients: await lookups.admins(),
    });
  }
  return plans;
}

/** The requester and the target of a request (once when the same person). */
const requestPeople = (request: { requesterId: string; targetId: string }) => [
  ...new Set([request.requesterId, request.targetId]),
];

async function decisionPlan(lookups: Lookups, event: Event, ticket: TicketFacts): Promise<Planned[]> {
  const data = JSON.parse(event.data) as AuditData["TICKET_APPROVED"] | AuditData["TICKET_REJECTED"];
  if (data.kind !== "APPROVAL") return [];
  const approved = event.action === "TICKET_APPROVED";
  const decider = event.actorId ? await lookups.name(event.actorId) : "the approval policy";
  const { request, resource } = ticket;
  const label = requestLabel(request.number);
  const step = data.step ?? ticket.step ?? 1;
  const total = stepCount(ticket, step);
  const stepText = `step ${step} of ${total}`;
  // A delegate decided: the requester is told for whom, so a stranger's decision makes sense.
  const onBehalf = ticket.delegatedFrom ? ` on behalf of ${ticket.delegatedFrom.displayName}, who is away,` : "";
  const lines = [
    `${decider}${data.override ? " (as an admin)" : ""}${onBehalf} ${approved ? "approved" : "rejected"} ${stepText} of ` +
      `${label}: ${resource.name} on ${resource.system.name} for ${request.target.displayName}.`,
  ];
  if (event.comment) lines.push(`${approved ? "Comment" : "Reason"}: ${quoted(event.comment)}`);
  lines.push(
    approved
      ? `Next: ${afterStep(ticket, step)}.`
      : "The request is closed. You can request the access again with more context.",
  );
  return [
    {
      message: {
        kind: "REQUEST_DECIDED",
        title: `${label}: ${stepText} ${approved ? "approved" : "rejected"} by ${decider}`,
        lines,
        links: [{ label: `Request ${label}`, path: dashboardPaths.request(request.id) }],
        requestId: request.id,
        ticketId: ticket.id,
      },
      recipients: requestPeople(request),
    },
  ];
}

async function failurePlan(lookups: Lookups, event: Event, ticket: TicketFacts): Promise<Planned[]> {
  // The plain error code and message only: the connector's own detail is for admins.
  const data = JSON.parse(event.data) as AuditData["TICKET_FAILED"];
  const { request, resource } = ticket;
  const label = requestLabel(request.number);
  const doing = ticket.kind === "REVOCATION" ? "Removing" : "Provisioning";
  const what = `${resource.name} on ${resource.system.name} for ${request.target.displayName}`;
  // A fulfiller declined it (declineFulfillment): who, and the reason they gave.
  const lines =
    "by" in data
      ? [
          `${event.actorId ? await lookups.name(event.actorId) : "A fulfiller"}${data.override ? " (as an admin)" : ""} ` +
            `could not provision ${what}.`,
          ...(event.comment ? [`Reason: ${quoted(event.comment)}`] : []),
        ]
      : [
          `${doing} ${what} failed after ${data.attempts} attempt${data.attempts === 1 ? "" : "s"}: ` +
            `${data.error} (${data.errorCode}).`,
        ];
  return [
    {
      message: {
        kind: "REQUEST_FAILED",
        title: `${label}: ${doing.toLowerCase()} ${resource.name} on ${resource.system.name} failed`,
        lines: [
          ...lines,
          `${resource.system.fulfillersGroup?.name ?? "The admins"} (and any admin) can try again or do it by hand from ` +
            `${ticketLabel(ticket.number)}; the request page shows where it stands.`,
        ],
        links: [{ label: `Request ${label}`, path: dashboardPaths.request(request.id) }],
        requestId: request.id,
        ticketId: ticket.id,
      },
      recipients: requestPeople(request),
    },
  ];
}

async function grantPlan(lookups: Lookups, event: Event): Promise<Planned[]> {
  const data = JSON.parse(event.data) as AuditData["GRANT_ACTIVATED"];
  const grantId = localId(data.grantId);
  const grant = grantId ? await lookups.grant(grantId) : null;
  if (!grant) return [];
  const what = `${grant.resource.name} on ${grant.resource.system.name}`;
  const holder = grant.identity.displayName;
  const fromRequest = grant.request ? ` (${requestLabel(grant.request.number)})` : "";
  const links = [
    { label: "Your access", path: dashboardPaths.access },
    ...(grant.request
      ? [{ label: `Request ${requestLabel(grant.request.number)}`, path: dashboardPaths.request(grant.request.id) }]
      : []),
  ];
  const recipients = [...new Set([grant.identityId, ...(grant.request ? [grant.request.requesterId] : [])])];
  const base = { links, requestId: grant.request?.id ?? null, ticketId: null };
  if (event.action === "GRANT_ACTIVATED") {
    return [
      {
        message: {
          ...base,
          kind: "REQUEST_FULFILLED",
          title: `Access granted: ${what}`,
          lines: [
            `${holder} now has ${what}${fromRequest}.`,
            grant.expiresAt ? `The access ends ${whenText(grant.expiresAt)}.` : "The access has no end date.",
          ],
        },
        recipients,
      },
    ];
  }
  const lines =
    event.action === "GRANT_EXPIRED"
      ? [
          `${holder}'s access to ${what}${fromRequest} ended: it expired${grant.expiresAt ? ` ${whenText(grant.expiresAt)}` : ""}.`,
        ]
      : [
          `${holder}'s access to ${what}${fromRequest} was revoked${event.actorId ? ` by ${await lookups.name(event.actorId)}` : ""}.`,
          ...(grant.endReason ? [`Reason: ${quoted(grant.endReason)}`] : []),
        ];
  lines.push("You can request it again if it is still needed.");
  return [{ message: { ...base, kind: "ACCESS_ENDED", title: `Access ended: ${what}`, lines }, recipients }];
}

/** What one event tells whom; `excluded` are never told (the actor, and for tickets the requester and target). */
async function plansFor(lookups: Lookups, event: Event): Promise<Planned[]> {
  switch (event.action) {
    case "GRANT_ACTIVATED":
    case "GRANT_EXPIRED":
    case "GRANT_REVOKED":
      return grantPlan(lookups, event);
    case "TICKET_STATUS_CHANGED":
      // Most status changes tell nobody: the ticket is read only for a withdrawal.
      if (!isWithdrawal(event)) return [];
      break;
    default:
      break;
  }
  const ticket = event.ticketId ? await lookups.ticket(event.ticketId) : null;
  if (!ticket) return [];
  switch (event.action) {
    case "TICKET_CREATED":
    case "TICKET_REASSIGNED":
    case "TICKET_ESCALATED": {
      const plans = await assignmentPlans(lookups, event, ticket);
      return plans.map((plan) => (plan.message.kind === "TICKET_ASSIGNED" ? withoutRequestPeople(plan, ticket) : plan));
    }
    case "TICKET_REMINDED": {
      const data = JSON.parse(event.data) as AuditData["TICKET_REMINDED"];
      const why = [`It has been open longer than its SLA of ${data.slaHours} hours.`];
      const plan = {
        message: ticketMessage("TICKET_REMINDER", ticket, why),
        recipients: await assignedPeople(lookups, data),
      };
      return [withoutRequestPeople(plan, ticket)];
    }
    case "TICKET_APPROVED":
    case "TICKET_REJECTED":
      return decisionPlan(lookups, event, ticket);
    case "TICKET_FAILED":
      return failurePlan(lookups, event, ticket);
    case "TICKET_STATUS_CHANGED":
      return withdrawalPlan(lookups, event, ticket);
    default:
      return [];
  }
}

/** A TICKET_STATUS_CHANGED that cancelled a ticket that waited on people (OPEN, or FAILED for the fulfillers). */
function isWithdrawal(event: Event): boolean {
  const data = JSON.parse(event.data) as { previousStatus?: string; status?: string };
  return data.status === "CANCELLED" && (data.previousStatus === "OPEN" || data.previousStatus === "FAILED");
}

/**
 * A withdrawn ticket's people are told, with the reason the canceller gave, so nobody looks for
 * it in vain.
 */
async function withdrawalPlan(lookups: Lookups, event: Event, ticket: TicketFacts): Promise<Planned[]> {
  const cancellation = await lookups.cancellationAfter(ticket.request.id, event.sequence);
  if (!cancellation) return [];
  const label = requestLabel(ticket.request.number);
  const by = cancellation.actorId ? await lookups.name(cancellation.actorId) : "The system";
  const plan: Planned = {
    message: {
      kind: "TICKET_WITHDRAWN",
      title: `${label} was cancelled: nothing left for you to do`,
      lines: [
        askedFor(ticket),
        `${by} cancelled the request, so ${ticketLabel(ticket.number)} was withdrawn.`,
        cancellation.comment ? `Reason: ${cancellation.comment}` : "No reason was given.",
      ],
      links: [{ label: `Request ${label}`, path: dashboardPaths.request(ticket.request.id) }],
      requestId: ticket.request.id,
      ticketId: ticket.id,
    },
    recipients: await peopleOf(lookups, (await lookups.assignmentNow(ticket.id)) ?? NOBODY),
  };
  return [withoutRequestPeople(plan, ticket)];
}

/** Separation of duties: the requester and the target cannot act on the request's tickets. */
function withoutRequestPeople(plan: Planned, ticket: TicketFacts): Planned {
  const { requesterId, targetId } = ticket.request;
  return { ...plan, recipients: plan.recipients.filter((id) => id !== requesterId && id !== targetId) };
}

/**
 * Projects the next batch of audit events after the cursor, in the caller's transaction. On a
 * fresh database the cursor is created at the audit head: history is not notified about.
 * Throws CursorMoved when another instance projected the same events first.
 */
export async function projectNotifications(work: Work, options: ProjectionOptions): Promise<Projection> {
  const { tx } = work;
  const head = (await tx.auditHead.findUnique({ where: { id: 1 }, select: { sequence: true } }))?.sequence ?? 0;
  const cursor = await tx.cursor.findUnique({ where: { name: NOTIFICATIONS_CURSOR } });
  if (!cursor) {
    // Two instances creating it at once: the loser's unique violation makes transact run again.
    await tx.cursor.create({ data: { name: NOTIFICATIONS_CURSOR, sequence: head } });
    return { cursor: head, events: 0, notifications: 0, emails: 0, more: false };
  }
  if (cursor.sequence >= head) return { cursor: cursor.sequence, events: 0, notifications: 0, emails: 0, more: false };
  // Up to the committed head: every event at or below it is committed (the head row is locked
  // by each writer until its commit), so nothing below the new cursor can appear later.
  const events = await tx.auditEvent.findMany({
    where: { sequence: { gt: cursor.sequence, lte: head }, action: { in: [...NOTIFYING_ACTIONS] } },
    orderBy: { sequence: "asc" },
    take: PROJECTION_BATCH,
    select: { sequence: true, action: true, actorId: true, ticketId: true, requestId: true, comment: true, data: true },
  });
  const more = events.length === PROJECTION_BATCH;
  const next = more ? (events.at(-1)?.sequence ?? head) : head;

  const lookups = new Lookups(tx);
  const rows: { identityId: string; sequence: number; message: Message }[] = [];
  for (const event of events) {
    for (const plan of await plansFor(lookups, event)) {
      for (const identityId of new Set(plan.recipients)) {
        if (identityId !== event.actorId) rows.push({ identityId, sequence: event.sequence, message: plan.message });
      }
    }
  }
  const people =
    rows.length === 0
      ? []
      : await tx.identity.findMany({
          where: { id: { in: [...new Set(rows.map((r) => r.identityId))] }, active: true },
          select: { id: true, email: true, displayName: true, mutedEmailKinds: true },
        });
  const byId = new Map(people.map((p) => [p.id, p]));
  const kept = rows.filter((row) => byId.has(row.identityId));
  if (kept.length > 0) {
    await tx.notification.createMany({
      data: kept.map(({ identityId, sequence, message }) => ({
        identityId,
        sequence,
        kind: message.kind,
        title: message.title,
        body: message.lines.join("\n"),
        requestId: message.requestId,
        ticketId: message.ticketId,
        createdAt: options.now,
      })),
    });
  }
  let emails = 0;
  if (options.email && kept.length > 0) {
    const mandatory = new Set<NotificationKind>((await lookups.organisation()).mandatoryEmailKinds);
    const outgoing = kept.flatMap((row) => {
      const person = byId.get(row.identityId);
      if (!person) return [];
      const muted = parseKinds(person.mutedEmailKinds).includes(row.message.kind);
      if (muted && !mandatory.has(row.message.kind)) return [];
      const email = emailOf(row.message, person.displayName, options.publicUrl);
      return [
        {
          identityId: person.id,
          toAddress: person.email,
          kind: row.message.kind,
          sequence: row.sequence,
          ...email,
          runAt: options.now,
          createdAt: options.now,
        },
      ];
    });
    if (outgoing.length > 0) await tx.emailMessage.createMany({ data: outgoing });
    emails = outgoing.length;
  }
  const { count } = await tx.cursor.updateMany({
    where: { name: NOTIFICATIONS_CURSOR, sequence: cursor.sequence },
    data: { sequence: next },
  });
  if (count !== 1) throw new CursorMoved();
  return { cursor: next, events: events.length, notifications: kept.length, emails, more };
}
