// The approver's and the fulfiller's tickets through the real API: a rejection needs its reason,
// an approval step says "n of m" and what follows, a fulfiller declines what cannot be done (the
// ticket and request fail, the requester is told, a retry or a fulfilment still resolves it),
// why a viewer cannot act on a ticket they see, search / order / paging past 100, and bulk
// decisions where each ticket is its own checked, audited transition.
import {
  AdminTickets,
  ApproveTicket,
  AuditEvents,
  CreateRequest,
  DecideTickets,
  DeclineFulfillment,
  FulfillTicket,
  MyNotifications,
  MyTickets,
  readFragment,
  RejectTicket,
  RequestDetail,
  RetryFulfillment,
  TicketCardFields,
  type ResultOf,
} from "@access/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createResource } from "../src/domain/catalog/catalog.ts";
import { until } from "./connector-helpers.ts";
import { accepted, codesAndFields, dataOf, gid, present, startTestServer, type TestServer } from "./harness.ts";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

type Card = ResultOf<typeof TicketCardFields>;

async function request(token: string, resourceIds: string[], justification = "tickets test"): Promise<string> {
  const { createRequest } = await dataOf(t.gql(token, CreateRequest, { input: { resourceIds, justification } }));
  return present(accepted(createRequest, "createRequest").request, "the request").id;
}

/** The tickets `token` sees (waiting: only those they may act on now), searched. */
async function ticketsOf(token: string, search: string | null = null, waiting = true): Promise<Card[]> {
  const { tickets } = await dataOf(t.gql(token, MyTickets, { waiting, search }));
  return tickets.edges.map((e) => readFragment(TicketCardFields, e.node));
}

/** The one ticket of request `requestId` that `token` sees. */
async function ticketOf(token: string, requestId: string, waiting = true): Promise<Card> {
  const mine = (await ticketsOf(token, null, waiting)).filter((c) => c.request.id === requestId);
  expect(mine).toHaveLength(1);
  return present(mine[0], "the ticket");
}

let counter = 0;
/** A fresh GitHub resource (so each test's requests are its own): one manager step, or the chain. */
async function resource(chain: "manager" | "manager then Carol" = "manager"): Promise<string> {
  const id = await t.server.db.transact((work) =>
    createResource(work, null, {
      systemId: t.org.githubSystemId,
      name: `Tickets Resource ${++counter}`,
      sensitivity: "STANDARD",
      approvalSteps:
        chain === "manager"
          ? [{ kind: "MANAGER" }]
          : [{ kind: "MANAGER" }, { kind: "EXPLICIT", approverIds: [t.org.ids.carol] }],
    }),
  );
  return gid("Resource", id);
}

async function requestStatus(token: string, id: string): Promise<string> {
  return present((await dataOf(t.gql(token, RequestDetail, { id }))).request, "the request").status;
}

describe("rejections", () => {
  it("refuses a rejection without a reason, on its comment field, and leaves the ticket open", async () => {
    const requestId = await request(t.org.tokens.alice, [await resource()]);
    const ticket = await ticketOf(t.org.tokens.bob, requestId);
    for (const comment of [null, "   "]) {
      const { rejectTicket } = await dataOf(
        t.gql(t.org.tokens.bob, RejectTicket, { input: { ticketId: ticket.id, comment } }),
      );
      expect(codesAndFields(rejectTicket.errors)).toEqual([{ code: "VALIDATION", field: ["input", "comment"] }]);
    }
    expect((await ticketOf(t.org.tokens.bob, requestId)).status).toBe("OPEN");
    const { rejectTicket } = await dataOf(
      t.gql(t.org.tokens.bob, RejectTicket, { input: { ticketId: ticket.id, comment: "Use the read role instead." } }),
    );
    accepted(rejectTicket, "rejectTicket");
    // The requester sees the reason on the ticket of her request, and is told it.
    const seen = await ticketOf(t.org.tokens.alice, requestId, false);
    expect(seen.comments.map((c) => c.body)).toEqual(["Use the read role instead."]);
    const told = await until(
      async () => (await dataOf(t.gql(t.org.tokens.alice, MyNotifications, { first: 50 }))).myNotifications,
      (list) => list.edges.some((e) => e.node.kind === "REQUEST_DECIDED" && e.node.request?.id === requestId),
    );
    const decided = told.edges.find((e) => e.node.request?.id === requestId);
    expect(decided?.node.body).toContain('Reason: "Use the read role instead."');
  });
});

describe("the approval chain on a ticket", () => {
  it("says which step of how many, and what follows it", async () => {
    const requestId = await request(t.org.tokens.alice, [await resource("manager then Carol")]);
    const first = await ticketOf(t.org.tokens.bob, requestId);
    expect(first).toMatchObject({ step: 1, stepCount: 2, nextStep: "step 2 of 2, by Carol Security" });
    accepted(
      (await dataOf(t.gql(t.org.tokens.bob, ApproveTicket, { input: { ticketId: first.id } }))).approveTicket,
      "approveTicket",
    );
    const second = await ticketOf(t.org.tokens.carol, requestId);
    expect(second).toMatchObject({ step: 2, stepCount: 2, nextStep: "fulfillment by IT Fulfillers" });
    accepted(
      (await dataOf(t.gql(t.org.tokens.carol, ApproveTicket, { input: { ticketId: second.id } }))).approveTicket,
      "approveTicket",
    );
    const fulfillment = await ticketOf(t.org.tokens.dave, requestId);
    expect(fulfillment).toMatchObject({ kind: "FULFILLMENT", stepCount: null, nextStep: null });
  });
});

describe("why a viewer cannot act", () => {
  it("says it from the same rule as the decisions: separation of duties, assignment, status", async () => {
    const requestId = await request(t.org.tokens.alice, [await resource()]);
    const bobs = await ticketOf(t.org.tokens.bob, requestId);
    expect(bobs.viewerCannotActReason).toBeNull();
    const alices = await ticketOf(t.org.tokens.alice, requestId, false);
    expect(alices.viewerCannotActReason).toMatch(/^You requested this/);
    // The admin may override: nothing stops her.
    const { tickets } = await dataOf(
      t.gql(t.org.tokens.admin, AdminTickets, { filter: { search: alices.number.toString() } }),
    );
    const erins = tickets.edges.map((e) => readFragment(TicketCardFields, e.node)).find((c) => c.id === bobs.id);
    expect(erins?.viewerCannotActReason).toBeNull();
    accepted(
      (await dataOf(t.gql(t.org.tokens.bob, ApproveTicket, { input: { ticketId: bobs.id } }))).approveTicket,
      "approveTicket",
    );
    const closed = (await ticketsOf(t.org.tokens.alice, `TKT-${bobs.number}`, false))[0];
    expect(closed?.viewerCannotActReason).toBe("Closed: it was approved.");
    // A closed ticket names nobody who may act.
    expect(closed?.assignees).toEqual([]);
  });
});

describe("declining a fulfillment", () => {
  it("fails the ticket and the request with the reason, tells the requester, and a retry then a fulfilment resolve it", async () => {
    const requestId = await request(t.org.tokens.alice, [await resource()], "decline test");
    const approval = await ticketOf(t.org.tokens.bob, requestId);
    accepted(
      (await dataOf(t.gql(t.org.tokens.bob, ApproveTicket, { input: { ticketId: approval.id } }))).approveTicket,
      "approveTicket",
    );
    const ticket = await ticketOf(t.org.tokens.dave, requestId);
    const decline = (token: string, ticketId: string, reason: string) =>
      dataOf(t.gql(token, DeclineFulfillment, { input: { ticketId, reason } }));

    expect(codesAndFields((await decline(t.org.tokens.dave, ticket.id, " ")).declineFulfillment.errors)).toEqual([
      { code: "VALIDATION", field: ["input", "reason"] },
    ]);
    expect(codesAndFields((await decline(t.org.tokens.alice, ticket.id, "mine")).declineFulfillment.errors)).toEqual([
      { code: "SELF_APPROVAL", field: null },
    ]);
    expect(codesAndFields((await decline(t.org.tokens.bob, ticket.id, "not mine")).declineFulfillment.errors)).toEqual([
      { code: "FORBIDDEN", field: null },
    ]);
    expect(
      codesAndFields((await decline(t.org.tokens.bob, approval.id, "approval")).declineFulfillment.errors),
    ).toEqual([{ code: "INVALID_STATE", field: null }]);
    expect(await requestStatus(t.org.tokens.alice, requestId)).toBe("APPROVED");

    const reason = "The GitHub org is frozen until the audit ends.";
    const { declineFulfillment } = await decline(t.org.tokens.dave, ticket.id, reason);
    expect(accepted(declineFulfillment, "declineFulfillment").ticket).toMatchObject({ status: "FAILED" });
    expect(await requestStatus(t.org.tokens.alice, requestId)).toBe("FAILED");
    expect(codesAndFields((await decline(t.org.tokens.dave, ticket.id, reason)).declineFulfillment.errors)).toEqual([
      { code: "INVALID_STATE", field: null },
    ]);

    const { auditEvents } = await dataOf(t.gql(t.org.tokens.admin, AuditEvents, { first: 50, filter: { requestId } }));
    const failed = auditEvents.edges.map((e) => e.node).filter((e) => e.action === "TICKET_FAILED");
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ comment: reason, actor: { displayName: "Dave Fulfiller" } });
    expect(failed[0]?.data).toMatchObject({ by: "fulfiller", override: false, status: "FAILED" });

    const told = await until(
      async () => (await dataOf(t.gql(t.org.tokens.alice, MyNotifications, { first: 50 }))).myNotifications,
      (list) => list.edges.some((e) => e.node.kind === "REQUEST_FAILED" && e.node.request?.id === requestId),
    );
    const failure = told.edges.find((e) => e.node.kind === "REQUEST_FAILED" && e.node.request?.id === requestId);
    expect(failure?.node.body).toContain("Dave Fulfiller could not provision Tickets Resource");
    expect(failure?.node.body).toContain(`Reason: "${reason}"`);

    accepted(
      (await dataOf(t.gql(t.org.tokens.dave, RetryFulfillment, { input: { ticketId: ticket.id } }))).retryFulfillment,
      "retryFulfillment",
    );
    expect(await requestStatus(t.org.tokens.alice, requestId)).toBe("APPROVED");
    accepted(
      (
        await dataOf(
          t.gql(t.org.tokens.dave, FulfillTicket, { input: { ticketId: ticket.id, comment: "Done after all." } }),
        )
      ).fulfillTicket,
      "fulfillTicket",
    );
    expect(await requestStatus(t.org.tokens.alice, requestId)).toBe("FULFILLED");
  });
});

describe("ticket lists", () => {
  let names: string[] = [];

  beforeAll(async () => {
    // 120 resources of their own, requested by Alice in six requests: 120 approval tickets for Bob.
    names = Array.from({ length: 120 }, (_, i) => `Paged Resource ${String(i).padStart(3, "0")}`);
    const ids = await t.server.db.transact(async (work) => {
      const created: string[] = [];
      for (const name of names) {
        created.push(
          await createResource(work, null, { systemId: t.org.githubSystemId, name, sensitivity: "STANDARD" }),
        );
      }
      return created;
    });
    for (let i = 0; i < ids.length; i += 20) {
      await request(
        t.org.tokens.alice,
        ids.slice(i, i + 20).map((id) => gid("Resource", id)),
        "paging test",
      );
    }
  });

  it("pages past 100 with the connection's cursor, newest first or oldest first", async () => {
    const filter = { search: "Paged Resource" };
    const first = (await dataOf(t.gql(t.org.tokens.admin, AdminTickets, { filter }))).tickets;
    expect(first.totalCount).toBe(120);
    expect(first.edges).toHaveLength(100);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = (await dataOf(t.gql(t.org.tokens.admin, AdminTickets, { filter, after: first.pageInfo.endCursor })))
      .tickets;
    expect(second.edges).toHaveLength(20);
    expect(second.pageInfo.hasNextPage).toBe(false);
    const numbers = [...first.edges, ...second.edges].map((e) => readFragment(TicketCardFields, e.node).number);
    expect(new Set(numbers).size).toBe(120);
    expect(numbers).toEqual([...numbers].sort((a, b) => b - a));

    const oldest = (await dataOf(t.gql(t.org.tokens.admin, AdminTickets, { filter, orderBy: "CREATED_ASC" }))).tickets;
    const ascending = oldest.edges.map((e) => readFragment(TicketCardFields, e.node).number);
    expect(ascending).toEqual([...ascending].sort((a, b) => a - b));
    expect(ascending[0]).toBe(Math.min(...numbers));
  });

  it("searches by ticket or request number, person, resource and system, within what the viewer sees", async () => {
    const some = (await ticketsOf(t.org.tokens.bob, "Paged Resource 007"))[0];
    const card = present(some, "the ticket");
    expect(card.resource.name).toBe("Paged Resource 007");
    expect((await ticketsOf(t.org.tokens.bob, `TKT-${card.number}`)).map((c) => c.id)).toEqual([card.id]);
    expect((await ticketsOf(t.org.tokens.bob, `tkt ${card.number}`)).map((c) => c.id)).toEqual([card.id]);
    const byRequest = await ticketsOf(t.org.tokens.bob, `REQ-${card.request.number}`);
    expect(byRequest).toHaveLength(20);
    expect(byRequest.every((c) => c.request.id === card.request.id)).toBe(true);
    const byPerson = (await dataOf(t.gql(t.org.tokens.bob, MyTickets, { search: "alice@EXAMPLE" }))).tickets;
    expect(byPerson.totalCount).toBeGreaterThanOrEqual(120);
    expect((await ticketsOf(t.org.tokens.bob, "github")).length).toBeGreaterThan(0);
    expect(await ticketsOf(t.org.tokens.bob, "no such thing anywhere")).toEqual([]);
    // Dave may act on none of these approvals: his search finds none of them.
    expect(await ticketsOf(t.org.tokens.dave, "Paged Resource")).toEqual([]);
  });

  it("refuses a search longer than the limit", async () => {
    const answer = await t.gql(t.org.tokens.bob, MyTickets, { search: "x".repeat(201) });
    expect(answer.errors?.[0]?.extensions?.code).toBe("VALIDATION");
  });
});

describe("bulk decisions", () => {
  it("decides each ticket as its own checked, audited transition and says which ones failed and why", async () => {
    const first = await request(t.org.tokens.alice, [await resource()], "bulk one");
    const aliceTicket = await ticketOf(t.org.tokens.bob, first);
    // Erin's own request goes to the admins (she has no manager): separation of duties stops her.
    const own = await request(t.org.tokens.admin, [await resource()], "bulk own");
    const ownTicket = present(
      (await ticketsOf(t.org.tokens.admin, null, false)).find((c) => c.request.id === own),
      "Erin's ticket",
    );
    const { decideTickets } = await dataOf(
      t.gql(t.org.tokens.admin, DecideTickets, {
        input: { ticketIds: [aliceTicket.id, ownTicket.id], decision: "APPROVE", comment: "Quarterly batch." },
      }),
    );
    expect(decideTickets.errors).toEqual([]);
    expect(decideTickets.results.map((r) => ({ id: r.ticketId, codes: codesAndFields(r.errors) }))).toEqual([
      { id: aliceTicket.id, codes: [] },
      { id: ownTicket.id, codes: [{ code: "SELF_APPROVAL", field: null }] },
    ]);
    expect(decideTickets.results.map((r) => r.ticket?.status ?? null)).toEqual(["APPROVED", null]);

    const { auditEvents } = await dataOf(
      t.gql(t.org.tokens.admin, AuditEvents, { first: 50, filter: { requestId: first } }),
    );
    const approved = auditEvents.edges.map((e) => e.node).filter((e) => e.action === "TICKET_APPROVED");
    expect(approved).toHaveLength(1);
    expect(approved[0]).toMatchObject({ comment: "Quarterly batch." });
    expect(approved[0]?.data).toMatchObject({ override: true });
  });

  it("needs one reason to reject them all, and refuses each ticket without it", async () => {
    const one = await request(t.org.tokens.alice, [await resource()], "bulk reject");
    const ticket = await ticketOf(t.org.tokens.bob, one);
    const without = await dataOf(
      t.gql(t.org.tokens.bob, DecideTickets, { input: { ticketIds: [ticket.id], decision: "REJECT" } }),
    );
    expect(without.decideTickets.results.map((r) => codesAndFields(r.errors))).toEqual([
      [{ code: "VALIDATION", field: ["input", "comment"] }],
    ]);
    const withReason = await dataOf(
      t.gql(t.org.tokens.bob, DecideTickets, {
        input: { ticketIds: [ticket.id, "not-an-id"], decision: "REJECT", comment: "Not this quarter." },
      }),
    );
    expect(withReason.decideTickets.results.map((r) => [r.ticket?.status ?? null, codesAndFields(r.errors)])).toEqual([
      ["REJECTED", []],
      [null, [{ code: "NOT_FOUND", field: ["input", "ticketIds", "1"] }]],
    ]);
    expect(await requestStatus(t.org.tokens.alice, one)).toBe("REJECTED");
  });

  it("refuses an empty list or a ticket listed twice as a whole, deciding nothing", async () => {
    const one = await request(t.org.tokens.alice, [await resource()], "bulk twice");
    const id = (await ticketOf(t.org.tokens.bob, one)).id;
    for (const ticketIds of [[], [id, id]]) {
      const { decideTickets } = await dataOf(
        t.gql(t.org.tokens.bob, DecideTickets, { input: { ticketIds, decision: "APPROVE" } }),
      );
      expect(decideTickets.results).toEqual([]);
      expect(decideTickets.errors.map((e) => e.code)).toEqual(["VALIDATION"]);
    }
  });
});
