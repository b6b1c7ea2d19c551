// Fulfillment through the SCIM connector against a real SCIM 2.0 server (scimmy): group
// membership added and verified by reading the group back, a peer that says OK without doing
// it, a peer that is down then up, a missing user, and removal on revocation.
import { CancelRequest, CreateResource, RequestDetail } from "@access/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  connectorEvents,
  createConnectorSystem,
  requestOnConnector,
  requestState,
  systemHealth,
  until,
} from "./connector-helpers.ts";
import { codesAndFields, dataOf, startTestServer, type TestServer } from "./harness.ts";
import { SCIM_TOKEN, type ScimPeer, startScimPeer } from "./scim-peer.ts";

let t: TestServer;
let scim: ScimPeer;
let systemId = "";
let aliceScimId = "";

beforeAll(async () => {
  scim = await startScimPeer();
  aliceScimId = scim.addUser("alice@example.com");
  t = await startTestServer({
    env: {
      ACCESS_SECRET_TEST_SCIM: SCIM_TOKEN,
      CONNECTOR_MAX_ATTEMPTS: "3",
      CONNECTOR_RETRY_BASE_MS: "100",
      HEALTH_CHECK_INTERVAL_MS: "3600000",
    },
  });
  systemId = await createConnectorSystem(t, "Wiki", "SCIM", {
    baseUrl: scim.baseUrl,
    token: "env:ACCESS_SECRET_TEST_SCIM",
    timeoutMs: 2000,
  });
});
afterAll(async () => {
  await t.close();
  await scim.stop();
});

describe("SCIM fulfillment", () => {
  it("adds the user to the mapped group, verifies it by reading the group, and fulfills", async () => {
    const groupId = scim.addGroup("wiki-editors");
    const { requestId } = await requestOnConnector(t, systemId, { groupId });
    await until(
      () => requestState(t, requestId),
      (r) => r.status === "FULFILLED",
    );
    expect(scim.memberIds(groupId)).toEqual([aliceScimId]);
    expect(await connectorEvents(t, requestId)).toEqual([
      expect.objectContaining({ outcome: "success", verified: true }),
    ]);
    expect((await systemHealth(t, systemId)).status).toBe("HEALTHY");
  });

  it("does not trust an OK that changed nothing: verification fails and the call is retried", async () => {
    const groupId = scim.addGroup("wiki-admins");
    scim.ignoreWrites = true;
    const { requestId } = await requestOnConnector(t, systemId, { groupId });
    await until(
      () => connectorEvents(t, requestId),
      (events) => events.length >= 1,
    );
    scim.ignoreWrites = false;
    await until(
      () => requestState(t, requestId),
      (r) => r.status === "FULFILLED",
    );
    const events = await connectorEvents(t, requestId);
    expect(events[0]).toMatchObject({ outcome: "failure", detail: expect.stringContaining("reading the state back") });
    expect(events.at(-1)).toMatchObject({ outcome: "success", verified: true });
    expect(scim.memberIds(groupId)).toEqual([aliceScimId]);
  });

  it("retries while the SCIM server is down and succeeds once it is back", async () => {
    const groupId = scim.addGroup("wiki-readers");
    await scim.stop();
    const { requestId } = await requestOnConnector(t, systemId, { groupId });
    await until(
      () => connectorEvents(t, requestId),
      (events) => events.length >= 1,
    );
    expect((await systemHealth(t, systemId)).status).toBe("DOWN");
    await scim.start();
    await until(
      () => requestState(t, requestId),
      (r) => r.status === "FULFILLED",
    );
    expect(scim.memberIds(groupId)).toEqual([aliceScimId]);
    expect((await systemHealth(t, systemId)).status).toBe("HEALTHY");
  });

  it("fails for good when the user does not exist in the SCIM server", async () => {
    const groupId = scim.addGroup("wiki-owners");
    scim.users.delete(aliceScimId);
    try {
      const { requestId } = await requestOnConnector(t, systemId, { groupId });
      const failed = await until(
        () => requestState(t, requestId),
        (r) => r.status === "FAILED",
      );
      expect(failed.tickets.map((ticket) => ticket.status)).toEqual(["FAILED"]);
      expect(await connectorEvents(t, requestId)).toEqual([
        expect.objectContaining({
          outcome: "failure",
          final: true,
          errorCode: "REFUSED",
          error: "The connected system refused the change; IT has been told.",
          detail: "no SCIM user has userName alice@example.com",
        }),
      ]);
    } finally {
      scim.users.set(aliceScimId, {
        id: aliceScimId,
        schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
        userName: "alice@example.com",
        active: true,
      });
    }
  });

  it("tells the requester a coded, plain message, and keeps what a talkative peer said for admins", async () => {
    const groupId = scim.addGroup("wiki-leaky");
    const leak = "internal detail: host db-01.corp.internal:5432 user=svc_scim";
    scim.refuseWith = leak;
    try {
      const { requestId } = await requestOnConnector(t, systemId, { groupId });
      await until(
        () => requestState(t, requestId),
        (r) => r.status === "FAILED",
      );
      // Alice, the requester, reads her request with its tickets, comments and audit trail.
      const asAlice = await t.gql(t.org.tokens.alice, RequestDetail, { id: requestId });
      const seenByAlice = JSON.stringify(asAlice.data);
      expect(seenByAlice).toContain("REFUSED");
      expect(seenByAlice).toContain("The connected system refused the change; IT has been told.");
      expect(seenByAlice).not.toContain("db-01");
      expect(seenByAlice).not.toContain("svc_scim");
      // Admins read the peer's words in the trail (and the log has them).
      const [event] = await connectorEvents(t, requestId);
      expect(event).toMatchObject({ errorCode: "REFUSED", detail: expect.stringContaining(leak) });
    } finally {
      scim.refuseWith = null;
    }
  });

  it("removes the member again when the request is cancelled while the call is under way", async () => {
    const groupId = scim.addGroup("wiki-temp");
    scim.ignoreWrites = true;
    const { requestId } = await requestOnConnector(t, systemId, { groupId });
    await until(
      () => connectorEvents(t, requestId),
      (events) => events.length >= 1,
    );
    scim.ignoreWrites = false;
    // Simulate the half-done call: the user made it into the group before the cancel.
    scim.groups.get(groupId)?.members?.push({ value: aliceScimId });
    const cancelled = await dataOf(t.gql(t.org.tokens.alice, CancelRequest, { input: { requestId } }));
    expect(cancelled.cancelRequest.request?.status).toBe("CANCELLED");
    await until(
      async () => scim.memberIds(groupId),
      (ids) => ids.length === 0,
    );
  });

  it("requires a SCIM group for every SCIM resource", async () => {
    const res = await dataOf(
      t.gql(t.org.tokens.admin, CreateResource, { input: { systemId, name: "No group", sensitivity: "STANDARD" } }),
    );
    expect(codesAndFields(res.createResource.errors)).toEqual([
      { code: "VALIDATION", field: ["input", "connectorTarget"] },
    ]);
  });
});
