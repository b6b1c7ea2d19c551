// The hottest writes as raw SQL on the writing transaction's own connection, written once for
// both providers, behind the domain functions (which keep every rule and call these instead of
// ORM statements). An ORM statement inside Prisma's interactive transaction costs several times
// the statement itself (docs/performance.md); these skip query building and planning.
//
// SQLite: prepared better-sqlite3 statements on the connection Prisma's adapter holds. The
// adapter runs its transaction as BEGIN … COMMIT on that one connection (one transaction at a
// time), so a statement issued while the transaction is open is part of it: it sees the
// transaction's uncommitted rows and commits or rolls back with it (statements.test.ts proves
// it; the handle is an undocumented field, hence the exact adapter version in package.json).
// PostgreSQL: `tx.$queryRawUnsafe` inside the same transaction (no shared handle to reach).
//
// Rows are written as Prisma writes them: ids shaped like its cuids, `createdAt`/`updatedAt`
// set here (the ORM sets them client-side; SQLite's column default would store another text
// format), times in the text form the SQLite adapter stores.
//
// The SQLite statements bypass Prisma, so they are reported to the query listeners themselves
// (statement counts stay true); PostgreSQL's raw queries reach them through Prisma's events.
import { randomBytes } from "node:crypto";
import type Sqlite from "better-sqlite3";
import type { GrantStatus, RequestStatus, TicketKind, TicketStatus } from "../generated/prisma/client.ts";
import type { Tx } from "../domain/work.ts";

/** The raw statements a domain transition may use, bound to one open transaction. */
export interface Statements {
  /** Increments the named counter and returns its new value (REQ-n, TKT-n, REV-n). */
  nextNumber(name: "request" | "ticket" | "review"): Promise<number>;
  /** Advances the audit chain head by `count`, taking its row lock first; returns the new head. */
  advanceAuditHead(count: number): Promise<{ sequence: number; hash: string }>;
  /** Appends audit events, in order. */
  insertAuditEvents(rows: readonly AuditRow[]): Promise<void>;
  /** Sets the chain head's hash (the last appended event's). */
  setAuditHeadHash(hash: string): Promise<void>;

  insertRequest(row: RequestRow): Promise<void>;
  insertRequestItem(row: RequestItemRow): Promise<void>;
  insertTicket(row: TicketRow): Promise<void>;
  /** Names the ticket's assignees (the implicit many-to-many table). */
  insertTicketAssignees(ticketId: string, identityIds: readonly string[]): Promise<void>;
  insertGrant(row: GrantRow): Promise<void>;
  /** Names the reviewers of access review items (the implicit many-to-many table), in multi-row inserts. */
  insertReviewItemReviewers(links: readonly { itemId: string; identityId: string }[]): Promise<void>;
  /**
   * Moves a ticket `from → to` if it is still in `from`, recording who decided it when `decided`
   * is given; false when it had moved meanwhile.
   */
  moveTicket(move: {
    id: string;
    from: TicketStatus;
    to: TicketStatus;
    decided?: { byId: string | null; at: Date };
  }): Promise<boolean>;
  /** Moves the items still in `from` to `to` (clearing `openKey` when asked); returns how many moved. */
  moveItems(move: {
    ids: readonly string[];
    from: RequestStatus;
    to: RequestStatus;
    clearOpenKey: boolean;
  }): Promise<number>;
  /** Touches the request (its row lock on PostgreSQL) and returns its status and closing time; null if none. */
  touchRequest(id: string): Promise<{ status: RequestStatus; closedAt: Date | null } | null>;
  /** The request's items' statuses. */
  itemStatuses(requestId: string): Promise<RequestStatus[]>;
  setRequestStatus(id: string, status: RequestStatus, closedAt: Date | null): Promise<void>;
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

export interface RequestRow {
  id: string;
  number: number;
  requesterId: string;
  targetId: string;
  justification: string;
  status: RequestStatus;
  grantExpiresAt: Date | null;
}

export interface RequestItemRow {
  id: string;
  requestId: string;
  resourceId: string;
  status: RequestStatus;
  openKey: string | null;
  grantExpiresAt: Date | null;
  extendsGrantId: string | null;
}

export interface TicketRow {
  id: string;
  number: number;
  kind: TicketKind;
  status: TicketStatus;
  requestId: string;
  itemId: string;
  resourceId: string;
  step: number | null;
  assigneeGroupId: string | null;
  assignedToAdmins: boolean;
  /** Why the fallback group or the admins have it instead of the step's own approvers. */
  routingNote: string | null;
  /** The approver away whose delegate has it. */
  delegatedFromId: string | null;
}

export interface GrantRow {
  id: string;
  identityId: string;
  resourceId: string;
  requestId: string;
  itemId: string;
  status: GrantStatus;
  activeKey: string | null;
  grantedAt: Date;
  expiresAt: Date | null;
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
type Provider = "sqlite" | "postgresql";

/**
 * One statement for both providers: `?` placeholders (numbered for PostgreSQL) and PostgreSQL's
 * enum and array casts as `::"Type"` / `::text[]` (dropped for SQLite). Where the two dialects
 * differ beyond that, the text is given per provider.
 */
class Sql {
  readonly sqlite: string;
  readonly postgresql: string;
  constructor(text: string | Record<Provider, string>) {
    const [lite, pg] = typeof text === "string" ? [text, text] : [text.sqlite, text.postgresql];
    this.sqlite = lite.replace(/::("\w+"|text\[\])/g, "");
    let n = 0;
    this.postgresql = pg.replace(/\?/g, () => `$${++n}`);
  }
}

/** Runs statements of one transaction: rows read, or rows changed. */
interface Runner {
  all<T>(sql: Sql, values: readonly unknown[]): Promise<T[]>;
  run(sql: Sql, values: readonly unknown[]): Promise<number>;
}

const NEXT_NUMBER = new Sql(`UPDATE "Counter" SET "value" = "value" + 1 WHERE "name" = ? RETURNING "value"`);
const ADVANCE_HEAD = new Sql(
  `UPDATE "AuditHead" SET "sequence" = "sequence" + ? WHERE "id" = 1 RETURNING "sequence", "hash"`,
);
const SET_HEAD_HASH = new Sql(`UPDATE "AuditHead" SET "hash" = ? WHERE "id" = 1`);

/** Rows per audit insert: far below SQLite's 32,766 bound variables (11 a row), and one statement for any one change. */
const AUDIT_ROWS_PER_INSERT = 100;
const AUDIT_COLUMNS = `"id", "sequence", "at", "actorId", "action", "requestId", "ticketId", "comment", "data", "prevHash", "hash"`;
const AUDIT_ROW = `(?, ?, ?, ?, ?::"AuditAction", ?, ?, ?, ?, ?, ?)`;
/** One multi-row insert per row count, made on first use. */
const auditInserts = new Map<number, Sql>();
function insertAuditSql(count: number): Sql {
  let sql = auditInserts.get(count);
  if (!sql) {
    sql = new Sql(`INSERT INTO "AuditEvent" (${AUDIT_COLUMNS}) VALUES ${Array(count).fill(AUDIT_ROW).join(", ")}`);
    auditInserts.set(count, sql);
  }
  return sql;
}

/**
 * An INSERT of one row into `table`, binding the row's fields by column name; a column written
 * `name::"Enum"` is cast on PostgreSQL.
 */
function insertRow(table: string, columns: readonly string[]) {
  const names = columns.map((column) => column.split("::")[0] ?? column);
  const placeholders = columns.map((column) => (column.includes("::") ? `?::${column.split("::")[1]}` : "?"));
  const sql = new Sql(
    `INSERT INTO "${table}" (${names.map((n) => `"${n}"`).join(", ")}) VALUES (${placeholders.join(", ")})`,
  );
  return { sql, values: (row: object) => names.map((name) => (row as Record<string, unknown>)[name] ?? null) };
}

const INSERT_REQUEST = insertRow("Request", [
  "id",
  "number",
  "requesterId",
  "targetId",
  "justification",
  'status::"RequestStatus"',
  "grantExpiresAt",
  "createdAt",
  "updatedAt",
]);
const INSERT_ITEM = insertRow("RequestItem", [
  "id",
  "requestId",
  "resourceId",
  'status::"RequestStatus"',
  "openKey",
  "grantExpiresAt",
  "extendsGrantId",
  "createdAt",
  "updatedAt",
]);
const INSERT_TICKET = insertRow("Ticket", [
  "id",
  "number",
  'kind::"TicketKind"',
  'status::"TicketStatus"',
  "requestId",
  "itemId",
  "resourceId",
  "step",
  "assigneeGroupId",
  "assignedToAdmins",
  "routingNote",
  "delegatedFromId",
  "createdAt",
  "updatedAt",
]);
const INSERT_GRANT = insertRow("Grant", [
  "id",
  "identityId",
  "resourceId",
  "requestId",
  "itemId",
  'status::"GrantStatus"',
  "activeKey",
  "grantedAt",
  "expiresAt",
]);
/** The implicit many-to-many table: A = Identity, B = Ticket (Prisma orders the two models by name). */
const INSERT_ASSIGNEE = new Sql(`INSERT INTO "_TicketAssignees" ("A", "B") VALUES (?, ?)`);
/** Reviewer links per insert: two bound values a row, one statement for most campaigns. */
const REVIEWER_LINKS_PER_INSERT = 500;
const reviewerInserts = new Map<number, Sql>();
function insertReviewersSql(count: number): Sql {
  let sql = reviewerInserts.get(count);
  if (!sql) {
    sql = new Sql(`INSERT INTO "_ReviewItemReviewers" ("A", "B") VALUES ${Array(count).fill("(?, ?)").join(", ")}`);
    reviewerInserts.set(count, sql);
  }
  return sql;
}
const MOVE_TICKET = new Sql(
  `UPDATE "Ticket" SET "status" = ?::"TicketStatus", "updatedAt" = ? WHERE "id" = ? AND "status" = ?::"TicketStatus"`,
);
const DECIDE_TICKET = new Sql(
  `UPDATE "Ticket" SET "status" = ?::"TicketStatus", "decidedById" = ?, "decidedAt" = ?, "updatedAt" = ? ` +
    `WHERE "id" = ? AND "status" = ?::"TicketStatus"`,
);
/** The item ids as one value (a JSON array on SQLite, an array on PostgreSQL): one text for any count. */
const IN_IDS = { sqlite: `"id" IN (SELECT "value" FROM json_each(?))`, postgresql: `"id" = ANY(?::text[])` };
const moveItemsSql = (clearOpenKey: boolean) => {
  const set = `UPDATE "RequestItem" SET "status" = ?::"RequestStatus", ${clearOpenKey ? `"openKey" = NULL, ` : ""}"updatedAt" = ?`;
  const where = ` AND "status" = ?::"RequestStatus"`;
  return new Sql({
    sqlite: `${set} WHERE ${IN_IDS.sqlite}${where}`,
    postgresql: `${set} WHERE ${IN_IDS.postgresql}${where}`,
  });
};
const MOVE_ITEMS = moveItemsSql(false);
const CLOSE_ITEMS = moveItemsSql(true);
const TOUCH_REQUEST = new Sql(`UPDATE "Request" SET "updatedAt" = ? WHERE "id" = ? RETURNING "status", "closedAt"`);
const ITEM_STATUSES = new Sql(`SELECT "status" FROM "RequestItem" WHERE "requestId" = ?`);
const SET_REQUEST_STATUS = new Sql(
  `UPDATE "Request" SET "status" = ?::"RequestStatus", "closedAt" = ?, "updatedAt" = ? WHERE "id" = ?`,
);

function one<T>(row: T | undefined, what: string): T {
  if (row === undefined) throw new Error(`statements: ${what} found no row`);
  return row;
}

/** A time read back: a Date from PostgreSQL, the adapter's ISO text from SQLite. */
const asDate = (value: unknown): Date | null =>
  value === null || value === undefined ? null : value instanceof Date ? value : new Date(String(value));

/** The statements of one transaction, the same SQL on either provider. */
function statementsOn(runner: Runner): Statements {
  return {
    async nextNumber(name) {
      return one((await runner.all<{ value: number }>(NEXT_NUMBER, [name]))[0], `counter ${name}`).value;
    },
    async advanceAuditHead(count) {
      return one((await runner.all<{ sequence: number; hash: string }>(ADVANCE_HEAD, [count]))[0], "the audit head");
    },
    async insertAuditEvents(rows) {
      for (let start = 0; start < rows.length; start += AUDIT_ROWS_PER_INSERT) {
        const chunk = rows.slice(start, start + AUDIT_ROWS_PER_INSERT);
        await runner.run(
          insertAuditSql(chunk.length),
          chunk.flatMap((row) => [
            row.id,
            row.sequence,
            row.at,
            row.actorId,
            row.action,
            row.requestId,
            row.ticketId,
            row.comment,
            row.data,
            row.prevHash,
            row.hash,
          ]),
        );
      }
    },
    async setAuditHeadHash(hash) {
      await runner.run(SET_HEAD_HASH, [hash]);
    },
    async insertRequest(row) {
      const now = new Date();
      await runner.run(INSERT_REQUEST.sql, INSERT_REQUEST.values({ ...row, createdAt: now, updatedAt: now }));
    },
    async insertRequestItem(row) {
      const now = new Date();
      await runner.run(INSERT_ITEM.sql, INSERT_ITEM.values({ ...row, createdAt: now, updatedAt: now }));
    },
    async insertTicket(row) {
      const now = new Date();
      await runner.run(INSERT_TICKET.sql, INSERT_TICKET.values({ ...row, createdAt: now, updatedAt: now }));
    },
    async insertTicketAssignees(ticketId, identityIds) {
      for (const identityId of identityIds) await runner.run(INSERT_ASSIGNEE, [identityId, ticketId]);
    },
    async insertReviewItemReviewers(links) {
      for (let start = 0; start < links.length; start += REVIEWER_LINKS_PER_INSERT) {
        const chunk = links.slice(start, start + REVIEWER_LINKS_PER_INSERT);
        await runner.run(
          insertReviewersSql(chunk.length),
          chunk.flatMap((link) => [link.itemId, link.identityId]),
        );
      }
    },
    async insertGrant(row) {
      await runner.run(INSERT_GRANT.sql, INSERT_GRANT.values({ ...row, grantedAt: row.grantedAt }));
    },
    async moveTicket({ id, from, to, decided }) {
      const now = new Date();
      const changed = decided
        ? await runner.run(DECIDE_TICKET, [to, decided.byId, decided.at, now, id, from])
        : await runner.run(MOVE_TICKET, [to, now, id, from]);
      return changed === 1;
    },
    async moveItems({ ids, from, to, clearOpenKey }) {
      return runner.run(clearOpenKey ? CLOSE_ITEMS : MOVE_ITEMS, [to, new Date(), [...ids], from]);
    },
    async touchRequest(id) {
      const row = (await runner.all<{ status: RequestStatus; closedAt: unknown }>(TOUCH_REQUEST, [new Date(), id]))[0];
      return row ? { status: row.status, closedAt: asDate(row.closedAt) } : null;
    },
    async itemStatuses(requestId) {
      return (await runner.all<{ status: RequestStatus }>(ITEM_STATUSES, [requestId])).map((row) => row.status);
    },
    async setRequestStatus(id, status, closedAt) {
      await runner.run(SET_REQUEST_STATUS, [status, closedAt, new Date(), id]);
    },
  };
}

/** How Prisma's SQLite adapter stores a DateTime (ISO 8601 with an explicit offset): the same text. */
const sqliteTime = (at: Date) => at.toISOString().replace("Z", "+00:00");

/** A value as better-sqlite3 binds it: times as the adapter's text, booleans as 0/1, lists as JSON. */
function sqliteValue(value: unknown): unknown {
  if (value instanceof Date) return sqliteTime(value);
  if (typeof value === "boolean") return value ? 1 : 0;
  if (Array.isArray(value)) return JSON.stringify(value);
  return value;
}

/** SQLite: statements prepared once on the write connection, valid for every transaction on it. */
export function sqliteStatements(connection: () => Sqlite.Database, report: Report): StatementsFactory {
  let prepared = new Map<string, Sqlite.Statement<unknown[]>>();
  let preparedOn: Sqlite.Database | null = null;
  const statement = (sql: Sql) => {
    const db = connection();
    // Prepared once per connection (Prisma opens a new one if it reconnects after a disconnect).
    if (preparedOn !== db) {
      prepared = new Map();
      preparedOn = db;
    }
    let found = prepared.get(sql.sqlite);
    if (!found) {
      found = db.prepare<unknown[]>(sql.sqlite);
      // The adapter turns safe integers on for the connection; these columns fit a JS number.
      if (found.reader) found.safeIntegers(false);
      prepared.set(sql.sqlite, found);
    }
    report(sql.sqlite);
    return found;
  };
  const runner: Runner = {
    async all<T>(sql: Sql, values: readonly unknown[]) {
      return statement(sql).all(...values.map(sqliteValue)) as T[];
    },
    async run(sql, values) {
      return statement(sql).run(...values.map(sqliteValue)).changes;
    },
  };
  const bound = statementsOn(runner);
  return () => bound;
}

/** PostgreSQL: the transaction's own raw queries. */
export function postgresStatements(): StatementsFactory {
  return (tx) =>
    statementsOn({
      all: <T>(sql: Sql, values: readonly unknown[]) => tx.$queryRawUnsafe<T[]>(sql.postgresql, ...values),
      run: (sql, values) => tx.$executeRawUnsafe(sql.postgresql, ...values),
    });
}
