// Live updates over graphql-ws and SSE: delivery after commit, filtering by visibility, order,
// resumption with afterSequence, and refusal of bad tokens (4403).
import {
  ApproveTicket,
  CancelRequest,
  CreateRequest,
  CreateResource,
  graphql,
  RequestStatusChanged,
  TicketStatusChanged,
} from "@access/contract";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromGlobalId } from "../src/domain/global-id.ts";
import { collect, dataOf, documentText, gid, present, startTestServer, type TestServer } from "./harness.ts";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

async function createRequest(token: string) {
  const { createRequest } = await dataOf(
    t.gql(token, CreateRequest, {
      input: { resourceIds: [gid("Resource", t.org.resources.writeAccess)], justification: "live test" },
    }),
  );
  expect(createRequest.errors).toEqual([]);
  return present(createRequest.request, "the created request");
}

async function cancel(token: string, requestId: string) {
  const { cancelRequest } = await dataOf(t.gql(token, CancelRequest, { input: { requestId } }));
  expect(cancelRequest.errors).toEqual([]);
}

describe("ticketStatusChanged over graphql-ws", () => {
  it("delivers a ticket's changes live, in sequence order, to those who may see it", async () => {
    const bob = collect(t.ws(t.org.tokens.bob), TicketStatusChanged, {}, 3);
    const carol = collect(t.ws(t.org.tokens.carol), TicketStatusChanged, {}, 1, 1500);
    // The suite's first subscriptions: wait until both are registered (a fixed pause was too short
    // on a busy machine, and the creation's change was missed).
    while (t.server.feed.subscriberCount < 2) await new Promise((r) => setTimeout(r, 10));
    const request = await createRequest(t.org.tokens.alice);
    const ticketId = present(request.tickets[0], "the approval ticket").id;
    await dataOf(t.gql(t.org.tokens.bob, ApproveTicket, { input: { ticketId } }));
    const got = await bob.done;
    expect(
      got.map((g) => [
        g.ticketStatusChanged.previousStatus,
        g.ticketStatusChanged.status,
        g.ticketStatusChanged.ticket.kind,
      ]),
    ).toEqual([
      [null, "OPEN", "APPROVAL"],
      ["OPEN", "APPROVED", "APPROVAL"],
      [null, "OPEN", "FULFILLMENT"],
    ]);
    expect(got[1]?.ticketStatusChanged.actor?.email).toBe("bob.manager@example.com");
    const [first, second] = got.map((g) => g.ticketStatusChanged.sequence);
    expect(first).toBeLessThan(present(second, "the second change's sequence"));
    expect(await carol.done).toEqual([]);
    bob.stop();
    carol.stop();
    await cancel(t.org.tokens.alice, request.id);
  });

  it("filters by requestId", async () => {
    const first = await createRequest(t.org.tokens.alice);
    const sub = collect(t.ws(t.org.tokens.alice), TicketStatusChanged, { requestId: first.id }, 1);
    await new Promise((r) => setTimeout(r, 200));
    await createRequest(t.org.tokens.dave);
    await cancel(t.org.tokens.alice, first.id);
    const got = await sub.done;
    expect(got.map((g) => [g.ticketStatusChanged.status, g.ticketStatusChanged.ticket.request.id])).toEqual([
      ["CANCELLED", first.id],
    ]);
    sub.stop();
  });

  it("replays what a client missed after afterSequence, then goes on live, without gap or duplicate", async () => {
    const request = await createRequest(t.org.tokens.alice);
    const base =
      (
        await t.server.db.read.auditEvent.findFirstOrThrow({
          where: { requestId: fromGlobalId(request.id)?.id },
          orderBy: { sequence: "asc" },
        })
      ).sequence - 1;
    const sub = collect(
      t.ws(t.org.tokens.alice),
      TicketStatusChanged,
      { requestId: request.id, afterSequence: base },
      2,
    );
    await new Promise((r) => setTimeout(r, 200));
    await cancel(t.org.tokens.alice, request.id);
    const got = await sub.done;
    expect(got.map((g) => g.ticketStatusChanged.status)).toEqual(["OPEN", "CANCELLED"]);
    sub.stop();
  });
});

describe("requestStatusChanged", () => {
  it("delivers request status changes to the requester", async () => {
    const sub = collect(t.ws(t.org.tokens.alice), RequestStatusChanged, {}, 2);
    await new Promise((r) => setTimeout(r, 200));
    const request = await createRequest(t.org.tokens.alice);
    await cancel(t.org.tokens.alice, request.id);
    expect((await sub.done).map((g) => [g.requestStatusChanged.previousStatus, g.requestStatusChanged.status])).toEqual(
      [
        [null, "PENDING_APPROVAL"],
        ["PENDING_APPROVAL", "CANCELLED"],
      ],
    );
    sub.stop();
  });

  it("works over Server-Sent Events with the bearer header", async () => {
    const controller = new AbortController();
    const res = await fetch(`${t.url}/graphql`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "text/event-stream",
        authorization: `Bearer ${t.org.tokens.alice}`,
      },
      body: JSON.stringify({ query: documentText(RequestStatusChanged) }),
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    const reader = present(res.body, "the event stream").getReader();
    await new Promise((r) => setTimeout(r, 200));
    const request = await createRequest(t.org.tokens.alice);
    let text = "";
    while (!text.includes("PENDING_APPROVAL")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    controller.abort();
    expect(text).toContain(request.id);
    await cancel(t.org.tokens.alice, request.id);
  });
});

describe("WebSocket authentication", () => {
  it("closes the socket with 4403 on a bad token", async () => {
    const socket = new WebSocket(`${t.url.replace("http", "ws")}/graphql`, "graphql-transport-ws");
    const code = await new Promise<number>((resolve) => {
      socket.on("open", () =>
        socket.send(JSON.stringify({ type: "connection_init", payload: { authorization: "Bearer nope" } })),
      );
      socket.on("close", (c) => resolve(c));
    });
    expect(code).toBe(4403);
  });
});

describe("shared execution of identical subscriptions", () => {
  it("gives identical subscribers the same result and never shares one across viewers", async () => {
    // A probe, not an operation of the product: it asks for a field that only some viewers may read.
    const probe = graphql(`
      subscription SharedExecutionProbe {
        ticketStatusChanged {
          sequence
          ticket {
            request {
              requester {
                displayName
                apiTokens {
                  name
                }
              }
            }
          }
        }
      }
    `);
    const aliceA = collect(t.ws(t.org.tokens.alice), probe, {}, 1);
    const aliceB = collect(t.ws(t.org.tokens.alice), probe, {}, 1);
    const bob = collect(t.ws(t.org.tokens.bob), probe, {}, 1);
    await new Promise((r) => setTimeout(r, 200));
    const { createResource } = await dataOf(
      t.gql(t.org.tokens.admin, CreateResource, {
        input: { systemId: gid("System", t.org.githubSystemId), name: "Shared execution", sensitivity: "STANDARD" },
      }),
    );
    const { createRequest } = await dataOf(
      t.gql(t.org.tokens.alice, CreateRequest, {
        input: { resourceIds: [present(createResource.resource, "the resource").id], justification: "shared" },
      }),
    );
    expect(createRequest.errors).toEqual([]);
    const [a, b, c] = await Promise.all([aliceA.done, aliceB.done, bob.done]);
    // Alice may read her own tokens; both of her subscriptions got exactly the same answer.
    expect(a?.[0]?.ticketStatusChanged.ticket.request.requester.apiTokens?.length).toBeGreaterThan(0);
    expect(b?.[0]).toEqual(a?.[0]);
    // Bob (her manager) sees the ticket but not her tokens: his own execution, with the refusal.
    expect(c?.[0]?.ticketStatusChanged.sequence).toBe(a?.[0]?.ticketStatusChanged.sequence);
    expect(c?.[0]?.ticketStatusChanged.ticket.request.requester.apiTokens).toBeNull();
    expect(JSON.stringify(bob.errors)).toContain("FORBIDDEN");
    for (const subscription of [aliceA, aliceB, bob]) subscription.stop();
  });
});

/** A `next` frame of TicketStatusChanged, as far as these tests read it. */
interface NextFrame {
  id: string;
  type: string;
  payload: { data: { ticketStatusChanged: { status: string; ticket: { request: { id: string } } } } };
}

/** A graphql-ws client at the level of frames: the exact text the server writes, per socket. */
async function rawSocket(token: string) {
  const socket = new WebSocket(`${t.url.replace("http", "ws")}/graphql`, "graphql-transport-ws");
  const frames: string[] = [];
  const waiting: (() => void)[] = [];
  socket.on("message", (data) => {
    frames.push(String(data));
    for (const wake of waiting.splice(0)) wake();
  });
  /** Resolves once a frame matching `test` has arrived. */
  const frame = async (test: (text: string) => boolean): Promise<string> => {
    for (;;) {
      const found = frames.find(test);
      if (found) return found;
      await new Promise<void>((resolve) => waiting.push(resolve));
    }
  };
  await new Promise((resolve) => socket.once("open", resolve));
  socket.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${token}` } }));
  await frame((text) => text.includes('"connection_ack"'));
  return {
    socket,
    frames,
    subscribe(id: string) {
      socket.send(JSON.stringify({ id, type: "subscribe", payload: { query: documentText(TicketStatusChanged) } }));
    },
    /** The `next` frames for subscription `id` so far, as sent. */
    nextOf: (id: string) =>
      frames.filter((text) => {
        const message = JSON.parse(text) as { id?: string; type: string };
        return message.type === "next" && message.id === id;
      }),
    firstNext: (id: string) =>
      frame((text) => text.includes('"next"') && (JSON.parse(text) as { id?: string }).id === id),
  };
}

/** Waits until the live feed has exactly `count` subscribers (registered, or ended). */
async function feedHas(count: number): Promise<void> {
  while (t.server.feed.subscriberCount !== count) await new Promise((r) => setTimeout(r, 10));
}

describe("shared frames: one serialised result, written with each subscription's id", () => {
  it("gives every subscription the same payload bytes under its own id, skips who may not see, survives a closed socket", async () => {
    // The earlier tests' subscriptions end on the server a moment after their clients stopped.
    await feedHas(0);
    const first = await rawSocket(t.org.tokens.alice);
    const odd = 'we"ird\\id ✓';
    first.subscribe("1");
    first.subscribe(odd);
    const doomed = await rawSocket(t.org.tokens.alice);
    doomed.subscribe("gone");
    const second = await rawSocket(t.org.tokens.alice);
    second.subscribe("x");
    const carol = await rawSocket(t.org.tokens.carol);
    carol.subscribe("c");
    await feedHas(5);
    // Closed without a goodbye between the others, just before the change: its subscription
    // may still be in the feed when the change is delivered.
    doomed.socket.terminate();
    const request = await createRequest(t.org.tokens.alice);

    const frames = await Promise.all([first.firstNext("1"), first.firstNext(odd), second.firstNext("x")]);
    const payloads = frames.map((text, i) => {
      const id = ["1", odd, "x"][i] ?? "";
      const prefix = `{"id":${JSON.stringify(id)},"type":"next","payload":`;
      expect(text.startsWith(prefix) && text.endsWith("}")).toBe(true);
      return text.slice(prefix.length, -1);
    });
    // The very same bytes for the three subscriptions, and a graphql-ws `next` message each.
    expect(new Set(payloads).size).toBe(1);
    for (const [i, text] of frames.entries()) {
      const message = JSON.parse(text) as NextFrame;
      expect(message.id).toBe(["1", odd, "x"][i]);
      expect(message.type).toBe("next");
    }
    const change = (JSON.parse(payloads[0] ?? "") as NextFrame["payload"]).data.ticketStatusChanged;
    expect([change.status, change.ticket.request.id]).toEqual(["OPEN", request.id]);

    // Carol may not see Alice's request: the first change she gets is one of her own.
    const own = await createRequest(t.org.tokens.carol);
    const carolFirst = JSON.parse(await carol.firstNext("c")) as NextFrame;
    expect(carolFirst.payload.data.ticketStatusChanged.ticket.request.id).toBe(own.id);
    expect(carol.nextOf("c")).toHaveLength(1);

    for (const client of [first, second, carol]) client.socket.close();
    await cancel(t.org.tokens.alice, request.id);
    await cancel(t.org.tokens.carol, own.id);
  });
});
