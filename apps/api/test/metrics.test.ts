// Prometheus metrics through the real server: /metrics behind METRICS_TOKEN on the public port and
// on METRICS_PORT's own listener, the metric families an operator alerts on, and counters that
// move when the product is used (GraphQL operations, connector calls, live connections, fan-out).
import { CreateRequest, RequestStatusChanged, Viewer } from "@access/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConnectorSystem, requestOnConnector, requestState, until } from "./connector-helpers.ts";
import { loadConfig } from "../src/config.ts";
import { collect, dataOf, gid, startTestServer, type TestServer } from "./harness.ts";
import { startWebhookPeer, type WebhookPeer } from "./webhook-peer.ts";

const TOKEN = "metrics-token-0123456789abcdef";
const SECRET = "test-webhook-secret-0123456789";
let t: TestServer;
let peer: WebhookPeer;

beforeAll(async () => {
  peer = await startWebhookPeer(SECRET);
  t = await startTestServer({
    env: {
      METRICS_TOKEN: TOKEN,
      METRICS_PORT: "0",
      ACCESS_SECRET_TEST_WEBHOOK: SECRET,
      HEALTH_CHECK_INTERVAL_MS: "3600000",
    },
  });
});
afterAll(async () => {
  await t.close();
  await peer.close();
});

const scrapeAt = async (base: string, token: string | null = TOKEN) =>
  fetch(`${base}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

async function scrape(): Promise<string> {
  const res = await scrapeAt(t.url);
  expect(res.status).toBe(200);
  return res.text();
}

/** The value of one sample (0 when the series is not there yet). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = (match[2] ?? "").split(/,(?=[a-zA-Z_]+=")/).filter(Boolean);
    if (wanted.every((label) => present.includes(label))) return Number(match[3]);
  }
  return 0;
}

describe("/metrics", () => {
  it("answers only the metrics token on the public port (401 with WWW-Authenticate otherwise)", async () => {
    const none = await scrapeAt(t.url, null);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toBe("Bearer");
    const wrong = await scrapeAt(t.url, t.org.tokens.admin);
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toMatch(/^Bearer error="invalid_token"/);
    const ok = await scrapeAt(t.url);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it("is served on METRICS_PORT's own listener too, and nothing else is", async () => {
    const base = t.server.metricsUrl;
    if (!base) throw new Error("no metrics listener");
    expect(base).not.toBe(t.url);
    expect((await scrapeAt(base, null)).status).toBe(401);
    const ok = await scrapeAt(base);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain("access_graphql_operations_total");
    const graphql = await fetch(`${base}/graphql`, { method: "POST" });
    expect(graphql.status).toBe(404);
  });

  it("exposes the families an operator alerts on, and the process's default metrics", async () => {
    const text = await scrape();
    for (const family of [
      "access_graphql_operations_total",
      "access_graphql_operation_duration_seconds",
      "access_live_connections",
      "access_live_subscriptions",
      "access_live_fanout_lag_seconds",
      "access_jobs_pending",
      "access_jobs_oldest_pending_age_seconds",
      "access_connector_calls_total",
      "access_connector_health",
      "access_email_outbox_pending",
      "access_email_outbox_oldest_pending_age_seconds",
      "access_notification_backlog_events",
      "access_event_delivery_backlog_events",
      "access_metrics_database_up",
      "process_cpu_user_seconds_total",
      "process_resident_memory_bytes",
      "nodejs_eventloop_lag_seconds",
    ]) {
      expect(text, family).toContain(`# TYPE ${family} `);
    }
    expect(sample(text, "access_metrics_database_up")).toBe(1);
  });

  it("counts and times each operation by name, type and outcome", async () => {
    const labels = { operation_name: "Viewer", operation_type: "query", outcome: "ok" };
    const before = sample(await scrape(), "access_graphql_operations_total", labels);
    await dataOf(t.gql(t.org.tokens.alice, Viewer));
    await dataOf(t.gql(t.org.tokens.alice, Viewer));
    const after = await scrape();
    expect(sample(after, "access_graphql_operations_total", labels)).toBe(before + 2);
    expect(
      sample(after, "access_graphql_operation_duration_seconds_count", {
        operation_name: "Viewer",
        operation_type: "query",
      }),
    ).toBeGreaterThanOrEqual(2);
    // An operation answered with a GraphQL error counts as an error of its name.
    const failed = { operation_name: "MalformedId", operation_type: "query", outcome: "error" };
    const failedBefore = sample(after, "access_graphql_operations_total", failed);
    const answer = await t.gql(
      t.org.tokens.alice,
      `query MalformedId { tickets(filter: { requestId: "not-an-id" }) { totalCount } }`,
    );
    expect(answer.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    expect(sample(await scrape(), "access_graphql_operations_total", failed)).toBe(failedBefore + 1);
  });

  it("bounds the operation-name label: made-up names beyond the limit count as other", async () => {
    const names = Array.from({ length: 205 }, (_, i) => `Probe${i}`);
    for (const name of names) await t.gql(t.org.tokens.alice, `query ${name} { viewer { id } }`);
    const text = await scrape();
    const series = text.split("\n").filter((l) => l.startsWith("access_graphql_operations_total{")).length;
    expect(series).toBeLessThanOrEqual(200 + 10);
    expect(sample(text, "access_graphql_operations_total", { operation_name: "other" })).toBeGreaterThan(0);
  });

  it("shows live connections and subscriptions, and the fan-out lag of delivered changes", async () => {
    const client = t.ws(t.org.tokens.alice);
    const live = collect(client, RequestStatusChanged, {}, 1, 10_000);
    await until(
      async () => sample(await scrape(), "access_live_subscriptions"),
      (n) => n >= 1,
    );
    const text = await scrape();
    expect(sample(text, "access_live_connections")).toBeGreaterThanOrEqual(1);
    const lagBefore = sample(text, "access_live_fanout_lag_seconds_count");
    const { createRequest } = await dataOf(
      t.gql(t.org.tokens.alice, CreateRequest, {
        input: { resourceIds: [gid("Resource", t.org.resources.writeAccess)], justification: "metrics test" },
      }),
    );
    expect(createRequest.errors).toEqual([]);
    expect((await live.done).length).toBe(1);
    live.stop();
    expect(sample(await scrape(), "access_live_fanout_lag_seconds_count")).toBeGreaterThan(lagBefore);
  });

  it("counts connector calls by system and outcome, and shows the queue and each system's health", async () => {
    const systemId = await createConnectorSystem(t, "Metrics wiki", "WEBHOOK", {
      url: peer.url,
      secret: "env:ACCESS_SECRET_TEST_WEBHOOK",
      timeoutMs: 10_000,
    });
    const { requestId } = await requestOnConnector(t, systemId, { team: "metrics" });
    await until(
      () => requestState(t, requestId),
      (r) => r.status === "FULFILLED",
    );
    const text = await scrape();
    expect(
      sample(text, "access_connector_calls_total", { system: "Metrics wiki", call: "provision", outcome: "ok" }),
    ).toBe(1);
    expect(sample(text, "access_connector_health", { system: "Metrics wiki", status: "HEALTHY" })).toBe(1);
    expect(sample(text, "access_connector_health", { system: "Metrics wiki", status: "DOWN" })).toBe(0);
    expect(sample(text, "access_jobs_pending")).toBe(0);
  });
});

describe("without METRICS_TOKEN or METRICS_PORT", () => {
  it("serves no /metrics at all", async () => {
    const plain = await startTestServer();
    try {
      expect(plain.server.metricsUrl).toBeNull();
      expect((await scrapeAt(plain.url)).status).toBe(404);
    } finally {
      await plain.close();
    }
  });
});

describe("metrics configuration", () => {
  it("is off without METRICS_TOKEN and METRICS_PORT, and refuses a short token or a host without a port", () => {
    expect(loadConfig({}).metrics).toBeUndefined();
    expect(loadConfig({ METRICS_PORT: "9464", HOST: "127.0.0.1" }).metrics).toEqual({
      token: undefined,
      port: 9464,
      host: "127.0.0.1",
    });
    expect(() => loadConfig({ METRICS_TOKEN: "short" })).toThrow(/^METRICS_TOKEN: /);
    expect(() => loadConfig({ METRICS_HOST: "0.0.0.0" })).toThrow(/^METRICS_HOST: is set but METRICS_PORT is not/);
    expect(() => loadConfig({ METRICS_PORT: "99999" })).toThrow(/^METRICS_PORT: /);
  });
});
