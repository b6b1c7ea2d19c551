// The client against a real API: typed requests, errors with the contract's codes, and live
// streams that deliver every change once, in order, through restarts of the server and of the
// consumer.
import {
  ApproveTicket,
  AuditEvents,
  CreateRequest,
  CreateResource,
  Resources,
  SystemHealthChanged,
  TicketStatusChanged,
  Viewer,
} from "@access/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { AccessError, createAccessClient, type AccessClient, type ConnectionState } from "../src/index.ts";
import { startApi, type TestApi } from "./api.ts";

let api: TestApi;
const clients: AccessClient[] = [];
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await api.close();
});

function client(token: string, url = api.url, onConnectionState?: (state: ConnectionState) => void): AccessClient {
  const created = createAccessClient({ url, token, webSocketImpl: WebSocket, onConnectionState });
  clients.push(created);
  return created;
}

async function until(check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Alice requests a fresh auto-routed resource; Bob approves it. Returns nothing: the stream tells. */
async function requestAndApprove(url: string, name: string): Promise<void> {
  const admin = client(api.org.tokens.admin, url);
  const created = await admin.request(CreateResource, {
    input: { systemId: await systemId(admin), name, sensitivity: "STANDARD" },
  });
  const resourceId = created.createResource.resource?.id ?? "";
  const alice = client(api.org.tokens.alice, url);
  const request = await alice.request(CreateRequest, { input: { resourceIds: [resourceId], justification: name } });
  const ticketId = request.createRequest.request?.tickets[0]?.id ?? "";
  const bob = client(api.org.tokens.bob, url);
  const approved = await bob.request(ApproveTicket, { input: { ticketId } });
  expect(approved.approveTicket.errors).toEqual([]);
}

/** The audit trail's last sequence (sequences are gapless from 1): a stream starting after it sees only what comes next. */
async function headSequence(): Promise<number> {
  const data = await client(api.org.tokens.admin).request(AuditEvents, { first: 1 });
  return data.auditEvents.totalCount;
}

/** The GitHub system of the demo organisation, found through its resources. */
async function systemId(admin: AccessClient): Promise<string> {
  const data = await admin.request(Resources, { search: "GitHub Write Access" });
  const system = data.resources.edges[0]?.node.system.id;
  if (!system) throw new Error("the demo organisation has no GitHub system");
  return system;
}

describe("requests", () => {
  it("answers a typed query with its data", async () => {
    const data = await client(api.org.tokens.alice).request(Viewer);
    expect(data.viewer.displayName).toBe("Alice Employee");
  });

  it("passes variables", async () => {
    const data = await client(api.org.tokens.alice).request(Resources, { search: "Write" });
    expect(data.resources.edges.map((e) => e.node.name)).toContain("GitHub Write Access");
  });

  it("rejects with UNAUTHENTICATED and the HTTP status for a bad token", async () => {
    const error = await client("art_not-a-token")
      .request(Viewer)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AccessError);
    expect(error).toMatchObject({ code: "UNAUTHENTICATED", status: 401 });
  });

  it("rejects with NETWORK when the API cannot be reached", async () => {
    const error = await client(api.org.tokens.alice, "http://127.0.0.1:9")
      .request(Viewer)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "NETWORK" });
  });
});

describe("live streams", () => {
  it("deliver every change once, in order, through a server restart and changes made meanwhile", async () => {
    const sequences: number[] = [];
    const states: string[] = [];
    const watcher = client(api.org.tokens.admin, api.url, (state) => states.push(state.status));
    const head = await headSequence();
    watcher.live(TicketStatusChanged, { afterSequence: head, next: (_data, sequence) => sequences.push(sequence) });

    await requestAndApprove(api.url, "Live before");
    await until(() => sequences.length >= 3); // approval ticket created, approved, fulfillment created

    // The server goes away; another instance on the same database takes changes meanwhile.
    await api.stop();
    await until(() => states.at(-1) === "offline" || states.at(-1) === "connecting");
    const sibling = await api.startSibling();
    await requestAndApprove(sibling.url, "Live while down");
    await sibling.close();
    const beforeRestart = sequences.length;

    await api.restart();
    await until(() => sequences.length >= beforeRestart + 3);
    await requestAndApprove(api.url, "Live after");
    await until(() => sequences.length >= beforeRestart + 6);

    const admin = client(api.org.tokens.admin);
    const trail = await admin.request(AuditEvents, { first: 100, filter: null });
    const ticketEvents = trail.auditEvents.edges
      .map((e) => e.node)
      .filter((e) => e.sequence > head)
      .filter((e) => ["TICKET_CREATED", "TICKET_APPROVED", "TICKET_FULFILLED", "TICKET_REJECTED"].includes(e.action))
      .map((e) => e.sequence)
      .sort((a, b) => a - b);
    expect(sequences).toEqual(ticketEvents);
  });

  it("resume after the last sequence a restarted consumer processed, and only then go live", async () => {
    const first: number[] = [];
    const consumer = client(api.org.tokens.admin);
    const stop = consumer.live(TicketStatusChanged, {
      afterSequence: await headSequence(),
      next: (_data, sequence) => first.push(sequence),
    });
    await requestAndApprove(api.url, "Consumer one");
    await until(() => first.length >= 3);
    stop();
    await consumer.close();
    const lastProcessed = first.at(-1) ?? 0;

    await requestAndApprove(api.url, "Consumer gone");
    const second: number[] = [];
    const restarted = client(api.org.tokens.admin);
    restarted.live(TicketStatusChanged, {
      afterSequence: lastProcessed,
      next: (_data, sequence) => second.push(sequence),
    });
    await until(() => second.length >= 3);
    await requestAndApprove(api.url, "Consumer two");
    await until(() => second.length >= 6);
    expect(second.every((sequence) => sequence > lastProcessed)).toBe(true);
    expect([...second].sort((a, b) => a - b)).toEqual(second);
    expect(new Set(second).size).toBe(second.length);
  });

  it("hand changes to an asynchronous consumer one at a time, in order", async () => {
    const handled: number[] = [];
    let busy = 0;
    let overlapped = false;
    client(api.org.tokens.admin).live(TicketStatusChanged, {
      afterSequence: await headSequence(),
      next: async (_data, sequence) => {
        busy += 1;
        if (busy > 1) overlapped = true;
        await new Promise((resolve) => setTimeout(resolve, 30));
        handled.push(sequence);
        busy -= 1;
      },
    });
    await requestAndApprove(api.url, "Slow consumer");
    await until(() => handled.length >= 3);
    expect(overlapped).toBe(false);
    expect([...handled].sort((a, b) => a - b)).toEqual(handled);
  });

  it("say plainly that a refused token stopped, without retrying", async () => {
    const states: ConnectionState[] = [];
    const refused = client("art_not-a-token", api.url, (state) => states.push(state));
    const errors: AccessError[] = [];
    refused.live(TicketStatusChanged, { next: () => undefined, error: (e) => errors.push(e) });
    await until(() => states.some((s) => s.status === "refused"));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(states.filter((s) => s.status === "connecting")).toHaveLength(1);
  });

  it("report a GraphQL error that ends a stream", async () => {
    const errors: AccessError[] = [];
    client(api.org.tokens.alice).live(SystemHealthChanged, { next: () => undefined, error: (e) => errors.push(e) });
    await until(() => errors.length > 0);
    expect(errors[0]?.code).toBe("FORBIDDEN");
  });
});
