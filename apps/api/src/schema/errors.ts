// The contract's UserError and ErrorCode, and the one mapping from domain errors to them:
// mutations report failures in their payload's `errors`, never as top-level GraphQL errors.
import { GraphQLError } from "graphql";
import { DomainError, DomainErrors, type ErrorCode } from "../domain/errors.ts";
import type { Context } from "../context.ts";
import type { Actor } from "../domain/work.ts";
import { builder } from "./builder.ts";

const ERROR_CODES: readonly ErrorCode[] = [
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "NOT_FOUND",
  "VALIDATION",
  "CONFLICT",
  "INVALID_STATE",
  "SELF_APPROVAL",
  "ALREADY_REQUESTED",
  "ALREADY_GRANTED",
  "NOT_REQUESTABLE",
  "RATE_LIMITED",
];

export const ErrorCodeEnum = builder.enumType("ErrorCode", {
  description: "Why a mutation did not do what was asked. Mutations never use top-level GraphQL errors for these.",
  values: ERROR_CODES,
});

export interface UserErrorShape {
  code: ErrorCode;
  message: string;
  field: readonly string[] | null;
}

export const UserError = builder.objectRef<UserErrorShape>("UserError").implement({
  fields: (t) => ({
    code: t.field({ type: ErrorCodeEnum, resolve: (e) => e.code }),
    message: t.exposeString("message"),
    field: t.stringList({
      nullable: true,
      description: 'Path to the offending input field, e.g. ["input", "justification"].',
      resolve: (e) => (e.field ? [...e.field] : null),
    }),
  }),
});

const toUserError = (error: DomainError): UserErrorShape => ({
  code: error.code,
  message: error.message,
  field: error.field ?? null,
});

/** Domain errors as UserErrors; anything else is not a user error and is rethrown. */
export function userErrorsOf(error: unknown): UserErrorShape[] {
  if (error instanceof DomainError) return [toUserError(error)];
  if (error instanceof DomainErrors) return error.errors.map(toUserError);
  throw error;
}

/** Domain errors as the GraphQL error a query returns (extensions.code and field). */
export function toGraphQLError(error: DomainError): GraphQLError {
  return new GraphQLError(error.message, {
    extensions: { code: error.code, ...(error.field ? { field: error.field } : {}) },
  });
}

export interface Payload<T> {
  value: T | null;
  errors: UserErrorShape[];
}

/** Runs a mutation's work for the authenticated viewer and shapes its outcome as a payload. */
export async function mutate<T>(ctx: Context, run: (viewer: Actor) => Promise<T>): Promise<Payload<T>> {
  if (!ctx.viewer)
    return { value: null, errors: [{ code: "UNAUTHENTICATED", message: "Authentication required.", field: null }] };
  try {
    return { value: await run(ctx.viewer), errors: [] };
  } catch (error) {
    return { value: null, errors: userErrorsOf(error) };
  }
}

type PayloadModel =
  | "Identity"
  | "Group"
  | "System"
  | "Resource"
  | "Request"
  | "Ticket"
  | "Grant"
  | "AccessReview"
  | "AccessReviewItem"
  | "EventEndpoint"
  | "EmailMessage";

/**
 * A mutation payload: the changed entity (loaded after commit with the client's selection, so
 * nested fields spread into one query) and the errors.
 */
export function entityPayload<Model extends PayloadModel>(
  name: string,
  field: string,
  model: Model,
  load: (ctx: Context, query: object, id: string) => Promise<unknown>,
) {
  return builder.objectRef<Payload<string>>(name).implement({
    fields: (t) => ({
      [field]: t.prismaField({
        type: model,
        nullable: true,
        resolve: (query, payload, _args, ctx) => (payload.value ? load(ctx, query, payload.value) : null) as never,
      }),
      errors: t.field({ type: [UserError], resolve: (payload) => payload.errors }),
    }),
  });
}
