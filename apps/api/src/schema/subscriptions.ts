// The two live subscriptions. Both read from the live feed (pubsub.ts), which delivers only the
// changes the viewer may see, in sequence order, resuming after `afterSequence` when given.
import type { RequestStatusChange, SystemHealthChange, TicketStatusChange } from "../pubsub.ts";
import { DomainError } from "../domain/errors.ts";
import { type Context, viewerOf } from "../context.ts";
import { builder } from "./builder.ts";
import { decodeOptionalId } from "./ids.ts";
import { HealthStatusEnum, RequestStatusEnum, TicketStatusEnum } from "./scalars.ts";

const TicketStatusChangeType = builder.objectRef<TicketStatusChange>("TicketStatusChange").implement({
  fields: (t) => ({
    ticket: t.prismaField({
      type: "Ticket",
      resolve: (query, change, _args, ctx) =>
        ctx.prisma.ticket.findUniqueOrThrow({ ...query, where: { id: change.ticketId } }),
    }),
    previousStatus: t.field({
      type: TicketStatusEnum,
      nullable: true,
      description: "Null when the ticket was just created.",
      resolve: (change) => change.previousStatus,
    }),
    status: t.field({ type: TicketStatusEnum, resolve: (change) => change.status }),
    actor: t.prismaField({
      type: "Identity",
      nullable: true,
      resolve: (query, change, _args, ctx) =>
        change.actorId ? ctx.prisma.identity.findUnique({ ...query, where: { id: change.actorId } }) : null,
    }),
    at: t.field({ type: "DateTime", resolve: (change) => change.at }),
    sequence: t.exposeInt("sequence", {
      description: "The audit sequence of the change; pass it back as afterSequence to resume.",
    }),
  }),
});

const RequestStatusChangeType = builder.objectRef<RequestStatusChange>("RequestStatusChange").implement({
  fields: (t) => ({
    request: t.prismaField({
      type: "Request",
      resolve: (query, change, _args, ctx) =>
        ctx.prisma.request.findUniqueOrThrow({ ...query, where: { id: change.requestId } }),
    }),
    previousStatus: t.field({ type: RequestStatusEnum, nullable: true, resolve: (change) => change.previousStatus }),
    status: t.field({ type: RequestStatusEnum, resolve: (change) => change.status }),
    at: t.field({ type: "DateTime", resolve: (change) => change.at }),
    sequence: t.exposeInt("sequence"),
  }),
});

const SystemHealthChangeType = builder.objectRef<SystemHealthChange>("SystemHealthChange").implement({
  description: "A connector system's health changed (admins only).",
  fields: (t) => ({
    system: t.prismaField({
      type: "System",
      resolve: (query, change, _args, ctx) =>
        ctx.prisma.system.findUniqueOrThrow({ ...query, where: { id: change.systemId } }),
    }),
    previousStatus: t.field({ type: HealthStatusEnum, nullable: true, resolve: (change) => change.previousStatus }),
    status: t.field({ type: HealthStatusEnum, resolve: (change) => change.status }),
    message: t.string({ nullable: true, resolve: (change) => change.message }),
    at: t.field({ type: "DateTime", resolve: (change) => change.at }),
    sequence: t.exposeInt("sequence"),
  }),
});

function checkAfterSequence(afterSequence: number | null | undefined): number | null {
  if (afterSequence == null) return null;
  if (afterSequence < 0) throw new DomainError("VALIDATION", "afterSequence must be 0 or more.", ["afterSequence"]);
  return afterSequence;
}

/**
 * Subscribes the viewer to one kind of change, optionally for one request, resuming after a
 * sequence. The subscription is a live session: counted against the token's limit, and ended
 * when the token or the identity stops being valid (http/live-sessions.ts).
 */
function subscribeTo(kind: "ticket" | "request" | "health") {
  return (_root: unknown, args: { requestId?: string | null; afterSequence?: number | null }, ctx: Context) => {
    const viewer = viewerOf(ctx);
    const options = {
      kind,
      requestId: decodeOptionalId(args.requestId, "Request", ["requestId"]),
      afterSequence: checkAfterSequence(args.afterSequence),
    };
    const tokenId = ctx.tokenId;
    if (!tokenId) return ctx.feed.subscribe(viewer, options);
    if (ctx.sessions.count("subscription", tokenId) >= ctx.maxSubscriptionsPerToken) {
      throw new DomainError(
        "RATE_LIMITED",
        `At most ${ctx.maxSubscriptionsPerToken} live subscriptions per token; end one first.`,
      );
    }
    let unregister = () => {};
    const stream = ctx.feed.subscribe(viewer, options, () => unregister());
    unregister = ctx.sessions.add({
      kind: "subscription",
      tokenId,
      identityId: viewer.id,
      role: viewer.role,
      end: () => void stream.return(undefined),
    });
    return stream;
  };
}

builder.subscriptionFields((t) => ({
  ticketStatusChanged: t.field({
    type: TicketStatusChangeType,
    description:
      "Every ticket change that the viewer may see, in sequence order, optionally only\nfor one request. With afterSequence, the changes the viewer missed since that\nsequence are delivered first, then live ones, with no gap and no duplicate.",
    args: { requestId: t.arg.id(), afterSequence: t.arg.int() },
    subscribe: (root, args, ctx) => subscribeTo("ticket")(root, args, ctx) as AsyncIterable<TicketStatusChange>,
    resolve: (change) => change,
  }),
  requestStatusChanged: t.field({
    type: RequestStatusChangeType,
    args: { requestId: t.arg.id(), afterSequence: t.arg.int() },
    subscribe: (root, args, ctx) => subscribeTo("request")(root, args, ctx) as AsyncIterable<RequestStatusChange>,
    resolve: (change) => change,
  }),
  systemHealthChanged: t.field({
    type: SystemHealthChangeType,
    description: "Admins only: every change of a connector system's health, resumable like the others.",
    authScopes: { admin: true },
    args: { afterSequence: t.arg.int() },
    subscribe: (root, args, ctx) => subscribeTo("health")(root, args, ctx) as AsyncIterable<SystemHealthChange>,
    resolve: (change) => change,
  }),
}));
