// Insights for admins (and integrators, through the same query): requests and decisions per day,
// how long approval and fulfilment take (median and 90th percentile, overall, per system and per
// resource), and how often each system's connector calls fail, over a bounded period. Each figure
// is one read of the rows in the period; durations and percentiles are computed here rather than
// in SQL so that SQLite and PostgreSQL answer alike (docs/performance.md has the cost).
import type { Prisma } from "../../generated/prisma/client.ts";
import { invalid } from "../errors.ts";
import { fromGlobalId } from "../global-id.ts";
import { openTicketWhere } from "../lifecycle.ts";
import type { Tx } from "../work.ts";
import { type DurationSummary, summarise } from "./percentiles.ts";

const DAY_MS = 86_400_000;

export const INSIGHTS_LIMITS = {
  /** The longest period one answer covers: a year and a day, so "the last 365 days" from any hour fits. */
  maxDays: 366,
  /** The period when no `from` is given: the 30 days before `to`. */
  defaultDays: 30,
  /** How many of the oldest open tickets are listed. */
  oldestOpen: 10,
} as const;

export interface InsightsPeriod {
  from: Date;
  to: Date;
  /** Only what concerns this system's resources (null: every system). */
  systemId: string | null;
}

/** The period asked for: `to` defaults to now, `from` to 30 days before `to`; at most 366 days. */
export function insightsPeriod(now: Date, from: Date | null, to: Date | null, systemId: string | null): InsightsPeriod {
  const end = to ?? now;
  const start = from ?? new Date(end.getTime() - INSIGHTS_LIMITS.defaultDays * DAY_MS);
  if (start.getTime() >= end.getTime()) throw invalid("from must be before to.", ["from"]);
  if (end.getTime() - start.getTime() > INSIGHTS_LIMITS.maxDays * DAY_MS) {
    throw invalid(`The period may cover at most ${INSIGHTS_LIMITS.maxDays} days.`, ["from"]);
  }
  return { from: start, to: end, systemId };
}

/** One UTC day of the period: what happened on it. */
export interface InsightsDay {
  /** The day as YYYY-MM-DD (UTC). */
  date: string;
  requests: number;
  approved: number;
  rejected: number;
  fulfilled: number;
}

/** Durations of one group: everything (no system), one system, or one resource (of its system). */
export interface DurationGroup extends DurationSummary {
  systemId: string | null;
  resourceId: string | null;
}

export interface DurationBreakdown {
  overall: DurationGroup;
  bySystem: DurationGroup[];
  byResource: DurationGroup[];
}

export interface ConnectorCallCounts {
  systemId: string;
  succeeded: number;
  failed: number;
}

export interface Insights extends InsightsPeriod {
  days: InsightsDay[];
  timeToApprove: DurationBreakdown;
  timeToFulfil: DurationBreakdown;
  connectorCalls: ConnectorCallCounts[];
}

const dayOf = (at: Date): string => at.toISOString().slice(0, 10);

function emptyDays(period: InsightsPeriod): Map<string, InsightsDay> {
  const days = new Map<string, InsightsDay>();
  const first = Date.UTC(period.from.getUTCFullYear(), period.from.getUTCMonth(), period.from.getUTCDate());
  for (let at = first; at < period.to.getTime(); at += DAY_MS) {
    const date = dayOf(new Date(at));
    days.set(date, { date, requests: 0, approved: 0, rejected: 0, fulfilled: 0 });
  }
  return days;
}

/** A duration measured on one resource of one system, in seconds. */
interface Measured {
  systemId: string;
  resourceId: string;
  seconds: number;
}

function groupBy(measured: readonly Measured[], key: (m: Measured) => string): Map<string, Measured[]> {
  const groups = new Map<string, Measured[]>();
  for (const m of measured) groups.set(key(m), [...(groups.get(key(m)) ?? []), m]);
  return groups;
}

/** The slowest first (by 90th percentile, then median), then by id so that the order is stable. */
const slowestFirst = (a: DurationGroup, b: DurationGroup): number =>
  (b.p90Seconds ?? 0) - (a.p90Seconds ?? 0) ||
  (b.medianSeconds ?? 0) - (a.medianSeconds ?? 0) ||
  `${a.systemId}/${a.resourceId}`.localeCompare(`${b.systemId}/${b.resourceId}`);

function breakdown(measured: readonly Measured[]): DurationBreakdown {
  const secondsOf = (group: readonly Measured[]) => summarise(group.map((m) => m.seconds));
  const bySystem = [...groupBy(measured, (m) => m.systemId)].map(([systemId, group]) => ({
    systemId,
    resourceId: null,
    ...secondsOf(group),
  }));
  const byResource = [...groupBy(measured, (m) => m.resourceId)].map(([resourceId, group]) => ({
    systemId: group[0]?.systemId ?? null,
    resourceId,
    ...secondsOf(group),
  }));
  return {
    overall: { systemId: null, resourceId: null, ...secondsOf(measured) },
    bySystem: bySystem.sort(slowestFirst),
    byResource: byResource.sort(slowestFirst),
  };
}

const seconds = (from: Date, to: Date): number => (to.getTime() - from.getTime()) / 1000;

/** Computes every figure of `period` (read-only; pass the read client or a transaction). */
export async function computeInsights(tx: Tx, period: InsightsPeriod): Promise<Insights> {
  const within = { gte: period.from, lt: period.to };
  const onSystem: Prisma.TicketWhereInput = period.systemId ? { resource: { systemId: period.systemId } } : {};
  const resourceSelect = { resourceId: true, resource: { select: { systemId: true } } } as const;

  const [requests, decisions, approvedItems, fulfilments, calls] = await Promise.all([
    tx.request.findMany({
      where: {
        createdAt: within,
        ...(period.systemId ? { items: { some: { resource: { systemId: period.systemId } } } } : {}),
      },
      select: { createdAt: true },
    }),
    tx.ticket.findMany({
      where: { kind: "APPROVAL", status: { in: ["APPROVED", "REJECTED"] }, decidedAt: within, ...onSystem },
      select: { status: true, decidedAt: true },
    }),
    // Items whose approval ended in the period: every step approved, the last of them in the period.
    tx.requestItem.findMany({
      where: {
        ...(period.systemId ? { resource: { systemId: period.systemId } } : {}),
        tickets: { some: { kind: "APPROVAL", status: "APPROVED", decidedAt: within } },
      },
      select: {
        createdAt: true,
        ...resourceSelect,
        tickets: { where: { kind: "APPROVAL" }, select: { status: true, decidedAt: true } },
      },
    }),
    tx.ticket.findMany({
      where: { kind: "FULFILLMENT", status: "FULFILLED", decidedAt: within, ...onSystem },
      select: { createdAt: true, decidedAt: true, ...resourceSelect },
    }),
    tx.auditEvent.findMany({ where: { action: "CONNECTOR_CALLED", at: within }, select: { data: true } }),
  ]);

  const days = emptyDays(period);
  const count = (at: Date | null, field: "requests" | "approved" | "rejected" | "fulfilled") => {
    const day = at && days.get(dayOf(at));
    if (day) day[field] += 1;
  };
  for (const request of requests) count(request.createdAt, "requests");
  for (const decision of decisions) count(decision.decidedAt, decision.status === "APPROVED" ? "approved" : "rejected");
  for (const fulfilment of fulfilments) count(fulfilment.decidedAt, "fulfilled");

  // Time to approve: from the request to its item's last approval (a step still open or rejected: not yet).
  const approvals: Measured[] = [];
  for (const item of approvedItems) {
    const decided = item.tickets.map((t) => (t.status === "APPROVED" ? t.decidedAt : null));
    if (decided.some((at) => at === null)) continue;
    const last = Math.max(...decided.map((at) => at?.getTime() ?? 0));
    if (last < period.from.getTime() || last >= period.to.getTime()) continue;
    approvals.push({
      systemId: item.resource.systemId,
      resourceId: item.resourceId,
      seconds: seconds(item.createdAt, new Date(last)),
    });
  }
  // Time to fulfil: from the last approval (when the fulfilment ticket opened) to the access provisioned.
  const fulfilled: Measured[] = fulfilments.map((t) => ({
    systemId: t.resource.systemId,
    resourceId: t.resourceId,
    seconds: seconds(t.createdAt, t.decidedAt ?? t.createdAt),
  }));

  return {
    ...period,
    days: [...days.values()],
    timeToApprove: breakdown(approvals),
    timeToFulfil: breakdown(fulfilled),
    connectorCalls: countConnectorCalls(calls, period.systemId),
  };
}

/** Succeeded and failed connector calls per system, from their CONNECTOR_CALLED events' data. */
function countConnectorCalls(events: readonly { data: string }[], onlySystemId: string | null): ConnectorCallCounts[] {
  const counts = new Map<string, ConnectorCallCounts>();
  for (const event of events) {
    const data: unknown = JSON.parse(event.data);
    if (typeof data !== "object" || data === null || !("systemId" in data) || !("outcome" in data)) continue;
    const systemId = typeof data.systemId === "string" ? fromGlobalId(data.systemId)?.id : undefined;
    if (!systemId || (onlySystemId && systemId !== onlySystemId)) continue;
    const entry = counts.get(systemId) ?? { systemId, succeeded: 0, failed: 0 };
    if (data.outcome === "success") entry.succeeded += 1;
    else entry.failed += 1;
    counts.set(systemId, entry);
  }
  return [...counts.values()].sort(
    (a, b) =>
      b.failed / (b.failed + b.succeeded) - a.failed / (a.failed + a.succeeded) || a.systemId.localeCompare(b.systemId),
  );
}

/** The open tickets that have waited longest (optionally of one system's resources), oldest first. */
export function oldestOpenTicketsArgs(systemId: string | null) {
  return {
    where: { AND: [openTicketWhere, systemId ? { resource: { systemId } } : {}] },
    orderBy: [{ createdAt: "asc" }, { number: "asc" }],
    take: INSIGHTS_LIMITS.oldestOpen,
  } satisfies Prisma.TicketFindManyArgs;
}
