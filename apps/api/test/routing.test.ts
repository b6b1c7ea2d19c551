// Routing through the real API: the organisation's settings, fallback approvers instead of
// nobody (flagged on the request), SLA reminders and escalation (the server's clock moved, the
// sweep run by hand), reassignment by admins, claims, and delegations with separation of duties.
import {
  ApproveTicket,
  AuditEvents,
  ClaimTicket,
  CreateGroup,
  CreateRequest,
  CreateResource,
  CreateSystem,
  EndDelegation,
  MyDelegation,
  OrganisationSettings,
  ReassignTicket,
  RequestRouting,
  SetDelegation,
  TicketRouting,
  UpdateOrganisationSettings,
  type VariablesOf,
} from "@access/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sweepTicketSlas } from "../src/domain/tickets/sla.ts";
import {
  accepted,
  codes,
  codesAndFields,
  dataOf,
  gid,
  jsonObject,
  present,
  startTestServer,
  type TestServer,
} from "./harness.ts";

const HOUR = 3_600_000;
let t: TestServer;
/** The server's clock: real time plus `skew` (the SLA tests move it forward). */
let skew = 0;
const now = () => new Date(Date.now() + skew);

beforeAll(async () => {
  t = await startTestServer({
    // The sweeps here are run by hand; the timer must not race them.
    env: { GRANT_EXPIRY_CHECK_MS: "86400000", HEALTH_CHECK_INTERVAL_MS: "86400000" },
    clock: now,
  });
});
afterAll(() => t.close());

const admin = () => t.org.tokens.admin;
const person = (key: "admin" | "alice" | "bob" | "carol" | "dave") => gid("Identity", t.org.ids[key]);
const github = () => gid("System", t.org.githubSystemId);
let counter = 0;

async function resource(extra: Partial<VariablesOf<typeof CreateResource>["input"]> = {}): Promise<string> {
  const { createResource } = await dataOf(
    t.gql(admin(), CreateResource, {
      input: { systemId: github(), name: `Routed ${++counter}`, sensitivity: "STANDARD", ...extra },
    }),
  );
  return present(accepted(createResource, "createResource").resource, "the resource").id;
}

async function group(name: string, memberIds: string[]): Promise<string> {
  const { createGroup } = await dataOf(t.gql(admin(), CreateGroup, { input: { name, memberIds } }));
  return present(accepted(createGroup, "createGroup").group, "the group").id;
}

async function settings(input: VariablesOf<typeof UpdateOrganisationSettings>["input"]) {
  const { updateOrganisationSettings } = await dataOf(t.gql(admin(), UpdateOrganisationSettings, { input }));
  return updateOrganisationSettings;
}

async function request(token: string, resourceId: string): Promise<string> {
  const { createRequest } = await dataOf(
    t.gql(token, CreateRequest, { input: { resourceIds: [resourceId], justification: "routing test" } }),
  );
  return present(accepted(createRequest, "createRequest").request, "the request").id;
}

async function routingOf(requestId: string) {
  const { request } = await dataOf(t.gql(admin(), RequestRouting, { id: requestId }));
  return present(request, "the request");
}

async function openApproval(requestId: string) {
  const found = (await routingOf(requestId)).tickets.find((x) => x.kind === "APPROVAL" && x.status === "OPEN");
  return present(found, "the open approval ticket");
}

async function ticket(token: string, id: string) {
  return (await dataOf(t.gql(token, TicketRouting, { id }))).ticket;
}

async function approve(token: string, ticketId: string) {
  return (await dataOf(t.gql(token, ApproveTicket, { input: { ticketId } }))).approveTicket;
}

async function events(filter: VariablesOf<typeof AuditEvents>["filter"]) {
  const { auditEvents } = await dataOf(t.gql(admin(), AuditEvents, { filter, first: 100 }));
  return auditEvents.edges.map((e) => ({ ...e.node, data: jsonObject(e.node.data, "event data") }));
}

const auditTotal = async () => (await dataOf(t.gql(admin(), AuditEvents, { first: 1 }))).auditEvents.totalCount;

let onCall = "";
beforeAll(async () => {
  // Carol is on call: the fallback approvers' group.
  onCall = await group("Approvers on call", [person("carol")]);
});

describe("organisation settings", () => {
  it("starts from the defaults, and admins change only the fields they send, audited with what changed", async () => {
    const before = present((await dataOf(t.gql(admin(), OrganisationSettings))).organisationSettings, "settings");
    expect(before).toMatchObject({ fallbackGroup: null, ticketSlaHours: 24, mandatoryEmailKinds: [], updatedAt: null });
    const changed = accepted(await settings({ fallbackGroupId: onCall, ticketSlaHours: 48 }), "settings");
    expect(changed.settings).toMatchObject({
      fallbackGroup: { id: onCall },
      ticketSlaHours: 48,
      mandatoryEmailKinds: [],
    });
    expect(changed.settings?.updatedAt).not.toBeNull();
    const kinds = accepted(await settings({ mandatoryEmailKinds: ["ADMIN_ALERT"] }), "settings");
    expect(kinds.settings).toMatchObject({
      fallbackGroup: { id: onCall },
      ticketSlaHours: 48,
      mandatoryEmailKinds: ["ADMIN_ALERT"],
    });
    const [first, last] = (await events({ action: ["CONFIG_CHANGED"] })).filter((e) => e.data.entity === "Settings");
    expect(first?.data).toMatchObject({ change: "updated", fallbackGroupId: onCall, ticketSlaHours: 48 });
    expect(last?.data).toMatchObject({ mandatoryEmailKinds: ["ADMIN_ALERT"] });
    expect(last?.data).not.toHaveProperty("ticketSlaHours");
  });

  it("refuses bad input and end users, and changes nothing then", async () => {
    const total = await auditTotal();
    const before = (await dataOf(t.gql(admin(), OrganisationSettings))).organisationSettings;
    expect(codesAndFields((await settings({ ticketSlaHours: 0 })).errors)).toEqual([
      { code: "VALIDATION", field: ["input", "ticketSlaHours"] },
    ]);
    expect(codesAndFields((await settings({ ticketSlaHours: 8761 })).errors)).toEqual([
      { code: "VALIDATION", field: ["input", "ticketSlaHours"] },
    ]);
    expect(
      codesAndFields((await settings({ fallbackGroupId: gid("Group", "nosuchgroup"), ticketSlaHours: 5 })).errors),
    ).toEqual([{ code: "NOT_FOUND", field: ["input", "fallbackGroupId"] }]);
    const { updateOrganisationSettings } = await dataOf(
      t.gql(t.org.tokens.alice, UpdateOrganisationSettings, { input: { ticketSlaHours: 5 } }),
    );
    expect(codes(updateOrganisationSettings.errors)).toEqual(["FORBIDDEN"]);
    const read = await t.gql(t.org.tokens.alice, OrganisationSettings);
    expect(read.errors?.map((e) => e.extensions?.code)).toEqual(["FORBIDDEN"]);
    expect((await dataOf(t.gql(admin(), OrganisationSettings))).organisationSettings).toEqual(before);
    expect(await auditTotal()).toBe(total);
  });

  it("gives systems and resources their own SLA, within 1 to 8760 hours", async () => {
    const { createSystem } = await dataOf(
      t.gql(admin(), CreateSystem, { input: { name: "SLA system", connector: "MANUAL", ticketSlaHours: 0 } }),
    );
    expect(codesAndFields(createSystem.errors)).toEqual([{ code: "VALIDATION", field: ["input", "ticketSlaHours"] }]);
    const { createResource } = await dataOf(
      t.gql(admin(), CreateResource, {
        input: { systemId: github(), name: "Too slow", sensitivity: "STANDARD", ticketSlaHours: 9000 },
      }),
    );
    expect(codesAndFields(createResource.errors)).toEqual([{ code: "VALIDATION", field: ["input", "ticketSlaHours"] }]);
  });
});

describe("fallback approvers", () => {
  it("gives a manager step for someone with no manager to the fallback group, flagged on the request", async () => {
    accepted(await settings({ fallbackGroupId: onCall }), "settings");
    // Bob has no manager.
    const requestId = await request(t.org.tokens.bob, await resource());
    const routed = await routingOf(requestId);
    expect(routed.routingNotes).toEqual(["no manager on record"]);
    const approval = await openApproval(requestId);
    expect(approval).toMatchObject({ routingNote: "no manager on record", assigneeGroup: { id: onCall } });
    const [created] = await events({ requestId, action: ["TICKET_CREATED"] });
    expect(created?.data).toMatchObject({
      assigneeGroupId: onCall,
      assignedToAdmins: false,
      toFallbackGroup: true,
      fallbackReason: "no manager on record",
    });
    expect((await ticket(t.org.tokens.carol, approval.id))?.viewerCanApprove).toBe(true);
    expect(accepted(await approve(t.org.tokens.carol, approval.id), "Carol approves").ticket?.status).toBe("APPROVED");
    // Once nothing is open on a fallback, the request has nothing flagged.
    expect((await routingOf(requestId)).routingNotes).toEqual([]);
  });

  it("goes to the admins when no fallback group is set, or when nobody in it may act", async () => {
    accepted(await settings({ fallbackGroupId: null }), "settings");
    const toAdmins = await request(t.org.tokens.bob, await resource());
    expect((await routingOf(toAdmins)).routingNotes).toEqual(["no manager on record"]);
    const [created] = await events({ requestId: toAdmins, action: ["TICKET_CREATED"] });
    expect(created?.data).toMatchObject({
      assignedToAdmins: true,
      assigneeGroupId: null,
      fallbackReason: "no manager on record",
    });
    expect(created?.data).not.toHaveProperty("toFallbackGroup");
    accepted(await approve(admin(), (await openApproval(toAdmins)).id), "the admin approves");

    // Bob alone on call: he made the request, so nobody there may act on it.
    accepted(await settings({ fallbackGroupId: await group("Only Bob", [person("bob")]) }), "settings");
    const stillAdmins = await request(t.org.tokens.bob, await resource());
    expect(await openApproval(stillAdmins)).toMatchObject({ assigneeGroup: null, routingNote: "no manager on record" });
    accepted(await settings({ fallbackGroupId: onCall }), "settings");
  });

  it("sends a GROUP step whose group has nobody eligible to the fallback group, in the group's words", async () => {
    const empty = await group("Nobody home", []);
    const requestId = await request(
      t.org.tokens.alice,
      await resource({ approvalSteps: [{ kind: "GROUP", groupId: empty }] }),
    );
    expect(await openApproval(requestId)).toMatchObject({
      assigneeGroup: { id: onCall },
      routingNote: "the approver group has no eligible member",
    });
  });
});

describe("SLA reminders and escalation", () => {
  it("uses the resource's SLA, else its system's, else the organisation's default", async () => {
    accepted(await settings({ ticketSlaHours: 10 }), "settings");
    const { createSystem } = await dataOf(
      t.gql(admin(), CreateSystem, { input: { name: "Five hour system", connector: "MANUAL", ticketSlaHours: 5 } }),
    );
    const system = present(accepted(createSystem, "createSystem").system, "the system").id;
    const own = await resource({ systemId: system, ticketSlaHours: 2 });
    const inherits = await resource({ systemId: system });
    const fallsBack = await resource();
    for (const [resourceId, hours] of [
      [own, 2],
      [inherits, 5],
      [fallsBack, 10],
    ] as const) {
      const approval = await openApproval(await request(t.org.tokens.alice, resourceId));
      const detail = present(await ticket(admin(), approval.id), "the ticket");
      const due = new Date(present(detail.slaDueAt, "slaDueAt")).getTime();
      const created = (await events({ action: ["TICKET_CREATED"] })).find((e) => e.ticket?.id === approval.id);
      expect(due - new Date(present(created, "its creation").at).getTime()).toBeGreaterThanOrEqual(hours * HOUR - 1000);
      expect(due - new Date(present(created, "its creation").at).getTime()).toBeLessThanOrEqual(hours * HOUR + 1000);
    }
  });

  it("reminds once past the SLA, escalates to the fallback group at twice it, and the fallback approver acts", async () => {
    const requestId = await request(t.org.tokens.alice, await resource({ ticketSlaHours: 3 }));
    const approval = await openApproval(requestId);
    const sweep = () => sweepTicketSlas(t.server.db, now());
    await sweep();
    expect(await ticket(admin(), approval.id)).toMatchObject({ remindedAt: null, escalatedAt: null });

    skew = 3 * HOUR + 60_000;
    await sweep();
    await sweep();
    const reminded = await events({ requestId, action: ["TICKET_REMINDED"] });
    expect(reminded).toHaveLength(1);
    expect(reminded[0]?.data).toMatchObject({ slaHours: 3, assigneeIds: [person("bob")], status: "OPEN" });
    expect((await ticket(admin(), approval.id))?.remindedAt).not.toBeNull();
    expect(await ticket(t.org.tokens.carol, approval.id)).toBeNull();

    skew = 6 * HOUR + 60_000;
    await Promise.all([sweep(), sweep()]);
    const escalated = await events({ requestId, action: ["TICKET_ESCALATED"] });
    expect(escalated).toHaveLength(1);
    expect(escalated[0]?.data).toMatchObject({
      previousAssigneeIds: [person("bob")],
      previousAssigneeGroupId: null,
      assigneeGroupId: onCall,
      assignedToAdmins: false,
    });
    const after = present(await ticket(admin(), approval.id), "the ticket");
    expect(after.escalatedAt).not.toBeNull();
    expect(after.routingNote).toMatch(/escalated/);
    expect(after.assignees.map((a) => a.id).sort()).toEqual([person("bob"), person("carol")].sort());
    await sweep();
    expect(await events({ requestId, action: ["TICKET_ESCALATED", "TICKET_REMINDED"] })).toHaveLength(2);
    expect(accepted(await approve(t.org.tokens.carol, approval.id), "Carol approves").ticket?.status).toBe("APPROVED");
    skew = 0;
  });
});

describe("reassignment and claims", () => {
  const reassign = async (token: string, input: VariablesOf<typeof ReassignTicket>["input"]) =>
    (await dataOf(t.gql(token, ReassignTicket, { input }))).reassignTicket;
  const claim = async (token: string, ticketId: string, release = false) =>
    (await dataOf(t.gql(token, ClaimTicket, { input: { ticketId, release } }))).claimTicket;

  it("lets an admin give a ticket to someone else with a reason: the new assignee acts, the old one may not", async () => {
    const requestId = await request(t.org.tokens.alice, await resource());
    const approval = await openApproval(requestId);
    const moved = accepted(
      await reassign(admin(), { ticketId: approval.id, assigneeId: person("carol"), reason: "Bob is on leave" }),
      "reassign",
    );
    expect(moved.ticket?.assignees.map((a) => a.id)).toEqual([person("carol")]);
    const [event] = await events({ requestId, action: ["TICKET_REASSIGNED"] });
    expect(event?.comment).toBe("Bob is on leave");
    expect(event?.data).toMatchObject({
      reason: "reassigned by admin",
      previousAssigneeIds: [person("bob")],
      assigneeIds: [person("carol")],
    });
    // Bob is no longer involved in Alice's request: he does not even see the ticket now.
    expect(codes((await approve(t.org.tokens.bob, approval.id)).errors)).toEqual(["NOT_FOUND"]);
    expect(accepted(await approve(t.org.tokens.carol, approval.id), "Carol approves").ticket?.status).toBe("APPROVED");
    expect(
      codes((await reassign(admin(), { ticketId: approval.id, assigneeId: person("dave"), reason: "late" })).errors),
    ).toEqual(["INVALID_STATE"]);
  });

  it("refuses the previous assignee who still sees the request (another of its tickets is theirs): FORBIDDEN", async () => {
    const { createRequest } = await dataOf(
      t.gql(t.org.tokens.alice, CreateRequest, {
        input: { resourceIds: [await resource(), await resource()], justification: "two items" },
      }),
    );
    const requestId = present(accepted(createRequest, "createRequest").request, "the request").id;
    const [first, second] = (await routingOf(requestId)).tickets.filter((x) => x.kind === "APPROVAL");
    const moved = present(first, "the first approval").id;
    accepted(await reassign(admin(), { ticketId: moved, groupId: onCall, reason: "Carol's team decides" }), "reassign");
    expect(codes((await approve(t.org.tokens.bob, moved)).errors)).toEqual(["FORBIDDEN"]);
    expect((await ticket(t.org.tokens.carol, moved))?.viewerCanApprove).toBe(true);
    accepted(await approve(t.org.tokens.bob, present(second, "the second approval").id), "Bob approves his own");
  });

  it("refuses reassignments that are not admins', lack a reason, name both or neither, or a party; nothing changes", async () => {
    const requestId = await request(t.org.tokens.alice, await resource());
    const ticketId = (await openApproval(requestId)).id;
    const total = await auditTotal();
    expect(
      codes((await reassign(t.org.tokens.bob, { ticketId, assigneeId: person("dave"), reason: "mine" })).errors),
    ).toEqual(["FORBIDDEN"]);
    expect(
      codesAndFields((await reassign(admin(), { ticketId, assigneeId: person("dave"), reason: "  " })).errors),
    ).toEqual([{ code: "VALIDATION", field: ["input", "reason"] }]);
    expect(codes((await reassign(admin(), { ticketId, reason: "nobody" })).errors)).toEqual(["VALIDATION"]);
    expect(
      codes(
        (await reassign(admin(), { ticketId, assigneeId: person("dave"), groupId: onCall, reason: "both" })).errors,
      ),
    ).toEqual(["VALIDATION"]);
    expect(codes((await reassign(admin(), { ticketId, assigneeId: person("alice"), reason: "self" })).errors)).toEqual([
      "SELF_APPROVAL",
    ]);
    expect(await auditTotal()).toBe(total);
    expect((await ticket(admin(), ticketId))?.assignees.map((a) => a.id)).toEqual([person("bob")]);
  });

  it("lets a group member take a ticket and give it back; the others still see it and may still act", async () => {
    const requestId = await request(t.org.tokens.alice, await resource({ approvalSteps: [] }));
    const fulfillment = present(
      (await routingOf(requestId)).tickets.find((x) => x.kind === "FULFILLMENT"),
      "the fulfillment ticket",
    );
    expect(codes((await claim(t.org.tokens.alice, fulfillment.id)).errors)).toEqual(["SELF_APPROVAL"]);
    expect(codes((await claim(t.org.tokens.bob, fulfillment.id)).errors)).toEqual(["NOT_FOUND"]);
    const taken = accepted(await claim(t.org.tokens.dave, fulfillment.id), "Dave takes it");
    expect(taken.ticket?.claimedBy?.id).toBe(person("dave"));
    expect(codes((await claim(admin(), fulfillment.id, true)).errors)).toEqual([]);
    expect((await ticket(admin(), fulfillment.id))?.claimedBy).toBeNull();
    accepted(await claim(t.org.tokens.dave, fulfillment.id), "Dave takes it again");
    expect(codes((await claim(t.org.tokens.carol, fulfillment.id, true)).errors)).toEqual(["NOT_FOUND"]);
    const released = accepted(await claim(t.org.tokens.dave, fulfillment.id, true), "Dave gives it back");
    expect(released.ticket?.claimedBy).toBeNull();
    const claims = await events({ requestId, action: ["TICKET_CLAIMED"] });
    expect(claims.map((e) => e.data.claimedById)).toEqual([person("dave"), null, person("dave"), null]);
  });
});

describe("delegation", () => {
  const inDays = (days: number) => new Date(Date.now() + days * 24 * HOUR).toISOString();
  const delegate = async (token: string, input: VariablesOf<typeof SetDelegation>["input"]) =>
    (await dataOf(t.gql(token, SetDelegation, { input }))).setDelegation;

  it("sends Bob's new manager tickets to Dave while Bob is away, audited, and Dave approves", async () => {
    const set = accepted(
      await delegate(t.org.tokens.bob, { delegateId: person("dave"), endsAt: inDays(7), reason: "holiday" }),
      "Bob delegates",
    );
    expect(set.delegation).toMatchObject({
      delegator: { id: person("bob") },
      delegate: { id: person("dave") },
      active: true,
      reason: "holiday",
    });
    const [audited] = await events({ action: ["DELEGATION_SET"] });
    expect(audited?.data).toMatchObject({ delegatorId: person("bob"), delegateId: person("dave") });

    const requestId = await request(t.org.tokens.alice, await resource());
    const approval = await openApproval(requestId);
    const detail = present(await ticket(admin(), approval.id), "the ticket");
    expect(detail.assignees.map((a) => a.id)).toEqual([person("dave")]);
    expect(detail.delegatedFrom?.id).toBe(person("bob"));
    const [created] = await events({ requestId, action: ["TICKET_CREATED"] });
    expect(created?.data).toMatchObject({ assigneeIds: [person("dave")], delegatedFromIds: [person("bob")] });

    const mine = await dataOf(t.gql(t.org.tokens.dave, MyDelegation));
    expect(mine.viewer.delegationsReceived.map((d) => d.delegator.id)).toEqual([person("bob")]);
    expect(mine.tickets.edges.find((e) => e.node.id === approval.id)?.node.delegatedFrom?.id).toBe(person("bob"));
    expect(accepted(await approve(t.org.tokens.dave, approval.id), "Dave approves").ticket?.status).toBe("APPROVED");
  });

  it("keeps the ticket with Bob when his delegate is the requester (separation of duties)", async () => {
    // Dave requests: Bob, his manager, delegated to Dave himself.
    const requestId = await request(t.org.tokens.dave, await resource());
    const detail = present(await ticket(admin(), (await openApproval(requestId)).id), "the ticket");
    expect(detail.assignees.map((a) => a.id)).toEqual([person("bob")]);
    expect(detail.delegatedFrom).toBeNull();
  });

  it("shows a delegation to the delegator, the delegate and admins only, and ends it for the delegator", async () => {
    const bob = await dataOf(t.gql(t.org.tokens.bob, MyDelegation));
    const id = present(bob.viewer.delegation, "Bob's delegation").id;
    const seenBy = async (token: string) =>
      (await t.gql(token, `query($id: ID!) { node(id: $id) { id } }`, { id })).data?.node ?? null;
    expect(await seenBy(t.org.tokens.dave)).not.toBeNull();
    expect(await seenBy(admin())).not.toBeNull();
    expect(await seenBy(t.org.tokens.alice)).toBeNull();
    const end = async (token: string) => (await dataOf(t.gql(token, EndDelegation, { input: { id } }))).endDelegation;
    expect(codes((await end(t.org.tokens.alice)).errors)).toEqual(["NOT_FOUND"]);
    expect(codes((await end(t.org.tokens.dave)).errors)).toEqual(["FORBIDDEN"]);
    const ended = accepted(await end(t.org.tokens.bob), "Bob ends it");
    expect(ended.delegation).toMatchObject({ active: false });
    expect(codes((await end(t.org.tokens.bob)).errors)).toEqual(["INVALID_STATE"]);
    const approval = await openApproval(await request(t.org.tokens.alice, await resource()));
    expect((await ticket(admin(), approval.id))?.assignees.map((a) => a.id)).toEqual([person("bob")]);
  });

  it("refuses bad delegations and changes nothing", async () => {
    const total = await auditTotal();
    const refused = async (token: string, input: VariablesOf<typeof SetDelegation>["input"]) =>
      codesAndFields((await delegate(token, input)).errors);
    expect(await refused(t.org.tokens.bob, { delegateId: person("bob"), endsAt: inDays(3) })).toEqual([
      { code: "VALIDATION", field: ["input", "delegateId"] },
    ]);
    expect(await refused(t.org.tokens.bob, { delegateId: person("dave"), endsAt: inDays(-1) })).toEqual([
      { code: "VALIDATION", field: ["input", "endsAt"] },
    ]);
    expect(await refused(t.org.tokens.bob, { delegateId: person("dave"), endsAt: inDays(400) })).toEqual([
      { code: "VALIDATION", field: ["input", "endsAt"] },
    ]);
    expect(
      await refused(t.org.tokens.bob, { delegateId: person("dave"), startsAt: inDays(5), endsAt: inDays(4) }),
    ).toEqual([{ code: "VALIDATION", field: ["input", "endsAt"] }]);
    expect(
      await refused(t.org.tokens.alice, { delegatorId: person("bob"), delegateId: person("carol"), endsAt: inDays(3) }),
    ).toEqual([{ code: "FORBIDDEN", field: null }]);
    expect(await auditTotal()).toBe(total);
    // Admins may name someone's delegate; a new one ends the previous.
    accepted(
      await delegate(admin(), { delegatorId: person("carol"), delegateId: person("dave"), endsAt: inDays(2) }),
      "first",
    );
    accepted(
      await delegate(admin(), { delegatorId: person("carol"), delegateId: person("bob"), endsAt: inDays(2) }),
      "second",
    );
    const ends = await events({ action: ["DELEGATION_ENDED"] });
    expect(ends.filter((e) => e.data.delegatorId === person("carol")).map((e) => e.data.delegateId)).toEqual([
      person("dave"),
    ]);
  });
});
