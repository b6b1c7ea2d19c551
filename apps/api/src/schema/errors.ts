// The contract's UserError and ErrorCode, and the one mapping from domain errors to them:
// mutations report failures in their payload's `errors`, never as top-level GraphQL errors.
import { GraphQLError } from "graphql";
import { DomainError, DomainErrors, type ErrorCode } from "../domain/errors.ts";
import type { Context } from "../context.ts";
import type { Actor } from "../domain/work.ts";
import { builder } from "./builder.ts";

const ERROR_CODES: Record<ErrorCode, { description: string }> = {
  UNAUTHENTICATED: { description: "No valid token or session: sign in again, or send a valid bearer token." },
  FORBIDDEN: {
    description:
      "The viewer may not do this (e.g. an admin-only change, or naming someone else as a request's target).",
  },
  NOT_FOUND: {
    description:
      "An id names nothing the viewer may see: malformed, of another type, unknown or hidden. `field` names the input.",
  },
  VALIDATION: { description: "An input is out of bounds or malformed (too long, empty, in the past…); see `field`." },
  CONFLICT: { description: "Something with the same unique name or email already exists." },
  INVALID_STATE: {
    description: "The thing is not in a state that allows this (e.g. deciding a ticket that is already decided).",
  },
  SELF_APPROVAL: {
    description: "Separation of duties: nobody decides a ticket of a request they made or are the target of.",
  },
  ALREADY_REQUESTED: {
    description: "The target already has an open request for this resource; the message names it.",
  },
  ALREADY_GRANTED: { description: "The target already holds active access to this resource." },
  NOT_REQUESTABLE: { description: "The resource is not open to requests (its `requestable` is false)." },
  RATE_LIMITED: { description: "Too many calls from this token or address; wait and try again." },
};

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
  description:
    "One reason a mutation refused its input. A refused mutation changes nothing and returns its entity as null.",
  fields: (t) => ({
    code: t.field({ type: ErrorCodeEnum, description: "What kind of refusal, for programs.", resolve: (e) => e.code }),
    message: t.exposeString("message", {
      description: "What went wrong, in people's words: show it next to the field.",
    }),
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

/** The description of every mutation's `input` argument. */
export const MUTATION_INPUT =
  'What to change. A refusal names the offending input field as a path, e.g. ["input", "resourceIds", "0"].';

/** The description of every payload's `errors` field. */
export const USER_ERRORS = "Why nothing was changed; empty when the mutation succeeded.";

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
    description: `The outcome of a mutation: the ${model} as it is after the change, or the errors that refused it.`,
    fields: (t) => ({
      [field]: t.prismaField({
        type: model,
        nullable: true,
        description: `The ${model} after the change, read after commit; null when \`errors\` is not empty.`,
        resolve: (query, payload, _args, ctx) => (payload.value ? load(ctx, query, payload.value) : null) as never,
      }),
      errors: t.field({ type: [UserError], description: USER_ERRORS, resolve: (payload) => payload.errors }),
    }),
  });
}
