// Restart of the API in the middle of a connector call: the instance is killed (SIGKILL) while
// the webhook peer holds the call; a new instance takes the job over when its lease runs out and
// repeats the call with the same idempotency key. The request is fulfilled once, with one grant.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadDemoOrganisation, type DemoOrganisation } from "../src/demo/demo-organisation.ts";
import { openDatabase } from "../src/db/database.ts";
import { freshDatabase, type TestDatabase } from "./databases.ts";
import { type Instance, startInstance } from "./instances.ts";
import { startWebhookPeer, type WebhookPeer } from "./webhook-peer.ts";

const SECRET = "restart-webhook-secret-0123456789";
let database: TestDatabase;
let org: DemoOrganisation;
let peer: WebhookPeer;
const instances: Instance[] = [];

beforeAll(async () => {
  database = await freshDatabase();
  const db = await openDatabase(database.url);
  org = await loadDemoOrganisation(db);
  await db.close();
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

async function gql(instance: Instance, token: string, query: string, variables?: Record<string, unknown>) {
  const res = await fetch(`${instance.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: any };
}

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
    const system = await gql(
      first,
      org.tokens.admin,
      `mutation($input: CreateSystemInput!) { createSystem(input: $input) { system { id } errors { code } } }`,
      {
        input: {
          name: "Hooked",
          connector: "WEBHOOK",
          connectorConfig: { url: peer.url, secret: "env:ACCESS_SECRET_TEST_WEBHOOK", timeoutMs: 30_000 },
        },
      },
    );
    const resource = await gql(
      first,
      org.tokens.admin,
      `mutation($input: CreateResourceInput!) { createResource(input: $input) { resource { id } errors { code } } }`,
      {
        input: {
          systemId: system.data.createSystem.system.id,
          name: "Hooked access",
          sensitivity: "STANDARD",
          approvalSteps: [],
        },
      },
    );
    peer.script("hang", 200);
    const created = await gql(
      first,
      org.tokens.alice,
      `mutation($input: CreateRequestInput!) { createRequest(input: $input) { request { id } errors { code } } }`,
      {
        input: { resourceIds: [resource.data.createResource.resource.id], justification: "restart test" },
      },
    );
    const requestId = created.data.createRequest.request.id as string;
    await until(() => peer.calls.length === 1);
    await first.kill("SIGKILL");

    const second = await startInstance(env());
    instances.push(second);
    const state = async () =>
      (
        await gql(
          second,
          org.tokens.admin,
          `query($id: ID!) { request(id: $id) { status target { grants { totalCount } } } }`,
          { id: requestId },
        )
      ).data.request;
    await until(async () => (await state()).status === "FULFILLED");

    expect(peer.calls.map((c) => c.event)).toEqual(["access.provision", "access.provision"]);
    expect(peer.calls[1]?.idempotencyKey).toBe(peer.calls[0]?.idempotencyKey);
    expect((await state()).target.grants.totalCount).toBe(1);
    const events = await gql(
      second,
      org.tokens.admin,
      `query($id: ID!) { auditEvents(filter: { requestId: $id, action: [CONNECTOR_CALLED] }) { edges { node { data } } } }`,
      {
        id: requestId,
      },
    );
    // The killed attempt left no outcome behind; the repeat is attempt 2 and succeeds.
    expect(
      events.data.auditEvents.edges.map((e: { node: { data: Record<string, unknown> } }) => [
        e.node.data.attempt,
        e.node.data.outcome,
      ]),
    ).toEqual([[2, "success"]]);
  });
});
