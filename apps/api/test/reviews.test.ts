// Access review campaigns through the real server: starting one by system and by resource under
// each reviewer rule, deciding items (KEEP, REVOKE ending grants on a MANUAL and a WEBHOOK system),
// the refusals, closing by an admin and at the deadline (closeDueReviews with an injected clock),
// the evidence export, live delivery to a reviewer, and an audit chain that verifies afterwards.
// Runs on SQLite, and on PostgreSQL under test:scale.
import { verifyLines } from "@access/audit-chain";
import {
  AccessReviewDetail,
  AccessReviewItemChanged,
  AccessReviews,
  ApproveTicket,
  CloseAccessReview,
  CreateRequest,
  CreateResource,
  DecideReviewItem,
  FulfillTicket,
  IdentityGrants,
  MyReviewItems,
  RequestDetail,
  StartAccessReview,
  type VariablesOf,
} from "@access/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDueReviews } from "../src/domain/reviews/close-review.ts";
import { createConnectorSystem, until } from "./connector-helpers.ts";
import {
  accepted,
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

const SECRET = "test-reviews-webhook-secret-0123";
let t: TestServer;
let peer: WebhookPeer;
type Person = "admin" | "bob" | "alice" | "dave" | "carol";
const token = (who: Person) => t.org.tokens[who];
const person = (who: Person) => gid("Identity", t.org.ids[who]);
const inHours = (hours: number) => new Date(Date.now() + hours * 3_600_000).toISOString();

let resourceCount = 0;
async function createResource(systemId: string, extra: Partial<VariablesOf<typeof CreateResource>["input"]> = {}) {
  resourceCount += 1;
  const { createResource } = await dataOf(
    t.gql(token("admin"), CreateResource, {
      input: { systemId, name: `Reviewed ${resourceCount}`, sensitivity: "STANDARD", approvalSteps: [], ...extra },
    }),
  );
  return present(accepted(createResource, "createResource").resource, "the resource").id;
}

/** `who` requests the resource; `approvers` approve its steps in order; then the fulfillers' work is done. */
async function grant(who: Person, resourceId: string, approvers: Person[] = []): Promise<string> {
  const { createRequest } = await dataOf(
    t.gql(token(who), CreateRequest, { input: { resourceIds: [resourceId], justification: "reviews test" } }),
  );
  const requestId = present(accepted(createRequest, "createRequest").request, "the request").id;
  const openTicket = async (kind: string) => {
    const { request } = await dataOf(t.gql(token("admin"), RequestDetail, { id: requestId }));
    return request?.tickets.find((x) => x.kind === kind && x.status === "OPEN");
  };
  for (const approver of approvers) {
    const ticket = present(await openTicket("APPROVAL"), "the approval ticket");
    accepted(
      (await dataOf(t.gql(token(approver), ApproveTicket, { input: { ticketId: ticket.id } }))).approveTicket,
      "approveTicket",
    );
  }
  const fulfillment = await openTicket("FULFILLMENT");
  if (fulfillment) {
    const fulfiller = who === "dave" ? "admin" : "dave";
    accepted(
      (await dataOf(t.gql(token(fulfiller), FulfillTicket, { input: { ticketId: fulfillment.id } }))).fulfillTicket,
      "fulfillTicket",
    );
  }
  return grantOf(who, resourceId, "ACTIVE");
}

async function grantsOf(who: Person) {
  const { node } = await dataOf(t.gql(token("admin"), IdentityGrants, { id: person(who) }));
  return node?.__typename === "Identity" ? node.grants.edges.map((e) => e.node) : [];
}
async function grantOf(who: Person, resourceId: string, status: string): Promise<string> {
  const found = await until(
    async () => (await grantsOf(who)).find((g) => g.resource.id === resourceId && g.status === status),
    (g) => g !== undefined,
  );
  return present(found, "the grant").id;
}

type StartInput = VariablesOf<typeof StartAccessReview>["input"];
async function start(input: Partial<StartInput>, as: Person = "admin") {
  const { startAccessReview } = await dataOf(
    t.gql(token(as), StartAccessReview, {
      input: { name: "Quarterly review", reviewerRule: "MANAGER", deadline: inHours(24), ...input },
    }),
  );
  return startAccessReview;
}
async function started(input: Partial<StartInput>) {
  return present(accepted(await start(input), "startAccessReview").accessReview, "the review");
}

async function detail(reviewId: string, as: Person = "admin") {
  const { accessReview } = await dataOf(t.gql(token(as), AccessReviewDetail, { id: reviewId, first: 100 }));
  return accessReview;
}
async function items(reviewId: string, as: Person = "admin") {
  return present(await detail(reviewId, as), "the review").items.edges.map((e) => e.node);
}
/** Each item as "holder: reviewers (or admins)", sorted: who reviews whose access. */
const assignment = (list: Awaited<ReturnType<typeof items>>) =>
  list
    .map((i) => `${i.identity.email}: ${i.assignedToAdmins ? "admins" : i.reviewers.map((r) => r.email).join(" ")}`)
    .sort();
const itemOf = async (reviewId: string, holder: Person) =>
  present(
    (await items(reviewId)).find((i) => i.identity.id === person(holder)),
    `the item of ${holder}`,
  );

async function decide(as: Person, itemId: string, decision: "KEEP" | "REVOKE", comment?: string) {
  const { decideReviewItem } = await dataOf(
    t.gql(token(as), DecideReviewItem, { input: { itemId, decision, comment } }),
  );
  return decideReviewItem;
}

/** The whole trail as the export gives it, parsed. */
async function trail() {
  const text = await fetch(`${t.url}/audit/export.jsonl`, {
    headers: { authorization: `Bearer ${token("admin")}` },
  }).then((r) => r.text());
  const lines = text.split("\n").filter((line) => line.length > 0);
  return { lines, events: lines.map((line) => jsonObject(JSON.parse(line), "an exported audit event")) };
}
const auditCount = async () => (await trail()).lines.length;

let github = "";
let webhookSystem = "";
/** A MANUAL resource held by Alice, Dave, Carol and Erin; a WEBHOOK one held by Alice. */
let wiki = "";
let docs = "";
/** A MANUAL resource whose steps name Carol and the fulfillers group (Dave), held by Alice and Dave. */
let vault = "";

beforeAll(async () => {
  peer = await startWebhookPeer(SECRET);
  t = await startTestServer({
    env: { ACCESS_SECRET_TEST_WEBHOOK: SECRET, CONNECTOR_RETRY_BASE_MS: "50", HEALTH_CHECK_INTERVAL_MS: "3600000" },
  });
  github = gid("System", t.org.githubSystemId);
  webhookSystem = await createConnectorSystem(t, "Docs site", "WEBHOOK", {
    url: peer.url,
    secret: "env:ACCESS_SECRET_TEST_WEBHOOK",
    timeoutMs: 2000,
  });
  peer.script(200);
  wiki = await createResource(github);
  for (const who of ["alice", "dave", "carol", "admin"] as const) await grant(who, wiki);
  docs = await createResource(webhookSystem, { connectorTarget: { team: "reviews" } });
  await grant("alice", docs);
  vault = await createResource(github, {
    approvalSteps: [
      { kind: "EXPLICIT", approverIds: [person("carol")] },
      { kind: "GROUP", groupId: gid("Group", t.org.fulfillersGroupId) },
    ],
  });
  await grant("alice", vault, ["carol", "dave"]);
  await grant("dave", vault, ["carol", "admin"]);
}, 60_000);
afterAll(async () => {
  await t?.close();
  await peer?.close();
});

describe("starting a campaign", () => {
  it("reviews every active grant of a resource, each by the holder's manager, else by the admins", async () => {
    const review = await started({ resourceIds: [wiki], reviewerRule: "MANAGER" });
    expect(review).toMatchObject({ status: "OPEN", reviewerRule: "MANAGER", onDeadline: "REVOKE" });
    expect(review.progress).toEqual({ total: 4, kept: 0, revoked: 0, undecided: 4 });
    expect(assignment(await items(review.id))).toEqual([
      "alice@example.com: bob.manager@example.com",
      "carol.security@example.com: admins",
      "dave.it@example.com: bob.manager@example.com",
      "erin.admin@example.com: admins",
    ]);
    const { events } = await trail();
    const event = present(
      events.findLast((e) => e.action === "REVIEW_STARTED"),
      "REVIEW_STARTED",
    );
    expect(event.data).toMatchObject({
      reviewId: review.id,
      number: review.number,
      reviewerRule: "MANAGER",
      onDeadline: "REVOKE",
      resourceIds: [wiki],
      systemIds: [],
      items: 4,
      assignedToAdmins: 2,
    });
  });

  it("reviews every resource of a system with named reviewers, never asking holders about their own access", async () => {
    const review = await started({
      systemIds: [webhookSystem, github],
      reviewerRule: "NAMED",
      reviewerIds: [person("carol"), person("alice")],
    });
    expect(assignment(await items(review.id))).toEqual([
      "alice@example.com: carol.security@example.com",
      "alice@example.com: carol.security@example.com",
      "alice@example.com: carol.security@example.com",
      "carol.security@example.com: alice@example.com",
      "dave.it@example.com: alice@example.com carol.security@example.com",
      "dave.it@example.com: alice@example.com carol.security@example.com",
      "erin.admin@example.com: alice@example.com carol.security@example.com",
    ]);
    expect(present(await detail(review.id), "the review").reviewers.map((r) => r.email)).toEqual([
      "alice@example.com",
      "carol.security@example.com",
    ]);
  });

  it("asks the resource's named approvers and approver group's members, without the holder", async () => {
    const review = await started({ resourceIds: [vault], reviewerRule: "RESOURCE_APPROVERS" });
    expect(assignment(await items(review.id))).toEqual([
      "alice@example.com: carol.security@example.com dave.it@example.com",
      "dave.it@example.com: carol.security@example.com",
    ]);
  });

  it("is refused, with the field and nothing written, to non-admins and for bad input", async () => {
    const before = await auditCount();
    const refusals = [
      [{ resourceIds: [wiki] }, "bob", [{ code: "FORBIDDEN", field: null }]],
      [{}, "admin", [{ code: "VALIDATION", field: ["input", "resourceIds"] }]],
      [
        { resourceIds: [gid("Resource", "doesNotExist0")] },
        "admin",
        [{ code: "NOT_FOUND", field: ["input", "resourceIds", "0"] }],
      ],
      [
        { resourceIds: [wiki], reviewerRule: "NAMED" },
        "admin",
        [{ code: "VALIDATION", field: ["input", "reviewerIds"] }],
      ],
      [
        { resourceIds: [wiki], reviewerIds: [person("bob")] },
        "admin",
        [{ code: "VALIDATION", field: ["input", "reviewerIds"] }],
      ],
      [{ resourceIds: [wiki], deadline: inHours(-1) }, "admin", [{ code: "VALIDATION", field: ["input", "deadline"] }]],
      [{ resourceIds: [wiki], name: "  " }, "admin", [{ code: "VALIDATION", field: ["input", "name"] }]],
      // Nobody holds the organisation owner role: a campaign with nothing to review is a mistake.
      [
        { resourceIds: [gid("Resource", t.org.resources.orgOwner)] },
        "admin",
        [{ code: "VALIDATION", field: ["input", "resourceIds"] }],
      ],
    ] as const;
    for (const [input, as, expected] of refusals) {
      const payload = await start(input as Partial<StartInput>, as);
      expect({ input, errors: codesAndFields(payload.errors), review: payload.accessReview }).toEqual({
        input,
        errors: expected,
        review: null,
      });
    }
    expect(await auditCount()).toBe(before);
  });
});

describe("deciding items", () => {
  let reviewId = "";
  beforeAll(async () => {
    reviewId = (await started({ systemIds: [github, webhookSystem], reviewerRule: "MANAGER" })).id;
  });

  it("keeps access with an optional comment, once", async () => {
    const item = await itemOf(reviewId, "dave");
    const wikiItem = (await items(reviewId)).find((i) => i.identity.id === person("dave") && i.resource.id === wiki);
    const target = present(wikiItem ?? item, "Dave's wiki item");
    expect(target.viewerCanDecide).toBe(true);
    const kept = accepted(await decide("bob", target.id, "KEEP"), "KEEP").item;
    expect(kept).toMatchObject({ decision: "KEEP", comment: null, decidedBy: { email: "bob.manager@example.com" } });
    expect(kept?.viewerCanDecide).toBe(false);
    expect(kept?.viewerCannotDecideReason).toBe("It was decided already.");
    expect(codesAndFields((await decide("bob", target.id, "REVOKE", "changed my mind")).errors)).toEqual([
      { code: "INVALID_STATE", field: null },
    ]);
    expect((await grantsOf("dave")).find((g) => g.resource.id === wiki)?.status).toBe("ACTIVE");
  });

  it("needs a reason to revoke, and never lets holders decide on their own access", async () => {
    const alicesWiki = present(
      (await items(reviewId)).find((i) => i.identity.id === person("alice") && i.resource.id === wiki),
      "Alice's wiki item",
    );
    expect(codesAndFields((await decide("bob", alicesWiki.id, "REVOKE", "  ")).errors)).toEqual([
      { code: "VALIDATION", field: ["input", "comment"] },
    ]);
    // Alice does not even see it (holders never see review items); Carol reviews nothing here.
    expect(codesAndFields((await decide("alice", alicesWiki.id, "KEEP")).errors)).toEqual([
      { code: "NOT_FOUND", field: ["input", "itemId"] },
    ]);
    expect(await detail(reviewId, "alice")).toBeNull();
    // Erin is an admin, and her own wiki access goes to the admins: still not hers to decide.
    const erins = await itemOf(reviewId, "admin");
    expect(erins).toMatchObject({
      assignedToAdmins: true,
      viewerCanDecide: false,
      viewerCannotDecideReason: "This is your own access.",
    });
    const refused = await decide("admin", erins.id, "KEEP");
    expect(codesAndFields(refused.errors)).toEqual([{ code: "FORBIDDEN", field: null }]);
    expect(refused.errors[0]?.message).toMatch(/your own access/);
  });

  it("revokes on a MANUAL system: the grant ends and the fulfillers get a revocation ticket", async () => {
    const alicesWiki = present(
      (await items(reviewId)).find((i) => i.identity.id === person("alice") && i.resource.id === wiki),
      "Alice's wiki item",
    );
    const revoked = accepted(await decide("bob", alicesWiki.id, "REVOKE", "left the wiki team"), "REVOKE").item;
    expect(revoked).toMatchObject({ decision: "REVOKE", comment: "left the wiki team", grant: { status: "REVOKED" } });
    const { events } = await trail();
    const decided = present(
      events.findLast((e) => e.action === "REVIEW_ITEM_DECIDED"),
      "the decision",
    );
    expect(decided).toMatchObject({
      actorId: person("bob"),
      comment: "left the wiki team",
      data: { itemId: alicesWiki.id, decision: "REVOKE", by: "reviewer", override: false, grantEnded: true },
    });
    const grantId = alicesWiki.grant.id;
    expect(
      events.find((e) => e.action === "GRANT_REVOKED" && jsonObject(e.data, "data").grantId === grantId),
    ).toMatchObject({
      actorId: person("bob"),
      comment: `access review REV-${present(await detail(reviewId), "review").number}: left the wiki team`,
    });
    expect(
      events.find((e) => e.action === "TICKET_CREATED" && jsonObject(e.data, "data").grantId === grantId)?.data,
    ).toMatchObject({ kind: "REVOCATION", status: "OPEN" });
  });

  it("revokes on a WEBHOOK system: the grant ends and the connector is told", async () => {
    const calls = peer.calls.length;
    const alicesDocs = present(
      (await items(reviewId)).find((i) => i.identity.id === person("alice") && i.resource.id === docs),
      "Alice's docs item",
    );
    accepted(await decide("bob", alicesDocs.id, "REVOKE", "no longer writes docs"), "REVOKE");
    expect((await grantsOf("alice")).find((g) => g.resource.id === docs)?.status).toBe("REVOKED");
    const call = await until(
      async () => peer.calls.slice(calls).find((c) => c.event === "access.revoke"),
      (c) => c !== undefined,
    );
    expect(call).toMatchObject({ signatureValid: true, body: { identity: { email: "alice@example.com" } } });
  });

  it("lets any admin override a reviewer, audited as an override", async () => {
    const carols = await itemOf(reviewId, "carol");
    expect(carols.assignedToAdmins).toBe(true);
    accepted(await decide("admin", carols.id, "KEEP", "still on call"), "admin KEEP");
    const davesVault = present(
      (await items(reviewId)).find((i) => i.identity.id === person("dave") && i.resource.id === vault),
      "Dave's vault item",
    );
    accepted(await decide("admin", davesVault.id, "KEEP"), "override");
    const decisions = (await trail()).events.filter((e) => e.action === "REVIEW_ITEM_DECIDED").slice(-2);
    expect(decisions.map((e) => jsonObject(e.data, "data").override)).toEqual([false, true]);
  });

  it("lets exactly one of two simultaneous decisions win; the other gets INVALID_STATE", async () => {
    const review = await started({ resourceIds: [wiki], reviewerRule: "MANAGER" });
    // Dave still holds the wiki (kept above); Bob, his manager, reviews it.
    const daves = await itemOf(review.id, "dave");
    const answers = await Promise.all([
      // All KEEP, whoever wins: later tests still need Dave's access.
      decide("bob", daves.id, "KEEP", "first"),
      decide("admin", daves.id, "KEEP", "second"),
      decide("bob", daves.id, "KEEP", "third"),
    ]);
    const outcomes = answers.map((a) => a.errors[0]?.code ?? "ok").sort();
    expect(outcomes).toEqual(["INVALID_STATE", "INVALID_STATE", "ok"]);
    const decided = (await trail()).events.filter(
      (e) => e.action === "REVIEW_ITEM_DECIDED" && jsonObject(e.data, "data").itemId === daves.id,
    );
    expect(decided).toHaveLength(1);
  });

  it("lists what a reviewer has to do, and what is done", async () => {
    const { myReviewItems } = await dataOf(t.gql(token("bob"), MyReviewItems, { first: 100, decided: false }));
    expect(myReviewItems.edges.every((e) => e.node.reviewers.some((r) => r.id === person("bob")))).toBe(true);
    expect(myReviewItems.edges.every((e) => e.node.decision === null)).toBe(true);
    const { myReviewItems: done } = await dataOf(t.gql(token("bob"), MyReviewItems, { first: 100, decided: true }));
    expect(done.totalCount).toBeGreaterThanOrEqual(3);
    const { accessReviews } = await dataOf(t.gql(token("alice"), AccessReviews, { first: 100 }));
    // Alice reviews in the NAMED campaign only.
    expect(accessReviews.edges.map((e) => e.node.reviewerRule)).toEqual(["NAMED"]);
  });
});

describe("closing a campaign", () => {
  it("by an admin: undecided items get onDeadline, and nothing is decided afterwards", async () => {
    const review = await started({ resourceIds: [wiki], reviewerRule: "MANAGER", onDeadline: "KEEP" });
    const daves = await itemOf(review.id, "dave");
    accepted(await decide("bob", daves.id, "KEEP"), "KEEP");
    const close = async (as: Person) =>
      (await dataOf(t.gql(token(as), CloseAccessReview, { input: { reviewId: review.id } }))).closeAccessReview;
    expect(codesAndFields((await close("bob")).errors)).toEqual([{ code: "FORBIDDEN", field: null }]);
    const closed = accepted(await close("admin"), "close").accessReview;
    expect(closed).toMatchObject({ status: "CLOSED", progress: { total: 3, kept: 3, revoked: 0, undecided: 0 } });
    expect(closed?.closedAt).not.toBeNull();
    expect(codesAndFields((await close("admin")).errors)).toEqual([{ code: "INVALID_STATE", field: null }]);
    const carols = await itemOf(review.id, "carol");
    expect(carols).toMatchObject({
      decision: "KEEP",
      decidedBy: null,
      viewerCannotDecideReason: "The campaign is closed.",
    });
    expect(codesAndFields((await decide("admin", carols.id, "REVOKE", "too late")).errors)).toEqual([
      { code: "INVALID_STATE", field: null },
    ]);
    const { events } = await trail();
    expect(events.findLast((e) => e.action === "REVIEW_CLOSED")).toMatchObject({
      actorId: person("admin"),
      data: { reviewId: review.id, reason: "closed by admin", kept: 3, revoked: 0, undecided: 2 },
    });
  });

  it("at the deadline: closeDueReviews closes what is due once, and undecided access is revoked", async () => {
    const holder = await createResource(github);
    const grantId = await grant("carol", holder);
    const review = await started({
      resourceIds: [holder],
      reviewerRule: "NAMED",
      reviewerIds: [person("bob")],
      deadline: inHours(1),
    });
    const closedAt = async (now: Date) =>
      (await closeDueReviews(t.server.db, now)).map((id) => gid("AccessReview", id));
    expect(await closedAt(new Date())).not.toContain(review.id);
    expect(await closedAt(new Date(Date.now() + 2 * 3_600_000))).toContain(review.id);
    expect(await closedAt(new Date(Date.now() + 2 * 3_600_000))).toEqual([]);
    const item = await itemOf(review.id, "carol");
    expect(item).toMatchObject({ decision: "REVOKE", decidedBy: null, grant: { id: grantId, status: "REVOKED" } });
    const { events } = await trail();
    expect(
      events.find((e) => e.action === "REVIEW_ITEM_DECIDED" && jsonObject(e.data, "data").itemId === item.id),
    ).toMatchObject({
      actorId: null,
      data: { decision: "REVOKE", by: "deadline", grantEnded: true },
    });
    expect(
      events.find((e) => e.action === "GRANT_REVOKED" && jsonObject(e.data, "data").grantId === grantId)?.comment,
    ).toMatch(/^access review REV-\d+: nobody decided by the end of the campaign$/);
    expect(events.findLast((e) => e.action === "REVIEW_CLOSED")).toMatchObject({
      actorId: null,
      data: { reviewId: review.id, reason: "deadline", kept: 0, revoked: 1, undecided: 1 },
    });
  });
});

describe("the evidence export", () => {
  let reviewId = "";
  beforeAll(async () => {
    reviewId = (await started({ resourceIds: [vault], reviewerRule: "RESOURCE_APPROVERS" })).id;
    accepted(await decide("carol", (await itemOf(reviewId, "alice")).id, "KEEP", "=still needed"), "KEEP");
  });
  const url = (format: string) => `${t.url}/reviews/${encodeURIComponent(reviewId)}/export.${format}`;
  const get = (format: string, as: Person | null) =>
    fetch(url(format), { headers: as ? { authorization: `Bearer ${token(as)}` } : {} });

  it("gives one JSON line per item with the decision, who made it and the grant's status now", async () => {
    const res = await get("jsonl", "admin");
    expect(res.status).toBe(200);
    const rows = (await res.text())
      .trim()
      .split("\n")
      .map((line) => jsonObject(JSON.parse(line), "a row"));
    const listed = await items(reviewId);
    expect(rows).toHaveLength(listed.length);
    const alices = present(
      rows.find((r) => r.holderEmail === "alice@example.com"),
      "Alice's row",
    );
    expect(alices).toMatchObject({
      review: `REV-${present(await detail(reviewId), "review").number}`,
      holderName: "Alice Employee",
      system: "GitHub",
      reviewers: ["carol.security@example.com", "dave.it@example.com"],
      decision: "KEEP",
      decidedBy: "carol.security@example.com",
      comment: "=still needed",
      grantStatus: "ACTIVE",
    });
    expect(
      present(
        rows.find((r) => r.holderEmail === "dave.it@example.com"),
        "Dave's row",
      ),
    ).toMatchObject({
      decision: null,
      decidedBy: null,
    });
  });

  it("gives the same rows as CSV, with formulas defused", async () => {
    const res = await get("csv", "admin");
    expect(res.status).toBe(200);
    const lines = (await res.text()).trim().split("\r\n");
    expect(lines[0]).toBe(
      "review,reviewName,itemId,holderEmail,holderName,resource,system,reviewers,assignedToAdmins,decision,decidedBy,decidedAt,comment,grantId,grantStatus",
    );
    expect(lines).toHaveLength(3);
    expect(lines.find((l) => l.includes("alice@example.com"))).toContain(",KEEP,carol.security@example.com,");
    expect(lines.find((l) => l.includes("alice@example.com"))).toContain(",'=still needed,");
  });

  it("is for admins only, and answers 404 for an unknown review", async () => {
    for (const format of ["csv", "jsonl"]) {
      expect((await get(format, null)).status).toBe(401);
      expect((await get(format, "carol")).status).toBe(403);
    }
    const unknown = await fetch(`${t.url}/reviews/${encodeURIComponent(gid("AccessReview", "nope0"))}/export.csv`, {
      headers: { authorization: `Bearer ${token("admin")}` },
    });
    expect(unknown.status).toBe(404);
  });
});

describe("live", () => {
  it("delivers a decision to the item's reviewers and admins, and nothing to its holder", async () => {
    const review = await started({ resourceIds: [vault], reviewerRule: "RESOURCE_APPROVERS" });
    const { events } = await trail();
    const from = Number(present(events.at(-1), "the last event").sequence);
    const carol = collect(t.ws(token("carol")), AccessReviewItemChanged, { afterSequence: from - 1 }, 2);
    const admin = collect(t.ws(token("admin")), AccessReviewItemChanged, { afterSequence: from - 1 }, 2);
    const alice = collect(t.ws(token("alice")), AccessReviewItemChanged, { afterSequence: from - 1 }, 1, 1500);
    const alicesItem = await itemOf(review.id, "alice");
    accepted(await decide("dave", alicesItem.id, "KEEP"), "KEEP");
    for (const feed of [carol, admin]) {
      const got = await feed.done;
      expect(feed.errors).toEqual([]);
      expect(got.map((c) => [c.accessReviewItemChanged.action, c.accessReviewItemChanged.item?.id ?? null])).toEqual([
        ["REVIEW_STARTED", null],
        ["REVIEW_ITEM_DECIDED", alicesItem.id],
      ]);
      expect(got[1]?.accessReviewItemChanged).toMatchObject({
        decision: "KEEP",
        actor: { email: "dave.it@example.com" },
        review: { id: review.id, progress: { kept: 1, undecided: 1 } },
      });
    }
    // Alice holds access under review and reviews nothing in this campaign.
    expect(await alice.done).toEqual([]);
    expect(alice.errors).toEqual([]);
  });

  it("leaves an audit chain that verifies", async () => {
    const { lines } = await trail();
    expect(await verifyLines(lines)).toMatchObject({ ok: true, count: lines.length });
  });
});
