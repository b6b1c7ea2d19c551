// Typed domain errors. Domain functions throw them; the schema layer maps them, in one place
// (schema/errors.ts), to the contract's UserError (mutations) or extensions.code (queries).

export type ErrorCode =
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "VALIDATION"
  | "CONFLICT"
  | "INVALID_STATE"
  | "SELF_APPROVAL"
  | "ALREADY_REQUESTED"
  | "ALREADY_GRANTED"
  | "NOT_REQUESTABLE"
  | "RATE_LIMITED";

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Path to the offending input field, e.g. ["input", "justification"]. */
    readonly field?: readonly string[],
  ) {
    super(message);
    this.name = "DomainError";
  }
}

/** Several problems found at once (e.g. every invalid field of one input). */
export class DomainErrors extends Error {
  constructor(readonly errors: readonly DomainError[]) {
    super(errors.map((e) => e.message).join("; "));
    this.name = "DomainErrors";
  }
}

export const forbidden = (message = "You are not allowed to do this.") => new DomainError("FORBIDDEN", message);
export const notFound = (what: string, field?: readonly string[]) =>
  new DomainError("NOT_FOUND", `${what} was not found.`, field);
export const invalid = (message: string, field?: readonly string[]) => new DomainError("VALIDATION", message, field);
export const invalidState = (message: string) => new DomainError("INVALID_STATE", message);
