// The GraphQL server (yoga): the schema, CORS, the plugins, error masking, and the per-operation context. HTTP
// requests reach it through http/routes.ts, WebSocket operations through live/ws-server.ts.
import { randomUUID } from "node:crypto";
import { createYoga, type YogaInitialContext, type YogaServerInstance } from "graphql-yoga";
import type { Config } from "../config.ts";
import { type Caller, createContext, type Context, type Services } from "../context.ts";
import { schema } from "../schema/index.ts";
import { armorPlugin } from "./armor.ts";
import { costLimitPlugin } from "./cost.ts";
import { cursorGuardPlugin } from "./cursor-guard.ts";
import { maskError } from "./error-masking.ts";
import { inputGuardPlugin } from "./input-guard.ts";
import { type Metrics, metricsPlugin } from "../observability/metrics.ts";
import { tracingPlugin } from "../observability/tracing.ts";
import { credentialsEndedPlugin, httpAuthentication, requestErrorsPlugin } from "./plugins.ts";

/** What the HTTP routes and the WebSocket server hand yoga along with each operation. */
export interface ServerContext {
  /** HTTP: the request's id (its x-request-id header). */
  requestId?: string;
  /** WebSocket: graphql-ws's per-connection state; the caller is kept for the connection. */
  extra?: { caller?: Caller; requestId?: string };
}

export type GraphQLServer = YogaServerInstance<ServerContext, Context>;

export function createGraphQLServer(
  services: Services,
  config: Pick<Config, "corsOrigins" | "maxBodyBytes">,
  observability: { metrics: Metrics | null; tracing: boolean } = { metrics: null, tracing: false },
): GraphQLServer {
  const authentication = httpAuthentication(services.authenticator);
  return createYoga<ServerContext, Context>({
    schema,
    graphqlEndpoint: "/graphql",
    landingPage: false,
    logging: false,
    // GraphiQL's page is served by the HTTP routes (http/graphiql.ts), built once, not per load.
    graphiql: false,
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
    maskedErrors: { maskError: maskError(services.log) },
    plugins: [
      authentication.plugin,
      inputGuardPlugin,
      requestErrorsPlugin,
      armorPlugin(),
      costLimitPlugin,
      cursorGuardPlugin,
      credentialsEndedPlugin,
      ...(observability.metrics ? [metricsPlugin(observability.metrics)] : []),
      ...(observability.tracing ? [tracingPlugin] : []),
    ],
    maxRequestBodySize: config.maxBodyBytes,
    context: (initial: YogaInitialContext & ServerContext) => {
      const extra = initial.extra;
      // A WebSocket keeps its caller for the connection (live/sessions.ts re-checks it); an HTTP
      // request brings the caller it authenticated as a moment ago.
      if (extra?.requestId) return createContext(services, extra.caller ?? null, extra.requestId);
      return createContext(services, authentication.callerOf(initial.request), initial.requestId ?? randomUUID());
    },
  });
}
