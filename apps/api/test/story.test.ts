// The seed's story end to end through the API: an employee requests GitHub Write Access, the
// manager approves, a fulfiller completes the ticket, the request is fulfilled and a grant exists.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gid, startTestServer, type TestServer } from "./harness.ts";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

const CREATE = `mutation($input: CreateRequestInput!) {
  createRequest(input: $input) {
    request { id number status requester { email } target { email }
      items { id status resource { name } tickets { id kind status step assignees { email } } } }
    errors { code message field }
  }
}`;

const TICKET = `fragment T on TicketPayload { ticket { id status kind decidedBy { email } comments { body author { email } } } errors { code message field } }`;

describe("the GitHub Write Access story", () => {
  let requestId = "";
  let approvalId = "";

  it("creates a request whose first ticket goes to the target's manager", async () => {
    const res = await t.gql(t.org.tokens.alice, CREATE, {
      input: {
        resourceIds: [gid("Resource", t.org.resources.writeAccess)],
        justification: "  I maintain the docs repo  ",
      },
    });
    const payload = res.data?.createRequest;
    expect(payload.errors).toEqual([]);
    expect(payload.request.status).toBe("PENDING_APPROVAL");
    expect(payload.request.requester.email).toBe("alice@example.com");
    expect(payload.request.target.email).toBe("alice@example.com");
    const ticket = payload.request.items[0].tickets[0];
    expect(ticket).toMatchObject({ kind: "APPROVAL", status: "OPEN", step: 1 });
    expect(ticket.assignees.map((a: { email: string }) => a.email)).toEqual(["bob.manager@example.com"]);
    requestId = payload.request.id;
    approvalId = ticket.id;
  });

  it("shows the manager the ticket among those he may act on", async () => {
    const res = await t.gql(
      t.org.tokens.bob,
      `{ tickets(filter: { actionableByViewer: true }) { totalCount edges { node { id viewerCanApprove viewerCanFulfill request { justification } } } } }`,
    );
    expect(res.data?.tickets.totalCount).toBe(1);
    expect(res.data?.tickets.edges[0].node).toMatchObject({
      id: approvalId,
      viewerCanApprove: true,
      viewerCanFulfill: false,
      request: { justification: "I maintain the docs repo" },
    });
  });

  it("opens a fulfillment ticket for the fulfillers group once the manager approves", async () => {
    const res = await t.gql(
      t.org.tokens.bob,
      `mutation($id: ID!) { approveTicket(input: { ticketId: $id, comment: "ok" }) { ...T } } ${TICKET}`,
      {
        id: approvalId,
      },
    );
    expect(res.data?.approveTicket.errors).toEqual([]);
    expect(res.data?.approveTicket.ticket).toMatchObject({
      status: "APPROVED",
      decidedBy: { email: "bob.manager@example.com" },
      comments: [{ body: "ok", author: { email: "bob.manager@example.com" } }],
    });
    const request = await t.gql(
      t.org.tokens.alice,
      `query($id: ID!) { request(id: $id) { status tickets { kind status assigneeGroup { name } assignees { email } } } }`,
      {
        id: requestId,
      },
    );
    expect(request.data?.request.status).toBe("APPROVED");
    expect(request.data?.request.tickets[1]).toEqual({
      kind: "FULFILLMENT",
      status: "OPEN",
      assigneeGroup: { name: "IT Fulfillers" },
      assignees: [{ email: "dave.it@example.com" }],
    });
  });

  it("marks the request fulfilled and activates a grant when the fulfiller completes the ticket", async () => {
    const list = await t.gql(
      t.org.tokens.dave,
      `{ tickets(filter: { actionableByViewer: true, kind: [FULFILLMENT] }) { edges { node { id viewerCanFulfill } } } }`,
    );
    const fulfillment = list.data?.tickets.edges[0].node;
    expect(fulfillment.viewerCanFulfill).toBe(true);
    const res = await t.gql(
      t.org.tokens.dave,
      `mutation($id: ID!) { fulfillTicket(input: { ticketId: $id, comment: "added to org" }) { ...T } } ${TICKET}`,
      {
        id: fulfillment.id,
      },
    );
    expect(res.data?.fulfillTicket.ticket.status).toBe("FULFILLED");
    const request = await t.gql(
      t.org.tokens.alice,
      `query($id: ID!) { request(id: $id) { status closedAt items { status } } viewer { grants { totalCount edges { node { status resource { name } request { id } } } } } }`,
      {
        id: requestId,
      },
    );
    expect(request.data?.request.status).toBe("FULFILLED");
    expect(request.data?.request.closedAt).toEqual(expect.any(String));
    expect(request.data?.viewer.grants.totalCount).toBe(1);
    expect(request.data?.viewer.grants.edges[0].node).toEqual({
      status: "ACTIVE",
      resource: { name: "GitHub Write Access" },
      request: { id: requestId },
    });
  });

  it("records every step in the request's audit trail, readable by the requester", async () => {
    const res = await t.gql(
      t.org.tokens.alice,
      `query($id: ID!) { request(id: $id) { auditEvents(first: 50) { totalCount edges { node { sequence action actor { email } comment } } } } }`,
      {
        id: requestId,
      },
    );
    const actions = res.data?.request.auditEvents.edges.map((e: { node: { action: string } }) => e.node.action);
    expect(actions).toEqual([
      "REQUEST_CREATED",
      "TICKET_CREATED",
      "TICKET_APPROVED",
      "TICKET_CREATED",
      "REQUEST_STATUS_CHANGED",
      "TICKET_FULFILLED",
      "GRANT_ACTIVATED",
      "REQUEST_STATUS_CHANGED",
    ]);
    expect(res.data?.request.auditEvents.edges[2].node).toMatchObject({
      actor: { email: "bob.manager@example.com" },
      comment: "ok",
    });
  });

  it("refuses a second request for access the target already holds", async () => {
    const res = await t.gql(t.org.tokens.alice, CREATE, {
      input: { resourceIds: [gid("Resource", t.org.resources.writeAccess)], justification: "again" },
    });
    expect(res.data?.createRequest.request).toBeNull();
    expect(res.data?.createRequest.errors).toEqual([
      { code: "ALREADY_GRANTED", message: expect.any(String), field: ["input", "resourceIds", "0"] },
    ]);
  });
});
