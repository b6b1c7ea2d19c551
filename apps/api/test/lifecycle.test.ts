// The lifecycle tables (domain/lifecycle.ts) and their writers: open and actionable statuses
// follow from the transitions, the request transitions are exactly what item moves can cause,
// every allowed transition works through the writer on a real database and writes its audit
// event, refused ones write nothing; and Request.viewerCanCancel follows cancelRequest's rule.
import { CancelRequest, CreateRequest, RequestDetail } from "@access/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DemoOrganisation } from "../src/demo/demo-organisation.ts";
import type { Database } from "../src/db/database.ts";
import { createResource } from "../src/domain/catalog/catalog.ts";
import { DomainError } from "../src/domain/errors.ts";
import {
  ACTIONABLE_TICKET_STATUSES,
  checkTicketCreation,
  deriveRequestStatus,
  ITEM_TRANSITIONS,
  type ItemStatus,
  LifecycleError,
  moveItem,
  moveTicket,
  moveTicketIfStill,
  OPEN_ITEM_STATUSES,
  OPEN_TICKET_STATUSES,
  refreshRequestStatus,
  REQUEST_TRANSITIONS,
  TICKET_TRANSITIONS,
  type TicketMoveAction,
  type TicketTransition,
} from "../src/domain/lifecycle.ts";
import { createRequest } from "../src/domain/requests/request-actions.ts";
import type { Actor } from "../src/domain/work.ts";
import type { RequestStatus, TicketKind, TicketStatus } from "../src/generated/prisma/client.ts";
import { demoDatabase } from "./databases.ts";
import { dataOf, gid, present, startTestServer, type TestServer } from "./harness.ts";

describe("the lifecycle tables", () => {
  it("call a ticket open while a transition leaves its status, and actionable while an assignee's does", () => {
    expect(OPEN_TICKET_STATUSES).toEqual({
      APPROVAL: ["OPEN"],
      FULFILLMENT: ["OPEN", "IN_PROGRESS", "FAILED"],
      REVOCATION: ["OPEN"],
    });
    expect(ACTIONABLE_TICKET_STATUSES).toEqual({
      APPROVAL: ["OPEN"],
      FULFILLMENT: ["OPEN", "FAILED"],
      REVOCATION: ["OPEN"],
    });
    expect([...OPEN_ITEM_STATUSES].sort()).toEqual(["APPROVED", "FAILED", "PENDING_APPROVAL"]);
  });

  it("record exactly a ticket's creation as TICKET_CREATED", () => {
    for (const t of TICKET_TRANSITIONS)
      expect(t.action === "TICKET_CREATED", `${t.kind} ${t.from} → ${t.to}`).toBe(t.from === null);
  });

  it("move a ticket's item only along item transitions", () => {
    for (const t of TICKET_TRANSITIONS) {
      if (!t.item) continue;
      const { from, to } = t.item;
      expect(
        ITEM_TRANSITIONS.some((i) => i.from === from && i.to === to),
        `${t.kind} ${t.from} → ${t.to}`,
      ).toBe(true);
    }
  });

  it("list exactly the request changes that item moves can cause", () => {
    // Every state reachable from a new request of one to three items, by single item moves and
    // by a cancellation (all open items at once); each move's change of the derived status.
    const moves = ITEM_TRANSITIONS.filter((t) => t.from !== null && t.to !== "CANCELLED");
    const caused = new Set<string>();
    const seen = new Set<string>();
    const queue: RequestStatus[][] = [1, 2, 3].map((n) => Array<RequestStatus>(n).fill("PENDING_APPROVAL"));
    const visit = (before: RequestStatus[], after: RequestStatus[]) => {
      const [from, to] = [deriveRequestStatus(before), deriveRequestStatus(after)];
      if (from !== to) caused.add(`${from} → ${to}`);
      const key = [...after].sort().join();
      if (!seen.has(key)) {
        seen.add(key);
        queue.push(after);
      }
    };
    for (let items = queue.shift(); items; items = queue.shift()) {
      items.forEach((status, index) => {
        for (const move of moves.filter((m) => m.from === status)) visit(items, items.with(index, move.to));
      });
      if (items.some((s) => OPEN_ITEM_STATUSES.includes(s))) {
        visit(
          items,
          items.map((s) => (OPEN_ITEM_STATUSES.includes(s) ? "CANCELLED" : s)),
        );
      }
    }
    const listed = Object.entries(REQUEST_TRANSITIONS)
      .filter(([from]) => from !== "(new)")
      .flatMap(([from, tos]) => (tos ?? []).map((to) => `${from} → ${to}`));
    expect([...caused].sort()).toEqual(listed.sort());
  });
});

let fixture: Awaited<ReturnType<typeof demoDatabase>>;
let db: Database;
let org: DemoOrganisation;
const actor = (who: "alice" | "admin"): Actor => ({ id: org.ids[who], role: who === "admin" ? "ADMIN" : "END_USER" });

beforeAll(async () => {
  fixture = await demoDatabase();
  ({ db, org } = fixture);
});
afterAll(() => fixture.close());

let resources = 0;
/** A fresh request of Alice's with one item and its first (approval) ticket, set to the given statuses. */
async function arrange(ticket: { kind: TicketKind; status: TicketStatus }, itemStatus: RequestStatus) {
  const resourceId = await db.transact((work) =>
    createResource(work, actor("admin"), {
      systemId: org.githubSystemId,
      name: `Lifecycle ${++resources}`,
      sensitivity: "STANDARD",
    }),
  );
  const { requestId } = await db.transact((work) =>
    createRequest(work, actor("alice"), { resourceIds: [resourceId], justification: "lifecycle" }),
  );
  const row = await db.read.ticket.findFirstOrThrow({ where: { requestId }, select: { id: true, itemId: true } });
  await db.transact(async ({ tx }) => {
    await tx.ticket.update({ where: { id: row.id }, data: ticket });
    await tx.requestItem.update({ where: { id: row.itemId }, data: { status: itemStatus } });
  });
  return { id: row.id, itemId: row.itemId, requestId, kind: ticket.kind };
}

const state = async (ref: { id: string; itemId: string }) => ({
  ticket: (await db.read.ticket.findUniqueOrThrow({ where: { id: ref.id } })).status,
  item: await db.read.requestItem.findUniqueOrThrow({ where: { id: ref.itemId } }),
});

const lastEvent = () => db.read.auditEvent.findFirstOrThrow({ orderBy: { sequence: "desc" } });

/** Each move action's data beyond the status change (audit/events.ts). */
const DETAILS = {
  TICKET_APPROVED: { step: 1, override: false },
  TICKET_REJECTED: { step: 1, override: true },
  TICKET_FULFILLED: { override: false },
  TICKET_FAILED: { errorCode: "REFUSED", error: "the peer said no", attempts: 3 },
  TICKET_STATUS_CHANGED: { reason: "request cancelled" },
} as const;

describe("moveTicket", () => {
  const moves = TICKET_TRANSITIONS.filter(
    (t): t is TicketTransition & { from: TicketStatus; action: TicketMoveAction } =>
      t.from !== null && t.action !== "TICKET_CREATED",
  );

  it.each(moves.map((t) => [`${t.kind} ${t.from} → ${t.to}`, t] as const))(
    "moves a ticket %s, its item along, and writes the table's audit event",
    async (_name, t) => {
      const itemBefore: ItemStatus = t.item?.from ?? "APPROVED";
      const ref = await arrange({ kind: t.kind, status: t.from }, itemBefore);
      const data = { previousStatus: t.from, status: t.to, kind: t.kind, ...DETAILS[t.action] };
      await db.transact((work) =>
        moveTicket<TicketMoveAction>(work, ref, { action: t.action, actorId: org.ids.bob, data }),
      );
      const after = await state(ref);
      expect(after.ticket).toBe(t.to);
      expect(after.item.status).toBe(t.item?.to ?? itemBefore);
      expect(after.item.openKey === null).toBe(t.item ? !OPEN_ITEM_STATUSES.includes(t.item.to) : false);
      const event = await lastEvent();
      expect({ action: event.action, ticketId: event.ticketId, data: JSON.parse(event.data) as unknown }).toEqual({
        action: t.action,
        ticketId: ref.id,
        data,
      });
    },
  );

  it.each([
    ["APPROVAL", "OPEN", "FULFILLED"],
    ["APPROVAL", "APPROVED", "OPEN"],
    ["FULFILLMENT", "FULFILLED", "OPEN"],
    ["FULFILLMENT", "CANCELLED", "OPEN"],
    ["FULFILLMENT", "OPEN", "FAILED"],
    // Nothing cancels a revocation: once a grant is revoked, its access must go.
    ["REVOCATION", "OPEN", "CANCELLED"],
  ] as const)("refuses a %s ticket %s → %s as a programming error, writing nothing", async (kind, from, to) => {
    const ref = await arrange({ kind, status: from }, "APPROVED");
    const head = await db.read.auditHead.findUniqueOrThrow({ where: { id: 1 } });
    await expect(
      db.transact((work) =>
        moveTicket(work, ref, {
          action: "TICKET_STATUS_CHANGED",
          actorId: null,
          data: { previousStatus: from, status: to, kind, reason: "request cancelled" },
        }),
      ),
    ).rejects.toBeInstanceOf(LifecycleError);
    expect((await state(ref)).ticket).toBe(from);
    expect(await db.read.auditHead.findUniqueOrThrow({ where: { id: 1 } })).toEqual(head);
  });

  it("refuses an audit action that is not the transition's", async () => {
    const ref = await arrange({ kind: "APPROVAL", status: "OPEN" }, "PENDING_APPROVAL");
    await expect(
      db.transact((work) =>
        moveTicket(work, ref, {
          action: "TICKET_REJECTED",
          actorId: null,
          data: { previousStatus: "OPEN", status: "APPROVED", kind: "APPROVAL", step: 1, override: false },
        }),
      ),
    ).rejects.toBeInstanceOf(LifecycleError);
  });

  it("answers INVALID_STATE when the ticket left `from` meanwhile; moveTicketIfStill says false", async () => {
    const ref = await arrange({ kind: "FULFILLMENT", status: "CANCELLED" }, "CANCELLED");
    const event = {
      action: "TICKET_FULFILLED",
      actorId: null,
      data: {
        previousStatus: "IN_PROGRESS",
        status: "FULFILLED",
        kind: "FULFILLMENT",
        by: "connector",
        verified: true,
      },
    } as const;
    const refusal = await db.transact((work) => moveTicket(work, ref, event)).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(DomainError);
    expect((refusal as DomainError).code).toBe("INVALID_STATE");
    expect(await db.transact((work) => moveTicketIfStill(work, ref, event))).toBe(false);
    expect((await state(ref)).ticket).toBe("CANCELLED");
  });

  it("creates tickets only in the table's first statuses", () => {
    expect(() => checkTicketCreation("APPROVAL", "OPEN")).not.toThrow();
    expect(() => checkTicketCreation("FULFILLMENT", "IN_PROGRESS")).not.toThrow();
    expect(() => checkTicketCreation("APPROVAL", "IN_PROGRESS")).toThrow(LifecycleError);
    expect(() => checkTicketCreation("FULFILLMENT", "FULFILLED")).toThrow(LifecycleError);
  });
});

describe("moveItem", () => {
  const moves = ITEM_TRANSITIONS.filter((t): t is typeof t & { from: ItemStatus } => t.from !== null);

  it.each(moves.map((t) => [`${t.from} → ${t.to}`, t] as const))(
    "moves an item %s, freeing its openKey when it closes",
    async (_name, t) => {
      const ref = await arrange({ kind: "APPROVAL", status: "OPEN" }, t.from);
      await db.transact((work) => moveItem(work, { id: ref.itemId, status: t.from }, t.to));
      const { item } = await state(ref);
      expect(item.status).toBe(t.to);
      expect(item.openKey === null).toBe(!OPEN_ITEM_STATUSES.includes(t.to));
    },
  );

  it("refuses a move the table does not list, and INVALID_STATE for an item no longer in `from`", async () => {
    const ref = await arrange({ kind: "APPROVAL", status: "OPEN" }, "REJECTED");
    await expect(
      db.transact((work) => moveItem(work, { id: ref.itemId, status: "REJECTED" }, "APPROVED")),
    ).rejects.toBeInstanceOf(LifecycleError);
    await expect(
      db.transact((work) => moveItem(work, { id: ref.itemId, status: "PENDING_APPROVAL" }, "APPROVED")),
    ).rejects.toMatchObject({ code: "INVALID_STATE" });
    expect((await state(ref)).item.status).toBe("REJECTED");
  });
});

describe("refreshRequestStatus", () => {
  it("writes a derived change the table lists, with its audit event", async () => {
    const ref = await arrange({ kind: "APPROVAL", status: "REJECTED" }, "REJECTED");
    expect(await db.transact((work) => refreshRequestStatus(work, ref.requestId, null))).toBe("REJECTED");
    const request = await db.read.request.findUniqueOrThrow({ where: { id: ref.requestId } });
    expect(request.status).toBe("REJECTED");
    expect(request.closedAt).not.toBeNull();
    expect(JSON.parse((await lastEvent()).data)).toEqual({ previousStatus: "PENDING_APPROVAL", status: "REJECTED" });
  });

  it("refuses a change no item move can cause (a closed request opening again)", async () => {
    const ref = await arrange({ kind: "APPROVAL", status: "OPEN" }, "PENDING_APPROVAL");
    await db.transact(({ tx }) => tx.request.update({ where: { id: ref.requestId }, data: { status: "FULFILLED" } }));
    await expect(db.transact((work) => refreshRequestStatus(work, ref.requestId, null))).rejects.toBeInstanceOf(
      LifecycleError,
    );
  });
});

describe("Request.viewerCanCancel", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  const canCancel = async (token: string, id: string) =>
    (await dataOf(t.gql(token, RequestDetail, { id }))).request?.viewerCanCancel;

  it("is true for the requester and admins while an item is open, false for others and once nothing is open", async () => {
    const created = await dataOf(
      t.gql(t.org.tokens.alice, CreateRequest, {
        input: { resourceIds: [gid("Resource", t.org.resources.writeAccess)], justification: "cancel me" },
      }),
    );
    const id = present(created.createRequest.request, "the created request").id;
    expect(await canCancel(t.org.tokens.alice, id)).toBe(true);
    expect(await canCancel(t.org.tokens.admin, id)).toBe(true);
    // Bob approves it (he sees it) but is no party to it.
    expect(await canCancel(t.org.tokens.bob, id)).toBe(false);
    const cancelled = await dataOf(t.gql(t.org.tokens.alice, CancelRequest, { input: { requestId: id } }));
    expect(cancelled.cancelRequest.errors).toEqual([]);
    expect(await canCancel(t.org.tokens.alice, id)).toBe(false);
    expect(await canCancel(t.org.tokens.admin, id)).toBe(false);
  });
});
