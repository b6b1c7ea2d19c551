// OpenTelemetry traces through the real server, exported over OTLP/HTTP (JSON) to a real local
// receiver: a span per GraphQL operation named as OpenTelemetry's GraphQL conventions say, the
// domain transactions it runs as its children, and connector calls; and no SDK without the setting.
import { CreateRequest, Viewer } from "@access/contract";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.ts";
import { tracingEnabled } from "../src/observability/tracing.ts";
import { createConnectorSystem, requestOnConnector, requestState, until } from "./connector-helpers.ts";
import { dataOf, gid, startTestServer, type TestServer } from "./harness.ts";
import { startWebhookPeer, type WebhookPeer } from "./webhook-peer.ts";

/** A span as OTLP/JSON carries it (the fields read here). */
interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: { key: string; value: { stringValue?: string; intValue?: string | number } }[];
  status?: { code?: number };
}

/** A collector's OTLP/HTTP traces endpoint: keeps every span and the exports' content types. */
async function startReceiver() {
  const spans: ExportedSpan[] = [];
  const contentTypes: string[] = [];
  const server: Server = createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk: Buffer) => (raw += chunk.toString()));
    req.on("end", () => {
      if (req.method !== "POST" || req.url !== "/v1/traces") {
        res.writeHead(404).end();
        return;
      }
      contentTypes.push(String(req.headers["content-type"]));
      const body = JSON.parse(raw) as {
        resourceSpans: { resource: unknown; scopeSpans: { spans: ExportedSpan[] }[] }[];
      };
      for (const resource of body.resourceSpans) for (const scope of resource.scopeSpans) spans.push(...scope.spans);
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    contentTypes,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const attribute = (span: ExportedSpan, key: string) => {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value?.stringValue ?? value?.intValue;
};

const SECRET = "test-webhook-secret-0123456789";
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let peer: WebhookPeer;
let t: TestServer;

beforeAll(async () => {
  receiver = await startReceiver();
  peer = await startWebhookPeer(SECRET);
  t = await startTestServer({
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_SERVICE_NAME: "access-test",
      ACCESS_SECRET_TEST_WEBHOOK: SECRET,
      HEALTH_CHECK_INTERVAL_MS: "3600000",
    },
  });
});
afterAll(async () => {
  await t.close();
  await peer.close();
  await receiver.close();
});

/** The spans exported so far that satisfy `ok`, once there is at least one (the batch goes out every second). */
const exported = (ok: (span: ExportedSpan) => boolean) =>
  until(
    async () => receiver.spans.filter(ok),
    (found) => found.length > 0,
  );

describe("OpenTelemetry traces", () => {
  it("exports a span per GraphQL operation, with its transactions as children, over OTLP/HTTP", async () => {
    expect(tracingEnabled()).toBe(true);
    const { createRequest } = await dataOf(
      t.gql(t.org.tokens.alice, CreateRequest, {
        input: { resourceIds: [gid("Resource", t.org.resources.writeAccess)], justification: "traced" },
      }),
    );
    expect(createRequest.errors).toEqual([]);
    const [operation] = await exported((s) => s.name === "mutation CreateRequest");
    if (!operation) throw new Error("no operation span");
    expect(attribute(operation, "graphql.operation.type")).toBe("mutation");
    expect(attribute(operation, "graphql.operation.name")).toBe("CreateRequest");
    const transactions = await exported((s) => s.name === "db.transaction" && s.parentSpanId === operation.spanId);
    expect(transactions.length).toBeGreaterThanOrEqual(1);
    expect(transactions.every((s) => s.traceId === operation.traceId)).toBe(true);
    expect(attribute(transactions[0] as ExportedSpan, "db.system")).toBe(t.server.db.provider);
    expect(receiver.contentTypes.every((type) => type.startsWith("application/json"))).toBe(true);

    await dataOf(t.gql(t.org.tokens.alice, Viewer));
    const [query] = await exported((s) => s.name === "query Viewer");
    expect(query?.parentSpanId ?? "").toBe("");
  });

  it("exports a span per connector call, with its system and outcome", async () => {
    const systemId = await createConnectorSystem(t, "Traced wiki", "WEBHOOK", {
      url: peer.url,
      secret: "env:ACCESS_SECRET_TEST_WEBHOOK",
      timeoutMs: 10_000,
    });
    const { requestId } = await requestOnConnector(t, systemId, { team: "traced" });
    await until(
      () => requestState(t, requestId),
      (r) => r.status === "FULFILLED",
    );
    const [provision] = await exported(
      (s) => s.name === "connector.provision" && attribute(s, "access.system") === "Traced wiki",
    );
    if (!provision) throw new Error("no connector span");
    expect(provision.status?.code ?? 0).not.toBe(2);
    const [verify] = await exported((s) => s.name === "connector.verify" && s.traceId === provision.traceId);
    expect(verify).toBeDefined();
  });
});

describe("without OTEL_EXPORTER_OTLP_ENDPOINT", () => {
  it("configures no tracing", () => {
    expect(loadConfig({}).tracing).toBeUndefined();
    const config = loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/" });
    expect(config.tracing?.tracesUrl).toBe("http://collector:4318/v1/traces");
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "collector" })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
  });
});
