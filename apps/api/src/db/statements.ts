// The hottest writes as raw SQL on the writing transaction's own connection, one implementation
// per provider, behind the domain functions (which keep every rule and call these instead of
// ORM statements). An ORM statement inside Prisma's interactive transaction costs several times
// the statement itself (docs/performance.md); these skip query building and planning.
//
// SQLite: prepared better-sqlite3 statements on the connection Prisma's adapter holds. The
// adapter runs its transaction as BEGIN … COMMIT on that one connection (one transaction at a
// time), so a statement issued while the transaction is open is part of it: it sees the
// transaction's uncommitted rows and commits or rolls back with it (statements.test.ts proves
// it; the handle is an undocumented field, hence the exact adapter version in package.json).
// PostgreSQL: `tx.$queryRaw` inside the same transaction (no shared handle to reach).
//
// The SQLite statements bypass Prisma, so they are reported to the query listeners themselves
// (statement counts stay true); PostgreSQL's raw queries reach them through Prisma's events.
import { randomBytes } from "node:crypto";
import type Sqlite from "better-sqlite3";
import type { Tx } from "../domain/work.ts";

/** The raw statements a domain transition may use, bound to one open transaction. */
export interface Statements {
  /** Increments the named counter and returns its new value (REQ-n, TKT-n). */
  nextNumber(name: "request" | "ticket"): Promise<number>;
  /** Advances the audit chain head by `count`, taking its row lock first; returns the new head. */
  advanceAuditHead(count: number): Promise<{ sequence: number; hash: string }>;
  /** Appends audit events, in order. */
  insertAuditEvents(rows: readonly AuditRow[]): Promise<void>;
  /** Sets the chain head's hash (the last appended event's). */
  setAuditHeadHash(hash: string): Promise<void>;
}

/** An audit event row; its id and time are made by the writer, as Prisma would have. */
export interface AuditRow {
  id: string;
  sequence: number;
  at: Date;
  actorId: string | null;
  action: string;
  requestId: string | null;
  ticketId: string | null;
  comment: string | null;
  data: string;
  prevHash: string;
  hash: string;
}

let idCounter = 0;

/**
 * A new row id shaped like the cuids Prisma makes for `@default(cuid())` (25 lowercase
 * characters starting with "c": time, a per-process counter, randomness), for rows inserted
 * without the ORM. Ids are opaque; the shape only keeps them looking alike.
 */
export function newId(): string {
  idCounter = (idCounter + 1) % 36 ** 4;
  return `c${Date.now().toString(36).padStart(8, "0")}${idCounter.toString(36).padStart(4, "0")}${randomBytes(6).toString("hex")}`;
}

/** Makes the statements of one transaction. */
export type StatementsFactory = (tx: Tx) => Statements;

type Report = (sql: string) => void;

const AUDIT_COLUMNS = `"id", "sequence", "at", "actorId", "action", "requestId", "ticketId", "comment", "data", "prevHash", "hash"`;
const ADVANCE_HEAD = `UPDATE "AuditHead" SET "sequence" = "sequence" + ? WHERE "id" = 1 RETURNING "sequence", "hash"`;
const ADVANCE_HEAD_PG = `UPDATE "AuditHead" SET "sequence" = "sequence" + $1 WHERE "id" = 1 RETURNING "sequence", "hash"`;
const SET_HEAD_HASH = `UPDATE "AuditHead" SET "hash" = ? WHERE "id" = 1`;
const SET_HEAD_HASH_PG = `UPDATE "AuditHead" SET "hash" = $1 WHERE "id" = 1`;

/**
 * One multi-row insert of `count` audit events: `?` placeholders on SQLite, numbered ones on
 * PostgreSQL, where the action is its enum type.
 */
function insertAuditSql(count: number, provider: "sqlite" | "postgresql"): string {
  const rows = Array.from({ length: count }, (_, r) => {
    const p = (i: number) => (provider === "sqlite" ? "?" : `$${r * 11 + i}`);
    const action = provider === "sqlite" ? p(5) : `${p(5)}::"AuditAction"`;
    return `(${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${action}, ${p(6)}, ${p(7)}, ${p(8)}, ${p(9)}, ${p(10)}, ${p(11)})`;
  });
  return `INSERT INTO "AuditEvent" (${AUDIT_COLUMNS}) VALUES ${rows.join(", ")}`;
}

/** Rows per SQLite insert: far below its 32,766 bound variables (11 a row), and one statement for any one change. */
const SQLITE_AUDIT_ROWS_PER_INSERT = 100;

const auditValues = (row: AuditRow, at: Date | string) =>
  [
    row.id,
    row.sequence,
    at,
    row.actorId,
    row.action,
    row.requestId,
    row.ticketId,
    row.comment,
    row.data,
    row.prevHash,
    row.hash,
  ] as const;

/** How Prisma's SQLite adapter stores a DateTime (ISO 8601 with an explicit offset): the same text. */
const sqliteTime = (at: Date) => at.toISOString().replace("Z", "+00:00");

const NEXT_NUMBER = `UPDATE "Counter" SET "value" = "value" + 1 WHERE "name" = ? RETURNING "value"`;
const NEXT_NUMBER_PG = `UPDATE "Counter" SET "value" = "value" + 1 WHERE "name" = $1 RETURNING "value"`;

function one<T>(row: T | undefined, what: string): T {
  if (row === undefined) throw new Error(`statements: ${what} found no row`);
  return row;
}

/** SQLite: statements prepared once on the write connection, valid for every transaction on it. */
export function sqliteStatements(connection: () => Sqlite.Database, report: Report): StatementsFactory {
  type Head = { sequence: number; hash: string };
  let prepared: {
    nextNumber: Sqlite.Statement<[string], { value: number }>;
    advanceHead: Sqlite.Statement<[number], Head>;
    /** Multi-row inserts by row count, prepared on first use. */
    insertAudit: Map<number, { sql: string; statement: Sqlite.Statement<unknown[]> }>;
    setHeadHash: Sqlite.Statement<[string]>;
  } | null = null;
  let preparedOn: Sqlite.Database | null = null;
  const statements = () => {
    const db = connection();
    // Prepared once per connection (Prisma opens a new one if it reconnects after a disconnect).
    if (prepared && preparedOn === db) return prepared;
    preparedOn = db;
    // The adapter turns safe integers on for the connection; these columns fit a JS number.
    prepared = {
      nextNumber: db.prepare<[string], { value: number }>(NEXT_NUMBER).safeIntegers(false),
      advanceHead: db.prepare<[number], Head>(ADVANCE_HEAD).safeIntegers(false),
      insertAudit: new Map(),
      setHeadHash: db.prepare<[string]>(SET_HEAD_HASH),
    };
    return prepared;
  };
  const bound: Statements = {
    async nextNumber(name) {
      report(NEXT_NUMBER);
      return one(statements().nextNumber.get(name), `counter ${name}`).value;
    },
    async advanceAuditHead(count) {
      report(ADVANCE_HEAD);
      return one(statements().advanceHead.get(count), "the audit head");
    },
    async insertAuditEvents(rows) {
      const byCount = statements().insertAudit;
      const db = connection();
      for (let start = 0; start < rows.length; start += SQLITE_AUDIT_ROWS_PER_INSERT) {
        const chunk = rows.slice(start, start + SQLITE_AUDIT_ROWS_PER_INSERT);
        let insert = byCount.get(chunk.length);
        if (!insert) {
          const sql = insertAuditSql(chunk.length, "sqlite");
          insert = { sql, statement: db.prepare<unknown[]>(sql) };
          byCount.set(chunk.length, insert);
        }
        report(insert.sql);
        insert.statement.run(...chunk.flatMap((row) => auditValues(row, sqliteTime(row.at))));
      }
    },
    async setAuditHeadHash(hash) {
      report(SET_HEAD_HASH);
      statements().setHeadHash.run(hash);
    },
  };
  return () => bound;
}

/** PostgreSQL: the transaction's own raw queries. */
export function postgresStatements(): StatementsFactory {
  return (tx) => ({
    async nextNumber(name) {
      const rows = await tx.$queryRawUnsafe<{ value: number }[]>(NEXT_NUMBER_PG, name);
      return one(rows[0], `counter ${name}`).value;
    },
    async advanceAuditHead(count) {
      const rows = await tx.$queryRawUnsafe<{ sequence: number; hash: string }[]>(ADVANCE_HEAD_PG, count);
      return one(rows[0], "the audit head");
    },
    async insertAuditEvents(rows) {
      if (rows.length === 0) return;
      await tx.$executeRawUnsafe(
        insertAuditSql(rows.length, "postgresql"),
        ...rows.flatMap((row) => auditValues(row, row.at)),
      );
    },
    async setAuditHeadHash(hash) {
      await tx.$executeRawUnsafe(SET_HEAD_HASH_PG, hash);
    },
  });
}
