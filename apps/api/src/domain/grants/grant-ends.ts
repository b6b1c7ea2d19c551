// When access ends. A request may name an end (`grantExpiresAt`); an approver may move it
// earlier; a resource may cap how long any grant of it lasts (`maxGrantDuration`, seconds), and
// PRIVILEGED resources without a cap of their own get PRIVILEGED_MAX_GRANT_SECONDS. The cap is
// counted from when the access is granted, so a slow approval never shortens what the resource
// allows, and a request with no end of its own still ends at the cap.
import type { Sensitivity } from "../../generated/prisma/client.ts";
import { invalid } from "../errors.ts";

/** PRIVILEGED resources without a maximum of their own: 7 days. */
export const PRIVILEGED_MAX_GRANT_SECONDS = 7 * 24 * 3600;

/** The longest `maxGrantDuration` an admin may set: 10 years (a longer cap is no cap). */
export const MAX_GRANT_DURATION_LIMIT = 10 * 366 * 24 * 3600;

export interface GrantLimits {
  name: string;
  maxGrantDuration: number | null;
  sensitivity: Sensitivity;
}

/** The most seconds a grant of the resource may last, or null when unlimited. */
export function maxGrantSeconds(resource: Pick<GrantLimits, "maxGrantDuration" | "sensitivity">): number | null {
  if (resource.maxGrantDuration !== null) return resource.maxGrantDuration;
  return resource.sensitivity === "PRIVILEGED" ? PRIVILEGED_MAX_GRANT_SECONDS : null;
}

/** "2026-12-28 17:15 UTC": a time in an error message, to the minute, unambiguous in any locale. */
export function describeTime(at: Date): string {
  return `${at.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** "7 days", "36 hours", "90 minutes": a duration as people say it. */
export function describeSeconds(seconds: number): string {
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"}`;
  if (seconds % 86400 === 0) return plural(seconds / 86400, "day");
  if (seconds % 3600 === 0) return plural(seconds / 3600, "hour");
  if (seconds % 60 === 0) return plural(seconds / 60, "minute");
  return plural(seconds, "second");
}

/**
 * Checks a requested or approved end against now and the resource's maximum: a VALIDATION error
 * on `field` when it is not in the future or lies beyond the maximum counted from now.
 */
export function checkEnd(end: Date, now: Date, resource: GrantLimits, field: readonly string[]) {
  if (end.getTime() <= now.getTime()) return invalid("The end of access must be in the future.", field);
  const max = maxGrantSeconds(resource);
  if (max !== null && end.getTime() > now.getTime() + max * 1000) {
    const latest = describeTime(new Date(now.getTime() + max * 1000));
    return invalid(
      `${resource.name} may be held for at most ${describeSeconds(max)}: choose an end on or before ${latest}.`,
      field,
    );
  }
  return null;
}

/**
 * When a grant made at `grantedAt` ends: the item's end (requested, or shortened by an approver),
 * never later than the resource's maximum from `grantedAt`; null when neither applies.
 */
export function grantEndFor(
  grantedAt: Date,
  itemEnd: Date | null,
  resource: Pick<GrantLimits, "maxGrantDuration" | "sensitivity">,
): Date | null {
  const max = maxGrantSeconds(resource);
  const cap = max === null ? null : new Date(grantedAt.getTime() + max * 1000);
  if (itemEnd === null) return cap;
  if (cap === null) return itemEnd;
  return itemEnd.getTime() < cap.getTime() ? itemEnd : cap;
}
