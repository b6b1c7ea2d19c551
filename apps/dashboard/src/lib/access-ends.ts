// When access ends, in people's words: a resource's limit ("at most 7 days"), a grant's end
// ("ends in 3 days", "no end"), whether it ends soon, and the conversions between the API's ISO
// instants and a `datetime-local` field's local "YYYY-MM-DDTHH:mm".
import type { GrantRemoval, Tone } from "@access/contract";

const MINUTE = 60;
const HOUR = 3600;
const DAY = 24 * HOUR;
/** What "ends soon" means on My access and Access: within a week. */
export const ENDS_SOON_SECONDS = 7 * DAY;

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"}`;

/** A duration in seconds in the largest unit that says it exactly ("7 days", "36 hours", "90 minutes"). */
export function durationWords(seconds: number): string {
  if (seconds >= DAY && seconds % DAY === 0) return plural(seconds / DAY, "day");
  if (seconds >= HOUR && seconds % HOUR === 0) return plural(seconds / HOUR, "hour");
  if (seconds >= MINUTE) return plural(Math.round(seconds / MINUTE), "minute");
  return plural(seconds, "second");
}

/** A resource's grantDurationLimit in words: "at most 7 days", or "no limit" (null). */
export const limitWords = (limit: number | null | undefined): string =>
  limit === null || limit === undefined ? "no limit" : `at most ${durationWords(limit)}`;

/** The tightest of several limits (null: none of them has one). */
export function tightestLimit(limits: readonly (number | null | undefined)[]): number | null {
  const known = limits.filter((limit): limit is number => typeof limit === "number");
  return known.length > 0 ? Math.min(...known) : null;
}

/** Units for an end: days up to six weeks ("ends in 10 days" says more than "in 1 week"). */
const END_UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["month", 30 * DAY],
  ["day", DAY],
  ["hour", HOUR],
  ["minute", MINUTE],
];

/** An end in relative words: "ends in 3 days", "ends tomorrow", "ended 2 hours ago", "no end". */
export function endWords(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return "no end";
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  const verb = seconds > 0 ? "ends" : "ended";
  if (Math.abs(seconds) < 45) return `${verb} now`;
  const format = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
  const [unit, size] = END_UNITS.find(([unit, size]) => Math.abs(seconds) >= (unit === "month" ? 45 * DAY : size)) ?? [
    "minute",
    MINUTE,
  ];
  return `${verb} ${format.format(Math.round(seconds / size), unit)}`;
}

/** Whether access with this end is still on and ends within `within` seconds. */
export function endsSoon(
  iso: string | null | undefined,
  now: number = Date.now(),
  within: number = ENDS_SOON_SECONDS,
): boolean {
  if (!iso) return false;
  const left = new Date(iso).getTime() - now;
  return left > 0 && left <= within * 1000;
}

const pad = (n: number) => String(n).padStart(2, "0");

/** A `datetime-local` value for `date` in the browser's time zone (minutes, no seconds). */
export function localInputValue(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(
    date.getMinutes(),
  )}`;
}

/** The ISO instant of a `datetime-local` value ("" or an unreadable value: null). */
export function isoFromLocal(local: string): string | null {
  if (!local) return null;
  const time = new Date(local).getTime();
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}

/** Quick choices for an end, from now; those beyond `limit` are left out. */
export function quickEnds(limit: number | null): { label: string; seconds: number }[] {
  const choices = [
    { label: "1 day", seconds: DAY },
    { label: "1 week", seconds: 7 * DAY },
    { label: "30 days", seconds: 30 * DAY },
    { label: "90 days", seconds: 90 * DAY },
  ];
  return choices.filter((choice) => limit === null || choice.seconds <= limit);
}

/** How a removal's state looks: a failed one asks for attention. */
export const removalTones: Record<GrantRemoval, Tone> = { PENDING: "waiting", DONE: "muted", FAILED: "bad" };

/** When ended access ended: revoked, or its end passed. */
export const endedAt = (grant: { revokedAt: string | null; expiresAt: string | null }): string | null =>
  grant.revokedAt ?? grant.expiresAt;

/** Active grants that end soonest first, those without an end last. */
export function soonestFirst<Grant extends { expiresAt: string | null }>(grants: readonly Grant[]): Grant[] {
  const end = (grant: Grant) => (grant.expiresAt ? new Date(grant.expiresAt).getTime() : Infinity);
  return [...grants].sort((a, b) => end(a) - end(b));
}
