// Ticket and TicketComment: types, the ticket queries, and the actions on tickets (approve,
// reject, fulfill, retry, comment). Who may act is decided by domain/policy/routing.ts.
import type { Prisma, TicketKind } from "../generated/prisma/client.ts";
import {
  claimTicket,
  commentOnTicket,
  decideTicket,
  fulfillTicket,
  retryFulfillment,
  type ApproveInput,
} from "../domain/tickets/ticket-actions.ts";
import { toGlobalId } from "../domain/global-id.ts";
import { reassignTicketByAdmin } from "../domain/tickets/reassign-ticket.ts";
import { isActionableTicket } from "../domain/lifecycle.ts";
import {
  actingRight,
  actionableWhere,
  assignedWhere,
  ticketFacts,
  ticketFactsSelect,
} from "../domain/policy/routing.ts";
import { ticketListWhere, visibleTicketWhere } from "../domain/policy/visibility.ts";
import { listSize } from "../domain/validate.ts";
import { readSettings } from "../domain/settings/settings.ts";
import { slaDueAt, slaHoursOf, slaSourcesSelect } from "../domain/tickets/sla.ts";
import type { Actor, Work } from "../domain/work.ts";
import type { Identity as IdentityRow } from "../generated/prisma/client.ts";
import { type Context, viewerOf } from "../context.ts";
import { builder } from "./builder.ts";
import { entityPayload, mutate, MUTATION_INPUT } from "./errors.ts";
import { Identity } from "./identity.ts";
import { decodeId, decodeOptionalId, lookupId } from "./ids.ts";
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
  }),
});

type TicketFilterArg = {
  status?: readonly Prisma.TicketWhereInput["status"][] | null;
  kind?: readonly Prisma.TicketWhereInput["kind"][] | null;
  actionableByViewer?: boolean | null;
  assignedToViewer?: boolean | null;
  requestId?: string | null;
  systemId?: string | null;
};

function ticketsWhere(viewer: Actor, filter: TicketFilterArg | null | undefined): Prisma.TicketWhereInput {
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
  return { AND: and };
}

builder.queryFields((t) => ({
  tickets: t.prismaConnection(
    {
      type: "Ticket",
      cursor: "id",
      description:
        "Tickets, newest first. End users see the tickets they may act on and those of their own requests; admins\n" +
        "see all.",
      args: { filter: t.arg({ type: TicketFilter, description: "Absent: every ticket the viewer may see." }) },
      resolve: (query, _root, args, ctx) =>
        ctx.prisma.ticket.findMany({
          ...query,
          where: ticketsWhere(viewerOf(ctx), args.filter),
          orderBy: { number: "desc" },
        }),
      totalCount: (_parent, args, ctx) => ctx.prisma.ticket.count({ where: ticketsWhere(viewerOf(ctx), args.filter) }),
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

const TicketPayload = entityPayload("TicketPayload", "ticket", "Ticket", (ctx, query, id) =>
  ctx.prisma.ticket.findUnique({ ...query, where: { id } }),
);

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
