// Insights (admins only): the `insights` query and its types. The figures are computed by
// domain/insights; this file only decodes the arguments and exposes the result.
import {
  computeInsights,
  type ConnectorCallCounts,
  type DurationBreakdown,
  type DurationGroup,
  type Insights,
  type InsightsDay,
  insightsPeriod,
  INSIGHTS_LIMITS,
  oldestOpenTicketsArgs,
} from "../domain/insights/insights.ts";
import { builder } from "./builder.ts";
import { decodeOptionalId } from "./ids.ts";

const InsightsDayType = builder.objectRef<InsightsDay>("InsightsDay").implement({
  description: "What happened on one day (UTC) of the period.",
  fields: (t) => ({
    date: t.exposeString("date", { description: "The day, as YYYY-MM-DD in UTC." }),
    requests: t.exposeInt("requests", { description: "Requests made that day." }),
    approved: t.exposeInt("approved", { description: "Approval steps approved that day." }),
    rejected: t.exposeInt("rejected", { description: "Approval steps rejected that day." }),
    fulfilled: t.exposeInt("fulfilled", { description: "Fulfilment tickets fulfilled that day (access provisioned)." }),
  }),
});

const DurationStatsType = builder.objectRef<DurationGroup>("DurationStats").implement({
  description:
    "How long something took for one group (everything, one system or one resource): how many were measured, " +
    "their median and their 90th percentile (linear interpolation, as PostgreSQL's percentile_cont).",
  fields: (t) => ({
    system: t.prismaField({
      type: "System",
      nullable: true,
      description: "The system of this group (null for the overall figure).",
      resolve: (query, parent, _args, ctx) =>
        parent.systemId ? ctx.prisma.system.findUnique({ ...query, where: { id: parent.systemId } }) : null,
    }),
    resource: t.prismaField({
      type: "Resource",
      nullable: true,
      description: "The resource of this group (null for the overall and per-system figures).",
      resolve: (query, parent, _args, ctx) =>
        parent.resourceId ? ctx.prisma.resource.findUnique({ ...query, where: { id: parent.resourceId } }) : null,
    }),
    count: t.exposeInt("count", { description: "How many were measured in the period." }),
    medianSeconds: t.exposeFloat("medianSeconds", {
      nullable: true,
      description: "The median, in seconds (null when nothing was measured).",
    }),
    p90Seconds: t.exposeFloat("p90Seconds", {
      nullable: true,
      description: "The 90th percentile, in seconds (null when nothing was measured).",
    }),
  }),
});

const DurationBreakdownType = builder.objectRef<DurationBreakdown>("DurationBreakdown").implement({
  description: "One duration over the period: overall, per system and per resource (the slowest first, by p90).",
  fields: (t) => ({
    overall: t.field({ type: DurationStatsType, resolve: (b) => b.overall, description: "Everything together." }),
    bySystem: t.field({
      type: [DurationStatsType],
      resolve: (b) => b.bySystem,
      description: "One entry per system with at least one measurement.",
    }),
    byResource: t.field({
      type: [DurationStatsType],
      resolve: (b) => b.byResource,
      description: "One entry per resource with at least one measurement.",
    }),
  }),
});

const ConnectorCallStatsType = builder.objectRef<ConnectorCallCounts>("ConnectorCallStats").implement({
  description:
    "A system's connector calls in the period (every attempt, from the audit trail's CONNECTOR_CALLED events).",
  fields: (t) => ({
    system: t.prismaField({
      type: "System",
      description: "The system whose connector was called.",
      resolve: (query, parent, _args, ctx) =>
        ctx.prisma.system.findUniqueOrThrow({ ...query, where: { id: parent.systemId } }),
    }),
    succeeded: t.exposeInt("succeeded", { description: "Calls that succeeded." }),
    failed: t.exposeInt("failed", { description: "Calls that failed (including attempts retried later)." }),
    failureRate: t.float({
      description: "failed / (succeeded + failed), from 0 to 1.",
      resolve: (c) => c.failed / (c.failed + c.succeeded),
    }),
  }),
});

const InsightsType = builder.objectRef<Insights>("Insights").implement({
  description:
    "How access requests went over a period (admins only): activity per day, time to approve and to fulfil, the " +
    "oldest open tickets and connector failure rates.",
  fields: (t) => ({
    from: t.expose("from", { type: "DateTime", description: "The start of the period (inclusive)." }),
    to: t.expose("to", { type: "DateTime", description: "The end of the period (exclusive)." }),
    days: t.field({
      type: [InsightsDayType],
      resolve: (i) => i.days,
      description: "Every day (UTC) the period touches, oldest first, including days when nothing happened.",
    }),
    timeToApprove: t.field({
      type: DurationBreakdownType,
      resolve: (i) => i.timeToApprove,
      description:
        "From a request being made to its item's last approval step being approved, for items whose last " +
        "approval fell in the period.",
    }),
    timeToFulfil: t.field({
      type: DurationBreakdownType,
      resolve: (i) => i.timeToFulfil,
      description:
        "From the last approval (the fulfilment ticket opening) to the access being provisioned, for fulfilment " +
        "tickets fulfilled in the period.",
    }),
    oldestOpenTickets: t.prismaField({
      type: ["Ticket"],
      description: `The open tickets that have waited longest, oldest first (at most ${INSIGHTS_LIMITS.oldestOpen}; open now, whatever the period).`,
      resolve: (query, parent, _args, ctx) =>
        ctx.prisma.ticket.findMany({ ...query, ...oldestOpenTicketsArgs(parent.systemId) }),
    }),
    connectorCalls: t.field({
      type: [ConnectorCallStatsType],
      resolve: (i) => i.connectorCalls,
      description:
        "Per system called in the period: succeeded and failed connector calls, the highest failure rate first.",
    }),
  }),
});

builder.queryFields((t) => ({
  insights: t.field({
    type: InsightsType,
    description:
      "Admins only: how access requests went between `from` and `to` (at most 366 days), optionally for one " +
      "system's resources. Computed on each call from the rows in the period.",
    authScopes: { admin: true },
    args: {
      from: t.arg({ type: "DateTime", description: "The start of the period (default: 30 days before `to`)." }),
      to: t.arg({ type: "DateTime", description: "The end of the period, exclusive (default: now)." }),
      systemId: t.arg.id({ description: "Only requests, tickets and connector calls of this system." }),
    },
    resolve: (_root, args, ctx) => {
      const systemId = decodeOptionalId(args.systemId, "System", ["systemId"]);
      return computeInsights(
        ctx.prisma,
        insightsPeriod(new Date(), args.from ?? null, args.to ?? null, systemId ?? null),
      );
    },
  }),
}));
