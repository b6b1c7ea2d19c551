// The one mapping of errors leaving GraphQL (HTTP, SSE and WebSocket alike): domain and
// validation errors keep their code, the caller's malformed requests say what was wrong, and
// anything else is logged with an id and masked.
import { randomUUID } from "node:crypto";
import { GraphQLError } from "graphql";
import type { Logger } from "pino";
import { DomainError } from "../domain/errors.ts";

// graphql-js may be loaded twice (ESM and CJS copies), so GraphQL errors are recognised by shape.
function asGraphQLError(error: unknown): GraphQLError | null {
  return error instanceof Error && "extensions" in error && "locations" in error ? (error as GraphQLError) : null;
}

const isPothosValidationError = (error: unknown): error is Error =>
  error instanceof Error && error.constructor.name === "PothosValidationError";

export type MaskError = (error: unknown) => GraphQLError;

/** Maps every error leaving GraphQL: domain and validation errors keep their code; anything else is masked. */
export function maskError(log: Logger): MaskError {
  return (error) => {
    const graphqlError = asGraphQLError(error);
    const original = graphqlError?.originalError ?? error;
    const at = { nodes: graphqlError?.nodes, path: graphqlError?.path };
    if (original instanceof DomainError) {
      return new GraphQLError(original.message, {
        ...at,
        extensions: { code: original.code, ...(original.field ? { field: original.field } : {}) },
      });
    }
    if (isPothosValidationError(original)) {
      return new GraphQLError(original.message, { ...at, extensions: { code: "VALIDATION" } });
    }
    const originalGraphQLError = asGraphQLError(original);
    if (originalGraphQLError?.extensions?.code) {
      // Yoga attaches the parser's error as extensions.originalError: never send it out.
      return new GraphQLError(originalGraphQLError.message, { ...at, extensions: originalGraphQLError.extensions });
    }
    if (graphqlError && (!graphqlError.originalError || originalGraphQLError)) {
      if (graphqlError.extensions?.code) return graphqlError;
      // graphql-js's own request errors carry no code: bad variables are the caller's input.
      const code = graphqlError.message.startsWith("Variable ") ? "VALIDATION" : "BAD_REQUEST";
      return new GraphQLError(graphqlError.message, { ...at, extensions: { ...graphqlError.extensions, code } });
    }
    const errorId = randomUUID();
    log.error({ err: original, errorId, path: graphqlError?.path }, "internal error");
    return new GraphQLError("Internal error; it was logged.", {
      ...at,
      extensions: { code: "INTERNAL_SERVER_ERROR", errorId },
    });
  };
}
