// The rules of DESIGN.md through the API: every error code, routing defaults, separation of
// duties with admin fallback and override, idempotency, cancellation, evidence.
import {
  ApproveTicket,
  AuditEvents,
  CancelRequest,
  CommentOnTicket,
  CreateGroup,
  CreateIdentity,
  CreateRequest,
  CreateResource,
  FulfillTicket,
  IssueApiToken,
  RejectTicket,
  RequestDetail,
  Requests,
  UpdateIdentity,
  type VariablesOf,
  Viewer,
} from "@access/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  codes,
  codesAndFields,
  dataOf,
  gid,
  jsonObject,
  present,
  startTestServer,
  type TestServer,
} from "./harness.ts";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

type CreateRequestInput = VariablesOf<typeof CreateRequest>["input"];
type CreateResourceInput = VariablesOf<typeof CreateResource>["input"];

const emails = (people: readonly { email: string }[]) => people.map((p) => p.email);

let counter = 0;
async function newResource(extra: Partial<CreateResourceInput> = {}) {
  counter += 1;
  const { createResource } = await dataOf(
    t.gql(t.org.tokens.admin, CreateResource, {
      input: {
        systemId: gid("System", t.org.githubSystemId),
        name: `Repo ${counter}`,
        sensitivity: "STANDARD",
        ...extra,
      },
    }),
  );
  expect(createResource.errors).toEqual([]);
  return present(createResource.resource, "the created resource").id;
}

async function request(token: string, resourceIds: string[], extra: Partial<CreateRequestInput> = {}) {
  const { createRequest } = await dataOf(
    t.gql(token, CreateRequest, { input: { resourceIds, justification: "needed for work", ...extra } }),
  );
  return createRequest;
}

/** A request that was created, and its first ticket. */
async function created(token: string, resourceIds: string[], extra: Partial<CreateRequestInput> = {}) {
  const payload = await request(token, resourceIds, extra);
  expect(payload.errors).toEqual([]);
  const createdRequest = present(payload.request, "the created request");
  return { request: createdRequest, ticket: present(createdRequest.tickets[0], "its first ticket") };
}

const approve = async (token: string, ticketId: string, comment?: string) =>
  (await dataOf(t.gql(token, ApproveTicket, { input: { ticketId, comment } }))).approveTicket;
const fulfill = async (token: string, ticketId: string, comment?: string) =>
  (await dataOf(t.gql(token, FulfillTicket, { input: { ticketId, comment } }))).fulfillTicket;
const requestAs = async (token: string, id: string) =>
  present((await dataOf(t.gql(token, RequestDetail, { id }))).request, `request ${id}`);
/** The request's audit events of one action, as the admin reads them. */
const eventsOf = async (
  requestId: string,
  action: "POLICY_APPLIED" | "TICKET_CREATED" | "TICKET_APPROVED" | "TICKET_REJECTED",
) =>
  (
    await dataOf(t.gql(t.org.tokens.admin, AuditEvents, { filter: { requestId, action: [action] } }))
  ).auditEvents.edges.map((e) => e.node);
const auditTotal = async () =>
  (await dataOf(t.gql(t.org.tokens.admin, AuditEvents, { first: 1 }))).auditEvents.totalCount;
const requestTotal = async (filter: VariablesOf<typeof Requests>["filter"] = null) =>
  (await dataOf(t.gql(t.org.tokens.admin, Requests, { first: 1, filter }))).requests.totalCount;

describe("createRequest", () => {
  it("rejects an empty justification and too many resources with VALIDATION on the field", async () => {
    const blank = await request(t.org.tokens.alice, [gid("Resource", t.org.resources.writeAccess)], {
      justification: "   ",
    });
    expect(codesAndFields(blank.errors)).toEqual([{ code: "VALIDATION", field: ["input", "justification"] }]);
    expect(blank.errors[0]?.message).toEqual(expect.any(String));
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

  it("answers NOT_FOUND to malformed ids, ids of another type and unknown resources, VALIDATION to duplicates", async () => {
    expect((await request(t.org.tokens.alice, ["not an id!"])).errors[0]).toMatchObject({
      code: "NOT_FOUND",
      field: ["input", "resourceIds", "0"],
    });
    expect((await request(t.org.tokens.alice, [gid("Ticket", "x")])).errors[0]).toMatchObject({
      code: "NOT_FOUND",
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
    const requestsBefore = await requestTotal();
    const hidden = await newResource({ requestable: false });
    const eventsAfterCreate = await auditTotal();
    const res = await request(t.org.tokens.alice, [hidden]);
    expect(res.errors[0]).toMatchObject({ code: "NOT_REQUESTABLE", field: ["input", "resourceIds", "0"] });
    expect(await requestTotal()).toBe(requestsBefore);
    expect(await auditTotal()).toBe(eventsAfterCreate);
  });

  it("counts every request for admins from the request counter, exactly as the table holds them", async () => {
    await request(t.org.tokens.alice, [await newResource({ requestable: false })]); // refused: rolled back
    await request(t.org.tokens.dave, [await newResource()]);
    const rows = await t.server.db.read.request.count();
    const all = await requestTotal();
    const open = await requestTotal({ status: ["PENDING_APPROVAL"] });
    expect(all).toBe(rows);
    expect(open).toBe(await t.server.db.read.request.count({ where: { status: "PENDING_APPROVAL" } }));
    expect(open).toBeLessThanOrEqual(rows);
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
    expect(second.request?.id).toBe(present(first.request, "the first request").id);
  });

  it("lets only admins request for someone else", async () => {
    const resource = await newResource();
    const forbidden = await request(t.org.tokens.alice, [resource], {
      targetIdentityId: gid("Identity", t.org.ids.dave),
    });
    expect(forbidden.errors[0]).toMatchObject({ code: "FORBIDDEN", field: ["input", "targetIdentityId"] });
    const { request: onBehalf } = await created(t.org.tokens.admin, [resource], {
      justification: "onboarding",
      targetIdentityId: gid("Identity", t.org.ids.dave),
    });
    expect(onBehalf.requester.email).toBe("erin.admin@example.com");
    expect(onBehalf.target.email).toBe("dave.it@example.com");
    expect(onBehalf.tickets.map((ticket) => emails(ticket.assignees))).toEqual([["bob.manager@example.com"]]);
  });

  it("auto-approves a STANDARD resource configured with no steps, as a recorded policy decision", async () => {
    const resource = await newResource({ approvalSteps: [] });
    const { request: approved } = await created(t.org.tokens.carol, [resource]);
    expect(approved.status).toBe("APPROVED");
    expect(approved.tickets).toEqual([expect.objectContaining({ kind: "FULFILLMENT", status: "OPEN" })]);
    const [policy] = await eventsOf(approved.id, "POLICY_APPLIED");
    expect(policy?.actor).toBeNull();
    expect(jsonObject(policy?.data, "the policy event's data")).toMatchObject({ policy: "AUTO_APPROVAL" });
  });
});

describe("approval routing", () => {
  it("routes a PRIVILEGED resource to the manager, then the named approver, and requires evidence", async () => {
    const { request: privileged, ticket: step1 } = await created(t.org.tokens.alice, [
      gid("Resource", t.org.resources.orgOwner),
    ]);
    expect(emails(step1.assignees)).toEqual(["bob.manager@example.com"]);
    await approve(t.org.tokens.bob, step1.id);
    const step2 = present((await requestAs(t.org.tokens.carol, privileged.id)).tickets[1], "the second step");
    expect(step2).toMatchObject({ step: 2, status: "OPEN" });
    expect(emails(step2.assignees)).toEqual(["carol.security@example.com"]);
    expect(codesAndFields((await approve(t.org.tokens.bob, step2.id)).errors)).toEqual([
      { code: "FORBIDDEN", field: null },
    ]);
    expect((await approve(t.org.tokens.carol, step2.id)).errors).toEqual([]);
    const fulfillment = present((await requestAs(t.org.tokens.dave, privileged.id)).tickets[2], "the fulfillment");
    expect(fulfillment.kind).toBe("FULFILLMENT");
    const noEvidence = await fulfill(t.org.tokens.dave, fulfillment.id);
    expect(codesAndFields(noEvidence.errors)).toEqual([{ code: "VALIDATION", field: ["input", "comment"] }]);
    const withEvidence = await fulfill(t.org.tokens.dave, fulfillment.id, "owner role granted, change CHG-1");
    expect(withEvidence.ticket?.status).toBe("FULFILLED");
  });

  it("refuses a PRIVILEGED resource without named approvers or a group", async () => {
    const { createResource } = await dataOf(
      t.gql(t.org.tokens.admin, CreateResource, {
        input: { systemId: gid("System", t.org.githubSystemId), name: "Prod root", sensitivity: "PRIVILEGED" },
      }),
    );
    expect(codesAndFields(createResource.errors)).toEqual([{ code: "VALIDATION", field: ["input", "approvalSteps"] }]);
  });

  it("forbids the requester and target from deciding (SELF_APPROVAL), admins included, and falls back to the admins", async () => {
    // Bob has no manager: his own request's MANAGER step falls back to the admins.
    const { request: bobs, ticket } = await created(t.org.tokens.bob, [await newResource()]);
    expect(emails(ticket.assignees)).toEqual(["erin.admin@example.com"]);
    expect(codes((await approve(t.org.tokens.bob, ticket.id)).errors)).toEqual(["SELF_APPROVAL"]);
    const [opened] = await eventsOf(bobs.id, "TICKET_CREATED");
    expect(jsonObject(opened?.data, "the TICKET_CREATED event's data")).toMatchObject({
      assignedToAdmins: true,
      fallbackReason: "no manager on record",
    });
    // An admin requesting for herself may not approve her own request either.
    const own = await created(t.org.tokens.admin, [await newResource()], { justification: "me" });
    expect(codes((await approve(t.org.tokens.admin, own.ticket.id)).errors)).toEqual(["SELF_APPROVAL"]);
  });

  it("lets an admin override a ticket assigned to someone else, and marks the override in the audit trail", async () => {
    const { request: daves, ticket } = await created(t.org.tokens.dave, [await newResource()]);
    expect((await approve(t.org.tokens.admin, ticket.id, "on behalf of Bob")).errors).toEqual([]);
    const [approval] = await eventsOf(daves.id, "TICKET_APPROVED");
    expect(approval?.comment).toBe("on behalf of Bob");
    expect(jsonObject(approval?.data, "the TICKET_APPROVED event's data")).toMatchObject({ override: true });
  });

  it("refuses a rejection without a reason (it is what the requester is told), and changes nothing", async () => {
    const { request: refused, ticket } = await created(t.org.tokens.alice, [await newResource()]);
    for (const comment of [null, "   "]) {
      const { rejectTicket } = await dataOf(
        t.gql(t.org.tokens.bob, RejectTicket, { input: { ticketId: ticket.id, comment } }),
      );
      expect(codesAndFields(rejectTicket.errors)).toEqual([{ code: "VALIDATION", field: ["input", "comment"] }]);
      expect(rejectTicket.ticket).toBeNull();
    }
    expect(await eventsOf(refused.id, "TICKET_REJECTED")).toEqual([]);
    expect((await requestAs(t.org.tokens.alice, refused.id)).status).toBe("PENDING_APPROVAL");
  });

  it("closes the item as REJECTED and opens nothing further; deciding again is INVALID_STATE", async () => {
    const { request: rejected, ticket } = await created(t.org.tokens.alice, [await newResource()]);
    const { rejectTicket } = await dataOf(
      t.gql(t.org.tokens.bob, RejectTicket, { input: { ticketId: ticket.id, comment: "not for this team" } }),
    );
    expect(rejectTicket.ticket?.status).toBe("REJECTED");
    expect(codesAndFields((await approve(t.org.tokens.bob, ticket.id)).errors)).toEqual([
      { code: "INVALID_STATE", field: null },
    ]);
    const after = await requestAs(t.org.tokens.alice, rejected.id);
    expect(after.status).toBe("REJECTED");
    expect(after.tickets.map((x) => x.id)).toEqual([ticket.id]);
    expect(after.closedAt).not.toBeNull();
  });

  it("answers NOT_FOUND for tickets the viewer may not see, and for unknown ones", async () => {
    const { ticket } = await created(t.org.tokens.dave, [await newResource()]);
    expect(codesAndFields((await approve(t.org.tokens.carol, ticket.id)).errors)).toEqual([
      { code: "NOT_FOUND", field: ["input", "ticketId"] },
    ]);
    expect(codes((await approve(t.org.tokens.bob, gid("Ticket", "nope"))).errors)).toEqual(["NOT_FOUND"]);
  });
});

describe("cancelRequest", () => {
  it("cancels every open ticket, by the requester; a second cancel is INVALID_STATE", async () => {
    const { request: two } = await created(t.org.tokens.alice, [await newResource(), await newResource()]);
    const cancel = async (token: string) =>
      (await dataOf(t.gql(token, CancelRequest, { input: { requestId: two.id, reason: "not needed" } }))).cancelRequest;
    expect(codes((await cancel(t.org.tokens.bob)).errors)).toEqual(["FORBIDDEN"]);
    const done = await cancel(t.org.tokens.alice);
    expect(done.request?.status).toBe("CANCELLED");
    expect(done.request?.tickets.map((ticket) => ticket.status)).toEqual(["CANCELLED", "CANCELLED"]);
    expect(codes((await cancel(t.org.tokens.alice)).errors)).toEqual(["INVALID_STATE"]);
  });
});

describe("comments", () => {
  it("lets anyone who sees the ticket comment, and records the comment in the audit trail", async () => {
    const { ticket } = await created(t.org.tokens.alice, [await newResource()]);
    const comment = async (token: string, body: string) =>
      (await dataOf(t.gql(token, CommentOnTicket, { input: { ticketId: ticket.id, body } }))).commentOnTicket;
    const ok = await comment(t.org.tokens.alice, "urgent, please");
    expect(ok.ticket?.comments.map((c) => [c.body, c.author.email])).toEqual([["urgent, please", "alice@example.com"]]);
    expect(codesAndFields((await comment(t.org.tokens.alice, " ")).errors)).toEqual([
      { code: "VALIDATION", field: ["input", "body"] },
    ]);
    expect(codes((await comment(t.org.tokens.carol, "hi")).errors)).toEqual(["NOT_FOUND"]);
  });
});

describe("admin configuration", () => {
  const createIdentity = async (input: VariablesOf<typeof CreateIdentity>["input"]) =>
    (await dataOf(t.gql(t.org.tokens.admin, CreateIdentity, { input }))).createIdentity;
  const issueToken = async (identityId: string, name: string) => {
    const { issueApiToken } = await dataOf(t.gql(t.org.tokens.admin, IssueApiToken, { input: { identityId, name } }));
    expect(issueApiToken.errors).toEqual([]);
    return present(issueApiToken.token, "the issued token");
  };

  it("refuses configuration mutations from end users with FORBIDDEN in the payload", async () => {
    const { createGroup } = await dataOf(t.gql(t.org.tokens.alice, CreateGroup, { input: { name: "x" } }));
    expect(createGroup.group).toBeNull();
    expect(codes(createGroup.errors)).toEqual(["FORBIDDEN"]);
  });

  it("reports CONFLICT for duplicate names and emails", async () => {
    const { createGroup } = await dataOf(t.gql(t.org.tokens.admin, CreateGroup, { input: { name: "IT Fulfillers" } }));
    expect(codesAndFields(createGroup.errors)).toEqual([{ code: "CONFLICT", field: ["input", "name"] }]);
    const identity = await createIdentity({ email: "ALICE@example.com", displayName: "A" });
    expect(codesAndFields(identity.errors)).toEqual([{ code: "CONFLICT", field: ["input", "email"] }]);
  });

  it("issues a working token and stores only its hash", async () => {
    const identity = present(
      (await createIdentity({ email: "new@example.com", displayName: "New Person" })).identity,
      "the identity",
    );
    const token = await issueToken(identity.id, "laptop");
    expect((await t.gql(token, Viewer)).data?.viewer.email).toBe("new@example.com");
    const stored = await t.server.db.read.apiToken.findMany({ where: { name: "laptop" } });
    expect(stored).toHaveLength(1);
    expect(stored[0]?.tokenHash).not.toContain(token);
  });

  it("stops a deactivated identity's tokens at once", async () => {
    const identity = present(
      (await createIdentity({ email: "leaver@example.com", displayName: "Leaver" })).identity,
      "the identity",
    );
    const token = await issueToken(identity.id, "t");
    const { updateIdentity } = await dataOf(
      t.gql(t.org.tokens.admin, UpdateIdentity, { input: { identityId: identity.id, active: false } }),
    );
    expect(updateIdentity.errors).toEqual([]);
    expect((await t.gql(token, Viewer)).status).toBe(401);
  });
});

describe("races on createRequest", () => {
  const send = (key: string | null, resourceId: string) =>
    t.gql(t.org.tokens.dave, CreateRequest, {
      input: { resourceIds: [resourceId], justification: "race", ...(key ? { idempotencyKey: key } : {}) },
    });

  it("creates one request of eight simultaneous ones for the same access; the others are ALREADY_REQUESTED", async () => {
    const resource = await newResource();
    const results = await Promise.all(Array.from({ length: 8 }, () => send(null, resource)));
    expect(results.every((r) => r.errors === undefined)).toBe(true);
    const outcomes = results.map((r) => codes(r.data?.createRequest.errors ?? []).join(","));
    expect(outcomes.filter((c) => c === "")).toHaveLength(1);
    expect(outcomes.filter((c) => c === "ALREADY_REQUESTED")).toHaveLength(7);
  });

  it("returns the same request to eight simultaneous calls with one idempotency key", async () => {
    const resource = await newResource();
    const results = await Promise.all(Array.from({ length: 8 }, () => send("same-key", resource)));
    const ids = new Set(results.map((r) => r.data?.createRequest.request?.id));
    expect(results.every((r) => r.data?.createRequest.errors.length === 0)).toBe(true);
    expect(ids.size).toBe(1);
  });
});
