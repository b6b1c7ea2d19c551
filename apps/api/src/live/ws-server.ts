// GraphQL over WebSocket (graphql-ws) on /graphql: authentication once per connection (the
// token in connection_init, as `authorization` or Apollo's `headers.Authorization`, else the
// browser's session cookie from the upgrade request, which must come from the product's own origin; a live session, limited per credential and ended when
// its credentials change), then per operation a credential re-check, the rate limit, the same input guard, parse and validation as over HTTP, and shared
// execution of identical subscriptions.
import { randomUUID } from "node:crypto";
import type { IncomingMessage, Server } from "node:http";
import { GraphQLError, getOperationAST, type ExecutionArgs } from "graphql";
import { CloseCode, type SubscribePayload } from "graphql-ws";
import { useServer } from "graphql-ws/use/ws";
import type { Logger } from "pino";
import { type WebSocket, WebSocketServer } from "ws";
import type { Config } from "../config.ts";
import type { Caller } from "../context.ts";
import { checkCost } from "../graphql/cost.ts";
import { checkCursors } from "../graphql/cursor-guard.ts";
import type { MaskError } from "../graphql/error-masking.ts";
import type { Metrics } from "../observability/metrics.ts";
import { checkOperation } from "../graphql/input-guard.ts";
import type { GraphQLServer } from "../graphql/yoga.ts";
import { type Authentication, type Authenticator, type PresentedHeaders, presentedSecret } from "../http/auth.ts";
import type { LiveSessions } from "./sessions.ts";
import { type ClientLimits, rateLimitedError, tokenKey } from "../http/rate-limit.ts";
import { guardWebSockets } from "./ws-guard.ts";
import { type FrameSink, SharedSubscriptions, shareKey } from "./shared-subscriptions.ts";

/** graphql-ws's per-connection state. */
type Connection = {
  /** Unset once the connection's credentials ended: no operation may run after that. */
  caller?: Caller;
  rateKey?: string;
  requestId?: string;
  unregister?: () => void;
};

export interface WebSocketDeps {
  server: Server;
  authenticator: Authenticator;
  sessions: LiveSessions;
  limits: ClientLimits;
  graphql: GraphQLServer;
  maskError: MaskError;
  log: Logger;
  config: Pick<Config, "maxBodyBytes" | "wsMaxBufferedBytes" | "wsMaxConnectionsPerToken">;
  /** Counts WebSocket subscriptions (their execution is shared here, outside yoga's subscribe); null: metrics off. */
  metrics: Metrics | null;
}

export interface LiveWebSockets {
  /** Asks every client to go away (Going Away), e.g. at shutdown. */
  closeClients(): void;
  /** Drops the clients still there and stops the server. */
  close(): Promise<void>;
}

/**
 * RFC 6455 "Try Again Later": the server is at a limit the client may find lifted later. A
 * connection past WS_MAX_CONNECTIONS_PER_TOKEN closes with it, and graphql-ws's client retries
 * it (4429, graphql-ws's TooManyInitialisationRequests, would be fatal to the client: a tab
 * past the limit would never reconnect).
 */
const TRY_AGAIN_LATER = 1013;
/** RFC 6455 "Going Away": the server is shutting down; clients reconnect elsewhere or later. */
const GOING_AWAY = 1001;

const refusal = (message: string, code: string): GraphQLError[] => [
  new GraphQLError(message, { extensions: { code } }),
];

/**
 * The operation as graphql-js will execute it, through yoga's envelop (its parse, validation
 * rules, plugins and context), or the errors that refuse it. Only subscriptions share results
 * (shared-subscriptions.ts); queries and mutations run alone.
 */
async function prepareOperation(
  graphql: GraphQLServer,
  envelopContext: Record<string, unknown>,
  payload: SubscribePayload,
  caller: Caller,
  sink: FrameSink,
  metrics: Metrics | null,
): Promise<ExecutionArgs | GraphQLError[]> {
  const { schema, execute, contextFactory, parse, validate } = graphql.getEnveloped({
    ...envelopContext,
    params: payload,
  });
  try {
    checkOperation(payload);
  } catch (error) {
    return [error as GraphQLError];
  }
  let document;
  try {
    document = parse(payload.query);
  } catch (error) {
    return refusal(error instanceof Error ? error.message : "Malformed query.", "GRAPHQL_PARSE_FAILED");
  }
  const errors = validate(schema, document);
  if (errors.length > 0) {
    return errors.map(
      (e: GraphQLError) =>
        new GraphQLError(e.message, {
          nodes: e.nodes,
          extensions: { ...e.extensions, code: e.extensions?.code ?? "GRAPHQL_VALIDATION_FAILED" },
        }),
    );
  }
  const operation = getOperationAST(document, payload.operationName);
  if (!operation) {
    return refusal("Unable to identify the operation: name one of the document's operations.", "BAD_REQUEST");
  }
  // Queries and mutations meet these checks in envelop's execute; subscriptions are shared here
  // and never reach envelop's subscribe, so they are checked before they start.
  if (operation.operation === "subscription") {
    const checks = { schema, document, operationName: payload.operationName, variableValues: payload.variables };
    const problem = checkCost(checks) ?? checkCursors(checks);
    metrics?.operation(operation.name?.value ?? payload.operationName, "subscription", problem ? "error" : "ok", null);
    if (problem) return [problem];
  }
  return {
    schema,
    operationName: payload.operationName,
    document,
    variableValues: payload.variables,
    contextValue: await contextFactory(),
    rootValue:
      operation.operation === "subscription"
        ? { execute, shareKey: shareKey(caller.viewer, payload), sink }
        : { execute },
  };
}

/**
 * Where a subscription's frames go (shared-subscriptions.ts): nothing on a socket that is no
 * longer open (as graphql-ws does); a frame the kernel did not take at once (the client reads
 * slowly) makes the next one wait until it is written, so a client that stops reading backs up
 * into the feed's bounded queue as it did under graphql-ws. A failed write is the socket
 * closing, which ends the subscription through graphql-ws's close handling.
 */
function frameSink(id: string, socket: WebSocket): FrameSink {
  return {
    id,
    send(frame) {
      if (socket.readyState !== socket.OPEN) return undefined;
      let written = false;
      let wake: (() => void) | undefined;
      socket.send(frame, () => {
        written = true;
        wake?.();
      });
      if (written || socket.bufferedAmount === 0) return undefined;
      return new Promise<void>((resolve) => {
        wake = resolve;
      });
    },
  };
}

/**
 * The headers authentication reads for a connection: the token of connection_init as its
 * Authorization (the browser cannot set headers on a WebSocket), and the upgrade request's
 * cookie and origin.
 */
function upgradeHeaders(request: IncomingMessage | undefined, authorization: unknown): PresentedHeaders {
  const header = (name: string) => {
    const value = request?.headers[name];
    return typeof value === "string" ? value : null;
  };
  return {
    authorization: typeof authorization === "string" ? authorization : authorization == null ? null : "invalid",
    cookie: header("cookie"),
    origin: header("origin"),
    "sec-fetch-site": header("sec-fetch-site"),
    host: header("host"),
  };
}

/**
 * The Authorization a client put in connection_init's payload, in either shape clients use:
 * `{ authorization: "Bearer …" }` (graphql-ws's examples, this product's clients) or
 * `{ headers: { Authorization: "Bearer …" } }` (Apollo Client and GraphiQL-style clients, which
 * send their HTTP headers along). The header's name is matched whatever its case, as HTTP does.
 */
export function connectionAuthorization(params: Readonly<Record<string, unknown>> | undefined): unknown {
  const named = (record: Readonly<Record<string, unknown>>) =>
    Object.entries(record).find(([name]) => name.toLowerCase() === "authorization")?.[1];
  if (!params) return undefined;
  const direct = named(params);
  if (direct !== undefined) return direct;
  const headers = params.headers;
  return typeof headers === "object" && headers !== null && !Array.isArray(headers)
    ? named(headers as Record<string, unknown>)
    : undefined;
}

/**
 * A connection authenticated by its token, or by the session cookie when it sent none; a
 * cookie-authenticated connection must come from the product's own origin (a page elsewhere
 * opening a WebSocket here would otherwise act as the person signed in: cross-site WebSocket
 * hijacking).
 */
async function authenticateConnection(
  authenticator: Authenticator,
  headers: PresentedHeaders,
): Promise<Authentication | null> {
  const authentication = await authenticator.authenticateRequest(headers);
  // A WebSocket carries operations that change state: the same rule as a POST.
  if (authentication && authenticator.refusesCrossSite(authentication, "WEBSOCKET", headers)) return null;
  return authentication;
}

export function startWebSocketServer(deps: WebSocketDeps): LiveWebSockets {
  const { authenticator, sessions, limits, config } = deps;
  const wss = new WebSocketServer({
    server: deps.server,
    path: "/graphql",
    maxPayload: config.maxBodyBytes,
    // Connection attempts count against the client address's rate limit like any request.
    verifyClient: (info, accept) => {
      const retryAfter = limits.request(info.req.socket.remoteAddress, null);
      if (retryAfter === null) accept(true);
      else accept(false, 429, "Too Many Requests", { "retry-after": String(retryAfter) });
    },
  });
  const stopGuard = guardWebSockets(wss, deps.log, config.wsMaxBufferedBytes);
  const sharedSubscriptions = new SharedSubscriptions(deps.maskError);
  useServer<Record<string, unknown>, Connection>(
    {
      onConnect: async (ctx) => {
        const authorization = connectionAuthorization(ctx.connectionParams);
        const headers = upgradeHeaders((ctx.extra as { request?: IncomingMessage }).request, authorization);
        const authentication = await authenticateConnection(authenticator, headers);
        if (!authentication) return false;
        const { viewer, credential } = authentication;
        const socket = (ctx.extra as { socket?: WebSocket }).socket;
        // The client may have hung up while it was authenticated: graphql-ws has already run
        // onClose, so a session registered now would never be removed.
        if (!socket || socket.readyState !== socket.OPEN) return false;
        if (sessions.count("connection", credential) >= config.wsMaxConnectionsPerToken) {
          const limit = config.wsMaxConnectionsPerToken;
          const what = credential.kind === "token" ? "token" : "session";
          socket.close(TRY_AGAIN_LATER, `Too many live connections for this ${what} (at most ${limit})`);
          return false;
        }
        ctx.extra.caller = { viewer, credential };
        ctx.extra.rateKey = tokenKey(presentedSecret(headers, authenticator.cookies) ?? "");
        ctx.extra.requestId = randomUUID();
        ctx.extra.unregister = sessions.add({
          kind: "connection",
          credential,
          identityId: viewer.id,
          role: viewer.role,
          end: (reason) => {
            // No operation may run on its old credentials from now on, even before the client
            // answers the close (or if it never does).
            ctx.extra.caller = undefined;
            socket.close(CloseCode.Forbidden, reason);
            setTimeout(() => socket.terminate(), 1_000).unref();
          },
        });
        return true;
      },
      onClose: (ctx) => {
        ctx.extra.unregister?.();
      },
      onSubscribe: async (ctx, id, payload) => {
        // Every operation re-checks the connection's token (one statement): a revocation that
        // committed a moment ago must stop the next operation, not the one after the re-check.
        const caller = ctx.extra.caller;
        if (!caller || !(await sessions.holds(caller.credential, caller.viewer.role))) {
          if (caller) sessions.recheck();
          return refusal("Authentication required: the token or session was revoked or expired.", "UNAUTHENTICATED");
        }
        // Each operation on the socket counts against its token's rate limit, as over HTTP.
        const retryAfter = ctx.extra.rateKey ? limits.operation(ctx.extra.rateKey) : null;
        if (retryAfter !== null) {
          const { message, extensions } = rateLimitedError(retryAfter);
          return [new GraphQLError(message, { extensions })];
        }
        const socket = (ctx.extra as { socket: WebSocket }).socket;
        const envelopContext = { ...ctx, req: (ctx.extra as { request?: IncomingMessage }).request, socket };
        return prepareOperation(deps.graphql, envelopContext, payload, caller, frameSink(id, socket), deps.metrics);
      },
      execute: (args) => (args.rootValue as { execute: (a: ExecutionArgs) => unknown }).execute(args) as never,
      subscribe: (args) => sharedSubscriptions.subscribe(args) as never,
    },
    wss,
    // The keep-alive pings come from ws-guard's one timer for all sockets.
    0,
  );
  return {
    closeClients() {
      for (const client of wss.clients) client.close(GOING_AWAY, "server shutting down");
    },
    async close() {
      stopGuard();
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
