// Input checks shared by the domain functions: lengths after trimming, list sizes, identifiers.
// Each failure is a VALIDATION error naming the offending input field.
import { DomainError, invalid } from "./errors.ts";

export const LIMITS = {
  justification: 2000,
  comment: 4000,
  reason: 2000,
  name: 200,
  description: 2000,
  email: 254,
  externalId: 256,
  /** Members added or removed in one change of a group (SCIM clients send whole groups). */
  groupMembersPerChange: 1000,
  idempotencyKey: 200,
  resourcesPerRequest: 20,
  idList: 100,
  /** A global id's length: longer input is refused as too long before it is read as an id. */
  id: 200,
  search: 200,
  connectorConfig: 16 * 1024,
} as const;

/** "displayName" → "Display name": how a field reads in an error message. */
export function fieldLabel(field: readonly string[]): string {
  const name = [...field].reverse().find((part) => !/^\d+$/.test(part)) ?? "value";
  const words = name.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function requiredText(value: string, max: number, field: readonly string[]): string {
  const trimmed = value.trim();
  if (trimmed.length === 0) throw invalid(`${fieldLabel(field)} must not be empty.`, field);
  if (trimmed.length > max) throw invalid(`${fieldLabel(field)} must be at most ${max} characters.`, field);
  return trimmed;
}

/** Null for absent or blank values. */
export function optionalText(value: string | null | undefined, max: number, field: readonly string[]): string | null {
  if (value == null || value.trim().length === 0) return null;
  return requiredText(value, max, field);
}

export function listSize<T>(values: readonly T[], min: number, max: number, field: readonly string[]): readonly T[] {
  if (values.length < min || values.length > max) {
    throw invalid(`${fieldLabel(field)} must list ${min} to ${max} entries.`, field);
  }
  return values;
}

export function distinct(values: readonly string[], field: readonly string[]): void {
  const seen = new Set<string>();
  values.forEach((value, index) => {
    if (seen.has(value)) throw invalid(`${fieldLabel(field)} lists the same entry twice.`, [...field, String(index)]);
    seen.add(value);
  });
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;

export function email(value: string, field: readonly string[]): string {
  const trimmed = requiredText(value, LIMITS.email, field).toLowerCase();
  if (!EMAIL.test(trimmed)) throw invalid("email is not a valid address.", field);
  return trimmed;
}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}
