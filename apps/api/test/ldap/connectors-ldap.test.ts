// Fulfillment through the LDAP connector against a real OpenLDAP slapd: membership of a
// groupOfNames added and verified by a search, a server that is down then up, a wrong bind
// password (permanent failure, health DOWN), and removal on revocation.
import { CancelRequest, CreateResource, CreateSystem } from "@access/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  connectorEvents,
  createConnectorSystem,
  requestOnConnector,
  requestState,
  systemHealth,
  until,
} from "../connector-helpers.ts";
import { codesAndFields, dataOf, startTestServer, type TestServer } from "../harness.ts";
import { LDAP_ADMIN_DN, LDAP_ADMIN_PASSWORD, LDAP_SUFFIX, type LdapPeer, startLdapPeer } from "./ldap-peer.ts";

let t: TestServer;
let ldap: LdapPeer;
let systemId = "";
const ALICE_DN = `uid=alice,ou=people,${LDAP_SUFFIX}`;

beforeAll(async () => {
  ldap = await startLdapPeer();
  t = await startTestServer({
    env: {
      ACCESS_SECRET_TEST_LDAP: LDAP_ADMIN_PASSWORD,
      ACCESS_SECRET_WRONG_LDAP: "not-the-password",
      CONNECTOR_MAX_ATTEMPTS: "4",
      CONNECTOR_RETRY_BASE_MS: "150",
      HEALTH_CHECK_INTERVAL_MS: "3600000",
    },
  });
  systemId = await createConnectorSystem(t, "Directory", "LDAP", {
    url: ldap.url,
    bindDn: LDAP_ADMIN_DN,
    bindPassword: "env:ACCESS_SECRET_TEST_LDAP",
    userBaseDn: `ou=people,${LDAP_SUFFIX}`,
    timeoutMs: 2000,
  });
});
afterAll(async () => {
  await t.close();
  await ldap.remove();
});

describe("LDAP fulfillment", () => {
  it("adds the user's DN to the group, verifies it with a search, and fulfills", async () => {
    const groupDn = await ldap.addGroup("repo-writers");
    const { requestId } = await requestOnConnector(t, systemId, { groupDn });
    await until(
      () => requestState(t, requestId),
      (r) => r.status === "FULFILLED",
    );
    expect(ldap.members(groupDn)).toEqual([LDAP_ADMIN_DN, ALICE_DN]);
    expect(await connectorEvents(t, requestId)).toEqual([
      expect.objectContaining({ outcome: "success", verified: true }),
    ]);
    expect((await systemHealth(t, systemId)).status).toBe("HEALTHY");
  });

  it("treats a membership that is already there as done, as after a call repeated by a restart", async () => {
    const groupDn = await ldap.addGroup("repo-readers");
    ldap.addMember(groupDn, ALICE_DN);
    const { requestId } = await requestOnConnector(t, systemId, { groupDn });
    await until(
      () => requestState(t, requestId),
      (r) => r.status === "FULFILLED",
    );
    expect(ldap.members(groupDn)).toEqual([LDAP_ADMIN_DN, ALICE_DN]);
    expect(await connectorEvents(t, requestId)).toEqual([expect.objectContaining({ outcome: "success", attempt: 1 })]);
  });

  it("retries while slapd is down and succeeds once it is back", async () => {
    const groupDn = await ldap.addGroup("repo-admins");
    await ldap.stop();
    const { requestId } = await requestOnConnector(t, systemId, { groupDn });
    await until(
      () => connectorEvents(t, requestId),
      (events) => events.length >= 1,
    );
    expect((await systemHealth(t, systemId)).status).toBe("DOWN");
    await ldap.start();
    await until(
      () => requestState(t, requestId),
      (r) => r.status === "FULFILLED",
      15_000,
    );
    expect(ldap.members(groupDn)).toContain(ALICE_DN);
  });

  it("removes the DN when the request is cancelled while its call is retrying", async () => {
    const groupDn = await ldap.addGroup("repo-temp");
    await ldap.stop();
    const { requestId } = await requestOnConnector(t, systemId, { groupDn });
    await until(
      () => connectorEvents(t, requestId),
      (events) => events.length >= 1,
    );
    await ldap.start();
    const cancelled = await dataOf(t.gql(t.org.tokens.alice, CancelRequest, { input: { requestId } }));
    expect(cancelled.cancelRequest.request?.status).toBe("CANCELLED");
    await until(
      () => connectorEvents(t, requestId),
      (events) => events.some((e) => e.operation === "revoke" && e.outcome === "success"),
      15_000,
    );
    expect(ldap.members(groupDn)).toEqual([LDAP_ADMIN_DN]);
  });

  it("fails for good with a wrong bind password and reports it", async () => {
    const wrong = await createConnectorSystem(t, "Directory (wrong password)", "LDAP", {
      url: ldap.url,
      bindDn: LDAP_ADMIN_DN,
      bindPassword: "env:ACCESS_SECRET_WRONG_LDAP",
      userBaseDn: `ou=people,${LDAP_SUFFIX}`,
    });
    const { requestId } = await requestOnConnector(t, wrong, { groupDn: await ldap.addGroup("repo-wrong") });
    await until(
      () => requestState(t, requestId),
      (r) => r.status === "FAILED",
    );
    expect(await connectorEvents(t, requestId)).toEqual([
      expect.objectContaining({
        outcome: "failure",
        final: true,
        errorCode: "REFUSED",
        detail: "LDAP: the bind DN or password is wrong",
      }),
    ]);
    expect((await systemHealth(t, wrong)).status).toBe("DEGRADED");
  });

  it("validates LDAP settings and targets", async () => {
    const bad = await dataOf(
      t.gql(t.org.tokens.admin, CreateSystem, {
        input: {
          name: "Bad LDAP",
          connector: "LDAP",
          connectorConfig: { url: "http://x", bindDn: "nope", bindPassword: "env:ACCESS_SECRET_X", userBaseDn: "ou=x" },
        },
      }),
    );
    expect(codesAndFields(bad.createSystem.errors)).toEqual([
      { code: "VALIDATION", field: ["input", "connectorConfig", "url"] },
    ]);
    const target = await dataOf(
      t.gql(t.org.tokens.admin, CreateResource, {
        input: { systemId, name: "Bad target", sensitivity: "STANDARD", connectorTarget: { groupDn: "not a dn" } },
      }),
    );
    expect(codesAndFields(target.createResource.errors)).toEqual([
      { code: "VALIDATION", field: ["input", "connectorTarget", "groupDn"] },
    ]);
  });
});
