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
import type Sqlite from "better-sqlite3";
import type { Tx } from "../domain/work.ts";

/** The raw statements a domain transition may use, bound to one open transaction. */
export interface Statements {
  /** Increments the named counter and returns its new value (REQ-n, TKT-n). */
  nextNumber(name: "request" | "ticket"): Promise<number>;
}

/** Makes the statements of one transaction. */
export type StatementsFactory = (tx: Tx) => Statements;

type Report = (sql: string) => void;

const NEXT_NUMBER = `UPDATE "Counter" SET "value" = "value" + 1 WHERE "name" = ? RETURNING "value"`;
const NEXT_NUMBER_PG = `UPDATE "Counter" SET "value" = "value" + 1 WHERE "name" = $1 RETURNING "value"`;

function one<T>(row: T | undefined, what: string): T {
  if (row === undefined) throw new Error(`statements: ${what} found no row`);
  return row;
}

/** SQLite: statements prepared once on the write connection, valid for every transaction on it. */
export function sqliteStatements(connection: () => Sqlite.Database, report: Report): StatementsFactory {
  let prepared: { nextNumber: Sqlite.Statement<[string], { value: number }> } | null = null;
  const statements = () => {
    if (prepared) return prepared;
    const db = connection();
    // The adapter turns safe integers on for the connection; these columns fit a JS number.
    prepared = { nextNumber: db.prepare<[string], { value: number }>(NEXT_NUMBER).safeIntegers(false) };
    return prepared;
  };
  const bound: Statements = {
    async nextNumber(name) {
      report(NEXT_NUMBER);
      return one(statements().nextNumber.get(name), `counter ${name}`).value;
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
  });
}
