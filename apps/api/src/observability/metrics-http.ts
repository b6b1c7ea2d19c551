// Where Prometheus scrapes: GET /metrics, on the public port when METRICS_TOKEN is set (the
// scraper sends it as a bearer token), and on a listener of its own when METRICS_PORT is set
// (meant for a private network; it asks for METRICS_TOKEN too when that is set). Nothing else is
// served on the metrics port.
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { bearerToken, unauthenticatedHeaders } from "../http/auth.ts";
import { errorBody, sendJson } from "../http/json.ts";
import { setSecurityHeaders } from "../http/security-headers.ts";
import type { Metrics } from "./metrics.ts";

export const METRICS_PATH = "/metrics";

const digest = (text: string) => createHash("sha256").update(text).digest();

/** Whether the request presents the metrics token (compared in constant time). */
function presentsToken(req: IncomingMessage, token: string): boolean {
  const presented = bearerToken(req.headers.authorization);
  return presented !== null && timingSafeEqual(digest(presented), digest(token));
}

/** Answers a scrape: 401 without the token (when one is required), else the exposition text. */
export async function serveMetrics(
  metrics: Metrics,
  token: string | undefined,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (req.method !== "GET" && req.method !== "HEAD") {
    sendJson(res, 405, errorBody("BAD_REQUEST", "Use GET."), { allow: "GET, HEAD" });
    return;
  }
  if (token !== undefined && !presentsToken(req, token)) {
    sendJson(
      res,
      401,
      errorBody("UNAUTHENTICATED", "The metrics token is required (Authorization: Bearer <METRICS_TOKEN>)."),
      unauthenticatedHeaders(req.headers.authorization),
    );
    return;
  }
  const body = await metrics.exposition();
  res.writeHead(200, { "content-type": metrics.registry.contentType, "cache-control": "no-store" });
  res.end(req.method === "HEAD" ? undefined : body);
}

/** The metrics port's listener, started; resolves once it listens. */
export async function startMetricsListener(
  metrics: Metrics,
  options: { port: number; host: string; token: string | undefined },
  log: Logger,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    setSecurityHeaders(res);
    const path = (req.url ?? "/").split("?")[0];
    if (path !== METRICS_PATH) {
      sendJson(res, 404, errorBody("NOT_FOUND", "Only /metrics is served on this port."));
      return;
    }
    serveMetrics(metrics, options.token, req, res).catch((err: unknown) => {
      log.error({ err }, "metrics scrape failed");
      if (!res.headersSent) sendJson(res, 500, errorBody("INTERNAL_SERVER_ERROR", "Internal error; it was logged."));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host.includes(":") ? `[${options.host}]` : options.host}:${port}`;
  log.info({ url: `${url}${METRICS_PATH}` }, "metrics listening");
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
