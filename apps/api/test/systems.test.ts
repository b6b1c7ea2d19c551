// Changing a connected system (updateSystem): what an admin may change, that the next connector
// call uses new settings, that bad input changes nothing, and the CONFIG_CHANGED event it leaves.
import { AdminSystems, AuditEvents, CreateGroup, UpdateSystem } from "@access/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConnectorSystem, requestOnConnector, requestState, until } from "./connector-helpers.ts";
import { codesAndFields, dataOf, gid, present, startTestServer, type TestServer } from "./harness.ts";
import { startWebhookPeer, type WebhookPeer } from "./webhook-peer.ts";

const SECRET = "systems-test-webhook-secret-0123456789";
let t: TestServer;
let before: WebhookPeer;
let after: WebhookPeer;
let systemId = "";

beforeAll(async () => {
  [before, after] = await Promise.all([startWebhookPeer(SECRET), startWebhookPeer(SECRET)]);
  t = await startTestServer({
    env: { ACCESS_SECRET_SYSTEMS_HOOK: SECRET, HEALTH_CHECK_INTERVAL_MS: "3600000" },
  });
  systemId = await createConnectorSystem(t, "Wiki", "WEBHOOK", {
    url: before.url,
    secret: "env:ACCESS_SECRET_SYSTEMS_HOOK",
  });
});
afterAll(async () => {
  await t.close();
  await Promise.all([before.close(), after.close()]);
});

const update = async (input: Record<string, unknown>) =>
  (await dataOf(t.gql(t.org.tokens.admin, UpdateSystem, { input: { systemId, ...input } }))).updateSystem;
const wiki = async () => {
  const { systems } = await dataOf(t.gql(t.org.tokens.admin, AdminSystems, {}));
  return present(systems.edges.find((e) => e.node.id === systemId)?.node, "the Wiki system");
};

describe("updateSystem", () => {
  it("changes the name, description, fulfillers and SLA, and says so in the trail", async () => {
    const { createGroup } = await dataOf(t.gql(t.org.tokens.admin, CreateGroup, { input: { name: "Wiki admins" } }));
    const groupId = present(createGroup.group, "the group").id;
    const changed = await update({
      name: "Team wiki",
      description: "Where the teams write things down.",
      fulfillersGroupId: groupId,
      ticketSlaHours: 12,
    });
    expect(changed.errors).toEqual([]);
    expect(changed.system).toMatchObject({
      name: "Team wiki",
      description: "Where the teams write things down.",
      fulfillers: { id: groupId, name: "Wiki admins" },
      ticketSlaHours: 12,
      connector: "WEBHOOK",
      connectorConfig: { url: before.url, secret: "env:ACCESS_SECRET_SYSTEMS_HOOK" },
    });

    const { auditEvents } = await dataOf(
      t.gql(t.org.tokens.admin, AuditEvents, { last: 1, filter: { action: ["CONFIG_CHANGED"] } }),
    );
    const event = present(auditEvents.edges[0], "the CONFIG_CHANGED event").node;
    expect(event.actor?.displayName).toBe("Erin Admin");
    expect(event.data).toEqual({
      entity: "System",
      entityId: systemId,
      change: "updated",
      changed: ["name", "description", "fulfillersGroupId", "ticketSlaHours"],
      name: "Team wiki",
      description: "Where the teams write things down.",
      fulfillersGroupId: groupId,
      ticketSlaHours: 12,
    });

    // null clears what may be cleared; absent keeps the rest.
    const cleared = await update({ description: null, fulfillersGroupId: null, ticketSlaHours: null });
    expect(cleared.errors).toEqual([]);
    expect(cleared.system).toMatchObject({
      name: "Team wiki",
      description: null,
      fulfillers: null,
      ticketSlaHours: null,
    });
  });

  it("sends the next connector call to the new settings, and records them", async () => {
    const changed = await update({ connectorConfig: { url: after.url, secret: "env:ACCESS_SECRET_SYSTEMS_HOOK" } });
    expect(changed.errors).toEqual([]);
    // Stored as checked: the default timeout is written out.
    const stored = { url: after.url, secret: "env:ACCESS_SECRET_SYSTEMS_HOOK", timeoutMs: 10_000 };
    expect(changed.system?.connectorConfig).toEqual(stored);
    const { requestId } = await requestOnConnector(t, systemId, { team: "writers" });
    await until(
      () => requestState(t, requestId),
      (r) => r.status === "FULFILLED",
    );
    expect(after.calls.map((c) => [c.event, c.signatureValid])).toEqual([["access.provision", true]]);
    expect(before.calls).toEqual([]);
    const { auditEvents } = await dataOf(
      t.gql(t.org.tokens.admin, AuditEvents, { first: 100, filter: { action: ["CONFIG_CHANGED"] } }),
    );
    const recorded = auditEvents.edges.map((e) => e.node.data as Record<string, unknown>);
    expect(recorded.filter((d) => d.entityId === systemId && "connectorConfig" in d).at(-1)?.connectorConfig).toEqual(
      stored,
    );
  });

  it("refuses bad input on its field and changes nothing", async () => {
    const unchanged = await wiki();
    const attempts: [Record<string, unknown>, { code: string; field: string[] }][] = [
      [{ name: "" }, { code: "VALIDATION", field: ["input", "name"] }],
      [{ name: "GitHub" }, { code: "CONFLICT", field: ["input", "name"] }],
      [{ ticketSlaHours: 0 }, { code: "VALIDATION", field: ["input", "ticketSlaHours"] }],
      [{ fulfillersGroupId: gid("Group", "nope") }, { code: "NOT_FOUND", field: ["input", "fulfillersGroupId"] }],
      [{ fulfillersGroupId: systemId }, { code: "NOT_FOUND", field: ["input", "fulfillersGroupId"] }],
      [{ connectorConfig: { url: "not a url", secret: "env:ACCESS_SECRET_SYSTEMS_HOOK" } }, expect.anything()],
      [{ connectorConfig: { url: after.url, secret: "an inline secret" } }, expect.anything()],
      [{ connectorConfig: null }, expect.anything()],
    ];
    for (const [input, error] of attempts) {
      const refused = await update({ description: "must not stick", ...input });
      expect(refused.system, JSON.stringify(input)).toBeNull();
      expect(codesAndFields(refused.errors), JSON.stringify(input)).toEqual([error]);
      expect(refused.errors[0]?.field?.slice(0, 2), JSON.stringify(input)).toEqual([
        "input",
        Object.keys(input)[0] ?? "",
      ]);
    }
    expect(await wiki()).toEqual(unchanged);
  });
});
