// Restart of the API in the middle of a connector call: the instance is killed (SIGKILL) while
// the webhook peer holds the call; a new instance takes the job over when its lease runs out and
// repeats the call with the same idempotency key. The request is fulfilled once, with one grant.
import {
  AuditEvents,
  CreateRequest,
  CreateResource,
  CreateSystem,
  IdentityGrants,
  RequestDetail,
} from "@access/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DemoOrganisation } from "../src/demo/demo-organisation.ts";
import { seededDatabase, type TestDatabase } from "./databases.ts";
import { dataOf, graphqlAt, jsonObject, present } from "./harness.ts";
import { type Instance, startInstance } from "./instances.ts";
import { startWebhookPeer, type WebhookPeer } from "./webhook-peer.ts";

const SECRET = "restart-webhook-secret-0123456789";
let database: TestDatabase;
let org: DemoOrganisation;
let peer: WebhookPeer;
const instances: Instance[] = [];

beforeAll(async () => {
  ({ database, org } = await seededDatabase());
  peer = await startWebhookPeer(SECRET);
});
afterAll(async () => {
  await Promise.all(instances.map((i) => i.kill("SIGKILL")));
  await peer.close();
  await database.drop();
});

const env = () => ({
  DATABASE_URL: database.url,
  ACCESS_SECRET_TEST_WEBHOOK: SECRET,
  CONNECTOR_LEASE_MS: "1500",
  CONNECTOR_RETRY_BASE_MS: "50",
  HEALTH_CHECK_INTERVAL_MS: "3600000",
  ...(process.env.TEST_REDIS_URL ? { REDIS_URL: process.env.TEST_REDIS_URL } : {}),
});

async function until(check: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("a restart in the middle of a connector call", () => {
  it("resumes the job on the next instance and provisions exactly once", async () => {
    const first = await startInstance(env());
    instances.push(first);
    const onFirst = graphqlAt(first.url);
    const { createSystem } = await dataOf(
      onFirst(org.tokens.admin, CreateSystem, {
        input: {
          name: "Hooked",
          connector: "WEBHOOK",
          connectorConfig: { url: peer.url, secret: "env:ACCESS_SECRET_TEST_WEBHOOK", timeoutMs: 30_000 },
        },
      }),
    );
    const { createResource } = await dataOf(
      onFirst(org.tokens.admin, CreateResource, {
        input: {
          systemId: present(createSystem.system, "the system").id,
          name: "Hooked access",
          sensitivity: "STANDARD",
          approvalSteps: [],
        },
      }),
    );
    peer.script("hang", 200);
    const { createRequest } = await dataOf(
      onFirst(org.tokens.alice, CreateRequest, {
        input: { resourceIds: [present(createResource.resource, "the resource").id], justification: "restart test" },
      }),
    );
    const requestId = present(createRequest.request, "the request").id;
    await until(() => peer.calls.length === 1);
    await first.kill("SIGKILL");

    const second = await startInstance(env());
    instances.push(second);
    const onSecond = graphqlAt(second.url);
    const state = async () =>
      present((await dataOf(onSecond(org.tokens.admin, RequestDetail, { id: requestId }))).request, "the request");
    await until(async () => (await state()).status === "FULFILLED");

    expect(peer.calls.map((c) => c.event)).toEqual(["access.provision", "access.provision"]);
    expect(peer.calls[1]?.idempotencyKey).toBe(peer.calls[0]?.idempotencyKey);
    const { node } = await dataOf(onSecond(org.tokens.admin, IdentityGrants, { id: (await state()).target.id }));
    expect(node?.__typename === "Identity" ? node.grants.totalCount : null).toBe(1);
    const events = await dataOf(
      onSecond(org.tokens.admin, AuditEvents, { filter: { requestId, action: ["CONNECTOR_CALLED"] } }),
    );
    // The killed attempt left no outcome behind; the repeat is attempt 2 and succeeds.
    const calls = events.auditEvents.edges.map((e) => jsonObject(e.node.data, "a CONNECTOR_CALLED event's data"));
    expect(calls.map((call) => [call.attempt, call.outcome])).toEqual([[2, "success"]]);
  });
});
