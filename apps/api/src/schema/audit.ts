// AuditEvent: the hash-chained trail. Admins read all of it; anyone who may see a request reads
// that request's events.
import type { Prisma } from "../generated/prisma/client.ts";
import { auditDataFor, visibleAuditEventWhere } from "../domain/policy/visibility.ts";
import { type AuditSubject, auditSubjectOf } from "../domain/audit/subjects.ts";
import { listSize } from "../domain/validate.ts";
import { viewerOf } from "../context.ts";
import { builder } from "./builder.ts";
import { decodeOptionalId } from "./ids.ts";
import { Resource, System } from "./catalog.ts";
import { Group, Identity } from "./identity.ts";
import { Request } from "./request.ts";
import { AuditActionEnum } from "./scalars.ts";

/** Each event's subject, read once from its data for all four subject fields of its row. */
const subjects = new WeakMap<object, AuditSubject>();

/** Looks up the event's subject of one kind, or answers null when its data names none. */
function bySubject<T>(
  event: { action: string; data: string },
  key: keyof AuditSubject,
  find: (id: string) => Promise<T>,
): Promise<T> | null {
  let subject = subjects.get(event);
  if (!subject) subjects.set(event, (subject = auditSubjectOf(event.action, event.data)));
  const id = subject[key];
  return id ? find(id) : null;
}

export const AuditEvent = builder.prismaNode("AuditEvent", {
  id: { field: "id" },
  description: "One entry of the append-only, hash-chained audit trail.",
  fields: (t) => ({
    sequence: t.exposeInt("sequence", { description: "Strictly increasing, without gaps, across the whole trail." }),
    at: t.expose("at", { type: "DateTime", description: "When it happened (the server's clock, UTC)." }),
    actor: t.relation("actor", {
      nullable: true,
      description: "Null when the system itself acted (policy, connector, expiry).",
    }),
    action: t.expose("action", { type: AuditActionEnum, description: "What happened; `data` holds its details." }),
    request: t.relation("request", {
      nullable: true,
      description: "The request it concerns; null for events about no request (tokens, settings, health).",
    }),
    ticket: t.relation("ticket", { nullable: true, description: "The ticket it concerns, when it concerns one." }),
    comment: t.exposeString("comment", {
      nullable: true,
      description: "What the actor wrote with it (a decision's comment, a reason); null when nothing was written.",
    }),
    data: t.field({
      type: "JSON",
      description:
        "The event's details as recorded (ids are global ids), e.g. `{ from, to }` of a status change. Connector\n" +
        "detail and health messages are left out for non-admins.",
      select: { data: true, action: true },
      resolve: (event, _args, ctx) => auditDataFor(ctx.viewer, event.action, event.data),
    }),
    subjectIdentity: t.field({
      type: Identity,
      nullable: true,
      description:
        "The person the event is about, when its data names one: whose access was granted, extended or ended,\n" +
        "whose token or session, who delegated, whose settings or directory entry changed, who joined or left a\n" +
        "group. Read with today's name; the data keeps the id. Null when there is none (or it was deleted).",
      select: { data: true, action: true },
      // Prisma batches the findUnique calls of one tick: a page of events costs one read per type.
      resolve: (event, _args, ctx) =>
        bySubject(event, "identityId", (id) => ctx.prisma.identity.findUnique({ where: { id } })),
    }),
    subjectResource: t.field({
      type: Resource,
      nullable: true,
      description:
        "The resource the event is about, when its data names one: a grant's, an automatic approval's, a\n" +
        "changed resource. Request and ticket events name theirs through `request` and `ticket`.",
      select: { data: true, action: true },
      resolve: (event, _args, ctx) =>
        bySubject(event, "resourceId", (id) => ctx.prisma.resource.findUnique({ where: { id } })),
    }),
    subjectSystem: t.field({
      type: System,
      nullable: true,
      description:
        "The system the event is about, when its data names one: a changed system, a health change, a connector\n" +
        "call, a new resource's system.",
      select: { data: true, action: true },
      resolve: (event, _args, ctx) =>
        bySubject(event, "systemId", (id) => ctx.prisma.system.findUnique({ where: { id } })),
    }),
    subjectGroup: t.field({
      type: Group,
      nullable: true,
      description: "The group a configuration change is about (created, renamed, a member added or removed).",
      select: { data: true, action: true },
      resolve: (event, _args, ctx) =>
        bySubject(event, "groupId", (id) => ctx.prisma.group.findUnique({ where: { id } })),
    }),
    hash: t.exposeString("hash", {
      description: "Hex SHA-256 of the previous event's hash and this event's canonical content.",
    }),
    prevHash: t.exposeString("prevHash", {
      description: "The previous event's `hash` (64 zeros for the first event): what chains the trail.",
    }),
  }),
});

export const AuditEventConnection = builder.connectionObject(
  { type: AuditEvent, name: "AuditEventConnection" },
  { name: "AuditEventEdge" },
);

builder.prismaObjectField(Request, "auditEvents", (t) =>
  t.relatedConnection(
    "auditEvents",
    {
      cursor: "sequence",
      totalCount: true,
      description:
        "This request's audit events, oldest first: its whole story. Whoever may see the request reads them.",
      query: { orderBy: { sequence: "asc" } },
    },
    AuditEventConnection,
  ),
);

const AuditEventFilter = builder.inputType("AuditEventFilter", {
  description: "Narrows the audit trail; every field given must match. A malformed id is NOT_FOUND on its field.",
  fields: (t) => ({
    requestId: t.id({ description: "Only events of this request." }),
    actorId: t.id({ description: "Only events this identity caused." }),
    action: t.field({ type: [AuditActionEnum], description: "Only events of these actions (at most 20)." }),
    from: t.field({ type: "DateTime", description: "Only events at or after this instant." }),
    to: t.field({ type: "DateTime", description: "Only events at or before this instant." }),
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
      description:
        "The whole audit trail in `sequence` order, oldest first. Admins only (FORBIDDEN otherwise); others read a\n" +
        "request's own events through `Request.auditEvents`.",
      authScopes: { admin: true },
      args: { filter: t.arg({ type: AuditEventFilter, description: "Absent: every event." }) },
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
