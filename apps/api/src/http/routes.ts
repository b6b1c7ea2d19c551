// The HTTP request handler: every request gets an id, the security headers and a log line; then
// the body size and rate limits, and the route: GraphQL (refusing what yoga would accept but
// this API does not), health, readiness, the audit, access and access review exports, sign-in (/auth/…), SCIM provisioning, and the
// dashboard's files.
import { randomUUID } from "node:crypto";
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { Database } from "../db/database.ts";
import { type Authenticator, presentedSecret } from "./auth.ts";
import type { GraphQLServer } from "../graphql/yoga.ts";
import type { CommitSignal } from "../live/signal.ts";
import { serveAuditExport } from "./audit-export.ts";
import { serveAccessExport } from "./access-export.ts";
import { serveDashboard } from "./dashboard.ts";
import { REVIEW_EXPORT_PATH, serveReviewExport } from "./review-export.ts";
import { errorBody, sendJson } from "./json.ts";
import { type ClientLimits, rateLimitedBody } from "./rate-limit.ts";
import { type GraphiQLOptions, serveGraphiQL, wantsGraphiQL } from "./graphiql.ts";
import { setSecurityHeaders } from "./security-headers.ts";
import { isScimPath, serveScim } from "./scim/service.ts";
import { sendScimError } from "./scim/protocol.ts";
import type { SignInRoutes } from "./sign-in.ts";
import type { Metrics } from "../observability/metrics.ts";
import { METRICS_PATH, serveMetrics } from "../observability/metrics-http.ts";

export interface Routes {
  db: Database;
  authenticator: Authenticator;
  graphql: GraphQLServer;
  signal: CommitSignal;
  limits: ClientLimits;
  signIn: SignInRoutes;
  log: Logger;
  maxBodyBytes: number;
  graphiql: GraphiQLOptions;
  /** PUBLIC_URL, when set: where SCIM's resource locations point. */
  publicUrl: URL | undefined;
  /** The dashboard's built files (apps/dashboard/dist unless a test serves its own). */
  dashboardDist?: string;
  /** /metrics on this port (METRICS_TOKEN set), with the token it asks for; null: not here. */
  metrics: { metrics: Metrics; token: string } | null;
}

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

/** Without Redis the instance still serves everything (live updates fall back to polling): it stays in the load balancer, and says it is degraded. */
async function serveReadiness(routes: Routes, res: ServerResponse): Promise<void> {
  const readiness = await routes.db.readiness();
  if (readiness.error) routes.log.warn({ err: readiness.error }, "readiness: the database does not answer");
  const redis = routes.signal.status();
  const status = !readiness.ok ? "not ready" : redis === "unreachable" ? "degraded" : "ready";
  sendJson(res, readiness.ok ? 200 : 503, { status, database: readiness.detail, ...(redis ? { redis } : {}) });
}

async function route(routes: Routes, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const requestId = randomUUID();
  res.setHeader("x-request-id", requestId);
  setSecurityHeaders(res);
  const started = process.hrtime.bigint();
  // The request line is at info level: below it (LOG_LEVEL=warn…) no listener, no object.
  if (routes.log.isLevelEnabled("info"))
    res.on("finish", () => {
      routes.log.info(
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
  // SCIM clients read refusals as SCIM error messages.
  const scim = isScimPath(url.pathname);
  const length = Number(req.headers["content-length"] ?? 0);
  if (length > routes.maxBodyBytes) {
    const message = `Request bodies are limited to ${routes.maxBodyBytes} bytes.`;
    if (scim) sendScimError(res, 413, message);
    else sendJson(res, 413, errorBody("BAD_REQUEST", message));
    return;
  }
  // Probes never fail for a busy client.
  if (url.pathname !== "/healthz" && url.pathname !== "/readyz") {
    const secret = presentedSecret(req.headers, routes.authenticator.cookies);
    const retryAfter = routes.limits.request(req.socket.remoteAddress, secret);
    if (retryAfter !== null) {
      const headers = { "retry-after": String(retryAfter) };
      if (scim) sendScimError(res, 429, "Too many requests; retry later.", undefined, headers);
      else sendJson(res, 429, rateLimitedBody(retryAfter), headers);
      return;
    }
  }
  if (scim) {
    await serveScim(routes, req, res, url);
    return;
  }
  switch (url.pathname) {
    case "/graphql": {
      if (wantsGraphiQL(req)) {
        await serveGraphiQL(req, res, routes.graphiql);
        return;
      }
      const refusal = malformedGraphQLRequest(req, url);
      if (refusal) {
        sendJson(res, refusal.status, errorBody("BAD_REQUEST", refusal.message));
        return;
      }
      await routes.graphql(req, res, { requestId });
      return;
    }
    case METRICS_PATH:
      if (routes.metrics) await serveMetrics(routes.metrics.metrics, routes.metrics.token, req, res);
      else sendJson(res, 404, errorBody("NOT_FOUND", "Metrics are not served on this port."));
      return;
    case "/healthz":
      sendJson(res, 200, { status: "ok" });
      return;
    case "/readyz":
      await serveReadiness(routes, res);
      return;
    case "/audit/export.jsonl":
      await serveAuditExport(routes.db, routes.authenticator, req, res, url, "jsonl");
      return;
    case "/audit/export.csv":
      await serveAuditExport(routes.db, routes.authenticator, req, res, url, "csv");
      return;
    case "/access/export.jsonl":
      await serveAccessExport(routes.db.read, routes.authenticator, req, res, url, "jsonl");
      return;
    case "/access/export.csv":
      await serveAccessExport(routes.db.read, routes.authenticator, req, res, url, "csv");
      return;
    default: {
      const reviewExport = REVIEW_EXPORT_PATH.exec(url.pathname);
      if (reviewExport?.[1] && (reviewExport[2] === "csv" || reviewExport[2] === "jsonl")) {
        await serveReviewExport(routes.db, routes.authenticator, req, res, reviewExport[1], reviewExport[2]);
        return;
      }
      if (url.pathname.startsWith("/auth/") && (await routes.signIn.serve(req, res, url))) return;
      await serveDashboard(req, res, url, routes.dashboardDist);
    }
  }
}

/** The node:http listener; a request that fails unexpectedly is logged and answered 500. */
export function requestListener(routes: Routes): RequestListener {
  return (req, res) => {
    route(routes, req, res).catch((err: unknown) => {
      routes.log.error({ err }, "request failed");
      if (!res.headersSent) sendJson(res, 500, errorBody("INTERNAL_SERVER_ERROR", "Internal error; it was logged."));
      else res.destroy();
    });
  };
}
