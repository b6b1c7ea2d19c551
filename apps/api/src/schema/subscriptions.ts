// The live subscriptions' types and fields. They read from the live feed (live/feed.ts), which
// delivers only the changes the viewer may see, in sequence order, resuming after
// `afterSequence` when given; live/subscribe.ts makes each one a live session.
import {
  type ChangeKind,
  type GrantChange,
  GRANT_CHANGE_KINDS,
  type RequestStatusChange,
  type SystemHealthChange,
  type TicketStatusChange,
} from "../live/changes.ts";
import { subscribeLive } from "../live/subscribe.ts";
import { DomainError } from "../domain/errors.ts";
import { viewerOf } from "../context.ts";
import { builder } from "./builder.ts";
import { decodeOptionalId } from "./ids.ts";
import { HealthStatusEnum, RequestStatusEnum, TicketStatusEnum } from "./scalars.ts";

/** The description of every subscription's `afterSequence` argument (review.ts uses it too). */
export const AFTER_SEQUENCE =
  "Resume: first deliver the changes after this audit sequence (the last `sequence` you received), then live\n" +
  "ones. 0 or more (VALIDATION otherwise); absent: live changes only.";

const AT = "When the change happened.";
const SEQUENCE = "The change's audit sequence; pass the last one you received back as afterSequence to resume.";
const REQUEST_ID = "Only changes of this request; a malformed id or another type's is NOT_FOUND.";

const TicketStatusChangeType = builder.objectRef<TicketStatusChange>("TicketStatusChange").implement({
  description: "A ticket was created or changed status (or was reassigned: previousStatus equals status).",
  fields: (t) => ({
    ticket: t.prismaField({
      type: "Ticket",
      description: "The ticket as it is now.",
      resolve: (query, change, _args, ctx) =>
        ctx.prisma.ticket.findUniqueOrThrow({ ...query, where: { id: change.ticketId } }),
    }),
    previousStatus: t.field({
      type: TicketStatusEnum,
      nullable: true,
      description: "Null when the ticket was just created.",
      resolve: (change) => change.previousStatus,
    }),
    status: t.field({
      type: TicketStatusEnum,
      description: "Its status after the change.",
      resolve: (change) => change.status,
    }),
    actor: t.prismaField({
      type: "Identity",
      nullable: true,
      description: "Who changed it; null when the system did (policy, a connector, the sweeper).",
      resolve: (query, change, _args, ctx) =>
        change.actorId ? ctx.prisma.identity.findUnique({ ...query, where: { id: change.actorId } }) : null,
    }),
    at: t.field({ type: "DateTime", description: AT, resolve: (change) => change.at }),
    sequence: t.exposeInt("sequence", { description: SEQUENCE }),
  }),
});

const RequestStatusChangeType = builder.objectRef<RequestStatusChange>("RequestStatusChange").implement({
  description: "A request was created or changed status.",
  fields: (t) => ({
    request: t.prismaField({
      type: "Request",
      description: "The request as it is now.",
      resolve: (query, change, _args, ctx) =>
        ctx.prisma.request.findUniqueOrThrow({ ...query, where: { id: change.requestId } }),
    }),
    previousStatus: t.field({
      type: RequestStatusEnum,
      nullable: true,
      description: "Null when the request was just created.",
      resolve: (change) => change.previousStatus,
    }),
    status: t.field({
      type: RequestStatusEnum,
      description: "Its status after the change.",
      resolve: (change) => change.status,
    }),
    at: t.field({ type: "DateTime", description: AT, resolve: (change) => change.at }),
    sequence: t.exposeInt("sequence", { description: SEQUENCE }),
  }),
});

const SystemHealthChangeType = builder.objectRef<SystemHealthChange>("SystemHealthChange").implement({
  description: "A connector system's health changed (admins only).",
  fields: (t) => ({
    system: t.prismaField({
      type: "System",
      description: "The system, as it is now.",
      resolve: (query, change, _args, ctx) =>
        ctx.prisma.system.findUniqueOrThrow({ ...query, where: { id: change.systemId } }),
    }),
    previousStatus: t.field({
      type: HealthStatusEnum,
      nullable: true,
      description: "Null on the first check.",
      resolve: (change) => change.previousStatus,
    }),
    status: t.field({ type: HealthStatusEnum, description: "The new health.", resolve: (change) => change.status }),
    message: t.string({
      nullable: true,
      description: "What the check or call said (may name internal hosts); null when healthy.",
      resolve: (change) => change.message,
    }),
    at: t.field({ type: "DateTime", description: AT, resolve: (change) => change.at }),
    sequence: t.exposeInt("sequence", { description: SEQUENCE }),
  }),
});

const GRANT_CHANGE_MEANINGS: Record<GrantChange["action"], string> = {
  ACTIVATED: "The access was provisioned: the grant began.",
  REVOKED: "The access was taken away early (an admin, a review, cancellation, a leaver).",
  EXPIRED: "The grant reached its end.",
  EXTENDED: "A fulfilled extension request moved the grant's end.",
};

const GrantChangeKindEnum = builder.enumType("GrantChangeKind", {
  description: "What happened to a grant.",
  values: Object.fromEntries(
    GRANT_CHANGE_KINDS.map((kind) => [kind, { description: GRANT_CHANGE_MEANINGS[kind] }]),
  ) as Record<GrantChange["action"], { description: string }>,
});

const GrantChangeType = builder.objectRef<GrantChange>("GrantChange").implement({
  description:
    "A grant began (ACTIVATED), ended (REVOKED, EXPIRED) or had its end moved (EXTENDED): for its holder and admins.",
  fields: (t) => ({
    grant: t.prismaField({
      type: "Grant",
      description: "The grant as it is now.",
      resolve: (query, change, _args, ctx) =>
        ctx.prisma.grant.findUniqueOrThrow({ ...query, where: { id: change.grantId } }),
    }),
    change: t.field({ type: GrantChangeKindEnum, description: "What happened.", resolve: (change) => change.action }),
    actor: t.prismaField({
      type: "Identity",
      nullable: true,
      description: "Null when the system acted (expiry, a connector).",
      resolve: (query, change, _args, ctx) =>
        change.actorId ? ctx.prisma.identity.findUnique({ ...query, where: { id: change.actorId } }) : null,
    }),
    at: t.field({ type: "DateTime", description: AT, resolve: (change) => change.at }),
    sequence: t.exposeInt("sequence", { description: SEQUENCE }),
  }),
});

type SubscriptionArgs = { requestId?: string | null; afterSequence?: number | null };

/** The feed's options from a subscription field's arguments (review.ts uses it too). */
export function subscribeOptions<K extends ChangeKind>(kind: K, args: SubscriptionArgs) {
  const requestId = decodeOptionalId(args.requestId, "Request", ["requestId"]);
  const afterSequence = args.afterSequence ?? null;
  if (afterSequence !== null && afterSequence < 0) {
    throw new DomainError("VALIDATION", "afterSequence must be 0 or more.", ["afterSequence"]);
  }
  return { kind, requestId, afterSequence };
}

builder.subscriptionFields((t) => ({
  ticketStatusChanged: t.field({
    type: TicketStatusChangeType,
    description:
      "Every ticket change that the viewer may see, in sequence order, optionally only\nfor one request. With afterSequence, the changes the viewer missed since that\nsequence are delivered first, then live ones, with no gap and no duplicate.",
    args: {
      requestId: t.arg.id({ description: REQUEST_ID }),
      afterSequence: t.arg.int({ description: AFTER_SEQUENCE }),
    },
    subscribe: (_root, args, ctx) => subscribeLive(ctx, viewerOf(ctx), subscribeOptions("ticket", args)),
    resolve: (change) => change,
  }),
  requestStatusChanged: t.field({
    type: RequestStatusChangeType,
    description:
      "Every request change that the viewer may see, in sequence order, optionally only for one request;\n" +
      "resumable with afterSequence like ticketStatusChanged.",
    args: {
      requestId: t.arg.id({ description: REQUEST_ID }),
      afterSequence: t.arg.int({ description: AFTER_SEQUENCE }),
    },
    subscribe: (_root, args, ctx) => subscribeLive(ctx, viewerOf(ctx), subscribeOptions("request", args)),
    resolve: (change) => change,
  }),
  grantChanged: t.field({
    type: GrantChangeType,
    description:
      "Every change of a grant the viewer holds (admins: of every grant), resumable with afterSequence\n" +
      "like the others: access granted, extended, revoked, or expired by the sweeper.",
    args: { afterSequence: t.arg.int({ description: AFTER_SEQUENCE }) },
    subscribe: (_root, args, ctx) => subscribeLive(ctx, viewerOf(ctx), subscribeOptions("grant", args)),
    resolve: (change) => change,
  }),
  systemHealthChanged: t.field({
    type: SystemHealthChangeType,
    description: "Admins only: every change of a connector system's health, resumable like the others.",
    authScopes: { admin: true },
    args: { afterSequence: t.arg.int({ description: AFTER_SEQUENCE }) },
    subscribe: (_root, args, ctx) => subscribeLive(ctx, viewerOf(ctx), subscribeOptions("health", args)),
    resolve: (change) => change,
  }),
}));
