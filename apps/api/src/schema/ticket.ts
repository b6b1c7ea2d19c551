// Ticket and TicketComment: types, the ticket queries, and the actions on tickets (approve,
// reject, fulfill, retry, comment). Who may act is decided by domain/policy/routing.ts.
import type { Prisma, TicketKind } from "../generated/prisma/client.ts";
import {
  claimTicket,
  commentOnTicket,
  decideTicket,
  declineFulfillment,
  fulfillTicket,
  retryFulfillment,
  type ApproveInput,
} from "../domain/tickets/ticket-actions.ts";
import { afterStep, chainSelect, stepCount } from "../domain/tickets/chain.ts";
import { toGlobalId } from "../domain/global-id.ts";
import { reassignTicketByAdmin } from "../domain/tickets/reassign-ticket.ts";
import { isActionableTicket } from "../domain/lifecycle.ts";
import {
  actingRight,
  actionableWhere,
  cannotActReason,
  assignedWhere,
  ticketFacts,
  ticketFactsSelect,
} from "../domain/policy/routing.ts";
import { ticketListWhere, visibleTicketWhere } from "../domain/policy/visibility.ts";
import { distinct, LIMITS, listSize } from "../domain/validate.ts";
import { readSettings } from "../domain/settings/settings.ts";
import { slaDueAt, slaHoursOf, slaSourcesSelect } from "../domain/tickets/sla.ts";
import type { Actor, Work } from "../domain/work.ts";
import type { Identity as IdentityRow } from "../generated/prisma/client.ts";
import { type Context, viewerOf } from "../context.ts";
import { builder } from "./builder.ts";
import { entityPayload, mutate, MUTATION_INPUT, UserError, type UserErrorShape } from "./errors.ts";
import { Identity } from "./identity.ts";
import { decodeId, decodeOptionalId, lookupId } from "./ids.ts";
import { containsText, searchTerm } from "./text-search.ts";
import { TicketKindEnum, TicketStatusEnum } from "./scalars.ts";

builder.prismaObject("TicketComment", {
  description: "A note on a ticket, visible to whoever may see the ticket.",
  fields: (t) => ({
    id: t.id({
      description: "The comment's global id.",
      resolve: (comment) => toGlobalId("TicketComment", comment.id),
    }),
    author: t.relation("author", { description: "Who wrote it." }),
    body: t.exposeString("body", { description: "What they wrote (at most 4000 characters)." }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it was written." }),
  }),
});

type FactsRow = Prisma.TicketGetPayload<{ select: typeof ticketFactsSelect }>;

async function viewerMayAct(ctx: Context, ticket: FactsRow, kinds: readonly TicketKind[]): Promise<boolean> {
  if (!kinds.includes(ticket.kind) || !isActionableTicket(ticket.kind, ticket.status) || !ctx.viewer) return false;
  const right = actingRight(ctx.viewer, ticketFacts(ticket), await ctx.viewerGroupIds());
  return right === "ASSIGNED" || right === "OVERRIDE";
}

/** The organisation's default SLA, read once per operation and only when a ticket's SLA needs it. */
const defaultSlaHours = new WeakMap<Context, Promise<number>>();
function defaultSlaHoursOf(ctx: Context): Promise<number> {
  let hours = defaultSlaHours.get(ctx);
  if (!hours) {
    hours = readSettings(ctx.prisma).then((settings) => settings.ticketSlaHours);
    defaultSlaHours.set(ctx, hours);
  }
  return hours;
}

export const Ticket = builder.prismaNode("Ticket", {
  id: { field: "id" },
  description:
    "One unit of work on a request item: an approval step, its fulfillment, or removing revoked access. Visible\n" +
    "to its assignees, the request's requester and target, and admins.",
  fields: (t) => ({
    number: t.exposeInt("number", { description: "Human-friendly sequence number, shown as TKT-<number>." }),
    kind: t.expose("kind", { type: TicketKindEnum, description: "What the ticket asks for." }),
    status: t.expose("status", { type: TicketStatusEnum, description: "Where it stands." }),
    request: t.relation("request", { description: "The request it belongs to." }),
    resource: t.relation("resource", { description: "The resource of its request item." }),
    step: t.exposeInt("step", { nullable: true, description: "Approval step order, for APPROVAL tickets." }),
    grantExpiresAt: t.field({
      type: "DateTime",
      nullable: true,
      description:
        "When the access this ticket is about ends, as its request item says now (requested, or an\n" +
        "approver's earlier end); null when no end was asked. See RequestItem.grantExpiresAt.",
      select: { item: { select: { grantExpiresAt: true } } },
      resolve: (ticket) => ticket.item.grantExpiresAt,
    }),
    assignees: t.field({
      type: [Identity],
      description: "Everyone who may act on this ticket now.",
      select: {
        kind: true,
        status: true,
        assignedToAdmins: true,
        assignees: true,
        assigneeGroup: { select: { members: { where: { active: true }, orderBy: { displayName: "asc" } } } },
        request: { select: { requesterId: true, targetId: true } },
      },
      resolve: async (ticket, _args, ctx) => {
        if (!isActionableTicket(ticket.kind, ticket.status)) return [];
        const parties = new Set([ticket.request.requesterId, ticket.request.targetId]);
        const people = new Map<string, IdentityRow>();
        const add = (identity: IdentityRow) => {
          if (identity.active && !parties.has(identity.id)) people.set(identity.id, identity);
        };
        ticket.assignees.forEach(add);
        ticket.assigneeGroup?.members.forEach(add);
        if (ticket.assignedToAdmins) (await ctx.activeAdmins()).forEach(add);
        return [...people.values()];
      },
    }),
    assigneeGroup: t.relation("assigneeGroup", {
      nullable: true,
      description: "Set when the ticket is assigned to a group.",
    }),
    decidedBy: t.relation("decidedBy", {
      nullable: true,
      description: "Who closed it (approved, rejected, fulfilled); null while open or when policy or a connector did.",
    }),
    decidedAt: t.expose("decidedAt", {
      type: "DateTime",
      nullable: true,
      description: "When it was closed; null while open.",
    }),
    comments: t.relation("comments", {
      description: "Its comments, oldest first.",
      query: { orderBy: [{ createdAt: "asc" }, { id: "asc" }] },
    }),
    viewerCanApprove: t.boolean({
      description:
        "An open APPROVAL ticket the viewer may approve now: assigned to them, or an admin's override, never for a\n" +
        "request they made or are the target of.",
      select: ticketFactsSelect,
      resolve: (ticket, _args, ctx) => viewerMayAct(ctx, ticket, ["APPROVAL"]),
    }),
    viewerCanReject: t.boolean({
      description: "The same as viewerCanApprove: whoever may approve a ticket may reject it.",
      select: ticketFactsSelect,
      resolve: (ticket, _args, ctx) => viewerMayAct(ctx, ticket, ["APPROVAL"]),
    }),
    viewerCanFulfill: t.boolean({
      description: "FULFILLMENT: the viewer may mark the access provisioned; REVOCATION: removed (fulfillTicket).",
      select: ticketFactsSelect,
      resolve: (ticket, _args, ctx) => viewerMayAct(ctx, ticket, ["FULFILLMENT", "REVOCATION"]),
    }),
    routingNote: t.exposeString("routingNote", {
      nullable: true,
      description:
        "Why the fallback approvers or the admins have this ticket instead of the step's own, in people's words\n" +
        '(e.g. "no manager on record", "the approver group has no eligible member", an escalation); null otherwise.',
    }),
    slaDueAt: t.field({
      type: "DateTime",
      nullable: true,
      description:
        "When an OPEN ticket passes its SLA (its resource's, else its system's, else the organisation's):\n" +
        "its assignees are reminded then, and it is escalated at twice the SLA. Null when nobody is waiting on it.",
      select: { status: true, createdAt: true, resource: { select: slaSourcesSelect } },
      resolve: async (ticket, _args, ctx) =>
        ticket.status === "OPEN" ? slaDueAt(ticket, slaHoursOf(ticket.resource, await defaultSlaHoursOf(ctx))) : null,
    }),
    remindedAt: t.expose("remindedAt", {
      type: "DateTime",
      nullable: true,
      description: "When its assignees were reminded that it passed its SLA.",
    }),
    escalatedAt: t.expose("escalatedAt", {
      type: "DateTime",
      nullable: true,
      description: "When it was escalated to the fallback approvers (or the admins), at twice its SLA.",
    }),
    claimedBy: t.relation("claimedBy", {
      nullable: true,
      description:
        "Who took the ticket (claimTicket), so the others assigned see it is being handled. A signal, not a lock:\n" +
        "everyone assigned may still act on it.",
    }),
    delegatedFrom: t.relation("delegatedFrom", {
      nullable: true,
      description: "The approver away whose delegate got this ticket (Identity.delegation).",
    }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it was opened." }),
    updatedAt: t.expose("updatedAt", { type: "DateTime", description: "When anything of it last changed." }),
    stepCount: t.int({
      nullable: true,
      description:
        "APPROVAL tickets: how many approval steps the item goes through (its resource's steps now, at least this\n" +
        'step), so a client says "step 1 of 2"; null for other kinds.',
      select: { kind: true, step: true, resource: { select: { approvalSteps: { select: { id: true } } } } },
      resolve: (ticket) => (ticket.kind === "APPROVAL" && ticket.step !== null ? stepCount(ticket, ticket.step) : null),
    }),
    nextStep: t.string({
      nullable: true,
      description:
        "APPROVAL tickets: what follows once this step is approved, in people's words (e.g. \"step 2 of 2, by the\n" +
        'group IT Security", "fulfillment by IT Fulfillers"); null for other kinds.',
      select: { kind: true, step: true, ...chainSelect },
      resolve: (ticket) => (ticket.kind === "APPROVAL" && ticket.step !== null ? afterStep(ticket, ticket.step) : null),
    }),
    viewerCannotActReason: t.string({
      nullable: true,
      description:
        'Why the viewer may not act on this ticket, in people\'s words (e.g. "You requested this: …", "Closed: it\n' +
        'was approved.", "It waits on its assignees, not on you."); null when they may act on it now. Decided by\n' +
        "the same rule as the decisions themselves (separation of duties, assignment, status).",
      select: ticketFactsSelect,
      resolve: async (ticket, _args, ctx) => {
        if (!ctx.viewer) return null;
        const facts = ticketFacts(ticket);
        return cannotActReason(ctx.viewer, facts, actingRight(ctx.viewer, facts, await ctx.viewerGroupIds()));
      },
    }),
  }),
});

export const TicketConnection = builder.connectionObject(
  { type: Ticket, name: "TicketConnection" },
  { name: "TicketEdge" },
);

const TicketFilter = builder.inputType("TicketFilter", {
  description: "Narrows a list of tickets; every field given must match. A malformed id is NOT_FOUND on its field.",
  fields: (t) => ({
    status: t.field({ type: [TicketStatusEnum], description: "Only tickets in one of these statuses (at most 10)." }),
    kind: t.field({ type: [TicketKindEnum], description: "Only tickets of these kinds." }),
    actionableByViewer: t.boolean({ description: "Only tickets that the viewer may act on now." }),
    assignedToViewer: t.boolean({
      description:
        "Only tickets that wait on the viewer: open to them by name, through one of their groups, or (admins) " +
        "assigned to the admins. Unlike actionableByViewer, it leaves out tickets an admin could only override.",
    }),
    requestId: t.id({ description: "Only the tickets of this request." }),
    systemId: t.id({ description: "Only tickets for resources of this system." }),
    search: t.string({
      description:
        'Only tickets matching this text: a ticket or request number ("TKT-12", "REQ-7", "12"), or part of the\n' +
        "requester's or target's name or email, the resource's name or its system's name (case-insensitive).",
    }),
  }),
});

const TicketOrderEnum = builder.enumType("TicketOrder", {
  description: "The order of a ticket list (paging with after/before keeps it).",
  values: {
    CREATED_DESC: { description: "Newest first (the default)." },
    CREATED_ASC: { description: "Oldest first: who has waited longest comes first." },
  },
});

type TicketFilterArg = {
  status?: readonly Prisma.TicketWhereInput["status"][] | null;
  kind?: readonly Prisma.TicketWhereInput["kind"][] | null;
  actionableByViewer?: boolean | null;
  assignedToViewer?: boolean | null;
  requestId?: string | null;
  systemId?: string | null;
  search?: string | null;
};

/** "TKT-12", "REQ-7", "#12" or "12": the number searched for, and which kind of number when said. */
function searchedNumber(term: string): { number: number; of: "TKT" | "REQ" | null } | null {
  const match = /^(?:(TKT|REQ)[-\s]?|#)?(\d{1,9})$/i.exec(term);
  if (!match?.[2]) return null;
  return { number: Number(match[2]), of: (match[1]?.toUpperCase() as "TKT" | "REQ" | undefined) ?? null };
}

/** Tickets matching the search text: by number, or by person, resource or system. */
function ticketSearchWhere(ctx: Context, term: string): Prisma.TicketWhereInput {
  const number = searchedNumber(term);
  if (number) {
    const byTicket: Prisma.TicketWhereInput = { number: number.number };
    const byRequest: Prisma.TicketWhereInput = { request: { number: number.number } };
    if (number.of === "TKT") return byTicket;
    if (number.of === "REQ") return byRequest;
    return { OR: [byTicket, byRequest] };
  }
  const text = containsText(ctx, term);
  const person = { OR: [{ displayName: text }, { email: text }] };
  return {
    OR: [
      { resource: { name: text } },
      { resource: { system: { name: text } } },
      { request: { requester: person } },
      { request: { target: person } },
    ],
  };
}

function ticketsWhere(ctx: Context, filter: TicketFilterArg | null | undefined): Prisma.TicketWhereInput {
  const viewer = viewerOf(ctx);
  const and: Prisma.TicketWhereInput[] = [ticketListWhere(viewer)];
  if (filter?.status) {
    listSize(filter.status, 0, 10, ["filter", "status"]);
    and.push({ status: { in: filter.status as never } });
  }
  if (filter?.kind) and.push({ kind: { in: filter.kind as never } });
  if (filter?.actionableByViewer) and.push(actionableWhere(viewer));
  if (filter?.assignedToViewer) and.push(assignedWhere(viewer));
  const requestId = decodeOptionalId(filter?.requestId, "Request", ["filter", "requestId"]);
  if (requestId) and.push({ requestId });
  const systemId = decodeOptionalId(filter?.systemId, "System", ["filter", "systemId"]);
  if (systemId) and.push({ resource: { systemId } });
  const term = searchTerm(filter?.search, "filter.search");
  if (term) and.push(ticketSearchWhere(ctx, term));
  return { AND: and };
}

builder.queryFields((t) => ({
  tickets: t.prismaConnection(
    {
      type: "Ticket",
      cursor: "id",
      description:
        "Tickets, newest first unless `orderBy` says otherwise. End users see the tickets they may act on and those\n" +
        "of their own requests; admins see all.",
      args: {
        filter: t.arg({ type: TicketFilter, description: "Absent: every ticket the viewer may see." }),
        orderBy: t.arg({
          type: TicketOrderEnum,
          defaultValue: "CREATED_DESC",
          description: "The list's order; newest first unless asked.",
        }),
      },
      resolve: (query, _root, args, ctx) =>
        ctx.prisma.ticket.findMany({
          ...query,
          where: ticketsWhere(ctx, args.filter),
          orderBy: { number: args.orderBy === "CREATED_ASC" ? "asc" : "desc" },
        }),
      totalCount: (_parent, args, ctx) => ctx.prisma.ticket.count({ where: ticketsWhere(ctx, args.filter) }),
    },
    TicketConnection,
  ),
  ticket: t.prismaField({
    type: "Ticket",
    nullable: true,
    description:
      "One ticket by id; null when the id names no ticket (malformed, another type's, unknown) or one the viewer\n" +
      "may not see.",
    args: { id: t.arg.id({ required: true, description: "The ticket's global id." }) },
    resolve: (query, _root, args, ctx) => {
      const id = lookupId(args.id, "Ticket", ["id"]);
      return id === null
        ? null
        : ctx.prisma.ticket.findFirst({ ...query, where: { id, ...visibleTicketWhere(viewerOf(ctx)) } });
    },
  }),
}));

// ---------------------------------------------------------------- mutations

const DecideTicketInput = builder.inputType("DecideTicketInput", {
  description: "A decision on one ticket.",
  fields: (t) => ({
    ticketId: t.id({ required: true, description: "The ticket to decide." }),
    comment: t.string({
      description: "Shown to the requester and in the audit trail; at most 4000 characters.",
    }),
    grantExpiresAt: t.field({
      type: "DateTime",
      description:
        "approveTicket only (ignored elsewhere): end the access earlier than requested. In the future,\n" +
        "not after the item's current end, within the resource's grantDurationLimit.",
    }),
  }),
});
const FulfillTicketInput = builder.inputType("FulfillTicketInput", {
  description: "Closing a FULFILLMENT or REVOCATION ticket done by hand.",
  fields: (t) => ({
    ticketId: t.id({ required: true, description: "The ticket." }),
    comment: t.string({
      description:
        "Evidence of what was done; required for REVOCATION tickets and for resources that require fulfillment\n" +
        "evidence (VALIDATION otherwise). At most 4000 characters.",
    }),
  }),
});
const CommentOnTicketInput = builder.inputType("CommentOnTicketInput", {
  description: "A comment on a ticket.",
  fields: (t) => ({
    ticketId: t.id({ required: true, description: "The ticket." }),
    body: t.string({ required: true, description: "1 to 4000 characters." }),
  }),
});

const ReassignTicketInput = builder.inputType("ReassignTicketInput", {
  description: "Exactly one of assigneeId and groupId.",
  fields: (t) => ({
    ticketId: t.id({ required: true, description: "An open ticket." }),
    assigneeId: t.id({ description: "The one person who gets the ticket (active, not the requester or target)." }),
    groupId: t.id({ description: "The group that gets the ticket (with a member who may act on it)." }),
    reason: t.string({ required: true, description: "Why: recorded as the audit event's comment." }),
  }),
});
const ClaimTicketInput = builder.inputType("ClaimTicketInput", {
  description: "Taking a ticket, or giving it back.",
  fields: (t) => ({
    ticketId: t.id({ required: true, description: "An open ticket the viewer may act on." }),
    release: t.boolean({
      defaultValue: false,
      description: "Give the ticket back instead of taking it (your own claim; admins: anyone's).",
    }),
  }),
});

const DeclineFulfillmentInput = builder.inputType("DeclineFulfillmentInput", {
  description: "A fulfiller cannot provision the access by hand, and says why.",
  fields: (t) => ({
    ticketId: t.id({ required: true, description: "An OPEN FULFILLMENT ticket." }),
    reason: t.string({
      required: true,
      description: "Why it cannot be done: the requester is told it (the audit event's comment and a ticket comment).",
    }),
  }),
});

const TicketDecisionEnum = builder.enumType("TicketDecision", {
  description: "What decideTickets does to each ticket.",
  values: {
    APPROVE: { description: "As approveTicket." },
    REJECT: { description: "As rejectTicket (the comment is required: the requesters are told it)." },
  },
});

const DecideTicketsInput = builder.inputType("DecideTicketsInput", {
  description: "Several approval tickets decided the same way with one comment.",
  fields: (t) => ({
    ticketIds: t.idList({ required: true, description: "The APPROVAL tickets, 1 to 100, each listed once." }),
    decision: t.field({ type: TicketDecisionEnum, required: true, description: "Approve or reject them all." }),
    comment: t.string({ description: "One comment for every decision; required to reject." }),
  }),
});

const TicketPayload = entityPayload("TicketPayload", "ticket", "Ticket", (ctx, query, id) =>
  ctx.prisma.ticket.findUnique({ ...query, where: { id } }),
);

/** One ticket's outcome in decideTickets: its own transaction, its own errors. */
interface DecideTicketOutcome {
  ticketId: string;
  /** The ticket's own id once it was decided (null: refused). */
  decidedId: string | null;
  errors: UserErrorShape[];
}

const DecideTicketResult = builder.objectRef<DecideTicketOutcome>("DecideTicketResult").implement({
  description: "What happened to one ticket of decideTickets.",
  fields: (t) => ({
    ticketId: t.exposeID("ticketId", { description: "The ticket id as sent." }),
    ticket: t.prismaField({
      type: "Ticket",
      nullable: true,
      description: "The ticket after the decision; null when it was refused (errors say why), as in TicketPayload.",
      resolve: (query, outcome, _args, ctx) =>
        outcome.decidedId ? ctx.prisma.ticket.findUnique({ ...query, where: { id: outcome.decidedId } }) : null,
    }),
    errors: t.field({
      type: [UserError],
      description: "Why this ticket was not decided (empty when it was).",
      resolve: (outcome) => outcome.errors,
    }),
  }),
});

const DecideTicketsPayload = builder.objectRef<{ results: DecideTicketOutcome[]; errors: UserErrorShape[] }>(
  "DecideTicketsPayload",
);
DecideTicketsPayload.implement({
  description: "One result per ticket, in the order sent; errors: the input as a whole was refused (nothing decided).",
  fields: (t) => ({
    results: t.field({
      type: [DecideTicketResult],
      description: "One per ticket sent, in the order sent: each ticket's own outcome (empty when errors is not).",
      resolve: (payload) => payload.results,
    }),
    errors: t.field({
      type: [UserError],
      description: "Why the input as a whole was refused (no ids, too many, an id twice); nothing was decided then.",
      resolve: (payload) => payload.errors,
    }),
  }),
});

function actOnTicket(
  ctx: Context,
  input: { ticketId: string; comment?: string | null; grantExpiresAt?: Date | null },
  action: (work: Work, viewer: Actor, input: ApproveInput) => Promise<void>,
) {
  return mutate(ctx, async (viewer) => {
    const ticketId = decodeId(input.ticketId, "Ticket", ["input", "ticketId"]);
    const decided = { ticketId, comment: input.comment ?? null, grantExpiresAt: input.grantExpiresAt ?? null };
    await ctx.db.transact((work) => action(work, viewer, decided));
    return ticketId;
  });
}

builder.mutationFields((t) => ({
  approveTicket: t.field({
    type: TicketPayload,
    description:
      "Approves an open APPROVAL ticket: the item moves to its next step or to fulfillment. Its assignees (or an\n" +
      "admin's override); SELF_APPROVAL for the request's requester or target, INVALID_STATE once decided.",
    args: { input: t.arg({ type: DecideTicketInput, required: true, description: MUTATION_INPUT }) },
    resolve: (_root, { input }, ctx) =>
      actOnTicket(ctx, input, (work, viewer, i) => decideTicket(work, viewer, i, "APPROVED")),
  }),
  rejectTicket: t.field({
    type: TicketPayload,
    description:
      "Rejects an open APPROVAL ticket: the item is rejected and the requester told, with the comment. Who may:\n" +
      "as approveTicket.",
    args: { input: t.arg({ type: DecideTicketInput, required: true, description: MUTATION_INPUT }) },
    resolve: (_root, { input }, ctx) =>
      actOnTicket(ctx, input, (work, viewer, i) => decideTicket(work, viewer, i, "REJECTED")),
  }),
  fulfillTicket: t.field({
    type: TicketPayload,
    description:
      "Close a FULFILLMENT ticket (the access was provisioned) or a REVOCATION ticket (the access was removed; " +
      "a comment is required as evidence).",
    args: { input: t.arg({ type: FulfillTicketInput, required: true, description: MUTATION_INPUT }) },
    resolve: (_root, { input }, ctx) => actOnTicket(ctx, input, fulfillTicket),
  }),
  retryFulfillment: t.field({
    type: TicketPayload,
    description: "Retry a FAILED fulfillment ticket (admins and the system's fulfillers).",
    args: { input: t.arg({ type: DecideTicketInput, required: true, description: MUTATION_INPUT }) },
    resolve: (_root, { input }, ctx) => actOnTicket(ctx, input, retryFulfillment),
  }),
  declineFulfillment: t.field({
    type: TicketPayload,
    description:
      'A fulfiller cannot provision the access by hand ("cannot fulfil"): the OPEN FULFILLMENT ticket goes FAILED\n' +
      "with the reason (audited as TICKET_FAILED), its request shows FAILED and the requester is told. The same\n" +
      "people as fulfillTicket (separation of duties; admins override). retryFulfillment or fulfillTicket resolve\n" +
      "it afterwards.",
    args: { input: t.arg({ type: DeclineFulfillmentInput, required: true, description: MUTATION_INPUT }) },
    resolve: (_root, { input }, ctx) =>
      mutate(ctx, async (viewer) => {
        const ticketId = decodeId(input.ticketId, "Ticket", ["input", "ticketId"]);
        await ctx.db.transact((work) => declineFulfillment(work, viewer, { ticketId, reason: input.reason }));
        return ticketId;
      }),
  }),
  decideTickets: t.field({
    type: DecideTicketsPayload,
    description:
      "Approve or reject several APPROVAL tickets with one comment. Each decision is its own transition, in its own\n" +
      "transaction, audited and checked as approveTicket / rejectTicket check it (separation of duties included):\n" +
      "one refused ticket does not stop the others. The results say, per ticket, what happened.",
    args: { input: t.arg({ type: DecideTicketsInput, required: true, description: MUTATION_INPUT }) },
    resolve: async (_root, { input }, ctx) => {
      const checked = await mutate(ctx, async () => {
        listSize(input.ticketIds, 1, LIMITS.idList, ["input", "ticketIds"]);
        distinct(input.ticketIds, ["input", "ticketIds"]);
        return input.ticketIds;
      });
      if (!checked.value) return { results: [], errors: checked.errors };
      const decision = input.decision === "APPROVE" ? "APPROVED" : "REJECTED";
      const results: DecideTicketOutcome[] = [];
      // One after the other: each decision commits (or is refused) on its own.
      for (const [index, ticketId] of checked.value.entries()) {
        const outcome = await mutate(ctx, async (viewer) => {
          const id = decodeId(ticketId, "Ticket", ["input", "ticketIds", String(index)]);
          await ctx.db.transact((work) =>
            decideTicket(work, viewer, { ticketId: id, comment: input.comment ?? null }, decision),
          );
          return id;
        });
        results.push({ ticketId, decidedId: outcome.value, errors: outcome.errors });
      }
      return { results, errors: [] };
    },
  }),
  reassignTicket: t.field({
    type: TicketPayload,
    description:
      "Admins: give an open ticket to one person or one group instead of its assignees, with the reason\n" +
      "(audited as TICKET_REASSIGNED, the reason as its comment). The ticket's claim is dropped.",
    args: { input: t.arg({ type: ReassignTicketInput, required: true, description: MUTATION_INPUT }) },
    resolve: (_root, { input }, ctx) =>
      mutate(ctx, async (viewer) => {
        const ticketId = decodeId(input.ticketId, "Ticket", ["input", "ticketId"]);
        const assigneeId = decodeOptionalId(input.assigneeId, "Identity", ["input", "assigneeId"]);
        const groupId = decodeOptionalId(input.groupId, "Group", ["input", "groupId"]);
        await ctx.db.transact((work) =>
          reassignTicketByAdmin(work, viewer, { ticketId, assigneeId, groupId, reason: input.reason }),
        );
        return ticketId;
      }),
  }),
  claimTicket: t.field({
    type: TicketPayload,
    description:
      "Take a ticket you may act on (Ticket.claimedBy), so the others assigned see it is handled, or give it back\n" +
      "(release). A signal, not a lock: everyone assigned may still act on it.",
    args: { input: t.arg({ type: ClaimTicketInput, required: true, description: MUTATION_INPUT }) },
    resolve: (_root, { input }, ctx) =>
      mutate(ctx, async (viewer) => {
        const ticketId = decodeId(input.ticketId, "Ticket", ["input", "ticketId"]);
        await ctx.db.transact((work) => claimTicket(work, viewer, { ticketId, release: input.release ?? false }));
        return ticketId;
      }),
  }),
  commentOnTicket: t.field({
    type: TicketPayload,
    description: "Adds a comment to a ticket; anyone who may see the ticket (NOT_FOUND otherwise).",
    args: { input: t.arg({ type: CommentOnTicketInput, required: true, description: MUTATION_INPUT }) },
    resolve: (_root, { input }, ctx) =>
      actOnTicket(ctx, { ticketId: input.ticketId, comment: input.body }, (work, viewer, i) =>
        commentOnTicket(work, viewer, { ticketId: i.ticketId, body: i.comment ?? "" }),
      ),
  }),
}));
