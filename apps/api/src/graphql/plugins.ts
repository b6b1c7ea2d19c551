// Yoga plugins of our own: authentication of GraphQL over HTTP (and SSE), and the shape of
// refused requests.
import { type DocumentNode, GraphQLError, type GraphQLSchema } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { Caller } from "../context.ts";
import { type Authenticator, unauthenticatedBody } from "../http/auth.ts";

/**
 * Every GraphQL request over HTTP presents a valid token or gets 401 (GraphiQL's page is not
 * a GraphQL request: http/graphiql.ts serves it)
 * before anything is parsed. `callerOf` then tells the context who it is, with the identity row
 * the token's verification holds (so `viewer` costs no statement).
 */
export function httpAuthentication(authenticator: Authenticator): {
  plugin: Plugin;
  callerOf(request: Request): Caller | null;
} {
  const callers = new WeakMap<Request, Caller>();
  const plugin: Plugin = {
    async onRequest({ request, url, endResponse }) {
      if (url.pathname !== "/graphql") return;
      const viewer = await authenticator.authenticate(request.headers.get("authorization"));
      if (!viewer) {
        endResponse(
          new Response(unauthenticatedBody(), {
            status: 401,
            headers: { "content-type": "application/json; charset=utf-8" },
          }),
        );
        return;
      }
      callers.set(request, {
        viewer: { id: viewer.id, role: viewer.role },
        tokenId: viewer.tokenId,
        // A copy: the verified row is shared by every request with this token.
        identity: { ...viewer.identity },
      });
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
