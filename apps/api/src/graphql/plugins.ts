// Yoga plugins of our own: authentication of GraphQL over HTTP (and SSE), the shape of
// refused requests, and the last word of an SSE subscription whose credentials ended.
import { type DocumentNode, type ExecutionResult, GraphQLError, type GraphQLSchema } from "graphql";
import { isAsyncIterable, type Plugin } from "graphql-yoga";
import { credentialsEndedReason } from "../live/subscribe.ts";
import type { Caller } from "../context.ts";
import {
  type Authenticator,
  crossSiteBody,
  type PresentedHeaders,
  unauthenticatedBody,
  unauthenticatedHeaders,
} from "../http/auth.ts";

const refuse = (status: number, body: string, headers: Record<string, string> = {}) =>
  new Response(body, { status, headers: { "content-type": "application/json; charset=utf-8", ...headers } });

/** The headers authentication reads, from a fetch Request. */
export const presentedHeaders = (headers: Headers): PresentedHeaders => ({
  authorization: headers.get("authorization"),
  cookie: headers.get("cookie"),
  origin: headers.get("origin"),
  "sec-fetch-site": headers.get("sec-fetch-site"),
  host: headers.get("host"),
});

/**
 * Every GraphQL request over HTTP presents a valid token or session cookie or gets 401 before
 * anything is parsed (GraphiQL's page is not a GraphQL request: http/graphiql.ts serves it); a
 * cookie-authenticated POST from another origin gets 403. `callerOf` then tells the context who
 * it is, with the identity row authentication read (so `viewer` costs no statement).
 */
export function httpAuthentication(authenticator: Authenticator): {
  plugin: Plugin;
  callerOf(request: Request): Caller | null;
} {
  const callers = new WeakMap<Request, Caller>();
  const plugin: Plugin = {
    async onRequest({ request, url, endResponse }) {
      if (url.pathname !== "/graphql") return;
      const headers = presentedHeaders(request.headers);
      const authentication = await authenticator.authenticateRequest(headers);
      if (!authentication) {
        endResponse(refuse(401, unauthenticatedBody(), unauthenticatedHeaders(headers.authorization)));
        return;
      }
      if (authenticator.refusesCrossSite(authentication, request.method, headers)) {
        endResponse(refuse(403, crossSiteBody()));
        return;
      }
      const { viewer, credential, identity } = authentication;
      callers.set(request, { viewer, credential, identity });
    },
  };
  return { plugin, callerOf: (request) => callers.get(request) ?? null };
}

const REQUEST_ERROR_CODES = new Set(["GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED", "BAD_REQUEST"]);

/**
 * Malformed and rejected operations (bad JSON, parse, validation, limits) answer 400 whatever
 * the Accept header (yoga would answer 200 to application/json clients, the spec's legacy
 * mode), and never carry the parser's own error object.
 */
export const requestErrorsPlugin: Plugin = {
  onResultProcess({ result, setResult }) {
    if (
      Array.isArray(result) ||
      !("errors" in result) ||
      !result.errors?.length ||
      ("data" in result && result.data != null)
    )
      return;
    const errors = result.errors.map((error) => {
      const { originalError: _hidden, ...extensions } = (error.extensions ?? {}) as Record<string, unknown>;
      return new GraphQLError(error.message, {
        nodes: error.nodes,
        source: error.source,
        positions: error.positions,
        path: error.path,
        extensions,
      });
    });
    const malformed = errors.some((e) => REQUEST_ERROR_CODES.has(String(e.extensions.code)));
    setResult({
      ...result,
      errors,
      ...(malformed ? { extensions: { ...result.extensions, http: { status: 400 } } } : {}),
    });
  },
};

/** What an operation is checked with before it runs: the error that refuses it, or null. */
type PreRunCheck = (args: {
  schema: GraphQLSchema;
  document: DocumentNode;
  operationName?: string | null;
  variableValues?: unknown;
}) => GraphQLError | null;

/** A plugin that answers the check's error instead of running the operation (query, mutation or subscription). */
export function refuseBeforeRunning(check: PreRunCheck): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const problem = check(args);
      if (problem) setResultAndStopExecution({ errors: [problem] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const problem = check(args);
      if (problem) setResultAndStopExecution({ errors: [problem] });
    },
  };
}

/**
 * A subscription's results, then, when its live session was ended because its credentials
 * stopped holding (revoked token, ended session, deactivated identity, changed role), one more
 * result: an UNAUTHENTICATED error with the reason. Over SSE that is a `next` event with
 * `errors` before `complete`, so a client tells a refusal from a normal end. `return` goes
 * straight to the source (a client hanging up must not wait for the next event).
 */
function endingWithRefusal(
  source: AsyncIterable<ExecutionResult>,
  refusal: () => ExecutionResult | null,
): AsyncIterableIterator<ExecutionResult> {
  const iterator = source[Symbol.asyncIterator]();
  let finished = false;
  const done = (): IteratorResult<ExecutionResult> => ({ done: true, value: undefined });
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      if (finished) return done();
      const step = await iterator.next();
      if (!step.done) return step;
      finished = true;
      const last = refusal();
      return last ? { done: false, value: last } : done();
    },
    async return() {
      finished = true;
      await iterator.return?.();
      return done();
    },
    async throw(error: unknown) {
      finished = true;
      if (iterator.throw) return iterator.throw(error);
      throw error;
    },
  };
}

/** Subscriptions over HTTP (SSE) end with an UNAUTHENTICATED error when their credentials ended. */
export const credentialsEndedPlugin: Plugin = {
  onSubscribe() {
    return {
      onSubscribeResult({ args, result, setResult }) {
        if (!isAsyncIterable(result)) return;
        const context = args.contextValue;
        setResult(
          endingWithRefusal(result, () => {
            const reason = credentialsEndedReason(context);
            if (reason === undefined) return null;
            const message = `Authentication required: the live subscription ended. ${reason}`;
            return { errors: [new GraphQLError(message, { extensions: { code: "UNAUTHENTICATED" } })] };
          }),
        );
      },
    };
  },
};
