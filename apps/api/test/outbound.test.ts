// Where connectors may connect (connectors/outbound.ts): link-local, unspecified and cloud
// metadata addresses and names are refused unless CONNECTOR_ALLOWED_ADDRESSES allows them;
// private ranges and loopback stay allowed. End to end through a real webhook peer: the address
// 0.0.0.0 (which reaches this very host) is refused by default and reached once allowed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OutboundPolicy } from "../src/connectors/outbound.ts";
import {
  connectorEvents,
  createConnectorSystem,
  requestOnConnector,
  requestState,
  until,
} from "./connector-helpers.ts";
import { startTestServer, type TestServer } from "./harness.ts";
import { startWebhookPeer, type WebhookPeer } from "./webhook-peer.ts";

const SECRET = "outbound-test-secret-0123456789";

describe("the outbound policy", () => {
  const policy = new OutboundPolicy();

  it.each([
    "169.254.169.254",
    "[::ffff:a9fe:a9fe]",
    "::ffff:169.254.169.254",
    "0.0.0.0",
    "0.1.2.3",
    "::",
    "fe80::1",
    "fd00:ec2::254",
    "100.100.100.200",
  ])("refuses %s", (address) => {
    expect(policy.refusal(address)).toMatch(/CONNECTOR_ALLOWED_ADDRESSES/);
    expect(() => policy.checkHost(address)).toThrow(/CONNECTOR_ALLOWED_ADDRESSES/);
  });

  it.each(["metadata.google.internal", "METADATA.GOOGLE.INTERNAL.", "metadata"])("refuses the name %s", (name) => {
    expect(() => policy.checkHost(name)).toThrow(/cloud metadata/);
  });

  it.each(["127.0.0.1", "::1", "10.1.2.3", "172.16.0.9", "192.168.1.20", "fd12:3456::1", "ldap.corp.internal"])(
    "allows %s (loopback, private ranges, internal names)",
    (host) => {
      expect(() => policy.checkHost(host)).not.toThrow();
    },
  );

  it("allows what the operator lists, and nothing more", () => {
    const allowing = new OutboundPolicy(["169.254.10.0/24", "fe80::5"]);
    expect(allowing.refusal("169.254.10.7")).toBeNull();
    expect(allowing.refusal("fe80::5")).toBeNull();
    expect(allowing.refusal("169.254.169.254")).not.toBeNull();
  });
});

describe("a webhook system on a refused address", () => {
  let peer: WebhookPeer;
  let refusing: TestServer;
  let allowing: TestServer;
  beforeAll(async () => {
    peer = await startWebhookPeer(SECRET);
    const env = { ACCESS_SECRET_OUT_WEBHOOK: SECRET, CONNECTOR_MAX_ATTEMPTS: "2", CONNECTOR_RETRY_BASE_MS: "20" };
    refusing = await startTestServer({ env });
    allowing = await startTestServer({ env: { ...env, CONNECTOR_ALLOWED_ADDRESSES: "0.0.0.0" } });
  });
  afterAll(async () => {
    await refusing.close();
    await allowing.close();
    await peer.close();
  });

  const system = (t: TestServer) =>
    createConnectorSystem(t, "Unspecified address", "WEBHOOK", {
      url: peer.url.replace("127.0.0.1", "0.0.0.0"),
      secret: "env:ACCESS_SECRET_OUT_WEBHOOK",
      timeoutMs: 10_000,
    });

  it("fails for good, without calling, and says why to admins only", async () => {
    const calls = peer.calls.length;
    const { requestId } = await requestOnConnector(refusing, await system(refusing), { team: "x" });
    await until(
      () => requestState(refusing, requestId),
      (r) => r.status === "FAILED",
    );
    expect(await connectorEvents(refusing, requestId)).toEqual([
      expect.objectContaining({
        outcome: "failure",
        final: true,
        errorCode: "REFUSED",
        detail: expect.stringContaining("CONNECTOR_ALLOWED_ADDRESSES"),
      }),
    ]);
    expect(peer.calls.length).toBe(calls);
  });

  it("refuses a URL aimed at the cloud metadata address, before any connection", async () => {
    const metadata = await createConnectorSystem(refusing, "Metadata", "WEBHOOK", {
      url: "http://169.254.169.254/latest/meta-data/",
      secret: "env:ACCESS_SECRET_OUT_WEBHOOK",
      timeoutMs: 10_000,
    });
    const { requestId } = await requestOnConnector(refusing, metadata, { team: "z" });
    await until(
      () => requestState(refusing, requestId),
      (r) => r.status === "FAILED",
    );
    expect(await connectorEvents(refusing, requestId)).toEqual([
      expect.objectContaining({ errorCode: "REFUSED", detail: expect.stringContaining("169.254.169.254") }),
    ]);
  });

  it("calls it once the operator allows the address", async () => {
    const { requestId } = await requestOnConnector(allowing, await system(allowing), { team: "y" });
    await until(
      () => requestState(allowing, requestId),
      (r) => r.status === "FULFILLED",
    );
  });
});
