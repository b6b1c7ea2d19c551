// Request and RequestItem: types, the request queries, and creating and cancelling requests.
import type { Prisma } from "../generated/prisma/client.ts";
import { countAllRequests } from "../domain/counters.ts";
import { ITEM_STATUSES, openItemWhere, openTicketWhere } from "../domain/lifecycle.ts";
import { cancelRequest, createRequest, mayCancelRequest } from "../domain/requests/request-actions.ts";
import { toGlobalId } from "../domain/global-id.ts";
import { visibleRequestWhere } from "../domain/policy/visibility.ts";
import { LIMITS, listSize } from "../domain/validate.ts";
import type { Actor } from "../domain/work.ts";
import { type Context, viewerOf } from "../context.ts";
import { builder } from "./builder.ts";
import { entityPayload, mutate, MUTATION_INPUT } from "./errors.ts";
import { decodeId, decodeIds, decodeOptionalId, lookupId } from "./ids.ts";
import { RequestStatusEnum } from "./scalars.ts";

const RequestItem = builder.prismaObject("RequestItem", {
  description: "One requested resource inside a request, with its own progress.",
  fields: (t) => ({
    id: t.id({
      description: "The item's global id (it appears in audit data; items are read through their request).",
      resolve: (item) => toGlobalId("RequestItem", item.id),
    }),
    resource: t.relation("resource", { description: "The resource asked for." }),
    status: t.expose("status", {
      type: RequestStatusEnum,
      description: [
        "The item's own progress, in the request statuses but PARTIALLY_FULFILLED:",
        ...Object.entries(ITEM_STATUSES).map(([status, meaning]) => `${status}: ${meaning}`),
      ].join("\n"),
    }),
    tickets: t.relation("tickets", {
      description: "This item's tickets in the order they were opened: its approval steps, then its fulfillment.",
      query: { orderBy: { number: "asc" } },
    }),
    grantExpiresAt: t.expose("grantExpiresAt", {
      type: "DateTime",
      nullable: true,
      description:
        "When the access this item gives ends: the requested end, or an approver's earlier one. The\n" +
        "resource's grantDurationLimit, counted from the moment of granting, still caps it. Null: no end\n" +
        "was asked (the limit alone applies, if the resource has one).",
    }),
    extendsGrant: t.relation("extendsGrant", {
      nullable: true,
      description: "An extension request: the grant whose end this item moves once fulfilled.",
    }),
  }),
});

export const Request = builder.prismaNode("Request", {
  id: { field: "id" },
  description:
    "Someone asking for access to one or more resources, with a justification. Visible to its requester, its\n" +
    "target, the people its tickets are assigned to, and admins.",
  fields: (t) => ({
    number: t.exposeInt("number", { description: "Human-friendly sequence number, shown as REQ-<number>." }),
    requester: t.relation("requester", { description: "Who made the request." }),
    target: t.relation("target", {
      description:
        "Whom the access is for: the requester, or another identity when an admin requested on their behalf.",
    }),
    justification: t.exposeString("justification", {
      description: "Why the access is needed, as the requester wrote it (at most 2000 characters).",
    }),
    status: t.expose("status", { type: RequestStatusEnum, description: "Where the request stands as a whole." }),
    grantExpiresAt: t.expose("grantExpiresAt", {
      type: "DateTime",
      nullable: true,
      description: "The end of access the requester asked for (null: none). Each item says what applies.",
    }),
    items: t.relation("items", {
      type: RequestItem,
      description: "One per requested resource, in the order asked.",
      query: { orderBy: [{ createdAt: "asc" }, { id: "asc" }] },
    }),
    tickets: t.relation("tickets", {
      description: "Every ticket of every item, by number (TKT-<number>).",
      query: { orderBy: { number: "asc" } },
    }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it was made." }),
    updatedAt: t.expose("updatedAt", { type: "DateTime", description: "When anything of it last changed." }),
    closedAt: t.expose("closedAt", {
      type: "DateTime",
      nullable: true,
      description: "When it reached a final status (fulfilled, rejected, cancelled, failed); null while open.",
    }),
    viewerCanCancel: t.boolean({
      description:
        "Whether the viewer may cancel this request now: its requester, target or an admin, while an item is open.",
      select: { requesterId: true, targetId: true, _count: { select: { items: { where: openItemWhere } } } },
      resolve: (request, _args, ctx) => mayCancelRequest(viewerOf(ctx), request, request._count.items > 0),
    }),
    routingNotes: t.stringList({
      description:
        "Why open approval or fulfilment tickets of this request went to the fallback approvers or the admins\n" +
        'instead of their own (Ticket.routingNote), e.g. "no manager on record"; empty when none did.',
      select: {
        tickets: {
          where: { AND: [openTicketWhere, { kind: { in: ["APPROVAL", "FULFILLMENT"] }, routingNote: { not: null } }] },
          select: { routingNote: true },
          orderBy: { number: "asc" },
        },
      },
      resolve: (request) => request.tickets.flatMap((ticket) => (ticket.routingNote ? [ticket.routingNote] : [])),
    }),
  }),
});

export const RequestConnection = builder.connectionObject(
  { type: Request, name: "RequestConnection" },
  { name: "RequestEdge" },
);

const RequestFilter = builder.inputType("RequestFilter", {
  description: "Narrows a list of requests; every field given must match. A malformed id is NOT_FOUND on its field.",
  fields: (t) => ({
    status: t.field({ type: [RequestStatusEnum], description: "Only requests in one of these statuses (at most 10)." }),
    identityId: t.id({ description: "Only requests whose requester or target is this identity." }),
    systemId: t.id({ description: "Only requests that include a resource of this system." }),
  }),
});

type RequestFilterArg = {
  status?: readonly Prisma.RequestWhereInput["status"][] | null;
  identityId?: string | null;
  systemId?: string | null;
};

function requestsWhere(viewer: Actor, filter: RequestFilterArg | null | undefined): Prisma.RequestWhereInput {
  const and: Prisma.RequestWhereInput[] = [visibleRequestWhere(viewer)];
  if (filter?.status) {
    listSize(filter.status, 0, 10, ["filter", "status"]);
    and.push({ status: { in: filter.status as never } });
  }
  const identityId = decodeOptionalId(filter?.identityId, "Identity", ["filter", "identityId"]);
  if (identityId) and.push({ OR: [{ requesterId: identityId }, { targetId: identityId }] });
  const systemId = decodeOptionalId(filter?.systemId, "System", ["filter", "systemId"]);
  if (systemId) and.push({ items: { some: { resource: { systemId } } } });
  return { AND: and };
}

builder.queryFields((t) => ({
  requests: t.prismaConnection(
    {
      type: "Request",
      cursor: "id",
      description: "Requests, newest first. End users see the requests they made or that target them; admins see all.",
      args: { filter: t.arg({ type: RequestFilter, description: "Absent: every request the viewer may see." }) },
      resolve: (query, _root, args, ctx) =>
        ctx.prisma.request.findMany({
          ...query,
          where: requestsWhere(viewerOf(ctx), args.filter),
          orderBy: { number: "desc" },
        }),
      totalCount: (_parent, args, ctx) => {
        const where = requestsWhere(viewerOf(ctx), args.filter);
        const everything =
          Array.isArray(where.AND) && where.AND.every((condition) => Object.keys(condition).length === 0);
        return everything ? countAllRequests(ctx.prisma) : ctx.prisma.request.count({ where });
      },
    },
    RequestConnection,
  ),
  request: t.prismaField({
    type: "Request",
    nullable: true,
    description:
      "One request by id; null when the id names no request (malformed, another type's, unknown) or one the\n" +
      "viewer may not see.",
    args: { id: t.arg.id({ required: true, description: "The request's global id." }) },
    resolve: (query, _root, args, ctx) => {
      const id = lookupId(args.id, "Request", ["id"]);
      return id === null
        ? null
        : ctx.prisma.request.findFirst({ ...query, where: { id, ...visibleRequestWhere(viewerOf(ctx)) } });
    },
  }),
}));

// ---------------------------------------------------------------- mutations

const CreateRequestInput = builder.inputType("CreateRequestInput", {
  description: "What to ask for, for whom, and why.",
  fields: (t) => ({
    resourceIds: t.idList({
      required: true,
      description: "1 to 20 distinct requestable resources the target holds no access to and has no open request for.",
    }),
    justification: t.string({ required: true, description: "Why the access is needed: 1 to 2000 characters." }),
    targetIdentityId: t.id({
      description: "Admins only: request on behalf of another identity. Defaults to the viewer.",
    }),
    idempotencyKey: t.string({
      description:
        "Optional: the same key from the same viewer returns the first result instead of creating a duplicate.",
    }),
    grantExpiresAt: t.field({
      type: "DateTime",
      description:
        "Optional: when the access should end. Must be in the future and within each resource's\n" +
        "grantDurationLimit (a VALIDATION error on this field otherwise). Approvers may move it earlier.\n" +
        "Without it, access ends after the resource's limit, or never when it has none.",
    }),
    extendsGrantId: t.id({
      description:
        "Optional: ask to extend this ACTIVE grant of yours (admins: anyone's) to grantExpiresAt. The\n" +
        "request names exactly the grant's resource, is for its holder, and is routed like any other;\n" +
        "when fulfilled the grant's end moves instead of a second grant being made.",
    }),
  }),
});

const CancelRequestInput = builder.inputType("CancelRequestInput", {
  description: "The request to withdraw.",
  fields: (t) => ({
    requestId: t.id({ required: true, description: "A request with an open item." }),
    reason: t.string({
      description: "Optional, at most 2000 characters; shown to the approvers and in the audit trail.",
    }),
  }),
});

const loadRequest = (ctx: Context, query: object, id: string) =>
  ctx.prisma.request.findUnique({ ...query, where: { id } });
const CreateRequestPayload = entityPayload("CreateRequestPayload", "request", "Request", loadRequest);
const RequestPayload = entityPayload("RequestPayload", "request", "Request", loadRequest);

builder.mutationFields((t) => ({
  createRequest: t.field({
    type: CreateRequestPayload,
    description:
      "Asks for access. Routing opens each item's first ticket (or approves it by policy) in the same\n" +
      "transaction. Anyone signed in, for themselves; admins also for others (FORBIDDEN for non-admins).",
    args: { input: t.arg({ type: CreateRequestInput, required: true, description: MUTATION_INPUT }) },
    resolve: (_root, { input }, ctx) =>
      mutate(ctx, async (viewer) => {
        listSize(input.resourceIds, 1, LIMITS.resourcesPerRequest, ["input", "resourceIds"]);
        const resourceIds = decodeIds(input.resourceIds, "Resource", ["input", "resourceIds"]);
        const targetId = decodeOptionalId(input.targetIdentityId, "Identity", ["input", "targetIdentityId"]);
        const result = await ctx.db.transact((work) =>
          createRequest(work, viewer, {
            resourceIds,
            justification: input.justification,
            targetId,
            idempotencyKey: input.idempotencyKey ?? null,
            grantExpiresAt: input.grantExpiresAt ?? null,
            extendsGrantId: decodeOptionalId(input.extendsGrantId, "Grant", ["input", "extendsGrantId"]),
          }),
        );
        return result.requestId;
      }),
  }),
  cancelRequest: t.field({
    type: RequestPayload,
    description:
      "Withdraws a request: its open tickets are CANCELLED and connector calls under way are stopped and revoked.\n" +
      "Its requester, target or an admin; INVALID_STATE once nothing is open.",
    args: { input: t.arg({ type: CancelRequestInput, required: true, description: MUTATION_INPUT }) },
    resolve: (_root, { input }, ctx) =>
      mutate(ctx, async (viewer) => {
        const requestId = decodeId(input.requestId, "Request", ["input", "requestId"]);
        await ctx.db.transact((work) => cancelRequest(work, viewer, { requestId, reason: input.reason ?? null }));
        return requestId;
      }),
  }),
}));
