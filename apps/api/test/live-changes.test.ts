// The live feed reads status changes back from the audit trail through one table and a
// validating decoder (live/changes.ts): every audit action is classified, every status-change
// action's data as the writer stores it reaches subscribers as its change, and an event whose
// data is malformed is reported in the log while the feed goes on.
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../src/db/database.ts";
import type { DemoOrganisation } from "../src/demo/demo-organisation.ts";
import type { AuditData } from "../src/domain/audit/events.ts";
import { toGlobalId } from "../src/domain/global-id.ts";
import { createRequest } from "../src/domain/requests/request-actions.ts";
import type { Actor, Work } from "../src/domain/work.ts";
import { AuditAction } from "../src/generated/prisma/enums.ts";
import { type ChangeKind, LIVE_KINDS, type StatusChange } from "../src/live/changes.ts";
import { LiveFeed } from "../src/live/feed.ts";
import { demoDatabase } from "./databases.ts";

type ChangeAction = { [A in AuditAction]: (typeof LIVE_KINDS)[A] extends null ? never : A }[AuditAction];
/** The actions whose changes carry a previous and a new status. */
type StatusAction = Exclude<
  ChangeAction,
  | "GRANT_ACTIVATED"
  | "GRANT_REVOKED"
  | "GRANT_EXPIRED"
  | "GRANT_EXTENDED"
  | "REVIEW_STARTED"
  | "REVIEW_ITEM_DECIDED"
  | "REVIEW_CLOSED"
>;

let fixture: Awaited<ReturnType<typeof demoDatabase>>;
let db: Database;
let org: DemoOrganisation;
/** A request of Alice's and its first ticket: what the sample events are about. */
let ids: { requestId: string; ticketId: string };
const admin = (): Actor => ({ id: org.ids.admin, role: "ADMIN" });

beforeAll(async () => {
  fixture = await demoDatabase();
  ({ db, org } = fixture);
  const { requestId } = await db.transact((work) =>
    createRequest(
      work,
      { id: org.ids.alice, role: "END_USER" },
      {
        resourceIds: [org.resources.writeAccess],
        justification: "live changes",
      },
    ),
  );
  const ticket = await db.read.ticket.findFirstOrThrow({ where: { requestId }, select: { id: true } });
  ids = { requestId, ticketId: ticket.id };
});
afterAll(() => fixture.close());

/** One event of each status-change action, shaped as its writers shape it. */
const samples = (): { [A in ChangeAction]: AuditData[A] } => {
  const ticket = { kind: "FULFILLMENT" } as const;
  return {
    REQUEST_CREATED: {
      previousStatus: null,
      status: "PENDING_APPROVAL",
      number: 1,
      targetId: toGlobalId("Identity", org.ids.alice),
      resourceIds: [toGlobalId("Resource", org.resources.writeAccess)],
    },
    REQUEST_STATUS_CHANGED: { previousStatus: "PENDING_APPROVAL", status: "APPROVED" },
    REQUEST_CANCELLED: { previousStatus: "APPROVED", status: "CANCELLED" },
    TICKET_CREATED: {
      ...ticket,
      previousStatus: null,
      status: "IN_PROGRESS",
      number: 2,
      step: null,
      assigneeIds: [],
      assigneeGroupId: toGlobalId("Group", org.fulfillersGroupId),
      assignedToAdmins: false,
      fallbackReason: null,
    },
    TICKET_APPROVED: { previousStatus: "OPEN", status: "APPROVED", kind: "APPROVAL", step: 1, override: false },
    TICKET_REJECTED: { previousStatus: "OPEN", status: "REJECTED", kind: "APPROVAL", step: 1, override: true },
    TICKET_FULFILLED: {
      ...ticket,
      previousStatus: "IN_PROGRESS",
      status: "FULFILLED",
      by: "connector",
      verified: true,
    },
    TICKET_FAILED: {
      ...ticket,
      previousStatus: "IN_PROGRESS",
      status: "FAILED",
      errorCode: "UNREACHABLE",
      error: "no answer",
      attempts: 5,
    },
    TICKET_STATUS_CHANGED: { ...ticket, previousStatus: "FAILED", status: "OPEN", reason: "retry", override: false },
    TICKET_REASSIGNED: {
      previousStatus: "OPEN",
      status: "OPEN",
      kind: "APPROVAL",
      step: 1,
      reason: "assignee deactivated",
      previousAssigneeIds: [toGlobalId("Identity", org.ids.bob)],
      assigneeIds: [],
      assigneeGroupId: null,
      assignedToAdmins: true,
      fallbackReason: "the manager is no longer active",
    },
    TICKET_REMINDED: {
      previousStatus: "OPEN",
      status: "OPEN",
      kind: "APPROVAL",
      slaHours: 24,
      assigneeIds: [toGlobalId("Identity", org.ids.bob)],
      assigneeGroupId: null,
      assignedToAdmins: false,
    },
    TICKET_ESCALATED: {
      previousStatus: "OPEN",
      status: "OPEN",
      kind: "APPROVAL",
      slaHours: 24,
      previousAssigneeIds: [toGlobalId("Identity", org.ids.bob)],
      previousAssigneeGroupId: null,
      assigneeGroupId: null,
      assignedToAdmins: true,
    },
    TICKET_CLAIMED: {
      previousStatus: "OPEN",
      status: "OPEN",
      kind: "APPROVAL",
      claimedById: toGlobalId("Identity", org.ids.bob),
      previousClaimedById: null,
    },
    SYSTEM_HEALTH_CHANGED: {
      systemId: toGlobalId("System", org.githubSystemId),
      previousStatus: "HEALTHY",
      status: "DOWN",
      message: "no answer",
    },
    GRANT_ACTIVATED: { ...grant, expiresAt: null },
    GRANT_REVOKED: grant,
    GRANT_EXPIRED: { ...grant, expiresAt: "2026-01-01T00:00:00.000Z" },
    GRANT_EXTENDED: {
      ...grant,
      itemId: toGlobalId("RequestItem", "item-1"),
      previousExpiresAt: null,
      expiresAt: "2027-01-01T00:00:00.000Z",
    },
    REVIEW_STARTED: {
      ...review,
      number: 1,
      name: "Quarterly review",
      reviewerRule: "MANAGER",
      onDeadline: "REVOKE",
      deadline: "2100-01-01T00:00:00.000Z",
      systemIds: [toGlobalId("System", org.githubSystemId)],
      resourceIds: [],
      reviewerIds: [],
      items: 1,
      assignedToAdmins: 0,
    },
    REVIEW_ITEM_DECIDED: {
      ...review,
      itemId: toGlobalId("AccessReviewItem", "sampleItem"),
      grantId: toGlobalId("Grant", "sampleGrant"),
      identityId: toGlobalId("Identity", org.ids.alice),
      resourceId: toGlobalId("Resource", org.resources.writeAccess),
      decision: "REVOKE",
      by: "reviewer",
      override: false,
      grantEnded: true,
    },
    REVIEW_CLOSED: { ...review, reason: "deadline", kept: 0, revoked: 1, undecided: 0 },
  };
};
/** The campaign the review samples are about (the decoder does not look it up). */
const review = { reviewId: toGlobalId("AccessReview", "sampleReview") };

const SAMPLE_GRANT_ID = "grant-1";
const grant = {
  grantId: toGlobalId("Grant", SAMPLE_GRANT_ID),
  identityId: toGlobalId("Identity", "alice-id"),
  resourceId: toGlobalId("Resource", "resource-1"),
};

function appendSample<A extends ChangeAction>(work: Work, action: A, data: AuditData[A]): void {
  const kind = LIVE_KINDS[action];
  const about = kind === "health" || kind === "review" ? {} : kind === "grant" ? { requestId: ids.requestId } : ids;
  work.audit.append<A>({ action, actorId: org.ids.bob, ...about, data });
}

/** The first `count` changes of a kind after `afterSequence`, through a feed started now. */
async function delivered(feed: LiveFeed, kind: ChangeKind, afterSequence: number, count: number) {
  const stream = feed.subscribe(admin(), { kind, afterSequence });
  const changes: StatusChange[] = [];
  for await (const change of stream) {
    changes.push(change);
    if (changes.length === count) break;
  }
  return changes;
}

const head = async () => (await db.read.auditHead.findUniqueOrThrow({ where: { id: 1 } })).sequence;

describe("the live feed's classification", () => {
  it("classifies every audit action of the schema", () => {
    expect(Object.keys(LIVE_KINDS).sort()).toEqual(Object.values(AuditAction).sort());
    for (const action of Object.values(AuditAction))
      expect([null, "ticket", "request", "health", "grant", "review"]).toContain(LIVE_KINDS[action]);
  });

  it("delivers each status-change action's stored data as its change", async () => {
    const before = await head();
    const all = samples();
    const actions = Object.keys(all) as ChangeAction[];
    const statusActions = actions.filter(
      (action): action is StatusAction => LIVE_KINDS[action] !== "grant" && LIVE_KINDS[action] !== "review",
    );
    await db.transact(async (work) => {
      for (const action of actions) appendSample(work, action, all[action]);
    });
    const feed = new LiveFeed(db.read, pino({ level: "silent" }));
    await feed.start();
    try {
      for (const kind of ["ticket", "request", "health"] as const) {
        const expected = statusActions
          .filter((action) => LIVE_KINDS[action] === kind)
          .map((action) => {
            const data = all[action];
            const [previousStatus, status] = "status" in data ? [data.previousStatus, data.status] : [];
            const about =
              kind === "health"
                ? { systemId: org.githubSystemId, message: "no answer" }
                : kind === "ticket"
                  ? { ...ids, actorId: org.ids.bob }
                  : { requestId: ids.requestId, actorId: org.ids.bob };
            return { kind, previousStatus, status, ...about };
          });
        const changes = await delivered(feed, kind, before, expected.length);
        expect(changes.map(({ sequence: _s, at: _a, ...change }) => change)).toEqual(expected);
      }
      const grantChanges = await delivered(feed, "grant", before, 4);
      expect(grantChanges.map(({ sequence: _s, at: _a, ...change }) => change)).toEqual(
        ["ACTIVATED", "REVOKED", "EXPIRED", "EXTENDED"].map((action) => ({
          kind: "grant",
          action,
          grantId: SAMPLE_GRANT_ID,
          identityId: "alice-id",
          actorId: org.ids.bob,
        })),
      );
      const reviewChanges = await delivered(feed, "review", before, 3);
      const about = { kind: "review", reviewId: "sampleReview", actorId: org.ids.bob };
      expect(reviewChanges.map(({ sequence: _s, at: _a, ...change }) => change)).toEqual([
        { ...about, action: "REVIEW_STARTED", itemId: null, decision: null },
        { ...about, action: "REVIEW_ITEM_DECIDED", itemId: "sampleItem", decision: "REVOKE" },
        { ...about, action: "REVIEW_CLOSED", itemId: null, decision: null },
      ]);
    } finally {
      feed.stop();
    }
  });
});

describe("a malformed stored event", () => {
  it("is logged with its sequence and problem, and the feed goes on with the next change", async () => {
    const logged: { sequence?: number; action?: string; problem?: string; msg?: string }[] = [];
    const log = pino({ level: "error" }, { write: (line: string) => void logged.push(JSON.parse(line)) });
    const feed = new LiveFeed(db.read, log);
    await feed.start();
    const stream = feed.subscribe(admin(), { kind: "ticket" });
    try {
      await db.transact(async (work) => {
        // A writer bug the types would refuse, forced here to stand for a damaged row.
        const damaged = { previousStatus: "OPEN", status: "DONE" } as unknown as AuditData["TICKET_APPROVED"];
        appendSample(work, "TICKET_APPROVED", damaged);
        appendSample(work, "TICKET_REJECTED", samples().TICKET_REJECTED);
      });
      feed.poke();
      const next = await stream.next();
      expect(next.value).toMatchObject({ kind: "ticket", previousStatus: "OPEN", status: "REJECTED" });
      const sequence = (await head()) - 1;
      expect(logged).toContainEqual(
        expect.objectContaining({ sequence, action: "TICKET_APPROVED", problem: expect.stringContaining('"DONE"') }),
      );
    } finally {
      await stream.return(undefined);
      feed.stop();
    }
  });
});
