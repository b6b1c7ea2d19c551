// In-app notifications through the API: each person's own list, read marks, the live
// notificationAdded subscription over WebSocket, links that the dashboard's router resolves, and
// no email at all without SMTP_URL.
import path from "node:path";
import { pathToFileURL } from "node:url";
import {
  ApproveTicket,
  CreateRequest,
  MarkNotificationsRead,
  MyNotifications,
  NotificationAdded,
  readFragment,
  TicketCardFields,
  MyTickets,
  SetDelegation,
} from "@access/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../src/db/database.ts";
import { loadDemoOrganisation } from "../src/demo/demo-organisation.ts";
import { dashboardPaths } from "../src/domain/notifications/compose.ts";
import { createRequest } from "../src/domain/requests/request-actions.ts";
import { repoRoot } from "../src/paths.ts";
import { startServer } from "../src/server.ts";
import { until } from "./connector-helpers.ts";
import { freshDatabase } from "./databases.ts";
import {
  accepted,
  codesAndFields,
  collect,
  dataOf,
  gid,
  graphqlAt,
  present,
  startTestServer,
  testConfig,
  type TestServer,
} from "./harness.ts";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

const notificationsOf = async (token: string, unreadOnly = false) =>
  (await dataOf(t.gql(token, MyNotifications, { first: 50, unreadOnly }))).myNotifications;

async function requestWriteAccess(token: string): Promise<string> {
  const { createRequest: created } = await dataOf(
    t.gql(token, CreateRequest, {
      input: { resourceIds: [gid("Resource", t.org.resources.writeAccess)], justification: "notifications test" },
    }),
  );
  return present(accepted(created, "createRequest").request, "the request").id;
}

describe("notifications", () => {
  let requestId = "";

  it("delivers the manager's new notification live over WebSocket", async () => {
    const live = collect(t.ws(t.org.tokens.bob), NotificationAdded, {}, 1);
    await until(
      async () => t.server.notifications.subscriberCount,
      (count) => count === 1,
    );
    requestId = await requestWriteAccess(t.org.tokens.alice);
    const [first] = await live.done;
    live.stop();
    expect(live.errors).toEqual([]);
    expect(first?.notificationAdded).toMatchObject({
      kind: "TICKET_ASSIGNED",
      readAt: null,
      request: { id: requestId },
      title: expect.stringMatching(/^TKT-\d+: approve or reject GitHub Write Access for Alice Employee$/) as unknown,
    });
    expect(first?.notificationAdded.body).toContain('Justification: "notifications test"');
  });

  it("lists a person's own notifications only, by list and by id", async () => {
    const bobs = await notificationsOf(t.org.tokens.bob);
    expect(bobs.totalCount).toBe(1);
    const id = present(bobs.edges[0], "Bob's notification").node.id;
    expect((await notificationsOf(t.org.tokens.alice)).totalCount).toBe(0);
    const asAlice = await t.gql(t.org.tokens.alice, `query($id: ID!) { node(id: $id) { id } }`, { id });
    expect(asAlice.data).toEqual({ node: null });
    const asAdmin = await t.gql(t.org.tokens.admin, `query($id: ID!) { node(id: $id) { id } }`, { id });
    expect(asAdmin.data).toEqual({ node: null });
    const asBob = await t.gql(t.org.tokens.bob, `query($id: ID!) { node(id: $id) { id } }`, { id });
    expect(asBob.data).toEqual({ node: { id } });
  });

  it("links to a place the dashboard's router knows, where the person acts", async () => {
    // The router module reads browser globals when loaded; these are enough for parseRoute.
    Object.assign(globalThis, {
      $state: <T>(value: T) => value,
      location: { pathname: "/", search: "" },
      addEventListener: () => undefined,
    });
    const file = pathToFileURL(path.join(repoRoot, "apps", "dashboard", "src", "router.svelte.ts")).href;
    const { parseRoute } = (await import(file)) as {
      parseRoute(pathname: string, search: string): { name: string; params: URLSearchParams };
    };
    const ticketsLink = new URL(dashboardPaths.tickets, "http://dashboard.test");
    expect(parseRoute(ticketsLink.pathname, ticketsLink.search).name).toBe("my-tickets");
    const requestLink = new URL(dashboardPaths.request("abc"), "http://dashboard.test");
    const route = parseRoute(requestLink.pathname, requestLink.search);
    expect(route.name).toBe("my-requests");
    expect(route.params.get("request")).toBe(gid("Request", "abc"));
    for (const other of [dashboardPaths.access, dashboardPaths.adminTickets]) {
      expect(parseRoute(other, "").name).not.toBe("not-found");
    }
  });

  it("marks only the viewer's own notifications read; a foreign id changes nothing", async () => {
    const ticket = present(
      (await dataOf(t.gql(t.org.tokens.bob, MyTickets))).tickets.edges
        .map((e) => readFragment(TicketCardFields, e.node))
        .find((x) => x.request.id === requestId),
      "the approval ticket",
    );
    accepted(
      (await dataOf(t.gql(t.org.tokens.bob, ApproveTicket, { input: { ticketId: ticket.id } }))).approveTicket,
      "approveTicket",
    );
    await t.server.notifier.settle();
    const alices = await notificationsOf(t.org.tokens.alice);
    expect(alices.edges.map((e) => e.node.kind)).toEqual(["REQUEST_DECIDED"]);
    const aliceId = present(alices.edges[0], "Alice's notification").node.id;
    const bobId = present((await notificationsOf(t.org.tokens.bob)).edges[0], "Bob's").node.id;

    const refused = await dataOf(t.gql(t.org.tokens.bob, MarkNotificationsRead, { input: { ids: [bobId, aliceId] } }));
    expect(refused.markNotificationsRead.count).toBe(0);
    expect(codesAndFields(refused.markNotificationsRead.errors)).toEqual([
      { code: "NOT_FOUND", field: ["input", "ids", "1"] },
    ]);
    expect((await notificationsOf(t.org.tokens.bob, true)).totalCount).toBe(1);
    expect((await notificationsOf(t.org.tokens.alice, true)).totalCount).toBe(1);

    const marked = await dataOf(t.gql(t.org.tokens.bob, MarkNotificationsRead, { input: { ids: [bobId] } }));
    expect(accepted(marked.markNotificationsRead, "markNotificationsRead").count).toBe(1);
    expect((await notificationsOf(t.org.tokens.bob, true)).totalCount).toBe(0);
    expect((await notificationsOf(t.org.tokens.bob)).edges[0]?.node.readAt).toEqual(expect.any(String));

    const all = await dataOf(t.gql(t.org.tokens.alice, MarkNotificationsRead, { input: { all: true } }));
    expect(accepted(all.markNotificationsRead, "markNotificationsRead all").count).toBe(1);
    expect((await notificationsOf(t.org.tokens.alice, true)).totalCount).toBe(0);
  });

  it("writes no email without SMTP_URL", async () => {
    expect(await t.server.db.read.notification.count()).toBeGreaterThan(0);
    expect(await t.server.db.read.emailMessage.count()).toBe(0);
    expect(t.server.mailer).toBeNull();
  });
});

describe("a delegate's decision", () => {
  it("tells the requester on whose behalf the delegate decided", async () => {
    const delegated = await dataOf(
      t.gql(t.org.tokens.bob, SetDelegation, {
        input: {
          delegateId: gid("Identity", t.org.ids.dave),
          endsAt: new Date(Date.now() + 86_400_000).toISOString(),
          reason: "away",
        },
      }),
    );
    expect(delegated.setDelegation.errors).toEqual([]);
    const { createRequest: created } = await dataOf(
      t.gql(t.org.tokens.alice, CreateRequest, {
        input: { resourceIds: [gid("Resource", t.org.resources.orgOwner)], justification: "owner rota" },
      }),
    );
    const request = present(accepted(created, "createRequest").request, "the request");
    const daves = await dataOf(t.gql(t.org.tokens.dave, MyTickets, {}));
    const ticket = daves.tickets.edges
      .map((e) => readFragment(TicketCardFields, e.node))
      .find((node) => node.request.id === request.id);
    const approved = await dataOf(
      t.gql(t.org.tokens.dave, ApproveTicket, { input: { ticketId: present(ticket, "Dave's ticket").id } }),
    );
    expect(approved.approveTicket.errors).toEqual([]);
    const decided = await until(
      async () => (await notificationsOf(t.org.tokens.alice)).edges.map((e) => e.node),
      (nodes) => nodes.some((n) => n.kind === "REQUEST_DECIDED" && n.request?.id === request.id),
    );
    const body = decided.find((n) => n.kind === "REQUEST_DECIDED" && n.request?.id === request.id)?.body ?? "";
    expect(body).toContain("Dave Fulfiller on behalf of Bob Manager, who is away, approved step 1 of 2");
  });
});

describe("a fresh start on a database with history", () => {
  it("does not notify about what happened before the first start", async () => {
    const database = await freshDatabase();
    const db = await openDatabase(database.url);
    try {
      const org = await loadDemoOrganisation(db);
      await db.transact((work) =>
        createRequest(
          work,
          { id: org.ids.alice, role: "END_USER" },
          {
            resourceIds: [org.resources.writeAccess],
            justification: "before notifications existed",
          },
        ),
      );
      const server = await startServer(testConfig(database.url));
      try {
        const gql = graphqlAt(server.url);
        await server.notifier.settle();
        const bob = await dataOf(gql(org.tokens.bob, MyNotifications, { first: 5 }));
        expect(bob.myNotifications.totalCount).toBe(0);
        const cursor = await server.db.read.cursor.findUniqueOrThrow({ where: { name: "notifications" } });
        const head = await server.db.read.auditHead.findUniqueOrThrow({ where: { id: 1 } });
        expect(cursor.sequence).toBe(head.sequence);
      } finally {
        await server.close();
      }
    } finally {
      await db.close();
      await database.drop();
    }
  });
});
