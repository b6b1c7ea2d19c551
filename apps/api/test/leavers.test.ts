// Leavers and movers through the API, against a real webhook peer: deactivating Alice cancels
// her open requests, moves the approvals waiting on her to the admins, revokes her grants (a
// signed access.revoke to the peer; a revocation ticket that a fulfiller closes with evidence on
// the MANUAL system), every step in a chain that verifies and delivered live; a manager change
// moves open manager approvals to the new manager. Runs on SQLite, and on PostgreSQL under
// test:scale.
import { verifyLines } from "@access/audit-chain";
import {
  ApproveTicket,
  CreateRequest,
  CreateResource,
  FulfillTicket,
  IdentityGrants,
  RequestDetail,
  RevokeGrant,
  TicketDetail,
  TicketStatusChanged,
  UpdateIdentity,
} from "@access/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConnectorSystem, requestOnConnector, requestState, until } from "./connector-helpers.ts";
import {
  accepted,
  codes,
  codesAndFields,
  collect,
  dataOf,
  gid,
  jsonObject,
  present,
  startTestServer,
  type TestServer,
} from "./harness.ts";
import { startWebhookPeer, type WebhookPeer } from "./webhook-peer.ts";

const SECRET = "test-leavers-webhook-secret-0123";
let t: TestServer;
let peer: WebhookPeer;
let webhookSystemId = "";

beforeAll(async () => {
  peer = await startWebhookPeer(SECRET);
  t = await startTestServer({
    env: { ACCESS_SECRET_TEST_WEBHOOK: SECRET, CONNECTOR_RETRY_BASE_MS: "50", HEALTH_CHECK_INTERVAL_MS: "3600000" },
  });
  webhookSystemId = await createConnectorSystem(t, "Docs site", "WEBHOOK", {
    url: peer.url,
    secret: "env:ACCESS_SECRET_TEST_WEBHOOK",
    timeoutMs: 2000,
  });
});
afterAll(async () => {
  await t.close();
  await peer.close();
});

const person = (key: "alice" | "bob" | "carol" | "dave") => gid("Identity", t.org.ids[key]);

let resources = 0;
/** A new STANDARD resource on GitHub (MANUAL): one MANAGER step by default. */
async function managerApprovedResource(): Promise<string> {
  resources += 1;
  const { createResource } = await dataOf(
    t.gql(t.org.tokens.admin, CreateResource, {
      input: {
        systemId: gid("System", t.org.githubSystemId),
        name: `Wiki space ${resources}`,
        sensitivity: "STANDARD",
      },
    }),
  );
  return present(accepted(createResource, "createResource").resource, "the resource").id;
}

async function request(token: string, resourceId: string) {
  const { createRequest } = await dataOf(
    t.gql(token, CreateRequest, { input: { resourceIds: [resourceId], justification: "leavers test" } }),
  );
  return present(accepted(createRequest, "createRequest").request, "the request");
}

const firstTicket = (r: { tickets: readonly { id: string }[] }) => present(r.tickets[0], "the request's ticket").id;

async function updateIdentity(identityId: string, changes: { active?: boolean; managerId?: string }) {
  const { updateIdentity } = await dataOf(
    t.gql(t.org.tokens.admin, UpdateIdentity, { input: { identityId, ...changes } }),
  );
  return accepted(updateIdentity, "updateIdentity");
}

/** An active grant on GitHub (MANUAL) for the holder: approved by their manager, fulfilled by Dave. */
async function manualGrant(holder: "alice" | "bob", manager: "bob" | "carol") {
  const granted = await request(t.org.tokens[holder], await managerApprovedResource());
  await dataOf(t.gql(t.org.tokens[manager], ApproveTicket, { input: { ticketId: firstTicket(granted) } }));
  const fulfillment = present(
    (await requestState(t, granted.id)).tickets.find((x) => x.kind === "FULFILLMENT"),
    "the fulfillment ticket",
  );
  await dataOf(t.gql(t.org.tokens.dave, FulfillTicket, { input: { ticketId: fulfillment.id, comment: "added" } }));
  const { node } = await dataOf(t.gql(t.org.tokens.admin, IdentityGrants, { id: person(holder) }));
  const grants = node?.__typename === "Identity" ? node.grants.edges.map((e) => e.node) : [];
  const grant = present(
    grants.find((g) => g.request?.id === granted.id),
    "the grant",
  );
  return { id: grant.id, requestId: granted.id };
}

const ticket = async (id: string) =>
  present((await dataOf(t.gql(t.org.tokens.admin, TicketDetail, { id }))).ticket, `ticket ${id}`);

/** The whole trail as the export gives it, parsed. */
async function trail() {
  const text = await fetch(`${t.url}/audit/export.jsonl`, {
    headers: { authorization: `Bearer ${t.org.tokens.admin}` },
  }).then((r) => r.text());
  const lines = text.split("\n").filter((line) => line.length > 0);
  return { lines, events: lines.map((line) => jsonObject(JSON.parse(line), "an exported audit event")) };
}
const headSequence = async () => Number((await trail()).events.at(-1)?.sequence ?? 0);

describe("a mover", () => {
  it("gets open manager approvals routed to the new manager, live", async () => {
    // Dave's manager is Bob: his request waits on Bob.
    const resourceId = await managerApprovedResource();
    const pending = await request(t.org.tokens.dave, resourceId);
    const ticketId = firstTicket(pending);
    expect((await ticket(ticketId)).assignees.map((a) => a.email)).toEqual(["bob.manager@example.com"]);

    const carol = collect(t.ws(t.org.tokens.carol), TicketStatusChanged, { afterSequence: await headSequence() }, 1);
    await updateIdentity(person("dave"), { managerId: person("carol") });

    const moved = await ticket(ticketId);
    expect(moved).toMatchObject({ status: "OPEN", assignees: [{ email: "carol.security@example.com" }] });
    const [change] = await carol.done;
    expect(change?.ticketStatusChanged).toMatchObject({
      previousStatus: "OPEN",
      status: "OPEN",
      ticket: { id: ticketId, kind: "APPROVAL" },
      actor: { email: "erin.admin@example.com" },
    });
    carol.stop();
    const { events } = await trail();
    expect(events.filter((e) => e.action === "TICKET_REASSIGNED").at(-1)?.data).toMatchObject({
      reason: "manager changed",
      previousAssigneeIds: [person("bob")],
      assigneeIds: [person("carol")],
      assignedToAdmins: false,
    });

    // Bob no longer decides it; Carol does.
    const byBob = await dataOf(t.gql(t.org.tokens.bob, ApproveTicket, { input: { ticketId } }));
    expect(codes(byBob.approveTicket.errors)).toEqual(["NOT_FOUND"]);
    const byCarol = await dataOf(t.gql(t.org.tokens.carol, ApproveTicket, { input: { ticketId } }));
    expect(accepted(byCarol.approveTicket, "Carol's approval").ticket?.status).toBe("APPROVED");
  });
});

describe("a leaver", () => {
  /** What Alice holds and what waits on her, set up before she leaves. */
  let openRequestId = "";
  let waitingOnAlice = "";
  let githubGrant = { id: "", requestId: "" };
  let webhookGrantRequestId = "";

  beforeAll(async () => {
    githubGrant = await manualGrant("alice", "bob");
    // An active grant on the WEBHOOK system, provisioned by the peer.
    peer.script(200);
    webhookGrantRequestId = (await requestOnConnector(t, webhookSystemId, { team: "leavers" })).requestId;
    await until(
      () => requestState(t, webhookGrantRequestId),
      (r) => r.status === "FULFILLED",
    );
    // An open request of hers, waiting on Bob.
    openRequestId = (await request(t.org.tokens.alice, await managerApprovedResource())).id;
    // An approval waiting on her: Dave's manager is now Alice, and Dave asks.
    await updateIdentity(person("dave"), { managerId: person("alice") });
    waitingOnAlice = firstTicket(await request(t.org.tokens.dave, await managerApprovedResource()));
    expect((await ticket(waitingOnAlice)).assignees.map((a) => a.email)).toEqual(["alice@example.com"]);
  });

  it("ends everything at once, each step audited in a chain that verifies and delivered live", async () => {
    const from = await headSequence();
    // Bob waits on Alice's open request; Dave asked for what waits on Alice and fulfills GitHub.
    const bob = collect(
      t.ws(t.org.tokens.bob),
      TicketStatusChanged,
      { requestId: openRequestId, afterSequence: from },
      1,
    );
    const dave = collect(t.ws(t.org.tokens.dave), TicketStatusChanged, { afterSequence: from }, 2);
    const calls = peer.calls.length;

    await updateIdentity(person("alice"), { active: false });

    // 2. Her open request is cancelled, with the reason.
    const cancelled = await requestState(t, openRequestId);
    expect(cancelled.status).toBe("CANCELLED");
    expect(cancelled.tickets.map((x) => x.status)).toEqual(["CANCELLED"]);
    // 3. The approval that waited on her goes to the admins (her own manager role is void now).
    const moved = await ticket(waitingOnAlice);
    expect(moved.status).toBe("OPEN");
    expect(moved.assignees.map((a) => a.email)).toEqual(["erin.admin@example.com"]);
    // 4. Both grants are revoked: the webhook peer gets a signed access.revoke …
    const revokeCall = await until(
      async () => peer.calls.slice(calls).find((c) => c.event === "access.revoke"),
      (c) => c !== undefined,
    );
    expect(revokeCall).toMatchObject({ signatureValid: true, body: { identity: { email: "alice@example.com" } } });
    const { node } = await dataOf(t.gql(t.org.tokens.admin, IdentityGrants, { id: person("alice") }));
    const statuses = node?.__typename === "Identity" ? node.grants.edges.map((e) => e.node.status) : [];
    expect(statuses).toEqual(["REVOKED", "REVOKED"]);
    // … and the MANUAL system's fulfillers get a revocation ticket on the request that granted it,
    // which moves neither that request nor its item.
    const granting = await requestState(t, githubGrant.requestId);
    expect(granting.status).toBe("FULFILLED");
    const revocation = present(
      granting.tickets.find((x) => x.kind === "REVOCATION"),
      "the revocation ticket",
    );
    expect(revocation.status).toBe("OPEN");

    // Live: Bob sees the approval he waited on cancelled; Dave sees his request's approval
    // reassigned, then the revocation ticket for him.
    const [bobChange] = await bob.done;
    expect(bobChange?.ticketStatusChanged).toMatchObject({ previousStatus: "OPEN", status: "CANCELLED" });
    const daveChanges = (await dave.done).map((c) => [
      c.ticketStatusChanged.ticket.id,
      c.ticketStatusChanged.ticket.kind,
      c.ticketStatusChanged.previousStatus,
      c.ticketStatusChanged.status,
    ]);
    expect(daveChanges).toEqual([
      [waitingOnAlice, "APPROVAL", "OPEN", "OPEN"],
      [revocation.id, "REVOCATION", null, "OPEN"],
    ]);
    bob.stop();
    dave.stop();

    // Every step is in the trail, by the admin who deactivated her, and the chain verifies.
    const { lines, events } = await trail();
    expect((await verifyLines(lines)).ok).toBe(true);
    // The deactivation's events: one transaction's, so one commit time (the revocation job's
    // connector call comes after, in its own).
    const deactivated = present(
      events.find((e) => Number(e.sequence) > from),
      "the deactivation's first event",
    );
    const steps = events.filter((e) => Number(e.sequence) > from && e.at === deactivated.at);
    expect(steps.every((e) => e.actorId === gid("Identity", t.org.ids.admin))).toBe(true);
    expect(steps.map((e) => e.action)).toEqual([
      "CONFIG_CHANGED",
      "TICKET_STATUS_CHANGED",
      "REQUEST_CANCELLED",
      "TICKET_REASSIGNED",
      "GRANT_REVOKED",
      "TICKET_CREATED",
      "GRANT_REVOKED",
    ]);
    expect(steps.find((e) => e.action === "REQUEST_CANCELLED")?.comment).toBe("identity deactivated");
    expect(steps.find((e) => e.action === "TICKET_REASSIGNED")?.data).toMatchObject({
      reason: "assignee deactivated",
      previousAssigneeIds: [person("alice")],
      assigneeIds: [],
      assignedToAdmins: true,
      fallbackReason: "the manager is no longer active",
    });
    expect(steps.find((e) => e.action === "TICKET_CREATED")?.data).toMatchObject({
      kind: "REVOCATION",
      status: "OPEN",
      grantId: githubGrant.id,
      assigneeGroupId: gid("Group", t.org.fulfillersGroupId),
    });
    expect(steps.filter((e) => e.action === "GRANT_REVOKED").map((e) => e.comment)).toEqual([
      "identity deactivated",
      "identity deactivated",
    ]);
    const revoked = await until(
      async () => (await trail()).events.filter((e) => e.action === "CONNECTOR_CALLED"),
      (e) => e.some((x) => jsonObject(x.data, "a connector call").operation === "revoke"),
    );
    expect(revoked.map((e) => jsonObject(e.data, "a connector call")).at(-1)).toMatchObject({
      operation: "revoke",
      outcome: "success",
    });
  });

  it("has the revocation ticket closed by a fulfiller with evidence, and only with evidence", async () => {
    const granting = await requestState(t, githubGrant.requestId);
    const ticketId = present(
      granting.tickets.find((x) => x.kind === "REVOCATION"),
      "the revocation ticket",
    ).id;
    const card = await dataOf(t.gql(t.org.tokens.dave, TicketDetail, { id: ticketId }));
    expect(card.ticket).toMatchObject({ kind: "REVOCATION", viewerCanFulfill: true, viewerCanApprove: false });

    const bare = await dataOf(t.gql(t.org.tokens.dave, FulfillTicket, { input: { ticketId } }));
    expect(codesAndFields(bare.fulfillTicket.errors)).toEqual([{ code: "VALIDATION", field: ["input", "comment"] }]);
    const byBob = await dataOf(t.gql(t.org.tokens.bob, FulfillTicket, { input: { ticketId, comment: "done" } }));
    expect(codes(byBob.fulfillTicket.errors)).toEqual(["FORBIDDEN"]);

    const done = await dataOf(
      t.gql(t.org.tokens.dave, FulfillTicket, { input: { ticketId, comment: "removed from the org on the console" } }),
    );
    expect(accepted(done.fulfillTicket, "Dave's removal").ticket).toMatchObject({ status: "FULFILLED" });
    const after = await requestState(t, githubGrant.requestId);
    expect(after.status).toBe("FULFILLED");
    const { events } = await trail();
    expect(events.at(-1)).toMatchObject({
      action: "TICKET_FULFILLED",
      actorId: person("dave"),
      comment: "removed from the org on the console",
      data: { kind: "REVOCATION", previousStatus: "OPEN", status: "FULFILLED" },
    });
  });

  it("does nothing more when an inactive identity is deactivated again", async () => {
    const before = await trail();
    const calls = peer.calls.length;
    await updateIdentity(person("alice"), { active: false });
    const { events } = await trail();
    // A change that changes nothing writes nothing (directory.ts), so not even its own event.
    expect(events.slice(before.events.length).map((e) => e.action)).toEqual([]);
    expect(peer.calls.length).toBe(calls);
  });

  it("opens the same revocation ticket when an admin revokes a grant on a MANUAL system", async () => {
    // Bob holds a grant on GitHub (Carol is his manager now); an admin revokes it.
    await updateIdentity(person("bob"), { managerId: person("carol") });
    const grant = await manualGrant("bob", "carol");
    const revoked = await dataOf(
      t.gql(t.org.tokens.admin, RevokeGrant, { input: { grantId: grant.id, reason: "moved team" } }),
    );
    expect(accepted(revoked.revokeGrant, "revokeGrant").grant?.status).toBe("REVOKED");
    const detail = present(
      (await dataOf(t.gql(t.org.tokens.dave, RequestDetail, { id: grant.requestId }))).request,
      "the granting request",
    );
    expect(detail.tickets.filter((x) => x.kind === "REVOCATION").map((x) => [x.status, x.viewerCanFulfill])).toEqual([
      ["OPEN", true],
    ]);
  });
});
