// AuditEvent: the hash-chained trail. Admins read all of it; anyone who may see a request reads
// that request's events.
import type { Prisma } from "../generated/prisma/client.ts";
import { auditDataFor, visibleAuditEventWhere } from "../domain/policy/visibility.ts";
import { listSize } from "../domain/validate.ts";
import { viewerOf } from "../context.ts";
import { builder } from "./builder.ts";
import { decodeOptionalId } from "./ids.ts";
import { Request } from "./request.ts";
import { AuditActionEnum } from "./scalars.ts";

export const AuditEvent = builder.prismaNode("AuditEvent", {
  id: { field: "id" },
  description: "One entry of the append-only, hash-chained audit trail.",
  fields: (t) => ({
    sequence: t.exposeInt("sequence", { description: "Strictly increasing, without gaps, across the whole trail." }),
    at: t.expose("at", { type: "DateTime" }),
    actor: t.relation("actor", {
      nullable: true,
      description: "Null when the system itself acted (policy, connector, expiry).",
    }),
    action: t.expose("action", { type: AuditActionEnum }),
    request: t.relation("request", { nullable: true }),
    ticket: t.relation("ticket", { nullable: true }),
    comment: t.exposeString("comment", { nullable: true }),
    data: t.field({
      type: "JSON",
      select: { data: true, action: true },
      resolve: (event, _args, ctx) => auditDataFor(ctx.viewer, event.action, event.data),
    }),
    hash: t.exposeString("hash", {
      description: "Hex SHA-256 of the previous event's hash and this event's canonical content.",
    }),
    prevHash: t.exposeString("prevHash"),
  }),
});

export const AuditEventConnection = builder.connectionObject(
  { type: AuditEvent, name: "AuditEventConnection" },
  { name: "AuditEventEdge" },
);

builder.prismaObjectField(Request, "auditEvents", (t) =>
  t.relatedConnection(
    "auditEvents",
    { cursor: "sequence", totalCount: true, query: { orderBy: { sequence: "asc" } } },
    AuditEventConnection,
  ),
);

const AuditEventFilter = builder.inputType("AuditEventFilter", {
  fields: (t) => ({
    requestId: t.id(),
    actorId: t.id(),
    action: t.field({ type: [AuditActionEnum] }),
    from: t.field({ type: "DateTime" }),
    to: t.field({ type: "DateTime" }),
  }),
});

export interface AuditFilterArg {
  requestId?: string | null;
  actorId?: string | null;
  action?: readonly string[] | null;
  from?: Date | null;
  to?: Date | null;
}

export function auditEventsWhere(filter: AuditFilterArg | null | undefined): Prisma.AuditEventWhereInput {
  const and: Prisma.AuditEventWhereInput[] = [];
  const requestId = decodeOptionalId(filter?.requestId, "Request", ["filter", "requestId"]);
  if (requestId) and.push({ requestId });
  const actorId = decodeOptionalId(filter?.actorId, "Identity", ["filter", "actorId"]);
  if (actorId) and.push({ actorId });
  if (filter?.action) {
    listSize(filter.action, 0, 20, ["filter", "action"]);
    and.push({ action: { in: filter.action as never } });
  }
  if (filter?.from) and.push({ at: { gte: filter.from } });
  if (filter?.to) and.push({ at: { lte: filter.to } });
  return { AND: and };
}

builder.queryFields((t) => ({
  auditEvents: t.prismaConnection(
    {
      type: "AuditEvent",
      cursor: "sequence",
      description: "Admins only.",
      authScopes: { admin: true },
      args: { filter: t.arg({ type: AuditEventFilter }) },
      resolve: (query, _root, args, ctx) =>
        ctx.prisma.auditEvent.findMany({
          ...query,
          where: { AND: [visibleAuditEventWhere(viewerOf(ctx)), auditEventsWhere(args.filter)] },
          orderBy: { sequence: "asc" },
        }),
      totalCount: (_parent, args, ctx) => ctx.prisma.auditEvent.count({ where: auditEventsWhere(args.filter) }),
    },
    AuditEventConnection,
  ),
}));
