// Before a request is made: `Resource.accessOf` marks what a person already has or has asked for,
// and `requestPreview` shows each picked resource's approval chain as routing would assign it now.
import {
  ApproveTicket,
  CreateRequest,
  FulfillTicket,
  RequestableResources,
  RequestPreview,
  SetDelegation,
} from "@access/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accepted, dataOf, gid, present, startTestServer, type TestServer } from "./harness.ts";

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

const resourceRow = async (token: string, name: string, identityId: string | null) => {
  const listed = await dataOf(t.gql(token, RequestableResources, { search: name, identityId, withAccess: true }));
  return present(
    listed.resources.edges.find((e) => e.node.name === name),
    `${name} in the list`,
  ).node;
};

describe("what a person already has or has asked for", () => {
  it("marks a resource with the open request that has it, then with the grant once it is fulfilled, for the person and for admins", async () => {
    const writeAccess = gid("Resource", t.org.resources.writeAccess);
    const alice = gid("Identity", t.org.ids.alice);
    expect((await resourceRow(t.org.tokens.alice, "GitHub Write Access", null)).accessOf).toEqual({
      grant: null,
      openRequest: null,
    });

    const created = accepted(
      (
        await dataOf(
          t.gql(t.org.tokens.alice, CreateRequest, {
            input: { resourceIds: [writeAccess], justification: "preview marks" },
          }),
        )
      ).createRequest,
      "request",
    );
    const request = present(created.request, "request");
    const opened = { grant: null, openRequest: { id: request.id, number: request.number } };
    expect((await resourceRow(t.org.tokens.alice, "GitHub Write Access", null)).accessOf).toEqual(opened);
    expect((await resourceRow(t.org.tokens.admin, "GitHub Write Access", alice)).accessOf).toEqual(opened);
    // The admin's own standing is untouched by Alice's request.
    expect((await resourceRow(t.org.tokens.admin, "GitHub Write Access", null)).accessOf?.openRequest).toBeNull();

    const approval = present(request.tickets[0], "approval ticket");
    accepted(
      (await dataOf(t.gql(t.org.tokens.bob, ApproveTicket, { input: { ticketId: approval.id } }))).approveTicket,
      "approve",
    );
    const fulfilment = present(
      (await resourceRow(t.org.tokens.alice, "GitHub Write Access", null)).accessOf?.openRequest,
      "still open while being provisioned",
    );
    expect(fulfilment.id).toBe(request.id);
    const detail = await t.server.db.read.ticket.findFirstOrThrow({
      where: { requestId: Buffer.from(request.id, "base64").toString().split(":")[1], kind: "FULFILLMENT" },
      select: { id: true },
    });
    accepted(
      (await dataOf(t.gql(t.org.tokens.dave, FulfillTicket, { input: { ticketId: gid("Ticket", detail.id) } })))
        .fulfillTicket,
      "fulfil",
    );
    const held = (await resourceRow(t.org.tokens.alice, "GitHub Write Access", null)).accessOf;
    expect(held?.openRequest).toBeNull();
    expect(held?.grant?.id).toMatch(/./);
  });

  it("refuses a person who is not an admin asking about someone else, with FORBIDDEN", async () => {
    const answer = await t.gql(t.org.tokens.alice, RequestableResources, {
      search: "GitHub",
      identityId: gid("Identity", t.org.ids.bob),
      withAccess: true,
    });
    expect(answer.errors?.map((e) => e.extensions?.code)).toContain("FORBIDDEN");
  });
});

describe("the approval chain before a request is made", () => {
  it("names the requester's manager, then the named approver, for a privileged resource", async () => {
    const preview = await dataOf(
      t.gql(t.org.tokens.dave, RequestPreview, { resourceIds: [gid("Resource", t.org.resources.orgOwner)] }),
    );
    const steps = present(preview.requestPreview[0], "preview").steps;
    expect(
      steps.map((s) => ({ order: s.order, kind: s.kind, approvers: s.approvers.map((a) => a.displayName) })),
    ).toEqual([
      { order: 1, kind: "MANAGER", approvers: ["Bob Manager"] },
      { order: 2, kind: "EXPLICIT", approvers: ["Carol Security"] },
    ]);
    expect(steps.every((s) => !s.toAdmins && s.routingNote === null)).toBe(true);
  });

  it("says a step falls back to the admins, and why, for someone with no manager", async () => {
    const preview = await dataOf(
      t.gql(t.org.tokens.bob, RequestPreview, { resourceIds: [gid("Resource", t.org.resources.writeAccess)] }),
    );
    expect(present(preview.requestPreview[0], "preview").steps).toEqual([
      {
        order: 1,
        kind: "MANAGER",
        approvers: [],
        group: null,
        toAdmins: true,
        routingNote: "no manager on record",
        delegatedFrom: [],
      },
    ]);
  });

  it("shows the delegate of a manager who is away, and the admin's preview for someone else", async () => {
    const now = Date.now();
    accepted(
      (
        await dataOf(
          t.gql(t.org.tokens.bob, SetDelegation, {
            input: {
              delegateId: gid("Identity", t.org.ids.carol),
              startsAt: new Date(now - 60_000).toISOString(),
              endsAt: new Date(now + 3_600_000).toISOString(),
            },
          }),
        )
      ).setDelegation,
      "delegation",
    );
    const preview = await dataOf(
      t.gql(t.org.tokens.admin, RequestPreview, {
        resourceIds: [gid("Resource", t.org.resources.writeAccess)],
        targetIdentityId: gid("Identity", t.org.ids.dave),
      }),
    );
    const step = present(present(preview.requestPreview[0], "preview").steps[0], "step");
    expect(step.approvers.map((a) => a.displayName)).toEqual(["Carol Security"]);
    expect(step.delegatedFrom.map((a) => a.displayName)).toEqual(["Bob Manager"]);
  });

  it("refuses what createRequest would: someone else for a non-admin, unknown ids, too many resources, and writes nothing", async () => {
    const before = await t.server.db.read.auditEvent.count();
    const other = await t.gql(t.org.tokens.alice, RequestPreview, {
      resourceIds: [gid("Resource", t.org.resources.writeAccess)],
      targetIdentityId: gid("Identity", t.org.ids.dave),
    });
    expect(other.errors?.map((e) => e.extensions?.code)).toEqual(["FORBIDDEN"]);
    const unknown = await t.gql(t.org.tokens.alice, RequestPreview, {
      resourceIds: [gid("Resource", "no-such-resource")],
    });
    expect(unknown.errors?.map((e) => e.extensions?.code)).toEqual(["NOT_FOUND"]);
    const tooMany = await t.gql(t.org.tokens.alice, RequestPreview, {
      resourceIds: Array.from({ length: 21 }, (_, i) => gid("Resource", `r${i}`)),
    });
    expect(tooMany.errors?.map((e) => e.extensions?.code)).toEqual(["VALIDATION"]);
    expect(await t.server.db.read.auditEvent.count()).toBe(before);
  });
});
