// The seed's story end to end through the API: an employee requests GitHub Write Access, the
// manager approves, a fulfiller completes the ticket, the request is fulfilled and a grant exists.
import {
  ApproveTicket,
  CreateRequest,
  FulfillTicket,
  IdentityGrants,
  MyTickets,
  readFragment,
  RequestDetail,
  TicketCardFields,
} from "@access/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codesAndFields, dataOf, gid, present, startTestServer, type TestServer } from "./harness.ts";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

/** The tickets a person may act on now, as their dashboard lists them. */
const actionable = async (token: string) =>
  (await dataOf(t.gql(token, MyTickets))).tickets.edges.map((e) => readFragment(TicketCardFields, e.node));
const emails = (people: readonly { email: string }[]) => people.map((p) => p.email);

describe("the GitHub Write Access story", () => {
  let requestId = "";
  let approvalId = "";

  it("creates a request whose first ticket goes to the target's manager", async () => {
    const { createRequest } = await dataOf(
      t.gql(t.org.tokens.alice, CreateRequest, {
        input: {
          resourceIds: [gid("Resource", t.org.resources.writeAccess)],
          justification: "  I maintain the docs repo  ",
        },
      }),
    );
    expect(createRequest.errors).toEqual([]);
    const request = present(createRequest.request, "the request");
    expect(request.status).toBe("PENDING_APPROVAL");
    expect(request.requester.email).toBe("alice@example.com");
    expect(request.target.email).toBe("alice@example.com");
    expect(request.items.map((item) => [item.resource.name, item.status])).toEqual([
      ["GitHub Write Access", "PENDING_APPROVAL"],
    ]);
    const ticket = present(request.tickets[0], "the approval ticket");
    expect(ticket).toMatchObject({ kind: "APPROVAL", status: "OPEN", step: 1 });
    expect(emails(ticket.assignees)).toEqual(["bob.manager@example.com"]);
    requestId = request.id;
    approvalId = ticket.id;
  });

  it("shows the manager the ticket among those he may act on", async () => {
    const tickets = await actionable(t.org.tokens.bob);
    expect(tickets).toHaveLength(1);
    expect(tickets[0]).toMatchObject({
      id: approvalId,
      viewerCanApprove: true,
      viewerCanFulfill: false,
      request: { justification: "I maintain the docs repo" },
    });
  });

  it("opens a fulfillment ticket for the fulfillers group once the manager approves", async () => {
    const { approveTicket } = await dataOf(
      t.gql(t.org.tokens.bob, ApproveTicket, { input: { ticketId: approvalId, comment: "ok" } }),
    );
    expect(approveTicket.errors).toEqual([]);
    expect(approveTicket.ticket).toMatchObject({
      status: "APPROVED",
      decidedBy: { email: "bob.manager@example.com" },
      comments: [{ body: "ok", author: { email: "bob.manager@example.com" } }],
    });
    const request = present(
      (await dataOf(t.gql(t.org.tokens.alice, RequestDetail, { id: requestId }))).request,
      "the request",
    );
    expect(request.status).toBe("APPROVED");
    const fulfillment = present(request.tickets[1], "the fulfillment ticket");
    expect(fulfillment).toMatchObject({
      kind: "FULFILLMENT",
      status: "OPEN",
      assigneeGroup: { name: "IT Fulfillers" },
    });
    expect(emails(fulfillment.assignees)).toEqual(["dave.it@example.com"]);
  });

  it("marks the request fulfilled and activates a grant when the fulfiller completes the ticket", async () => {
    const fulfillment = present(
      (await actionable(t.org.tokens.dave)).find((ticket) => ticket.kind === "FULFILLMENT"),
      "Dave's fulfillment ticket",
    );
    expect(fulfillment.viewerCanFulfill).toBe(true);
    const { fulfillTicket } = await dataOf(
      t.gql(t.org.tokens.dave, FulfillTicket, { input: { ticketId: fulfillment.id, comment: "added to org" } }),
    );
    expect(fulfillTicket.ticket?.status).toBe("FULFILLED");
    const request = present(
      (await dataOf(t.gql(t.org.tokens.alice, RequestDetail, { id: requestId }))).request,
      "the request",
    );
    expect(request.status).toBe("FULFILLED");
    expect(request.closedAt).toEqual(expect.any(String));
    expect(request.items.map((item) => item.status)).toEqual(["FULFILLED"]);
    // Alice reads her own grants.
    const { node } = await dataOf(t.gql(t.org.tokens.alice, IdentityGrants, { id: request.target.id }));
    if (node?.__typename !== "Identity") throw new Error(`not an identity: ${JSON.stringify(node)}`);
    expect(node.grants.totalCount).toBe(1);
    expect(node.grants.edges[0]?.node).toMatchObject({
      status: "ACTIVE",
      resource: { name: "GitHub Write Access" },
      request: { id: requestId },
    });
  });

  it("records every step in the request's audit trail, readable by the requester", async () => {
    const request = present(
      (await dataOf(t.gql(t.org.tokens.alice, RequestDetail, { id: requestId }))).request,
      "the request",
    );
    const events = request.auditEvents.edges.map((e) => e.node);
    expect(events.map((e) => e.action)).toEqual([
      "REQUEST_CREATED",
      "TICKET_CREATED",
      "TICKET_APPROVED",
      "TICKET_CREATED",
      "REQUEST_STATUS_CHANGED",
      "TICKET_FULFILLED",
      "GRANT_ACTIVATED",
      "REQUEST_STATUS_CHANGED",
    ]);
    expect(events[2]).toMatchObject({ actor: { email: "bob.manager@example.com" }, comment: "ok" });
  });

  it("refuses a second request for access the target already holds", async () => {
    const { createRequest } = await dataOf(
      t.gql(t.org.tokens.alice, CreateRequest, {
        input: { resourceIds: [gid("Resource", t.org.resources.writeAccess)], justification: "again" },
      }),
    );
    expect(createRequest.request).toBeNull();
    expect(codesAndFields(createRequest.errors)).toEqual([
      { code: "ALREADY_GRANTED", field: ["input", "resourceIds", "0"] },
    ]);
    expect(createRequest.errors[0]?.message).toEqual(expect.any(String));
  });
});
