// The rules of DESIGN.md through the API: every error code, routing defaults, separation of
// duties with admin fallback and override, idempotency, cancellation, evidence.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gid, startTestServer, type TestServer } from "./harness.ts";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

const CREATE = `mutation($input: CreateRequestInput!) {
  createRequest(input: $input) {
    request { id status items { status tickets { id kind status step assignees { email } } } }
    errors { code field message }
  }
}`;
const APPROVE = `mutation($id: ID!, $comment: String) { approveTicket(input: { ticketId: $id, comment: $comment }) { ticket { id status } errors { code field } } }`;
const REJECT = `mutation($id: ID!) { rejectTicket(input: { ticketId: $id }) { ticket { id status } errors { code field } } }`;
const FULFILL = `mutation($id: ID!, $comment: String) { fulfillTicket(input: { ticketId: $id, comment: $comment }) { ticket { id status } errors { code field } } }`;

async function admin<T = any>(query: string, variables?: Record<string, unknown>) {
  const res = await t.gql(t.org.tokens.admin, query, variables);
  expect(res.errors).toBeUndefined();
  return res.data as T;
}

let counter = 0;
async function newResource(extra: Record<string, unknown> = {}) {
  counter += 1;
  const data = await admin(
    `mutation($input: CreateResourceInput!) { createResource(input: $input) { resource { id } errors { code field message } } }`,
    {
      input: {
        systemId: gid("System", t.org.githubSystemId),
        name: `Repo ${counter}`,
        sensitivity: "STANDARD",
        ...extra,
      },
    },
  );
  expect(data.createResource.errors).toEqual([]);
  return data.createResource.resource.id as string;
}

async function request(token: string, resourceIds: string[], extra: Record<string, unknown> = {}) {
  const res = await t.gql(token, CREATE, { input: { resourceIds, justification: "needed for work", ...extra } });
  return res.data?.createRequest;
}

describe("createRequest", () => {
  it("rejects an empty justification and too many resources with VALIDATION on the field", async () => {
    const blank = await request(t.org.tokens.alice, [gid("Resource", t.org.resources.writeAccess)], {
      justification: "   ",
    });
    expect(blank.errors).toEqual([
      { code: "VALIDATION", field: ["input", "justification"], message: expect.any(String) },
    ]);
    const long = await request(t.org.tokens.alice, [gid("Resource", t.org.resources.writeAccess)], {
      justification: "x".repeat(2001),
    });
    expect(long.errors[0]).toMatchObject({ code: "VALIDATION", field: ["input", "justification"] });
    const many = await request(
      t.org.tokens.alice,
      Array.from({ length: 21 }, (_, i) => gid("Resource", `r${i}`)),
    );
    expect(many.errors[0]).toMatchObject({ code: "VALIDATION", field: ["input", "resourceIds"] });
    const none = await request(t.org.tokens.alice, []);
    expect(none.errors[0]).toMatchObject({ code: "VALIDATION", field: ["input", "resourceIds"] });
  });

  it("rejects malformed ids, ids of another type, duplicates and unknown resources", async () => {
    expect((await request(t.org.tokens.alice, ["not an id!"])).errors[0]).toMatchObject({
      code: "VALIDATION",
      field: ["input", "resourceIds", "0"],
    });
    expect((await request(t.org.tokens.alice, [gid("Ticket", "x")])).errors[0]).toMatchObject({
      code: "VALIDATION",
      field: ["input", "resourceIds", "0"],
    });
    const id = gid("Resource", t.org.resources.writeAccess);
    expect((await request(t.org.tokens.alice, [id, id])).errors[0]).toMatchObject({
      code: "VALIDATION",
      field: ["input", "resourceIds", "1"],
    });
    expect((await request(t.org.tokens.alice, [gid("Resource", "missing")])).errors[0]).toMatchObject({
      code: "NOT_FOUND",
      field: ["input", "resourceIds", "0"],
    });
  });

  it("refuses non-requestable resources and leaves nothing written", async () => {
    const before = await admin(`{ requests { totalCount } auditEvents { totalCount } }`);
    const hidden = await newResource({ requestable: false });
    const afterCreate = await admin(`{ auditEvents { totalCount } }`);
    const res = await request(t.org.tokens.alice, [hidden]);
    expect(res.errors[0]).toMatchObject({ code: "NOT_REQUESTABLE", field: ["input", "resourceIds", "0"] });
    const after = await admin(`{ requests { totalCount } auditEvents { totalCount } }`);
    expect(after.requests.totalCount).toBe(before.requests.totalCount);
    expect(after.auditEvents.totalCount).toBe(afterCreate.auditEvents.totalCount);
  });

  it("counts every request for admins from the request counter, exactly as the table holds them", async () => {
    await request(t.org.tokens.alice, [await newResource({ requestable: false })]); // refused: rolled back
    await request(t.org.tokens.dave, [await newResource()]);
    const rows = await t.server.db.read.request.count();
    const res = await admin(
      `{ requests { totalCount } open: requests(filter: { status: [PENDING_APPROVAL] }) { totalCount } }`,
    );
    expect(res.requests.totalCount).toBe(rows);
    expect(res.open.totalCount).toBe(await t.server.db.read.request.count({ where: { status: "PENDING_APPROVAL" } }));
    expect(res.open.totalCount).toBeLessThanOrEqual(rows);
  });

  it("refuses a second open request for the same target and resource (ALREADY_REQUESTED)", async () => {
    const resource = await newResource();
    expect((await request(t.org.tokens.dave, [resource])).errors).toEqual([]);
    const again = await request(t.org.tokens.dave, [resource]);
    expect(again.errors[0]).toMatchObject({ code: "ALREADY_REQUESTED", field: ["input", "resourceIds", "0"] });
  });

  it("returns the first request for a repeated idempotency key", async () => {
    const resource = await newResource();
    const first = await request(t.org.tokens.carol, [resource], { idempotencyKey: "k-1" });
    const second = await request(t.org.tokens.carol, [resource], { idempotencyKey: "k-1" });
    expect(second.errors).toEqual([]);
    expect(second.request.id).toBe(first.request.id);
  });

  it("lets only admins request for someone else", async () => {
    const resource = await newResource();
    const forbidden = await request(t.org.tokens.alice, [resource], {
      targetIdentityId: gid("Identity", t.org.ids.dave),
    });
    expect(forbidden.errors[0]).toMatchObject({ code: "FORBIDDEN", field: ["input", "targetIdentityId"] });
    const res = await t.gql(
      t.org.tokens.admin,
      `mutation($input: CreateRequestInput!) { createRequest(input: $input) { request { requester { email } target { email } tickets { assignees { email } } } errors { code } } }`,
      {
        input: {
          resourceIds: [resource],
          justification: "onboarding",
          targetIdentityId: gid("Identity", t.org.ids.dave),
        },
      },
    );
    expect(res.data?.createRequest.request).toEqual({
      requester: { email: "erin.admin@example.com" },
      target: { email: "dave.it@example.com" },
      tickets: [{ assignees: [{ email: "bob.manager@example.com" }] }],
    });
  });

  it("auto-approves a STANDARD resource configured with no steps, as a recorded policy decision", async () => {
    const resource = await newResource({ approvalSteps: [] });
    const res = await request(t.org.tokens.carol, [resource]);
    expect(res.request.status).toBe("APPROVED");
    expect(res.request.items[0].tickets).toEqual([expect.objectContaining({ kind: "FULFILLMENT", status: "OPEN" })]);
    const audit = await admin(
      `query($id: ID!) { auditEvents(filter: { requestId: $id, action: [POLICY_APPLIED] }) { edges { node { actor { id } data } } } }`,
      { id: res.request.id },
    );
    expect(audit.auditEvents.edges[0].node).toEqual({
      actor: null,
      data: expect.objectContaining({ policy: "AUTO_APPROVAL" }),
    });
  });
});

describe("approval routing", () => {
  it("routes a PRIVILEGED resource to the manager, then the named approver, and requires evidence", async () => {
    const res = await request(t.org.tokens.alice, [gid("Resource", t.org.resources.orgOwner)]);
    const step1 = res.request.items[0].tickets[0];
    expect(step1.assignees).toEqual([{ email: "bob.manager@example.com" }]);
    await t.gql(t.org.tokens.bob, APPROVE, { id: step1.id });
    const tickets = await t.gql(
      t.org.tokens.carol,
      `query($id: ID!) { request(id: $id) { tickets { id step status assignees { email } } } }`,
      { id: res.request.id },
    );
    const step2 = tickets.data?.request.tickets[1];
    expect(step2).toMatchObject({ step: 2, status: "OPEN", assignees: [{ email: "carol.security@example.com" }] });
    expect((await t.gql(t.org.tokens.bob, APPROVE, { id: step2.id })).data?.approveTicket.errors).toEqual([
      { code: "FORBIDDEN", field: null },
    ]);
    expect((await t.gql(t.org.tokens.carol, APPROVE, { id: step2.id })).data?.approveTicket.errors).toEqual([]);
    const fulfillment = (
      await t.gql(t.org.tokens.dave, `query($id: ID!) { request(id: $id) { tickets { id kind } } }`, {
        id: res.request.id,
      })
    ).data?.request.tickets[2];
    expect(fulfillment.kind).toBe("FULFILLMENT");
    const noEvidence = await t.gql(t.org.tokens.dave, FULFILL, { id: fulfillment.id });
    expect(noEvidence.data?.fulfillTicket.errors).toEqual([{ code: "VALIDATION", field: ["input", "comment"] }]);
    const withEvidence = await t.gql(t.org.tokens.dave, FULFILL, {
      id: fulfillment.id,
      comment: "owner role granted, change CHG-1",
    });
    expect(withEvidence.data?.fulfillTicket.ticket.status).toBe("FULFILLED");
  });

  it("refuses a PRIVILEGED resource without named approvers or a group", async () => {
    const data = await admin(
      `mutation($input: CreateResourceInput!) { createResource(input: $input) { resource { id } errors { code field } } }`,
      {
        input: { systemId: gid("System", t.org.githubSystemId), name: "Prod root", sensitivity: "PRIVILEGED" },
      },
    );
    expect(data.createResource.errors).toEqual([{ code: "VALIDATION", field: ["input", "approvalSteps"] }]);
  });

  it("forbids the requester and target from deciding (SELF_APPROVAL), admins included, and falls back to the admins", async () => {
    // Bob has no manager: his own request's MANAGER step falls back to the admins.
    const resource = await newResource();
    const res = await request(t.org.tokens.bob, [resource]);
    const ticket = res.request.items[0].tickets[0];
    expect(ticket.assignees).toEqual([{ email: "erin.admin@example.com" }]);
    expect((await t.gql(t.org.tokens.bob, APPROVE, { id: ticket.id })).data?.approveTicket.errors[0].code).toBe(
      "SELF_APPROVAL",
    );
    const audit = await admin(
      `query($id: ID!) { auditEvents(filter: { requestId: $id, action: [TICKET_CREATED] }) { edges { node { data } } } }`,
      { id: res.request.id },
    );
    expect(audit.auditEvents.edges[0].node.data).toMatchObject({
      assignedToAdmins: true,
      fallbackReason: "the target has no manager",
    });
    // An admin requesting for herself may not approve her own request either.
    const own = await t.gql(t.org.tokens.admin, CREATE, {
      input: { resourceIds: [await newResource()], justification: "me" },
    });
    const ownTicket = own.data?.createRequest.request.items[0].tickets[0];
    expect((await t.gql(t.org.tokens.admin, APPROVE, { id: ownTicket.id })).data?.approveTicket.errors[0].code).toBe(
      "SELF_APPROVAL",
    );
  });

  it("lets an admin override a ticket assigned to someone else, and marks the override in the audit trail", async () => {
    const res = await request(t.org.tokens.dave, [await newResource()]);
    const ticket = res.request.items[0].tickets[0];
    expect(
      (await t.gql(t.org.tokens.admin, APPROVE, { id: ticket.id, comment: "on behalf of Bob" })).data?.approveTicket
        .errors,
    ).toEqual([]);
    const audit = await admin(
      `query($id: ID!) { auditEvents(filter: { requestId: $id, action: [TICKET_APPROVED] }) { edges { node { data comment } } } }`,
      { id: res.request.id },
    );
    expect(audit.auditEvents.edges[0].node).toEqual({
      data: expect.objectContaining({ override: true }),
      comment: "on behalf of Bob",
    });
  });

  it("closes the item as REJECTED and opens nothing further; deciding again is INVALID_STATE", async () => {
    const res = await request(t.org.tokens.alice, [await newResource()]);
    const ticket = res.request.items[0].tickets[0];
    expect((await t.gql(t.org.tokens.bob, REJECT, { id: ticket.id })).data?.rejectTicket.ticket.status).toBe(
      "REJECTED",
    );
    expect((await t.gql(t.org.tokens.bob, APPROVE, { id: ticket.id })).data?.approveTicket.errors).toEqual([
      { code: "INVALID_STATE", field: null },
    ]);
    const after = await t.gql(
      t.org.tokens.alice,
      `query($id: ID!) { request(id: $id) { status closedAt tickets { id } } }`,
      { id: res.request.id },
    );
    expect(after.data?.request).toMatchObject({ status: "REJECTED", tickets: [{ id: ticket.id }] });
    expect(after.data?.request.closedAt).not.toBeNull();
  });

  it("answers NOT_FOUND for tickets the viewer may not see, and for unknown ones", async () => {
    const res = await request(t.org.tokens.dave, [await newResource()]);
    const ticket = res.request.items[0].tickets[0];
    expect((await t.gql(t.org.tokens.carol, APPROVE, { id: ticket.id })).data?.approveTicket.errors).toEqual([
      { code: "NOT_FOUND", field: ["input", "ticketId"] },
    ]);
    expect(
      (await t.gql(t.org.tokens.bob, APPROVE, { id: gid("Ticket", "nope") })).data?.approveTicket.errors[0].code,
    ).toBe("NOT_FOUND");
  });
});

describe("cancelRequest", () => {
  it("cancels every open ticket, by the requester; a second cancel is INVALID_STATE", async () => {
    const res = await request(t.org.tokens.alice, [await newResource(), await newResource()]);
    const cancel = `mutation($id: ID!) { cancelRequest(input: { requestId: $id, reason: "not needed" }) { request { status closedAt tickets { status } } errors { code } } }`;
    expect((await t.gql(t.org.tokens.bob, cancel, { id: res.request.id })).data?.cancelRequest.errors).toEqual([
      { code: "FORBIDDEN" },
    ]);
    const done = await t.gql(t.org.tokens.alice, cancel, { id: res.request.id });
    expect(done.data?.cancelRequest.request).toMatchObject({
      status: "CANCELLED",
      tickets: [{ status: "CANCELLED" }, { status: "CANCELLED" }],
    });
    expect((await t.gql(t.org.tokens.alice, cancel, { id: res.request.id })).data?.cancelRequest.errors).toEqual([
      { code: "INVALID_STATE" },
    ]);
  });
});

describe("comments", () => {
  it("lets anyone who sees the ticket comment, and records the comment in the audit trail", async () => {
    const res = await request(t.org.tokens.alice, [await newResource()]);
    const ticket = res.request.items[0].tickets[0];
    const comment = `mutation($id: ID!, $body: String!) { commentOnTicket(input: { ticketId: $id, body: $body }) { ticket { comments { body author { email } } } errors { code field } } }`;
    const ok = await t.gql(t.org.tokens.alice, comment, { id: ticket.id, body: "urgent, please" });
    expect(ok.data?.commentOnTicket.ticket.comments).toEqual([
      { body: "urgent, please", author: { email: "alice@example.com" } },
    ]);
    expect(
      (await t.gql(t.org.tokens.alice, comment, { id: ticket.id, body: " " })).data?.commentOnTicket.errors,
    ).toEqual([{ code: "VALIDATION", field: ["input", "body"] }]);
    expect(
      (await t.gql(t.org.tokens.carol, comment, { id: ticket.id, body: "hi" })).data?.commentOnTicket.errors[0].code,
    ).toBe("NOT_FOUND");
  });
});

describe("admin configuration", () => {
  it("refuses configuration mutations from end users with FORBIDDEN in the payload", async () => {
    const res = await t.gql(
      t.org.tokens.alice,
      `mutation { createGroup(input: { name: "x" }) { group { id } errors { code } } }`,
    );
    expect(res.data?.createGroup).toEqual({ group: null, errors: [{ code: "FORBIDDEN" }] });
  });

  it("reports CONFLICT for duplicate names and emails", async () => {
    const group = await admin(`mutation { createGroup(input: { name: "IT Fulfillers" }) { errors { code field } } }`);
    expect(group.createGroup.errors).toEqual([{ code: "CONFLICT", field: ["input", "name"] }]);
    const identity = await admin(
      `mutation { createIdentity(input: { email: "ALICE@example.com", displayName: "A" }) { errors { code field } } }`,
    );
    expect(identity.createIdentity.errors).toEqual([{ code: "CONFLICT", field: ["input", "email"] }]);
  });

  it("issues a working token and stores only its hash", async () => {
    const created = await admin(
      `mutation { createIdentity(input: { email: "new@example.com", displayName: "New Person" }) { identity { id } } }`,
    );
    const issued = await admin(
      `mutation($id: ID!) { issueApiToken(input: { identityId: $id, name: "laptop" }) { token errors { code } } }`,
      {
        id: created.createIdentity.identity.id,
      },
    );
    const token = issued.issueApiToken.token as string;
    expect((await t.gql(token, `{ viewer { email } }`)).data?.viewer.email).toBe("new@example.com");
    const stored = await t.server.db.read.apiToken.findMany({ where: { name: "laptop" } });
    expect(stored).toHaveLength(1);
    expect(stored[0]?.tokenHash).not.toContain(token);
  });

  it("stops a deactivated identity's tokens at once", async () => {
    const created = await admin(
      `mutation { createIdentity(input: { email: "leaver@example.com", displayName: "Leaver" }) { identity { id } } }`,
    );
    const id = created.createIdentity.identity.id;
    const token = (
      await admin(`mutation($id: ID!) { issueApiToken(input: { identityId: $id, name: "t" }) { token } }`, { id })
    ).issueApiToken.token;
    await admin(
      `mutation($id: ID!) { updateIdentity(input: { identityId: $id, active: false }) { errors { code } } }`,
      { id },
    );
    expect((await t.gql(token, `{ viewer { id } }`)).status).toBe(401);
  });
});

describe("races on createRequest", () => {
  const send = (key: string | null, resourceId: string) =>
    t.gql(
      t.org.tokens.dave,
      `mutation($input: CreateRequestInput!) { createRequest(input: $input) { request { id } errors { code } } }`,
      {
        input: { resourceIds: [resourceId], justification: "race", ...(key ? { idempotencyKey: key } : {}) },
      },
    );

  it("creates one request of eight simultaneous ones for the same access; the others are ALREADY_REQUESTED", async () => {
    const resource = await newResource();
    const results = await Promise.all(Array.from({ length: 8 }, () => send(null, resource)));
    expect(results.every((r) => r.errors === undefined)).toBe(true);
    const codes = results.map((r) => r.data?.createRequest.errors.map((e: { code: string }) => e.code).join(","));
    expect(codes.filter((c) => c === "")).toHaveLength(1);
    expect(codes.filter((c) => c === "ALREADY_REQUESTED")).toHaveLength(7);
  });

  it("returns the same request to eight simultaneous calls with one idempotency key", async () => {
    const resource = await newResource();
    const results = await Promise.all(Array.from({ length: 8 }, () => send("same-key", resource)));
    const ids = new Set(results.map((r) => r.data?.createRequest.request?.id));
    expect(results.every((r) => r.data?.createRequest.errors.length === 0)).toBe(true);
    expect(ids.size).toBe(1);
  });
});
