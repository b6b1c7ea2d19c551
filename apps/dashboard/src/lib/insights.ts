// The Insights page's words and charts: durations as people read them, the period choices, and
// the Chart.js configurations (bundled, tree-shaken: only the bar chart's parts are registered),
// each with the one-sentence summary that stands for it for screen readers.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartConfiguration,
  Legend,
  LinearScale,
  Tooltip,
} from "chart.js";
import type { ResultOf } from "@access/contract";
import type { Insights } from "@access/contract";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

export type InsightsData = ResultOf<typeof Insights>["insights"];
export type InsightsDay = InsightsData["days"][number];
export type DurationStats = InsightsData["timeToApprove"]["overall"];
export type ConnectorCalls = InsightsData["connectorCalls"][number];

export const PERIODS = [
  { days: 30, label: "Last 30 days" },
  { days: 90, label: "Last 90 days" },
] as const;

const DAY_MS = 86_400_000;

/** The start of a period of `days` days ending today (UTC midnight `days - 1` days ago). */
export function periodStart(days: number, now: number = Date.now()): string {
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  return new Date(today - (days - 1) * DAY_MS).toISOString();
}

/** The longest period the API answers for (domain/insights: 366 days). */
export const MAX_PERIOD_DAYS = 366;

/**
 * A chosen range of whole UTC days, `from` and `to` as YYYY-MM-DD (both included), as the API's
 * `from` and `to` (the day after `to`, at midnight); or what is wrong with it, in words.
 */
export function customPeriod(from: string, to: string): { from: string; to: string } | { problem: string } {
  const day = /^\d{4}-\d{2}-\d{2}$/;
  if (!day.test(from) || !day.test(to)) return { problem: "Give both the first and the last day." };
  const start = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T00:00:00Z`) + DAY_MS;
  if (Number.isNaN(start) || Number.isNaN(end)) return { problem: "Give both the first and the last day." };
  if (end <= start) return { problem: "The last day must not be before the first." };
  if ((end - start) / DAY_MS > MAX_PERIOD_DAYS) return { problem: `Choose at most ${MAX_PERIOD_DAYS} days.` };
  return { from: new Date(start).toISOString(), to: new Date(end).toISOString() };
}

/** "45 s", "12 min", "3.5 h", "2.1 days"; "—" for nothing measured. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return "—";
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 2 * 86_400) return `${round1(seconds / 3600)} h`;
  return `${round1(seconds / 86_400)} days`;
}

const round1 = (value: number): string => (Math.round(value * 10) / 10).toLocaleString("en");

export const percent = (rate: number): string => `${Math.round(rate * 1000) / 10}%`;

/** "1 request", "3 requests". */
const counted = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** The colours of the series, also told apart by their legend and position. */
const COLOURS = { requests: "#2754c5", approved: "#1f7a3d", rejected: "#b3261e", fulfilled: "#7a4fc5" } as const;

/** Charts are redrawn when live data arrives: no animation (and nothing moves for those who asked for less motion). */
const STILL = { animation: false, responsive: true, maintainAspectRatio: false } as const;

export function activityChart(days: readonly InsightsDay[]): ChartConfiguration<"bar"> {
  const series = (["requests", "approved", "rejected", "fulfilled"] as const).map((key) => ({
    label: key[0]?.toUpperCase() + key.slice(1),
    data: days.map((day) => day[key]),
    backgroundColor: COLOURS[key],
  }));
  return {
    type: "bar",
    data: { labels: days.map((day) => day.date.slice(5)), datasets: series },
    options: { ...STILL, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  };
}

export function activitySummary(days: readonly InsightsDay[]): string {
  const total = (key: keyof Omit<InsightsDay, "date">) => days.reduce((sum, day) => sum + day[key], 0);
  const busiest = days.reduce<InsightsDay | null>(
    (best, day) => (!best || day.requests > best.requests ? day : best),
    null,
  );
  const peak = busiest && busiest.requests > 0 ? `; the most requests, ${busiest.requests}, on ${busiest.date}` : "";
  return (
    `Over ${counted(days.length, "day")}: ${counted(total("requests"), "request")} made, ` +
    `${counted(total("approved"), "step")} approved, ${total("rejected")} rejected, ${total("fulfilled")} fulfilled${peak}.`
  );
}

const label = (stats: DurationStats): string =>
  stats.resource ? `${stats.resource.name} (${stats.system?.name ?? ""})` : (stats.system?.name ?? "All");

/** The unit a chart of durations up to `longest` seconds reads best in. */
function durationUnit(longest: number): { name: string; seconds: number } {
  if (longest < 2 * 3600) return { name: "minutes", seconds: 60 };
  if (longest < 2 * 86_400) return { name: "hours", seconds: 3600 };
  return { name: "days", seconds: 86_400 };
}

/** Median and 90th percentile per system as horizontal bars, in minutes, hours or days as fits the longest. */
export function durationChart(groups: readonly DurationStats[]): ChartConfiguration<"bar"> {
  const unit = durationUnit(Math.max(0, ...groups.map((g) => g.p90Seconds ?? 0)));
  const inUnit = (seconds: number | null) => (seconds === null ? 0 : Math.round((seconds / unit.seconds) * 10) / 10);
  return {
    type: "bar",
    data: {
      labels: groups.map(label),
      datasets: [
        {
          label: `Median (${unit.name})`,
          data: groups.map((g) => inUnit(g.medianSeconds)),
          backgroundColor: COLOURS.requests,
        },
        {
          label: `90th percentile (${unit.name})`,
          data: groups.map((g) => inUnit(g.p90Seconds)),
          backgroundColor: "#8fa9e6",
        },
      ],
    },
    options: { ...STILL, indexAxis: "y", scales: { x: { beginAtZero: true } } },
  };
}

export function durationSummary(what: string, overall: DurationStats, groups: readonly DurationStats[]): string {
  if (overall.count === 0) return `No ${what} measured in this period.`;
  const slowest = groups[0];
  return (
    `${what[0]?.toUpperCase()}${what.slice(1)}: median ${formatDuration(overall.medianSeconds)}, 90th percentile ` +
    `${formatDuration(overall.p90Seconds)} over ${counted(overall.count, "measurement")}` +
    (slowest ? `; slowest ${label(slowest)} at ${formatDuration(slowest.p90Seconds)} (90th percentile).` : ".")
  );
}

/** Each system's share of failed connector calls, in percent, as horizontal bars. */
export function failureChart(calls: readonly ConnectorCalls[]): ChartConfiguration<"bar"> {
  return {
    type: "bar",
    data: {
      labels: calls.map((c) => c.system.name),
      datasets: [
        {
          label: "Failed calls (%)",
          data: calls.map((c) => Math.round(c.failureRate * 1000) / 10),
          backgroundColor: COLOURS.rejected,
        },
      ],
    },
    options: { ...STILL, indexAxis: "y", scales: { x: { beginAtZero: true, max: 100 } } },
  };
}

export function failureSummary(calls: readonly ConnectorCalls[]): string {
  if (calls.length === 0) return "No connector calls in this period.";
  return `Connector calls that failed: ${calls
    .map((c) => `${c.system.name} ${percent(c.failureRate)} (${c.failed} of ${c.failed + c.succeeded})`)
    .join(", ")}.`;
}
