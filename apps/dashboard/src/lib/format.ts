// How numbers, statuses and times read for people.
export const requestLabel = (n: number) => `REQ-${n}`;
export const ticketLabel = (n: number) => `TKT-${n}`;

const STATUS_TEXT: Record<string, string> = {
  PENDING_APPROVAL: "Pending approval",
  APPROVED: "Approved",
  FULFILLED: "Fulfilled",
  PARTIALLY_FULFILLED: "Partially fulfilled",
  REJECTED: "Rejected",
  CANCELLED: "Cancelled",
  FAILED: "Failed",
  OPEN: "Open",
  IN_PROGRESS: "In progress",
  HEALTHY: "Healthy",
  DEGRADED: "Degraded",
  DOWN: "Down",
  UNKNOWN: "Unknown",
};

export const statusText = (status: string) => STATUS_TEXT[status] ?? status.replaceAll("_", " ").toLowerCase();

export type Tone = "neutral" | "waiting" | "good" | "bad" | "muted";

export function statusTone(status: string): Tone {
  if (["FULFILLED", "APPROVED", "HEALTHY"].includes(status)) return "good";
  if (["REJECTED", "FAILED", "DOWN"].includes(status)) return "bad";
  if (["PENDING_APPROVAL", "OPEN", "IN_PROGRESS", "DEGRADED", "PARTIALLY_FULFILLED"].includes(status)) return "waiting";
  if (["CANCELLED", "UNKNOWN"].includes(status)) return "muted";
  return "neutral";
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["week", 7 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
];

/** "3 minutes ago", "just now"; `now` for tests. */
export function relativeTime(iso: string, now: number = Date.now()): string {
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  if (Math.abs(seconds) < 45) return "just now";
  const format = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return format.format(Math.round(seconds / size), unit);
  }
  return format.format(Math.round(seconds / 60), "minute");
}

export const exactTime = (iso: string) =>
  new Date(iso).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "medium" });

/** UserErrors by input field name (the second path element), for showing next to fields. */
export function errorsByField(
  errors: readonly { message: string; field?: readonly string[] | null }[],
): Record<string, string> {
  const byField: Record<string, string> = {};
  for (const error of errors) {
    const key = error.field?.[1] ?? "_form";
    byField[key] = byField[key] ? `${byField[key]} ${error.message}` : error.message;
  }
  return byField;
}
