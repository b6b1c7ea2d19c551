// Fulfillment through the WEBHOOK connector against a real HTTP peer: signed calls, retries with
// the same idempotency key, permanent failures (ticket and request FAILED, retry and manual
// fulfillment), a peer that is down or too slow, health, and revocation on cancel.
import {
  AuditEvents,
  CancelRequest,
  CreateSystem,
  FulfillTicket,
  IdentityGrants,
  Node,
  RetryFulfillment,
  RevokeGrant,
  SystemHealthChanged,
} from "@access/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  connectorEvents as connectorEventsOf,
  createConnectorSystem,
  requestOnConnector,
  requestState as requestStateOf,
  systemHealth,
  until,
} from "./connector-helpers.ts";
import {
  codes,
  codesAndFields,
  collect,
  dataOf,
  gid,
  jsonObject,
  present,
  startTestServer,
  type TestServer,
} from "./harness.ts";
import { seededRandom } from "./random.ts";
import { startWebhookPeer, type WebhookPeer } from "./webhook-peer.ts";

const SECRET = "test-webhook-secret-0123456789";
const random = seededRandom();
let t: TestServer;
let peer: WebhookPeer;
let systemId = "";
let impatientSystemId = "";

beforeAll(async () => {
  peer = await startWebhookPeer(SECRET);
  t = await startTestServer({
    env: {
      ACCESS_SECRET_TEST_WEBHOOK: SECRET,
      CONNECTOR_MAX_ATTEMPTS: "3",
      CONNECTOR_RETRY_BASE_MS: "50",
      HEALTH_CHECK_INTERVAL_MS: "3600000",
    },
  });
  // A patient system for the calls that must succeed once (a busy machine must not turn them
  // into timeouts and retries), and an impatient one on the same peer for the test of timeouts.
  systemId = await createConnectorSystem(t, "Docs site", "WEBHOOK", {
    url: peer.url,
    secret: "env:ACCESS_SECRET_TEST_WEBHOOK",
    timeoutMs: 10_000,
  });
  impatientSystemId = await createConnectorSystem(t, "Impatient docs site", "WEBHOOK", {
    url: peer.url,
    secret: "env:ACCESS_SECRET_TEST_WEBHOOK",
    timeoutMs: 300,
  });
});
afterAll(async () => {
  await t.close();
  await peer.close();
});

let counter = 0;
/** An auto-approved resource on the webhook system, requested by Alice: goes straight to the connector. */
const requestThroughWebhook = () => requestOnConnector(t, systemId, { team: `editors-${++counter}` });
const requestState = (id: string) => requestStateOf(t, id);
const connectorEvents = (requestId: string) => connectorEventsOf(t, requestId);
const health = () => systemHealth(t, systemId);

describe("webhook fulfillment", () => {
  it("provisions with one signed, idempotent call and fulfills the request", async () => {
    peer.script(200);
    const before = peer.calls.length;
    const { requestId } = await requestThroughWebhook();
    const state = await until(
      () => requestState(requestId),
      (r) => r.status === "FULFILLED",
    );
    expect(state.tickets.map((ticket) => ticket.status)).toEqual(["FULFILLED"]);
    const calls = peer.calls.slice(before);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      event: "access.provision",
      signatureValid: true,
      idempotencyKey: expect.any(String),
    });
    expect(calls[0]?.body).toMatchObject({
      identity: { email: "alice@example.com" },
      fields: { team: expect.stringMatching(/^editors-/) },
    });
    expect(await connectorEvents(requestId)).toEqual([
      expect.objectContaining({ operation: "provision", outcome: "success", attempt: 1 }),
    ]);
    expect((await health()).status).toBe("HEALTHY");
  });

  it("names everything by the API's global ids, each of which node(id:) resolves", async () => {
    peer.script(200);
    const before = peer.calls.length;
    const { requestId, ticketId } = await requestThroughWebhook();
    await until(
      () => requestState(requestId),
      (r) => r.status === "FULFILLED",
    );
    const body = present(peer.calls.slice(before)[0], "the provision call").body;
    const idOf = (key: string) => String(jsonObject(body[key], key).id);
    const named: [string, unknown][] = [
      ["Identity", idOf("identity")],
      ["Resource", idOf("resource")],
      ["System", idOf("system")],
      ["Request", body.requestId],
      ["Ticket", body.ticketId],
    ];
    expect(body.requestId).toBe(requestId);
    expect(body.ticketId).toBe(ticketId);
    expect(idOf("system")).toBe(systemId);
    expect(idOf("identity")).toBe(gid("Identity", t.org.ids.alice));
    for (const [typename, id] of named) {
      const { node } = await dataOf(t.gql(t.org.tokens.admin, Node, { id: String(id) }));
      expect(node, typename).toEqual({ __typename: typename, id });
    }
  });

  it("retries a failing peer with the same idempotency key until it succeeds", async () => {
    peer.script(503, 200);
    const before = peer.calls.length;
    const { requestId } = await requestThroughWebhook();
    await until(
      () => requestState(requestId),
      (r) => r.status === "FULFILLED",
    );
    const calls = peer.calls.slice(before);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.idempotencyKey).toBe(calls[0]?.idempotencyKey);
    const events = await connectorEvents(requestId);
    expect(events.map((e) => [e.attempt, e.outcome])).toEqual([
      [1, "failure"],
      [2, "success"],
    ]);
  });

  it("fails the ticket and the request on a permanent error, and retryFulfillment starts again", async () => {
    peer.script(422);
    const { requestId, ticketId } = await requestThroughWebhook();
    const failed = await until(
      () => requestState(requestId),
      (r) => r.status === "FAILED",
    );
    expect(failed.tickets.map((ticket) => ticket.status)).toEqual(["FAILED"]);
    expect((await health()).status).toBe("DEGRADED");
    const trail = await dataOf(
      t.gql(t.org.tokens.admin, AuditEvents, { filter: { requestId, action: ["TICKET_FAILED"] } }),
    );
    // The failed ticket's comment is the plain message everyone may read; the peer's answer is
    // the CONNECTOR_CALLED event's detail, for admins.
    expect(trail.auditEvents.edges.map((e) => e.node.comment)).toEqual([
      "The connected system refused the change; IT has been told.",
    ]);
    expect((await connectorEvents(requestId)).at(-1)).toMatchObject({ detail: "webhook answered HTTP 422" });
    peer.script(200);
    const retried = await dataOf(t.gql(t.org.tokens.dave, RetryFulfillment, { input: { ticketId } }));
    expect(retried.retryFulfillment).toMatchObject({ ticket: { status: "IN_PROGRESS" }, errors: [] });
    await until(
      () => requestState(requestId),
      (r) => r.status === "FULFILLED",
    );
  });

  it("gives up after the last attempt when the peer does not answer in time; a fulfiller may then fulfill by hand", async () => {
    peer.script("hang");
    const { requestId, ticketId } = await requestOnConnector(t, impatientSystemId, { team: `editors-${++counter}` });
    await until(
      () => requestState(requestId),
      (r) => r.status === "FAILED",
    );
    const events = await connectorEvents(requestId);
    expect(events).toHaveLength(3);
    expect(events.at(-1)).toMatchObject({
      outcome: "failure",
      final: true,
      errorCode: "UNREACHABLE",
      detail: expect.stringContaining("no answer within 300 ms"),
    });
    expect((await systemHealth(t, impatientSystemId)).status).toBe("DOWN");
    const byHand = await dataOf(
      t.gql(t.org.tokens.dave, FulfillTicket, { input: { ticketId, comment: "added by hand" } }),
    );
    expect(byHand.fulfillTicket).toMatchObject({ ticket: { status: "FULFILLED" }, errors: [] });
    expect((await requestState(requestId)).status).toBe("FULFILLED");
    peer.script(200);
  });

  it("revokes through the connector when a request is cancelled while its call is retrying", async () => {
    peer.script(503);
    const before = peer.calls.length;
    const firstCall = peer.nextCall();
    const { requestId } = await requestThroughWebhook();
    // Hold the runner once the first call is out, so its retry waits and the cancel meets it
    // still retrying (an unheld retry may win against the cancel on a slow machine).
    await firstCall;
    await t.server.jobs.stop();
    expect((await connectorEvents(requestId)).map((e) => e.outcome)).toEqual(["failure"]);
    const cancelled = await dataOf(t.gql(t.org.tokens.alice, CancelRequest, { input: { requestId } }));
    expect(cancelled.cancelRequest.request?.status).toBe("CANCELLED");
    peer.script(200);
    t.server.jobs.start();
    await until(
      async () => peer.calls.slice(before).map((c) => c.event),
      (events) => events.includes("access.revoke"),
    );
    const events = await until(
      () => connectorEvents(requestId),
      (e) => e.some((x) => x.operation === "revoke"),
    );
    expect(events.find((e) => e.operation === "revoke")).toMatchObject({ outcome: "success" });
    expect(peer.calls.slice(before).filter((c) => c.event === "access.provision").length).toBeGreaterThanOrEqual(1);
  });

  it("checks health on demand and after calls, without the secret ever leaving the server", async () => {
    peer.script(200);
    await t.server.jobs.checkHealth();
    expect(await health()).toMatchObject({ status: "HEALTHY", message: null, checkedAt: expect.any(String) });
    const trail = await fetch(`${t.url}/audit/export.jsonl`, {
      headers: { authorization: `Bearer ${t.org.tokens.admin}` },
    }).then((r) => r.text());
    expect(trail).not.toContain(SECRET);
  });
});

describe("webhook settings", () => {
  it("refuses settings without a usable URL or with an inline secret", async () => {
    const attempt = async (connectorConfig: unknown) =>
      codesAndFields(
        (
          await dataOf(
            t.gql(t.org.tokens.admin, CreateSystem, {
              input: { name: `Bad ${random.next()}`, connector: "WEBHOOK", connectorConfig },
            }),
          )
        ).createSystem.errors,
      );
    expect(await attempt({ url: "ftp://x", secret: "env:ACCESS_SECRET_X" })).toEqual([
      { code: "VALIDATION", field: ["input", "connectorConfig", "url"] },
    ]);
    expect(await attempt({ url: "https://hooks.example.com/x", secret: "plain-text-secret" })).toEqual([
      { code: "VALIDATION", field: ["input", "connectorConfig", "secret"] },
    ]);
    expect(await attempt({ url: "https://hooks.example.com/x", secret: "env:ACCESS_SECRET_X", extra: 1 })).toEqual([
      { code: "VALIDATION", field: ["input", "connectorConfig", "extra"] },
    ]);
  });
});

describe("revokeGrant", () => {
  it("revokes the grant at once and through the connector, and nobody but an admin or the holder may", async () => {
    peer.script(200);
    const { requestId } = await requestThroughWebhook();
    await until(
      () => requestState(requestId),
      (r) => r.status === "FULFILLED",
    );
    const { target } = await requestState(requestId);
    const { node } = await dataOf(t.gql(t.org.tokens.admin, IdentityGrants, { id: target.id }));
    const grants = node?.__typename === "Identity" ? node.grants.edges.map((e) => e.node) : [];
    const grant = present(
      grants.find((g) => g.request?.id === requestId),
      "the grant of the request",
    );
    const revoke = async (token: string) =>
      (await dataOf(t.gql(token, RevokeGrant, { input: { grantId: grant.id, reason: "left the team" } }))).revokeGrant;
    // Only an admin, or the holder herself (grant-ends.test.ts), may: Bob cannot even see it.
    expect(codes((await revoke(t.org.tokens.bob)).errors)).toEqual(["NOT_FOUND"]);
    const before = peer.calls.length;
    const done = await revoke(t.org.tokens.admin);
    expect(done).toMatchObject({ grant: { status: "REVOKED", revokedAt: expect.any(String) }, errors: [] });
    await until(
      async () => peer.calls.slice(before).map((c) => c.event),
      (events) => events.includes("access.revoke"),
    );
    expect(codes((await revoke(t.org.tokens.admin)).errors)).toEqual(["INVALID_STATE"]);
  });
});

describe("systemHealthChanged", () => {
  it("tells admins live when a system's health changes, and refuses end users", async () => {
    peer.script(200);
    await t.server.jobs.checkHealth();
    const adminSub = collect(t.ws(t.org.tokens.admin), SystemHealthChanged, {}, 1);
    const userSub = collect(t.ws(t.org.tokens.alice), SystemHealthChanged, {}, 1, 1500);
    await new Promise((r) => setTimeout(r, 200));
    peer.script(422);
    const { requestId } = await requestThroughWebhook();
    await until(
      () => requestState(requestId),
      (r) => r.status === "FAILED",
    );
    const [change] = await adminSub.done;
    expect(change?.systemHealthChanged).toMatchObject({
      previousStatus: "HEALTHY",
      status: "DEGRADED",
      system: { name: "Docs site" },
    });
    expect(await userSub.done).toEqual([]);
    expect(JSON.stringify(userSub.errors)).toContain("FORBIDDEN");
    adminSub.stop();
    peer.script(200);
  });
});
