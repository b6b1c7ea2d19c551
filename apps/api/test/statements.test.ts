// The raw statements of db/statements.ts run inside the writing transaction: they see its
// uncommitted rows, their own writes are invisible to readers until the commit, and they roll
// back with it. On SQLite this rests on sharing the connection Prisma's adapter holds (an
// undocumented field, versions pinned), so this suite is the proof that the sharing still holds.
import Sqlite from "better-sqlite3";
import { describe, expect, it, vi } from "vitest";
import { openDatabase, type Database } from "../src/db/database.ts";
import { newId } from "../src/db/statements.ts";
import { loadDemoOrganisation } from "../src/demo/demo-organisation.ts";
import { createRequest } from "../src/domain/requests/request-actions.ts";
import { decideTicket, fulfillTicket } from "../src/domain/tickets/ticket-actions.ts";
import { freshDatabase } from "./databases.ts";

// An empty string means SQLite to freshDatabase; PostgreSQL too under `npm run test:scale`.
const targets = [["sqlite", ""]] as [string, string][];
if (process.env.TEST_DATABASE_URL) targets.push(["postgresql", process.env.TEST_DATABASE_URL]);

class Abort extends Error {}

async function counter(db: Database): Promise<number> {
  const row = await db.read.counter.findUnique({ where: { name: "ticket" } });
  return row?.value ?? -1;
}

describe.each(targets)("raw statements on %s", (_provider, base) => {
  it("join the transaction: see its rows, stay invisible until commit, roll back with it", async () => {
    const database = await freshDatabase(base);
    const db = await openDatabase(database.url);
    try {
      const before = await counter(db);
      let seenInside = -1;
      let seenOutside = -1;
      const rolledBack = await db
        .transact(async ({ tx, sql }) => {
          // An ORM write first, then the raw one must build on it (same transaction).
          await tx.counter.update({ where: { name: "ticket" }, data: { value: { increment: 10 } } });
          const next = await sql.nextNumber("ticket");
          expect(next).toBe(before + 11);
          seenInside = (await tx.counter.findUnique({ where: { name: "ticket" } }))?.value ?? -1;
          seenOutside = await counter(db);
          throw new Abort("roll back");
        })
        .catch((error: unknown) => error);
      expect(rolledBack).toBeInstanceOf(Abort);
      expect(seenInside).toBe(before + 11);
      expect(seenOutside).toBe(before);
      expect(await counter(db)).toBe(before);

      const committed = await db.transact(({ sql }) => sql.nextNumber("ticket"));
      expect(committed).toBe(before + 1);
      expect(await counter(db)).toBe(before + 1);
      expect(typeof committed).toBe("number");
    } finally {
      await db.close();
      await database.drop();
    }
  });

  it("append audit events that the ORM reads back as written, and move the head only on commit", async () => {
    const database = await freshDatabase(base);
    const db = await openDatabase(database.url);
    try {
      const headBefore = await db.read.auditHead.findUniqueOrThrow({ where: { id: 1 } });
      const rolledBack = await db
        .transact(async ({ audit }) => {
          audit.append({
            action: "CONFIG_CHANGED",
            actorId: null,
            data: { entity: "Group", entityId: "R3JvdXA6eA==", change: "updated" },
          });
          await audit.flush();
          throw new Abort("roll back");
        })
        .catch((error: unknown) => error);
      expect(rolledBack).toBeInstanceOf(Abort);
      expect(await db.read.auditHead.findUniqueOrThrow({ where: { id: 1 } })).toEqual(headBefore);

      const before = Date.now();
      await db.transact(async ({ audit }) => {
        audit.append({
          action: "CONFIG_CHANGED",
          actorId: null,
          data: { entity: "Group", entityId: "R3JvdXA6eA==", change: "created" },
        });
        audit.append({
          action: "CONFIG_CHANGED",
          actorId: null,
          comment: "second",
          data: { entity: "Group", entityId: "R3JvdXA6eA==", change: "updated" },
        });
      });
      const rows = await db.read.auditEvent.findMany({
        where: { sequence: { gt: headBefore.sequence } },
        orderBy: { sequence: "asc" },
      });
      expect(rows.map((row) => [row.sequence, row.action, row.comment, row.data, row.requestId])).toEqual([
        [
          headBefore.sequence + 1,
          "CONFIG_CHANGED",
          null,
          '{"change":"created","entity":"Group","entityId":"R3JvdXA6eA=="}',
          null,
        ],
        [
          headBefore.sequence + 2,
          "CONFIG_CHANGED",
          "second",
          '{"change":"updated","entity":"Group","entityId":"R3JvdXA6eA=="}',
          null,
        ],
      ]);
      for (const row of rows) {
        expect(row.id).toMatch(/^c[0-9a-z]{24}$/);
        expect(row.at.getTime()).toBeGreaterThanOrEqual(before - 1);
        expect(row.at.getTime()).toBeLessThanOrEqual(Date.now());
      }
      expect(rows[0]?.prevHash).toBe(headBefore.hash);
      expect(rows[1]?.prevHash).toBe(rows[0]?.hash);
      // Time-range filters compare the stored text (SQLite): a raw row must sort like an ORM row.
      const inRange = await db.read.auditEvent.count({ where: { at: { gte: new Date(before - 1) } } });
      expect(inRange).toBe(2);
      expect(await db.read.auditHead.findUniqueOrThrow({ where: { id: 1 } })).toEqual({
        id: 1,
        sequence: headBefore.sequence + 2,
        hash: rows[1]?.hash,
      });
    } finally {
      await db.close();
      await database.drop();
    }
  });

  it("are counted with the ORM's statements", async () => {
    const database = await freshDatabase(base);
    const db = await openDatabase(database.url);
    try {
      const statements: string[] = [];
      const stop = db.onQuery((sql) => statements.push(sql));
      await db.transact(({ sql }) => sql.nextNumber("request"));
      stop();
      expect(statements.filter((sql) => /UPDATE "Counter"/.test(sql))).toHaveLength(1);
    } finally {
      await db.close();
      await database.drop();
    }
  });
  it("write requests, items, tickets and grants that the ORM reads back as it would have written them", async () => {
    const database = await freshDatabase(base);
    const db = await openDatabase(database.url);
    try {
      const org = await loadDemoOrganisation(db);
      const before = new Date(Date.now() - 1);
      const { requestId } = await db.transact((work) =>
        createRequest(
          work,
          { id: org.ids.alice, role: "END_USER" },
          { resourceIds: [org.resources.writeAccess], justification: "raw" },
        ),
      );
      const approval = await db.read.ticket.findFirstOrThrow({
        where: { requestId },
        include: { assignees: { select: { id: true } } },
      });
      expect(approval).toMatchObject({ kind: "APPROVAL", status: "OPEN", step: 1, decidedAt: null, decidedById: null });
      expect(typeof approval.assignedToAdmins).toBe("boolean");
      expect(approval.id).toMatch(/^c[0-9a-z]{24}$/);
      expect(approval.assignees.map((a) => a.id)).toEqual([org.ids.bob]);
      await db.transact((work) =>
        decideTicket(work, { id: org.ids.bob, role: "END_USER" }, { ticketId: approval.id }, "APPROVED"),
      );
      const fulfillment = await db.read.ticket.findFirstOrThrow({ where: { requestId, kind: "FULFILLMENT" } });
      await db.transact((work) =>
        fulfillTicket(work, { id: org.ids.dave, role: "END_USER" }, { ticketId: fulfillment.id, comment: "done" }),
      );
      const request = await db.read.request.findUniqueOrThrow({
        where: { id: requestId },
        include: { items: true, tickets: { orderBy: { number: "asc" } }, grants: true },
      });
      expect(request.status).toBe("FULFILLED");
      expect(request.closedAt?.getTime()).toBeGreaterThanOrEqual(before.getTime());
      expect(request.items.map((i) => [i.status, i.openKey])).toEqual([["FULFILLED", null]]);
      expect(request.tickets.map((t) => [t.kind, t.status, t.decidedById])).toEqual([
        ["APPROVAL", "APPROVED", org.ids.bob],
        ["FULFILLMENT", "FULFILLED", org.ids.dave],
      ]);
      expect(request.grants.map((g) => [g.status, g.identityId, g.resourceId])).toEqual([
        ["ACTIVE", org.ids.alice, org.resources.writeAccess],
      ]);
      const times = [
        request.createdAt,
        request.updatedAt,
        ...request.items.flatMap((i) => [i.createdAt, i.updatedAt]),
        ...request.tickets.flatMap((t) => [t.createdAt, t.updatedAt, t.decidedAt]),
        ...request.grants.map((g) => g.grantedAt),
      ];
      for (const time of times) {
        expect(time?.getTime()).toBeGreaterThanOrEqual(before.getTime());
        expect(time?.getTime()).toBeLessThanOrEqual(Date.now());
      }
      // Range filters compare the stored values: raw rows must sort like ORM rows.
      expect(await db.read.ticket.count({ where: { requestId, createdAt: { gte: before } } })).toBe(2);
      expect(await db.read.request.count({ where: { id: requestId, closedAt: { lte: new Date() } } })).toBe(1);
    } finally {
      await db.close();
      await database.drop();
    }
  });

  it("run a transaction again when a raw insert meets a unique index (a concurrent writer won)", async () => {
    const database = await freshDatabase(base);
    const db = await openDatabase(database.url);
    try {
      const org = await loadDemoOrganisation(db);
      const { requestId } = await db.transact((work) =>
        createRequest(
          work,
          { id: org.ids.alice, role: "END_USER" },
          { resourceIds: [org.resources.writeAccess], justification: "first" },
        ),
      );
      const openKey = `${org.ids.alice}:${org.resources.writeAccess}`;
      let attempts = 0;
      const outcome = await db.transact(async ({ sql }) => {
        attempts += 1;
        // As a writer whose check ran before the other's commit: the open key is taken.
        if (attempts === 1) {
          await sql.insertRequestItem({
            id: newId(),
            requestId,
            resourceId: org.resources.writeAccess,
            status: "PENDING_APPROVAL",
            openKey,
            grantExpiresAt: null,
            extendsGrantId: null,
          });
        }
        return "second attempt";
      });
      expect([outcome, attempts]).toEqual(["second attempt", 2]);
      expect(await db.read.requestItem.count({ where: { requestId } })).toBe(1);
    } finally {
      await db.close();
      await database.drop();
    }
  });
});

describe("the SQLite adapter's connection", () => {
  it("prepares each statement text once and binds each run's own values", async () => {
    const database = await freshDatabase("");
    const db = await openDatabase(database.url);
    const prepare = vi.spyOn(Sqlite.prototype, "prepare");
    try {
      await db.transact(({ tx }) => tx.counter.create({ data: { name: "prepared-a", value: 1 } }));
      await db.transact(({ tx }) => tx.counter.create({ data: { name: "prepared-b", value: 2 } }));
      await db.transact(({ tx }) => tx.counter.create({ data: { name: "prepared-c", value: 3 } }));
      const texts = prepare.mock.calls.map(([sql]) => sql);
      // Three transactions of the same shape: every text (BEGIN, the insert, COMMIT) prepared once.
      expect(texts.length).toBeGreaterThan(0);
      expect(new Set(texts).size).toBe(texts.length);
      const values = await db.read.counter.findMany({
        where: { name: { startsWith: "prepared-" } },
        orderBy: { name: "asc" },
      });
      expect(values.map((c) => [c.name, c.value])).toEqual([
        ["prepared-a", 1],
        ["prepared-b", 2],
        ["prepared-c", 3],
      ]);
    } finally {
      prepare.mockRestore();
      await db.close();
      await database.drop();
    }
  });
});
