// Two API processes on one PostgreSQL database and one Redis: live updates cross instances in
// order and exactly once, decisions stay exactly-once, the audit chain stays gapless under
// parallel writers, and a subscriber that loses its instance resumes on the other with
// afterSequence, missing nothing and receiving nothing twice.
import { verifyLines } from "@access/audit-chain";
import { ApproveTicket, CreateRequest, CreateResource, TicketStatusSignal } from "@access/contract";
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DemoOrganisation } from "../../src/demo/demo-organisation.ts";
import { seededDatabase, type TestDatabase } from "../databases.ts";
import { codes, dataOf, documentText, gid, graphqlAt, present } from "../harness.ts";
import { type Instance, startInstance } from "../instances.ts";

let database: TestDatabase;
let org: DemoOrganisation;
let a: Instance;
let b: Instance;
const clients: Client[] = [];

beforeAll(async () => {
  ({ database, org } = await seededDatabase());
  const env = { DATABASE_URL: database.url, REDIS_URL: process.env.TEST_REDIS_URL ?? "" };
  [a, b] = await Promise.all([startInstance(env), startInstance(env)]);
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await Promise.all([a?.kill(), b?.kill()]);
  await database?.drop();
});

function ws(instance: Instance, token: string): Client {
  const client = createClient({
    url: `${instance.url.replace("http", "ws")}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
  });
  clients.push(client);
  return client;
}

interface Change {
  sequence: number;
  status: string;
}

/** Subscribes to every ticket change the admin sees, from `after`, into `into`. */
function follow(client: Client, into: Change[], after: number | null, onError: (e: unknown) => void = () => undefined) {
  return client.subscribe<{ ticketStatusChanged: Change }>(
    { query: documentText(TicketStatusSignal), variables: { afterSequence: after } },
    { next: (v) => v.data && into.push(v.data.ticketStatusChanged), error: onError, complete: () => undefined },
  );
}

async function until(check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 50));
  }
}

let resourceCounter = 0;
async function newResource(): Promise<string> {
  resourceCounter += 1;
  const { createResource } = await dataOf(
    graphqlAt(b.url)(org.tokens.admin, CreateResource, {
      input: { systemId: gid("System", org.githubSystemId), name: `Scale ${resourceCounter}`, sensitivity: "STANDARD" },
    }),
  );
  return present(createResource.resource, "the resource").id;
}

async function createRequest(instance: Instance, token: string, resourceId: string) {
  const { createRequest } = await dataOf(
    graphqlAt(instance.url)(token, CreateRequest, { input: { resourceIds: [resourceId], justification: "scale" } }),
  );
  expect(createRequest.errors).toEqual([]);
  return present(createRequest.request, "the request");
}

/** Sequences of the ticket status changes in the trail, from the export. */
async function ticketChangeSequences(): Promise<number[]> {
  const text = await (
    await fetch(`${b.url}/audit/export.jsonl`, { headers: { authorization: `Bearer ${org.tokens.admin}` } })
  ).text();
  return text
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { sequence: number; action: string; ticketId: string | null })
    .filter((r) => r.ticketId && r.action !== "TICKET_COMMENTED")
    .map((r) => r.sequence);
}

describe("two instances, one database, one Redis", () => {
  it("delivers changes made through instance B to a subscriber on instance A, in order, exactly once", async () => {
    const seen: Change[] = [];
    const stop = follow(ws(a, org.tokens.admin), seen, null);
    await new Promise((r) => setTimeout(r, 300));
    const request = await createRequest(b, org.tokens.alice, await newResource());
    const ticketId = present(request.tickets[0], "the approval ticket").id;
    await dataOf(graphqlAt(b.url)(org.tokens.bob, ApproveTicket, { input: { ticketId } }));
    await until(() => seen.length >= 3);
    stop();
    expect(seen.map((c) => c.status)).toEqual(["OPEN", "APPROVED", "OPEN"]);
    const sequences = seen.map((c) => c.sequence);
    expect([...sequences].sort((x, y) => x - y)).toEqual(sequences);
    expect(new Set(sequences).size).toBe(sequences.length);
  });

  it("lets exactly one of twelve approvals sent to both instances at once win", async () => {
    const request = await createRequest(a, org.tokens.dave, await newResource());
    const ticketId = present(request.tickets[0], "the approval ticket").id;
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        dataOf(
          graphqlAt((i % 2 ? a : b).url)(i % 3 ? org.tokens.bob : org.tokens.admin, ApproveTicket, {
            input: { ticketId },
          }),
        ),
      ),
    );
    const outcomes = results.map((r) => codes(r.approveTicket.errors).join(","));
    expect(outcomes.filter((c) => c === "")).toHaveLength(1);
    expect(outcomes.filter((c) => c === "INVALID_STATE")).toHaveLength(11);
  });

  it("keeps the audit sequence gapless and its chain intact under parallel writers on both instances", async () => {
    const resources = await Promise.all(Array.from({ length: 6 }, () => newResource()));
    await Promise.all(
      resources.flatMap((resource, i) => [
        createRequest(i % 2 ? a : b, org.tokens.alice, resource),
        createRequest(i % 2 ? b : a, org.tokens.carol, resource),
      ]),
    );
    const text = await (
      await fetch(`${a.url}/audit/export.jsonl`, { headers: { authorization: `Bearer ${org.tokens.admin}` } })
    ).text();
    const sequences = text
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { sequence: number }).sequence);
    expect(sequences).toEqual(sequences.map((_, i) => i + 1));
    expect(await verifyLines(text.split("\n"))).toMatchObject({ ok: true, segments: 1 });
  });

  it("resumes on instance B with afterSequence after instance A dies mid-stream: nothing missed, nothing doubled", async () => {
    const seen: Change[] = [];
    const start = Math.max(0, ...(await ticketChangeSequences()));
    follow(ws(a, org.tokens.admin), seen, start, () => undefined);
    await new Promise((r) => setTimeout(r, 300));
    // Changes keep landing through B while A is killed in the middle of them.
    const writer = (async () => {
      for (let i = 0; i < 8; i += 1) {
        await createRequest(b, org.tokens.alice, await newResource());
        if (i === 3) await a.kill("SIGKILL");
      }
    })();
    await writer;
    const last = seen.at(-1)?.sequence ?? start;
    expect(seen.length).toBeGreaterThan(0);
    const resumed: Change[] = [];
    follow(ws(b, org.tokens.admin), resumed, last);
    const expected = (await ticketChangeSequences()).filter((s) => s > start);
    await until(() => seen.length + resumed.length >= expected.length);
    await new Promise((r) => setTimeout(r, 500));
    const all = [...seen, ...resumed].map((c) => c.sequence);
    expect(all).toEqual(expected);
  });
});
