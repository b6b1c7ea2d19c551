// The HTTP server: GraphQL over HTTP, SSE and WebSocket (graphql-ws) on /graphql, GraphiQL,
// health and readiness, the audit export, and the dashboard's files. Also owns start-up
// (bootstrap admin, live feed) and graceful shutdown.
import { randomUUID } from "node:crypto";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { EnvelopArmorPlugin } from "@escape.tech/graphql-armor";
import { renderGraphiQL } from "@graphql-yoga/render-graphiql";
import { GraphQLError, getOperationAST, type ExecutionArgs } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { createYoga, type Plugin, type YogaInitialContext } from "graphql-yoga";
import type { Logger } from "pino";
import { type WebSocket, WebSocketServer } from "ws";
import { type Config, ConfigError } from "./config.ts";
import { type Caller, createContext, type Context, type Services } from "./context.ts";
import { openDatabase, type Database } from "./db/database.ts";
import { DomainError } from "./domain/errors.ts";
import { ensureBootstrapAdmin } from "./domain/tokens/tokens.ts";
import type { AuthenticatedIdentity } from "./domain/tokens/tokens.ts";
import { isAdmin } from "./domain/work.ts";
import { ExportParamError, exportWhere, streamExport } from "./http/audit-export.ts";
import { authenticate, bearerToken, unauthenticatedBody } from "./http/auth.ts";
import { serveDashboard } from "./http/dashboard.ts";
import { LiveSessions } from "./http/live-sessions.ts";
import { RateLimiter, rateLimitedBody, tokenKey } from "./http/rate-limit.ts";
import { checkOperation, inputGuardPlugin } from "./http/input-guard.ts";
import { guardWebSockets } from "./http/ws-guard.ts";
import { graphiqlCsp, newNonce, setSecurityHeaders, withNonce } from "./http/security-headers.ts";
import { localSignal, redisSignal } from "./live-signal.ts";
import { JobRunner } from "./jobs/runner.ts";
import { createLogger } from "./logger.ts";
import { LiveFeed } from "./pubsub.ts";
import { schema } from "./schema/index.ts";
import { SharedSubscriptions, shareKey } from "./shared-subscriptions.ts";

export interface RunningServer {
  url: string;
  port: number;
  db: Database;
  feed: LiveFeed;
  jobs: JobRunner;
  log: Logger;
  close(): Promise<void>;
}

const SHUTDOWN_GRACE_MS = 10_000;

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers });
  res.end(typeof body === "string" ? body : JSON.stringify(body));
}

const errorBody = (code: string, message: string) => ({ errors: [{ message, extensions: { code } }] });

const REQUEST_ERROR_CODES = new Set(["GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED", "BAD_REQUEST"]);

// graphql-js may be loaded twice (ESM and CJS copies), so GraphQL errors are recognised by shape.
function asGraphQLError(error: unknown): GraphQLError | null {
  return error instanceof Error && "extensions" in error && "locations" in error ? (error as GraphQLError) : null;
}

const isPothosValidationError = (error: unknown): error is Error =>
  error instanceof Error && error.constructor.name === "PothosValidationError";

/** Maps every error leaving GraphQL: domain and validation errors keep their code; anything else is masked. */
function maskError(log: Logger) {
  return (error: unknown): GraphQLError => {
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

export async function startServer(config: Config, options: { logger?: Logger } = {}): Promise<RunningServer> {
  const log = options.logger ?? createLogger(config.logLevel);
  const db = await openDatabase(config.databaseUrl);
  if (config.bootstrapAdminToken) {
    const token = config.bootstrapAdminToken;
    try {
      await db.transact((work) => ensureBootstrapAdmin(work, token));
    } catch (error) {
      await db.close();
      if (error instanceof DomainError) throw new ConfigError("BOOTSTRAP_ADMIN_TOKEN", error.message);
      throw error;
    }
  }
  const feed = new LiveFeed(db.read, (err) => log.error({ err }, "live feed failed"));
  await feed.start();
  const signal = config.redisUrl ? redisSignal(config.redisUrl, log) : localSignal();
  signal.onSignal(() => feed.poke());
  const jobs = new JobRunner(db, config, log);
  const sessions = new LiveSessions(db, log);
  sessions.start(config.liveRecheckMs);
  db.onCommit((info) => {
    if (info.sequences) signal.publish();
    if (info.effects.jobsQueued) jobs.kick();
    if (info.effects.credentialsChanged) sessions.recheck();
  });
  jobs.start();
  const services: Services = { db, feed, log, sessions, maxSubscriptionsPerToken: config.maxSubscriptionsPerToken };
  const perToken = new RateLimiter(config.rateLimitPerToken);
  const perIp = new RateLimiter(config.rateLimitPerIp);

  /** Counts one request against its address and the token it presents; null when allowed. */
  function limit(address: string | undefined, authorization: unknown): number | null {
    const byIp = perIp.take(`ip:${address ?? "unknown"}`);
    if (!byIp.ok) return byIp.retryAfterSeconds;
    const token = bearerToken(authorization);
    const byToken = token ? perToken.take(tokenKey(token)) : null;
    return byToken && !byToken.ok ? byToken.retryAfterSeconds : null;
  }

  // Who an HTTP request authenticated as (set before GraphQL runs).
  const httpViewers = new WeakMap<Request, AuthenticatedIdentity>();
  const requestIds = new WeakMap<Request, string>();

  const authPlugin: Plugin = {
    async onRequest({ request, url, endResponse }) {
      if (url.pathname !== "/graphql") return;
      const wantsGraphiQL = request.method === "GET" && (request.headers.get("accept") ?? "").includes("text/html");
      if (wantsGraphiQL) return;
      const viewer = await authenticate(db, request.headers.get("authorization"));
      if (!viewer) {
        endResponse(
          new Response(unauthenticatedBody(), {
            status: 401,
            headers: { "content-type": "application/json; charset=utf-8" },
          }),
        );
        return;
      }
      httpViewers.set(request, viewer);
    },
  };

  // Malformed and rejected operations (bad JSON, parse, validation, limits) answer 400 whatever
  // the Accept header (yoga would answer 200 to application/json clients, the spec's legacy
  // mode), and never carry the parser's own error object.
  const requestErrorsPlugin: Plugin = {
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

  const armor = EnvelopArmorPlugin({
    maxDepth: { n: 15, propagateOnRejection: false, onReject: [(ctx, err) => ctx?.reportError(err)] },
    maxAliases: { n: 30, propagateOnRejection: false, onReject: [(ctx, err) => ctx?.reportError(err)] },
    // Cost = the selected fields once fragments are expanded (objects 2, scalars 1, no extra
    // depth factor: connections make every real query deep), multiplied by literal `first`/`last`
    // page sizes — 100 systems × 100 resources each is refused, one page of 100 tickets is not.
    // It bounds what the token limit cannot: fragments and nested pages that multiply.
    costLimit: {
      maxCost: 100_000,
      objectCost: 2,
      scalarCost: 1,
      depthCostFactor: 1,
      propagateOnRejection: false,
      onReject: [(ctx, err) => ctx?.reportError(err)],
    },
    // The token limit runs inside the parser, where there is no validation context to report to:
    // it must throw, or it would not stop anything.
    maxTokens: { n: 4_000, propagateOnRejection: true },
    maxDirectives: { n: 50, propagateOnRejection: false, onReject: [(ctx, err) => ctx?.reportError(err)] },
    blockFieldSuggestion: { enabled: true },
  });

  type WsExtra = { caller?: Caller; rateKey?: string; requestId?: string; unregister?: () => void };
  type WsInitial = { extra?: WsExtra; cspNonce?: string };
  const yoga = createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: "/graphql",
    landingPage: false,
    logging: false,
    graphiql: (_request, serverContext) => ({
      title: "Access requests — GraphiQL",
      defaultEditorToolsVisibility: "headers",
      headers: '{\n  "Authorization": "Bearer <paste a token>"\n}',
      cspNonce: (serverContext as WsInitial | undefined)?.cspNonce,
    }),
    renderGraphiQL: (options) => {
      const nonce = (options as { cspNonce?: string } | undefined)?.cspNonce;
      return nonce ? withNonce(renderGraphiQL(options), nonce) : renderGraphiQL(options);
    },
    // Closed by default: browsers may call the API only from the origins CORS_ORIGINS lists.
    cors:
      config.corsOrigins.length > 0
        ? {
            origin: [...config.corsOrigins],
            methods: ["GET", "POST"],
            allowedHeaders: ["authorization", "content-type", "accept"],
            credentials: false,
            maxAge: 600,
          }
        : false,
    maskedErrors: { maskError: maskError(log) },
    plugins: [authPlugin, inputGuardPlugin, requestErrorsPlugin, armor],
    maxRequestBodySize: config.maxBodyBytes,
    context: (initial: YogaInitialContext & WsInitial) => {
      const requestId = initial.extra?.requestId ?? requestIds.get(initial.request) ?? randomUUID();
      // A WebSocket keeps its caller for the connection (live-sessions.ts re-checks it); an HTTP
      // request also brings the identity row it authenticated with, read a moment ago (so
      // `viewer` costs no second statement).
      if (initial.extra?.caller) return createContext(services, initial.extra.caller, requestId);
      const authenticated = httpViewers.get(initial.request);
      const caller: Caller | null = authenticated
        ? {
            viewer: { id: authenticated.id, role: authenticated.role },
            tokenId: authenticated.tokenId,
            identity: authenticated.identity,
          }
        : null;
      return createContext(services, caller, requestId);
    },
  });

  /**
   * What yoga would accept but this API does not: POST bodies other than JSON (forms and
   * multipart are what a cross-site page can send without asking), and GET parameters that are
   * not JSON where JSON is due.
   */
  function malformedGraphQLRequest(req: IncomingMessage, url: URL): { status: number; message: string } | null {
    if (req.method === "POST") {
      const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
      if (type !== "application/json" && type !== "application/graphql-response+json") {
        return { status: 415, message: "POST bodies must be application/json." };
      }
    }
    if (req.method === "GET") {
      for (const name of ["variables", "extensions"]) {
        const raw = url.searchParams.get(name);
        if (raw === null || raw === "") continue;
        let parsed: unknown;
        try {
          parsed = JSON.parse(raw);
        } catch {
          return { status: 400, message: `The ${name} parameter must be a JSON object.` };
        }
        if (parsed !== null && (typeof parsed !== "object" || Array.isArray(parsed))) {
          return { status: 400, message: `The ${name} parameter must be a JSON object.` };
        }
      }
    }
    return null;
  }

  const inFlight = new Set<ServerResponse>();
  const server: Server = createHttpServer((req, res) => {
    inFlight.add(res);
    res.on("close", () => inFlight.delete(res));
    handle(req, res).catch((err: unknown) => {
      log.error({ err }, "request failed");
      if (!res.headersSent) json(res, 500, errorBody("INTERNAL_SERVER_ERROR", "Internal error; it was logged."));
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    res.setHeader("x-request-id", requestId);
    setSecurityHeaders(res);
    const started = process.hrtime.bigint();
    res.on("finish", () => {
      log.info(
        {
          requestId,
          method: req.method,
          path: req.url?.split("?")[0],
          status: res.statusCode,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
        },
        "request",
      );
    });
    const url = new URL(req.url ?? "/", "http://localhost");
    const length = Number(req.headers["content-length"] ?? 0);
    if (length > config.maxBodyBytes) {
      json(res, 413, errorBody("BAD_REQUEST", `Request bodies are limited to ${config.maxBodyBytes} bytes.`));
      return;
    }
    if (url.pathname !== "/healthz" && url.pathname !== "/readyz") {
      const retryAfter = limit(req.socket.remoteAddress, req.headers.authorization);
      if (retryAfter !== null) {
        json(res, 429, rateLimitedBody(retryAfter), { "retry-after": String(retryAfter) });
        return;
      }
    }
    switch (url.pathname) {
      case "/graphql": {
        const refusal = malformedGraphQLRequest(req, url);
        if (refusal) {
          json(res, refusal.status, errorBody("BAD_REQUEST", refusal.message));
          return;
        }
        const wantsPage = req.method === "GET" && (req.headers.accept ?? "").includes("text/html");
        const cspNonce = wantsPage ? newNonce() : undefined;
        if (cspNonce) res.setHeader("content-security-policy", graphiqlCsp(cspNonce));
        await yoga(req, res, { requestId, cspNonce });
        return;
      }
      case "/healthz":
        json(res, 200, { status: "ok" });
        return;
      case "/readyz": {
        // Without Redis the instance still serves everything (live updates fall back to polling):
        // it stays in the load balancer, and says it is degraded.
        const readiness = await db.readiness();
        const redis = signal.status();
        const status = !readiness.ok ? "not ready" : redis === "unreachable" ? "degraded" : "ready";
        json(res, readiness.ok ? 200 : 503, { status, database: readiness.detail, ...(redis ? { redis } : {}) });
        return;
      }
      case "/audit/export.jsonl":
      case "/audit/export.csv": {
        if (req.method !== "GET") {
          json(res, 405, errorBody("BAD_REQUEST", "Use GET."), { allow: "GET" });
          return;
        }
        const viewer = await authenticate(db, req.headers.authorization);
        if (!viewer) {
          json(res, 401, unauthenticatedBody());
          return;
        }
        if (!isAdmin(viewer)) {
          json(res, 403, errorBody("FORBIDDEN", "Only admins may export the audit trail."));
          return;
        }
        let where;
        try {
          where = exportWhere(url.searchParams);
        } catch (error) {
          if (error instanceof ExportParamError) {
            json(res, 400, errorBody("VALIDATION", error.message));
            return;
          }
          throw error;
        }
        await streamExport(db.read, res, url.pathname.endsWith(".csv") ? "csv" : "jsonl", where);
        return;
      }
      default:
        await serveDashboard(req, res, url);
    }
  }

  const sharedSubscriptions = new SharedSubscriptions(maskError(log));
  const wss = new WebSocketServer({
    server,
    path: "/graphql",
    maxPayload: config.maxBodyBytes,
    // Connection attempts count against the client address's rate limit like any request.
    verifyClient: (info, accept) => {
      const retryAfter = limit(info.req.socket.remoteAddress, undefined);
      if (retryAfter === null) accept(true);
      else accept(false, 429, "Too Many Requests", { "retry-after": String(retryAfter) });
    },
  });
  const stopGuard = guardWebSockets(wss, log, config.wsMaxBufferedBytes);
  useServer<Record<string, unknown>, WsExtra>(
    {
      onConnect: async (ctx) => {
        const authorization = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
        const viewer = await authenticate(db, authorization);
        if (!viewer) return false;
        const socket = (ctx.extra as { socket?: WebSocket }).socket;
        // The client may have hung up while it was authenticated: graphql-ws has already run
        // onClose, so a session registered now would never be removed.
        if (!socket || socket.readyState !== socket.OPEN) return false;
        if (sessions.count("connection", viewer.tokenId) >= config.wsMaxConnectionsPerToken) {
          socket?.close(4429, "Too many connections for this token");
          return false;
        }
        ctx.extra.caller = { viewer: { id: viewer.id, role: viewer.role }, tokenId: viewer.tokenId };
        ctx.extra.rateKey = tokenKey(bearerToken(authorization) ?? "");
        ctx.extra.requestId = randomUUID();
        ctx.extra.unregister = sessions.add({
          kind: "connection",
          tokenId: viewer.tokenId,
          identityId: viewer.id,
          role: viewer.role,
          end: () => {
            // No operation may run on its old credentials from now on, even before the client
            // answers the close (or if it never does).
            ctx.extra.caller = undefined;
            socket.close(4403, "Forbidden");
            setTimeout(() => socket.terminate(), 1_000).unref();
          },
        });
        return true;
      },
      onClose: (ctx) => {
        ctx.extra.unregister?.();
      },
      onSubscribe: async (ctx, _id, payload) => {
        // Every operation re-checks the connection's token (one statement): a revocation that
        // committed a moment ago must stop the next operation, not the one after the re-check.
        const caller = ctx.extra.caller;
        if (!caller || !(await sessions.holds(caller.tokenId, caller.viewer.role))) {
          if (caller) sessions.recheck();
          return [
            new GraphQLError("Authentication required: the token was revoked or expired.", {
              extensions: { code: "UNAUTHENTICATED" },
            }),
          ];
        }
        // Each operation on the socket counts against its token's rate limit, as over HTTP.
        const decision = ctx.extra.rateKey ? perToken.take(ctx.extra.rateKey) : null;
        if (decision && !decision.ok) {
          const retryAfterSeconds = decision.retryAfterSeconds;
          return [
            new GraphQLError(`Too many requests; try again in ${retryAfterSeconds} s.`, {
              extensions: { code: "RATE_LIMITED", retryAfterSeconds },
            }),
          ];
        }
        const {
          schema: enveloped,
          execute,
          contextFactory,
          parse,
          validate,
        } = yoga.getEnveloped({
          ...ctx,
          req: (ctx.extra as { request?: IncomingMessage }).request,
          socket: (ctx.extra as { socket?: unknown }).socket,
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
          const message = error instanceof Error ? error.message : "Malformed query.";
          return [new GraphQLError(message, { extensions: { code: "GRAPHQL_PARSE_FAILED" } })];
        }
        const args: ExecutionArgs = {
          schema: enveloped,
          operationName: payload.operationName,
          document,
          variableValues: payload.variables,
          contextValue: await contextFactory(),
          rootValue: { execute },
        };
        const errors = validate(args.schema, args.document);
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
          return [
            new GraphQLError("Unable to identify the operation: name one of the document's operations.", {
              extensions: { code: "BAD_REQUEST" },
            }),
          ];
        }
        // Only subscriptions share results (shared-subscriptions.ts); queries and mutations run alone.
        if (operation.operation === "subscription")
          args.rootValue = { execute, shareKey: shareKey(caller.viewer, payload) };
        return args;
      },
      execute: (args) => (args.rootValue as { execute: (a: ExecutionArgs) => unknown }).execute(args) as never,
      subscribe: (args) => sharedSubscriptions.subscribe(args) as never,
    },
    wss,
  );

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`;
  log.info({ url, database: db.provider }, "listening");

  let closing: Promise<void> | null = null;
  return {
    url,
    port,
    db,
    feed,
    jobs,
    log,
    close() {
      closing ??= (async () => {
        server.close();
        sessions.stop();
        stopGuard();
        perToken.stop();
        perIp.stop();
        for (const client of wss.clients) client.close(1001, "server shutting down");
        const deadline = Date.now() + SHUTDOWN_GRACE_MS;
        while (inFlight.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
        server.closeAllConnections();
        for (const client of wss.clients) client.terminate();
        await new Promise<void>((resolve) => wss.close(() => resolve()));
        feed.stop();
        await jobs.stop();
        await signal.close();
        await db.close();
      })();
      return closing;
    },
  };
}
