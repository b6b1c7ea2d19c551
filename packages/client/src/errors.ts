// What a failed request or live stream tells an integrator: the contract's error code
// (extensions.code, or UNAUTHENTICATED / RATE_LIMITED from the HTTP status), the message, and
// how long to wait when the server asked for a pause.
export interface GraphQLErrorShape {
  message: string;
  path?: readonly (string | number)[];
  extensions?: { code?: string; field?: readonly string[]; retryAfterSeconds?: number; [key: string]: unknown };
}

export class AccessError extends Error {
  override readonly name = "AccessError";

  constructor(
    /** The contract's code, e.g. UNAUTHENTICATED, FORBIDDEN, VALIDATION, RATE_LIMITED, NETWORK. */
    readonly code: string,
    message: string,
    /** Every GraphQL error of the answer (empty for transport failures). */
    readonly errors: readonly GraphQLErrorShape[] = [],
    /** The HTTP status, when the answer came over HTTP. */
    readonly status: number | null = null,
    /** Seconds the server asked to wait before trying again (RATE_LIMITED). */
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message);
  }
}

/** One AccessError for a GraphQL answer's errors (the first error's code and message lead). */
export function fromGraphQLErrors(errors: readonly GraphQLErrorShape[], status: number | null): AccessError {
  const first = errors[0];
  const code = first?.extensions?.code ?? (status === 401 ? "UNAUTHENTICATED" : "INTERNAL_SERVER_ERROR");
  const retryAfter = first?.extensions?.retryAfterSeconds;
  return new AccessError(
    code,
    errors.map((error) => error.message).join(" ") || "The request failed.",
    errors,
    status,
    typeof retryAfter === "number" ? retryAfter : null,
  );
}
