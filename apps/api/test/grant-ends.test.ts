// Access that ends: requested and approver-shortened ends, each resource's maximum, expiry by
// the sweeper (a signed access.revoke on a WEBHOOK system, a revocation ticket on a MANUAL one),
// extensions, giving up one's own access, the grants list and the admin access export. Time is
// moved with the server's injectable clock and the sweep run by hand: nothing sleeps for expiry.
import {
  ApproveTicket,
  AuditEvents,
  CreateRequest,
  CreateResource,
  FulfillTicket,
  GrantChanged,
  Grants,
  RequestDetail,
  RevokeGrant,
  TicketDetail,
  UpdateResource,
} from "@access/contract";
import { verifyLines } from "@access/audit-chain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expireDueGrants } from "../src/domain/grants/expiry.ts";
import { createConnectorSystem, until } from "./connector-helpers.ts";
import { codesAndFields, collect, dataOf, gid, present, startTestServer, type TestServer } from "./harness.ts";
import { startWebhookPeer, type WebhookPeer } from "./webhook-peer.ts";

const SECRET = "test-webhook-secret-for-expiry-0123";
const HOUR = 3600_000;
let t: TestServer;
let peer: WebhookPeer;
let webhookSystemId = "";
/** The server's clock: real time plus `skew` (tests move it forward). */
let skew = 0;
const now = () => new Date(Date.now() + skew);
const inFuture = (ms: number) => new Date(Date.now() + ms).toISOString();

beforeAll(async () => {
  peer = await startWebhookPeer(SECRET);
  t = await startTestServer({
    env: {
      ACCESS_SECRET_EXPIRY_WEBHOOK: SECRET,
      // The sweeps here are run by hand; the timer must not race them.
      GRANT_EXPIRY_CHECK_MS: "86400000",
      HEALTH_CHECK_INTERVAL_MS: "86400000",
    },
    clock: now,
  });
  webhookSystemId = await createConnectorSystem(t, "Expiring docs", "WEBHOOK", {
    url: peer.url,
    secret: "env:ACCESS_SECRET_EXPIRY_WEBHOOK",
    timeoutMs: 10_000,
  });
});
afterAll(async () => {
  await t.close();
  await peer.close();
});

const admin = () => t.org.tokens.admin;
const alice = () => t.org.tokens.alice;
let counter = 0;

async function resource(
  systemId: string,
  extra: {
    approvalSteps?: { kind: "MANAGER" }[];
    maxGrantDuration?: number;
    sensitivity?: "STANDARD" | "SENSITIVE";
  } = {},
): Promise<string> {
  const { createResource } = await dataOf(
    t.gql(admin(), CreateResource, {
      input: {
        systemId,
        name: `Ending ${++counter}`,
        sensitivity: extra.sensitivity ?? "STANDARD",
        approvalSteps: extra.approvalSteps ?? [],
        ...(extra.maxGrantDuration !== undefined ? { maxGrantDuration: extra.maxGrantDuration } : {}),
        ...(systemId === webhookSystemId ? { connectorTarget: { team: `t-${counter}` } } : {}),
      },
    }),
  );
  expect(createResource.errors).toEqual([]);
  return present(createResource.resource, "the resource").id;
}

const github = () => gid("System", t.org.githubSystemId);

async function request(
  token: string,
  input: { resourceIds: string[]; grantExpiresAt?: string; extendsGrantId?: string },
) {
  const { createRequest } = await dataOf(
    t.gql(token, CreateRequest, { input: { justification: "time-bound test", ...input } }),
  );
  return createRequest;
}

async function requested(token: string, input: Parameters<typeof request>[1]) {
  const created = await request(token, input);
  expect(created.errors).toEqual([]);
  return present(created.request, "the request");
}

async function ticketOf(requestId: string, kind: "APPROVAL" | "FULFILLMENT" | "REVOCATION") {
  const detail = present((await dataOf(t.gql(admin(), RequestDetail, { id: requestId }))).request, "request");
  return present(
    detail.tickets.find((ticket) => ticket.kind === kind && ["OPEN", "IN_PROGRESS"].includes(ticket.status)),
    `an open ${kind} ticket`,
  );
}

async function fulfil(requestId: string, comment = "done") {
  const ticket = await ticketOf(requestId, "FULFILLMENT");
  const { fulfillTicket } = await dataOf(
    t.gql(t.org.tokens.dave, FulfillTicket, { input: { ticketId: ticket.id, comment } }),
  );
  expect(fulfillTicket.errors).toEqual([]);
}

async function grantsOf(token: string, filter: Record<string, unknown> = {}) {
  const { grants } = await dataOf(t.gql(token, Grants, { filter, first: 100 }));
  return grants.edges.map((e) => e.node);
}

async function grantFor(requestId: string) {
  return present(
    (await grantsOf(admin())).find((g) => g.request?.id === requestId),
    `the grant of ${requestId}`,
  );
}

async function auditOf(requestId: string, action: "GRANT_EXPIRED" | "GRANT_EXTENDED" | "GRANT_ACTIVATED") {
  const { auditEvents } = await dataOf(t.gql(admin(), AuditEvents, { filter: { requestId, action: [action] } }));
  return auditEvents.edges.map((e) => e.node);
}

describe("time-bound requests", () => {
  it("records the requested end on the request, its item and its grant", async () => {
    const resourceId = await resource(github());
    const end = inFuture(2 * HOUR);
    const req = await requested(alice(), { resourceIds: [resourceId], grantExpiresAt: end });
    expect(req.grantExpiresAt).toBe(end);
    expect(req.items[0]?.grantExpiresAt).toBe(end);
    const ticket = present(req.tickets[0], "the fulfillment ticket");
    expect((await dataOf(t.gql(t.org.tokens.dave, TicketDetail, { id: ticket.id }))).ticket?.grantExpiresAt).toBe(end);
    await fulfil(req.id);
    const grant = await grantFor(req.id);
    expect({ status: grant.status, expiresAt: grant.expiresAt }).toEqual({ status: "ACTIVE", expiresAt: end });
    expect((await auditOf(req.id, "GRANT_ACTIVATED"))[0]?.data).toMatchObject({ expiresAt: end });
  });

  it("refuses an end beyond the resource's maximum, or in the past, on that field, writing nothing", async () => {
    const resourceId = await resource(github(), { maxGrantDuration: 3600 });
    const before = await grantsOf(admin());
    for (const grantExpiresAt of [inFuture(2 * HOUR), new Date(Date.now() - 1000).toISOString()]) {
      const refused = await request(alice(), { resourceIds: [resourceId], grantExpiresAt });
      expect(refused.request).toBeNull();
      expect(codesAndFields(refused.errors)).toEqual([{ code: "VALIDATION", field: ["input", "grantExpiresAt"] }]);
    }
    const beyond = await request(alice(), { resourceIds: [resourceId], grantExpiresAt: inFuture(2 * HOUR) });
    expect(beyond.errors[0]?.message).toContain("at most 1 hour");
    expect(await grantsOf(admin())).toHaveLength(before.length);
    // Within it, accepted.
    await requested(alice(), { resourceIds: [resourceId], grantExpiresAt: inFuture(HOUR / 2) });
  });

  it("ends a grant with no end of its own at the resource's maximum, counted from granting", async () => {
    const resourceId = await resource(github(), { maxGrantDuration: 7200 });
    const req = await requested(alice(), { resourceIds: [resourceId] });
    expect(req.items[0]?.grantExpiresAt).toBeNull();
    const granting = Date.now();
    await fulfil(req.id);
    const expiresAt = Date.parse(present((await grantFor(req.id)).expiresAt, "the grant's end"));
    expect(expiresAt - granting).toBeGreaterThanOrEqual(7200_000 - 1000);
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(7200_000);
  });

  it("lets an admin set and clear a resource's maximum, and refuses one that is no duration", async () => {
    const resourceId = await resource(github());
    const update = (maxGrantDuration: number | null) =>
      dataOf(t.gql(admin(), UpdateResource, { input: { resourceId, maxGrantDuration } }));
    const set = (await update(86400)).updateResource;
    expect(set.errors).toEqual([]);
    expect(set.resource?.maxGrantDuration).toBe(86400);
    expect(set.resource?.grantDurationLimit).toBe(86400);
    const refused = (await update(5)).updateResource;
    expect(codesAndFields(refused.errors)).toEqual([{ code: "VALIDATION", field: ["input", "maxGrantDuration"] }]);
    expect((await update(null)).updateResource.resource?.maxGrantDuration).toBeNull();
  });

  it("caps PRIVILEGED resources without a maximum of their own at 7 days", async () => {
    const { resources } = t.org;
    const refused = await request(alice(), {
      resourceIds: [gid("Resource", resources.orgOwner)],
      grantExpiresAt: inFuture(8 * 24 * HOUR),
    });
    expect(codesAndFields(refused.errors)).toEqual([{ code: "VALIDATION", field: ["input", "grantExpiresAt"] }]);
    expect(refused.errors[0]?.message).toContain("7 days");
  });

  it("lets an approver move the end earlier, never later, and the earlier end wins", async () => {
    const resourceId = await resource(github(), { approvalSteps: [{ kind: "MANAGER" }] });
    const requestedEnd = inFuture(10 * HOUR);
    const req = await requested(alice(), { resourceIds: [resourceId], grantExpiresAt: requestedEnd });
    const approval = await ticketOf(req.id, "APPROVAL");
    const later = await dataOf(
      t.gql(t.org.tokens.bob, ApproveTicket, { input: { ticketId: approval.id, grantExpiresAt: inFuture(20 * HOUR) } }),
    );
    expect(codesAndFields(later.approveTicket.errors)).toEqual([
      { code: "VALIDATION", field: ["input", "grantExpiresAt"] },
    ]);
    expect((await ticketOf(req.id, "APPROVAL")).status).toBe("OPEN");
    const shorter = inFuture(3 * HOUR);
    const approved = await dataOf(
      t.gql(t.org.tokens.bob, ApproveTicket, { input: { ticketId: approval.id, grantExpiresAt: shorter } }),
    );
    expect(approved.approveTicket.errors).toEqual([]);
    expect(approved.approveTicket.ticket?.request.items[0]?.grantExpiresAt).toBe(shorter);
    expect((await dataOf(t.gql(t.org.tokens.bob, TicketDetail, { id: approval.id }))).ticket?.grantExpiresAt).toBe(
      shorter,
    );
    await fulfil(req.id);
    expect((await grantFor(req.id)).expiresAt).toBe(shorter);
  });
});

describe("expiry", () => {
  it("expires a WEBHOOK grant at its end and sends a signed access.revoke, once however many sweep", async () => {
    peer.script(200);
    const resourceId = await resource(webhookSystemId);
    const req = await requested(alice(), { resourceIds: [resourceId], grantExpiresAt: inFuture(5000) });
    const granted = await until(
      () => grantsOf(admin(), { resourceId }),
      (grants) => grants.length === 1,
    );
    expect(granted[0]?.status).toBe("ACTIVE");
    // Before its end the sweep leaves it alone.
    await t.server.sweeper.sweep();
    expect((await grantFor(req.id)).status).toBe("ACTIVE");
    // Past its end, two instances sweeping at once expire it once.
    const later = new Date(Date.now() + 10_000);
    const results = await Promise.all([expireDueGrants(t.server.db, later), expireDueGrants(t.server.db, later)]);
    expect(results.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
    expect(await auditOf(req.id, "GRANT_EXPIRED")).toHaveLength(1);
    const expired = await until(
      () => grantFor(req.id),
      (grant) => grant.removal === "DONE",
    );
    expect(expired.status).toBe("EXPIRED");
    const revoke = peer.calls.filter(
      (call) => call.event === "access.revoke" && JSON.stringify(call.body).includes(`t-${counter}`),
    );
    expect(revoke).toHaveLength(1);
    expect(revoke[0]?.signatureValid).toBe(true);
    // The access may be requested again.
    await requested(alice(), { resourceIds: [resourceId] });
  });

  it("expires a MANUAL grant through the server's own sweep and opens a revocation ticket for the fulfillers", async () => {
    const resourceId = await resource(github());
    const req = await requested(alice(), { resourceIds: [resourceId], grantExpiresAt: inFuture(60_000) });
    await fulfil(req.id);
    // Alice and the admin hear of it live; Bob, who holds nothing here, does not.
    const live = (token: string, count: number) => collect(t.ws(token), GrantChanged, {}, count, 10_000);
    const [alicesFeed, adminsFeed, bobsFeed] = [live(alice(), 1), live(admin(), 1), live(t.org.tokens.bob, 1)];
    await new Promise((resolve) => setTimeout(resolve, 300));
    skew = 120_000;
    try {
      await t.server.sweeper.sweep();
    } finally {
      skew = 0;
    }
    const grant = await grantFor(req.id);
    expect({ status: grant.status, removal: grant.removal }).toEqual({ status: "EXPIRED", removal: "PENDING" });
    for (const feed of [alicesFeed, adminsFeed]) {
      const [change] = await feed.done;
      expect({ change: change?.grantChanged.change, grant: change?.grantChanged.grant.id }).toEqual({
        change: "EXPIRED",
        grant: grant.id,
      });
      expect(change?.grantChanged.actor).toBeNull();
    }
    bobsFeed.stop();
    expect(bobsFeed.results).toEqual([]);
    alicesFeed.stop();
    adminsFeed.stop();
    const events = await auditOf(req.id, "GRANT_EXPIRED");
    expect(events).toHaveLength(1);
    expect(events[0]?.actor).toBeNull();
    // Dave (IT Fulfillers) may work the revocation ticket, and closes it with evidence.
    const revocation = await ticketOf(req.id, "REVOCATION");
    const asDave = (await dataOf(t.gql(t.org.tokens.dave, TicketDetail, { id: revocation.id }))).ticket;
    expect(asDave?.viewerCanFulfill).toBe(true);
    const closed = await dataOf(
      t.gql(t.org.tokens.dave, FulfillTicket, { input: { ticketId: revocation.id, comment: "removed from the team" } }),
    );
    expect(closed.fulfillTicket.errors).toEqual([]);
    expect((await grantFor(req.id)).removal).toBe("DONE");
  });
});

describe("extensions and giving access up", () => {
  it("extends a grant through a request routed like any other, moving its end", async () => {
    const resourceId = await resource(github(), { approvalSteps: [{ kind: "MANAGER" }] });
    const first = await requested(alice(), { resourceIds: [resourceId], grantExpiresAt: inFuture(HOUR) });
    const approve = async (requestId: string) => {
      const ticket = await ticketOf(requestId, "APPROVAL");
      const { approveTicket } = await dataOf(
        t.gql(t.org.tokens.bob, ApproveTicket, { input: { ticketId: ticket.id } }),
      );
      expect(approveTicket.errors).toEqual([]);
    };
    await approve(first.id);
    await fulfil(first.id);
    const grant = await grantFor(first.id);
    // A plain request for what she holds is refused; an extension is not.
    expect((await request(alice(), { resourceIds: [resourceId] })).errors[0]?.code).toBe("ALREADY_GRANTED");
    const sooner = await request(alice(), {
      resourceIds: [resourceId],
      extendsGrantId: grant.id,
      grantExpiresAt: inFuture(HOUR / 2),
    });
    expect(codesAndFields(sooner.errors)).toEqual([{ code: "VALIDATION", field: ["input", "grantExpiresAt"] }]);
    const newEnd = inFuture(5 * HOUR);
    const extension = await requested(alice(), {
      resourceIds: [resourceId],
      extendsGrantId: grant.id,
      grantExpiresAt: newEnd,
    });
    const detail = (await dataOf(t.gql(alice(), RequestDetail, { id: extension.id }))).request;
    expect(detail?.items[0]?.extendsGrant?.id).toBe(grant.id);
    expect(extension.status).toBe("PENDING_APPROVAL");
    await approve(extension.id);
    await fulfil(extension.id);
    const extended = present(
      (await grantsOf(alice(), { resourceId })).find((g) => g.status === "ACTIVE"),
      "the extended grant",
    );
    expect({ id: extended.id, expiresAt: extended.expiresAt }).toEqual({ id: grant.id, expiresAt: newEnd });
    expect((await auditOf(extension.id, "GRANT_EXTENDED"))[0]?.data).toMatchObject({
      previousExpiresAt: grant.expiresAt,
      expiresAt: newEnd,
    });
    // Someone else's grant is not hers to extend.
    const carols = await request(t.org.tokens.carol, {
      resourceIds: [resourceId],
      extendsGrantId: grant.id,
      grantExpiresAt: inFuture(6 * HOUR),
    });
    expect(codesAndFields(carols.errors)).toEqual([{ code: "NOT_FOUND", field: ["input", "extendsGrantId"] }]);
  });

  it("lets a holder give up her own access (a revocation ticket on MANUAL) but nobody else's", async () => {
    const resourceId = await resource(github());
    const req = await requested(alice(), { resourceIds: [resourceId] });
    await fulfil(req.id);
    const grant = await grantFor(req.id);
    const bobs = await dataOf(t.gql(t.org.tokens.bob, RevokeGrant, { input: { grantId: grant.id } }));
    expect(bobs.revokeGrant.errors.map((e) => e.code)).toEqual(["NOT_FOUND"]);
    const own = await dataOf(t.gql(alice(), RevokeGrant, { input: { grantId: grant.id, reason: "no longer needed" } }));
    expect(own.revokeGrant.errors).toEqual([]);
    expect(own.revokeGrant.grant?.status).toBe("REVOKED");
    expect((await grantFor(req.id)).endReason).toBe("no longer needed");
    expect((await ticketOf(req.id, "REVOCATION")).status).toBe("OPEN");
  });
});

describe("who has what", () => {
  it("lists what ends soon, for the holder and for admins, and exports it for admins only", async () => {
    const resourceId = await resource(github());
    const req = await requested(alice(), { resourceIds: [resourceId], grantExpiresAt: inFuture(HOUR) });
    await fulfil(req.id);
    const soon = await grantsOf(alice(), { expiresBefore: inFuture(2 * HOUR), status: ["ACTIVE"] });
    expect(soon.map((g) => g.request?.id)).toContain(req.id);
    expect(soon.every((g) => g.identity.email === "alice@example.com" && g.expiresAt !== null)).toBe(true);
    // Bob sees none of Alice's grants, whatever he filters by.
    expect(await grantsOf(t.org.tokens.bob, { identityId: gid("Identity", t.org.ids.alice) })).toEqual([]);

    const url = `${t.url}/access/export.csv?status=ACTIVE&resourceId=${encodeURIComponent(resourceId)}`;
    const asAlice = await fetch(url, { headers: { authorization: `Bearer ${alice()}` } });
    expect(asAlice.status).toBe(403);
    const csv = await fetch(url, { headers: { authorization: `Bearer ${admin()}` } });
    expect(csv.status).toBe(200);
    const lines = (await csv.text()).trim().split("\r\n");
    expect(lines[0]).toBe(
      "grantId,status,holderEmail,holderName,holderActive,system,resource,sensitivity,grantedAt,expiresAt,revokedAt,endReason,removal,request",
    );
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain("alice@example.com");
    const jsonl = await fetch(`${t.url}/access/export.jsonl?expiresBefore=${encodeURIComponent(inFuture(2 * HOUR))}`, {
      headers: { authorization: `Bearer ${admin()}` },
    });
    const rows = (await jsonl.text())
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { request: string; expiresAt: string });
    const number = (await dataOf(t.gql(admin(), RequestDetail, { id: req.id }))).request?.number;
    expect(rows.find((row) => row.request === `REQ-${number}`)?.expiresAt).toBeTruthy();
    const bad = await fetch(`${t.url}/access/export.csv?status=GONE`, {
      headers: { authorization: `Bearer ${admin()}` },
    });
    expect(bad.status).toBe(400);
  });

  it("leaves an audit trail that verifies", async () => {
    const res = await fetch(`${t.url}/audit/export.jsonl`, { headers: { authorization: `Bearer ${admin()}` } });
    const text = await res.text();
    expect(text).toContain('"action":"GRANT_EXPIRED"');
    expect(text).toContain('"action":"GRANT_EXTENDED"');
    expect(await verifyLines(text.split("\n"))).toMatchObject({ ok: true, first: 1, segments: 1 });
  });
});
