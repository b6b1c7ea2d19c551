// The dashboard's urql client (lib/client.ts, lib/cache.ts, lib/list-membership.ts) in Node
// against the real API: a live change or a mutation's payload updates the normalised cache in
// place; only the lists it moves an entity into or out of, and the audit trail of the request it
// touched, are fetched again — nothing else.
import { readFileSync } from "node:fs";
import { LiveConnection } from "@access/client";
import {
  AdminRequests,
  AdminSystems,
  AdminTickets,
  ApproveTicket,
  CancelRequest,
  CreateRequest,
  CreateResource,
  DecideTickets,
  MyTickets,
  RequestDetail,
  Requests,
  RequestUpdates,
  Resources,
  SystemHealthUpdates,
  readFragment,
  TicketCardFields,
  TicketUpdates,
} from "@access/contract";
import { schemaFile } from "@access/contract/breaking-changes";
import type { AnyVariables, Client, RequestPolicy, TypedDocumentNode } from "@urql/core";
import { buildSchema, isObjectType } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createConnectorSystem } from "@access/api/test/connector-helpers";
import { dataOf, gid, startTestServer, type TestServer, type VariablesArgument } from "@access/api/test/harness";
import { startWebhookPeer, type WebhookPeer } from "@access/api/test/webhook-peer";
import { KEYLESS_TYPES } from "../../src/lib/cache.ts";
import { createDashboardClient } from "../../src/lib/client.ts";

const SECRET = "dashboard-cache-test-secret-0123456789";
let t: TestServer;
let peer: WebhookPeer;

beforeAll(async () => {
  peer = await startWebhookPeer(SECRET);
  t = await startTestServer({ env: { ACCESS_SECRET_TEST_WEBHOOK: SECRET, HEALTH_CHECK_INTERVAL_MS: "3600000" } });
});
afterAll(async () => {
  for (const stop of tabs.flatMap((tab) => tab.stops)) stop();
  await t?.close();
  await peer?.close();
});

/** One operation the client sent over HTTP. */
interface Sent {
  operationName: string;
  variables: unknown;
}

/** A signed-in dashboard: its client, its live streams, and what it sent over HTTP. */
interface Tab {
  client: Client;
  sent: Sent[];
  stops: (() => void)[];
}
const tabs: Tab[] = [];

function sentOperation(input: RequestInfo | URL, init?: RequestInit): Sent {
  if (typeof init?.body === "string") return JSON.parse(init.body) as Sent;
  const url = new URL(input instanceof Request ? input.url : String(input));
  return {
    operationName: url.searchParams.get("operationName") ?? "",
    variables: JSON.parse(url.searchParams.get("variables") ?? "{}"),
  };
}

/** A tab signed in with `token`, following the live streams the dashboard follows. */
async function openTab(token: string, { admin = false } = {}): Promise<Tab> {
  const sent: Sent[] = [];
  const connection = new LiveConnection({
    url: `${t.url.replace("http", "ws")}/graphql`,
    token,
    webSocketImpl: WebSocket,
  });
  const client = createDashboardClient({
    url: `${t.url}/graphql`,
    token,
    connection,
    fetch: (input, init) => {
      sent.push(sentOperation(input, init));
      return fetch(input, init);
    },
  });
  const before = t.server.feed.subscriberCount;
  const streams = admin ? [TicketUpdates, RequestUpdates, SystemHealthUpdates] : [TicketUpdates, RequestUpdates];
  const subscriptions = streams.map((stream) => client.subscription(stream, {}).subscribe(() => undefined));
  await expect.poll(() => t.server.feed.subscriberCount).toBe(before + streams.length);
  const tab: Tab = {
    client,
    sent,
    stops: [...subscriptions.map((s) => () => s.unsubscribe()), () => void connection.close()],
  };
  tabs.push(tab);
  return tab;
}

/** A view showing `document`: its latest data, as the cache has it. */
function watch<Data, Variables extends AnyVariables>(
  tab: Tab,
  document: TypedDocumentNode<Data, Variables>,
  variables: Variables,
  requestPolicy: RequestPolicy = "cache-first",
): () => Data | undefined {
  let latest: Data | undefined;
  const subscription = tab.client.query(document, variables, { requestPolicy }).subscribe((result) => {
    if (result.data) latest = result.data;
  });
  tab.stops.push(() => subscription.unsubscribe());
  return () => latest;
}

/** What `tab` sends over HTTP while `act` runs and until the live changes it caused have landed. */
async function sentDuring(tab: Tab, act: () => Promise<unknown>, landed: () => boolean): Promise<Sent[]> {
  const from = tab.sent.length;
  await act();
  await expect.poll(landed, { timeout: 5_000 }).toBe(true);
  // Anything the change would wrongly fetch again is sent right away: give it time to show.
  await t.server.feed.settle();
  await new Promise((resolve) => setTimeout(resolve, 300));
  return tab.sent.slice(from);
}

/** Sends a contract operation as someone else (another person's browser). */
async function as<Data, Variables>(
  token: string,
  document: TypedDocumentNode<Data, Variables>,
  variables: Variables,
): Promise<Data> {
  return dataOf(t.gql(token, document, ...([variables] as VariablesArgument<Variables>)));
}

let resources = 0;
/** A fresh STANDARD resource (its default step: the target's manager), so requests never collide. */
async function newResource(): Promise<string> {
  const { createResource } = await as(t.org.tokens.admin, CreateResource, {
    input: {
      systemId: gid("System", t.org.githubSystemId),
      name: `Cache test ${++resources}`,
      sensitivity: "STANDARD",
    },
  });
  if (!createResource.resource) throw new Error(JSON.stringify(createResource.errors));
  return createResource.resource.id;
}

/** Alice requests a fresh resource; her manager Bob gets its approval ticket. */
async function aliceRequests(): Promise<{ requestId: string; ticketId: string }> {
  const { createRequest } = await as(t.org.tokens.alice, CreateRequest, {
    input: { resourceIds: [await newResource()], justification: "cache test" },
  });
  const ticket = createRequest.request?.tickets[0];
  if (!createRequest.request || !ticket) throw new Error(JSON.stringify(createRequest.errors));
  return { requestId: createRequest.request.id, ticketId: ticket.id };
}

const named = (sent: Sent[], name: string) => sent.filter((s) => s.operationName === name);

describe("the normalised cache", () => {
  it("stores exactly the contract's object types without an id inside their parents", () => {
    const schema = buildSchema(readFileSync(schemaFile, "utf8"));
    const roots = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()];
    const keyless = Object.values(schema.getTypeMap())
      .filter(isObjectType)
      .filter((type) => !type.name.startsWith("__") && !roots.includes(type) && !("id" in type.getFields()))
      .map((type) => type.name);
    expect([...KEYLESS_TYPES].sort()).toEqual(keyless.sort());
  });
});

describe("live changes and mutation payloads in the cache", () => {
  it("brings a new approval into the approver's list and takes it out once he decides, fetching that list only", async () => {
    const bob = await openTab(t.org.tokens.bob);
    const myTickets = watch(bob, MyTickets, {});
    const catalogue = watch(bob, Resources, { search: "GitHub" }, "cache-and-network");
    await expect.poll(() => myTickets() !== undefined && catalogue() !== undefined).toBe(true);
    const ids = () => myTickets()?.tickets.edges.map((e) => e.node.id) ?? [];

    let ticketId = "";
    const opened = await sentDuring(
      bob,
      async () => ({ ticketId } = await aliceRequests()),
      () => ids().includes(ticketId),
    );
    expect(opened.map((s) => s.operationName)).toEqual(["MyTickets"]);

    const decided = await sentDuring(
      bob,
      () => bob.client.mutation(ApproveTicket, { input: { ticketId, comment: "fine" } }).toPromise(),
      () => !ids().includes(ticketId),
    );
    expect(named(decided, "ApproveTicket")).toHaveLength(1);
    expect(named(decided, "MyTickets").length).toBeGreaterThanOrEqual(1);
    expect(decided.filter((s) => !["ApproveTicket", "MyTickets"].includes(s.operationName))).toEqual([]);
  });

  it("takes every ticket a bulk decision decided out of a searched list, fetching that list only", async () => {
    const bob = await openTab(t.org.tokens.bob);
    const searched = watch(bob, MyTickets, { search: "Cache test" });
    const first = await aliceRequests();
    const second = await aliceRequests();
    const ids = () => searched()?.tickets.edges.map((e) => e.node.id) ?? [];
    await expect.poll(() => ids().includes(first.ticketId) && ids().includes(second.ticketId)).toBe(true);

    const decided = await sentDuring(
      bob,
      () =>
        bob.client
          .mutation(DecideTickets, {
            input: { ticketIds: [first.ticketId, second.ticketId], decision: "APPROVE", comment: "batch" },
          })
          .toPromise(),
      () => !ids().includes(first.ticketId) && !ids().includes(second.ticketId),
    );
    expect(named(decided, "DecideTickets")).toHaveLength(1);
    expect(decided.filter((s) => !["DecideTickets", "MyTickets"].includes(s.operationName))).toEqual([]);
  });

  it("updates a ticket in place when a change leaves it in the lists it was in: nothing is fetched", async () => {
    const admin = await openTab(t.org.tokens.admin, { admin: true });
    const approvals = watch(admin, AdminTickets, { filter: { kind: ["APPROVAL"] } });
    const { ticketId } = await aliceRequests();
    const edge = () => approvals()?.tickets.edges.find((e) => e.node.id === ticketId);
    const ticket = () => {
      const found = edge();
      return found && readFragment(TicketCardFields, found.node);
    };
    await expect.poll(() => ticket()?.status).toBe("OPEN");
    expect(ticket()?.viewerCanApprove).toBe(true);

    const sent = await sentDuring(
      admin,
      () => as(t.org.tokens.bob, ApproveTicket, { input: { ticketId, comment: null } }),
      () => ticket()?.status === "APPROVED",
    );
    // The approval stays an APPROVAL ticket; the fulfillment ticket it opened is not one.
    expect(sent).toEqual([]);
    expect(ticket()).toMatchObject({ viewerCanApprove: false, decidedBy: { displayName: "Bob Manager" } });
  });

  it("fetches a request list again only when a change moves a request into or out of its filter", async () => {
    const admin = await openTab(t.org.tokens.admin, { admin: true });
    const pending = { filter: { status: ["PENDING_APPROVAL" as const] } };
    const fulfilled = { filter: { status: ["FULFILLED" as const] } };
    const pendingList = watch(admin, AdminRequests, pending);
    const fulfilledList = watch(admin, AdminRequests, fulfilled);
    await expect.poll(() => pendingList() !== undefined && fulfilledList() !== undefined).toBe(true);
    const pendingIds = () => pendingList()?.requests.edges.map((e) => e.node.id) ?? [];

    let requestId = "";
    const created = await sentDuring(
      admin,
      async () => ({ requestId } = await aliceRequests()),
      () => pendingIds().includes(requestId),
    );
    expect(created.map((s) => s.operationName)).not.toContain("Resources");
    expect(created.map((s) => s.variables)).toContainEqual(pending);
    expect(created.map((s) => s.variables)).not.toContainEqual(fulfilled);

    const cancelled = await sentDuring(
      admin,
      () => admin.client.mutation(CancelRequest, { input: { requestId } }).toPromise(),
      () => !pendingIds().includes(requestId),
    );
    expect(cancelled.map((s) => s.variables)).toContainEqual(pending);
    expect(cancelled.map((s) => s.variables)).not.toContainEqual(fulfilled);
  });

  it("shows a request made in this tab in its requester's list", async () => {
    const alice = await openTab(t.org.tokens.alice);
    const mine = watch(alice, Requests, { first: 100, filter: { identityId: gid("Identity", t.org.ids.alice) } });
    await expect.poll(() => mine() !== undefined).toBe(true);
    const resourceId = await newResource();
    const result = await alice.client
      .mutation(CreateRequest, { input: { resourceIds: [resourceId], justification: "from the tab" } })
      .toPromise();
    const requestId = result.data?.createRequest.request?.id;
    await expect.poll(() => mine()?.requests.edges.some((e) => e.node.id === requestId)).toBe(true);
  });

  it("fetches the audit trail of the request a change touched, and of no other", async () => {
    const admin = await openTab(t.org.tokens.admin, { admin: true });
    const touched = await aliceRequests();
    const untouched = await aliceRequests();
    const trail = watch(admin, RequestDetail, { id: touched.requestId });
    const other = watch(admin, RequestDetail, { id: untouched.requestId });
    await expect.poll(() => trail() !== undefined && other() !== undefined).toBe(true);
    const actions = () => trail()?.request?.auditEvents.edges.map((e) => e.node.action) ?? [];

    const sent = await sentDuring(
      admin,
      () => as(t.org.tokens.bob, ApproveTicket, { input: { ticketId: touched.ticketId, comment: null } }),
      () => actions().includes("TICKET_APPROVED"),
    );
    expect(sent.length).toBeGreaterThanOrEqual(1);
    expect(sent.every((s) => s.operationName === "RequestDetail")).toBe(true);
    expect(sent.map((s) => s.variables)).not.toContainEqual({ id: untouched.requestId });
    // The entity itself came with the change: the request is approved, its fulfillment ticket open.
    expect(trail()?.request).toMatchObject({ status: "APPROVED", viewerCanCancel: true });
    expect(trail()?.request?.tickets.map((ticket) => [ticket.kind, ticket.status])).toEqual([
      ["APPROVAL", "APPROVED"],
      ["FULFILLMENT", "OPEN"],
    ]);
  });

  it("updates a system's health in place from the live change", async () => {
    peer.script(200);
    const systemId = await createConnectorSystem(t, "Docs site", "WEBHOOK", {
      url: peer.url,
      secret: "env:ACCESS_SECRET_TEST_WEBHOOK",
      timeoutMs: 300,
    });
    await t.server.jobs.checkHealth();
    const admin = await openTab(t.org.tokens.admin, { admin: true });
    const systems = watch(admin, AdminSystems, {}, "cache-and-network");
    const health = () => systems()?.systems.edges.find((e) => e.node.id === systemId)?.node.health.status;
    await expect.poll(health).toBe("HEALTHY");

    peer.script(500);
    const sent = await sentDuring(
      admin,
      () => t.server.jobs.checkHealth(),
      () => health() !== "HEALTHY",
    );
    expect(health()).toBe("DEGRADED");
    expect(sent).toEqual([]);
    peer.script(200);
  });
});
