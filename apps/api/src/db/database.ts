// Opens the database named by DATABASE_URL (embedded SQLite or PostgreSQL, one model, one typed
// client), applies committed migrations, and runs every state change through `transact`: one
// transaction, its audit events flushed inside it, and the commit listeners (live updates) told
// only after it committed.
//
// SQLite: one better-sqlite3 connection writes (Prisma serialises its transactions), another
// reads; with WAL the reader sees only committed data and never waits for the writer.
// PostgreSQL: one pooled client does both; row locks (audit head, counters, tickets) order
// concurrent writers, and transactions that lose a deadlock or serialisation race are retried.
import { mkdirSync } from "node:fs";
import path from "node:path";
import Sqlite from "better-sqlite3";
import pg from "pg";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../generated/prisma/client.ts";
import { PrismaClient as PostgresPrismaClient } from "../generated/prisma-postgresql/client.ts";
import { AuditWriter } from "../domain/audit/writer.ts";
import type { Work, WorkEffects } from "../domain/work.ts";
import { postgresStatements, sqliteStatements, type StatementsFactory } from "./statements.ts";
import { migratePostgres, migrateSqlite, pendingSqlite, readMigrations, type Provider } from "./migrate.ts";
import { inSpan } from "../observability/tracing.ts";

/** The client type (generated for SQLite; the PostgreSQL client has the same models and shapes). */
export type Client = PrismaClient<"query">;

export interface CommitInfo {
  /** The audit sequences the transaction wrote, if any. */
  sequences: { first: number; last: number } | null;
  /** What it left for after the commit (jobs to run, credentials to re-check). */
  effects: WorkEffects;
}

export interface Readiness {
  ok: boolean;
  /** What /readyz may tell anyone: the provider, pending migrations, or "database unreachable". */
  detail: string;
  /** Why the database did not answer, for the log only. */
  error?: unknown;
}

export interface Database {
  readonly provider: Provider;
  /** Reads committed data; what resolvers and the live feed use. */
  readonly read: Client;
  transact<T>(fn: (work: Work) => Promise<T>): Promise<T>;
  onCommit(listener: (info: CommitInfo) => void): () => void;
  /** Counts SQL statements (tests and benchmarks). */
  onQuery(listener: (sql: string) => void): () => void;
  readiness(): Promise<Readiness>;
  close(): Promise<void>;
}

export class DatabaseUnavailableError extends Error {}

const TX_OPTIONS = { maxWait: 15_000, timeout: 15_000 } as const;
const MAX_ATTEMPTS = 4;

/**
 * Safe to run again: a PostgreSQL deadlock (40P01) or serialisation failure (40001), or a unique
 * index violation — a concurrent writer committed the same thing first, and the domain's own
 * checks, run again, give the right answer (ALREADY_REQUESTED, CONFLICT, the first request for an
 * idempotency key). A unique violation comes as P2002 from an ORM statement, and from the raw
 * statements of db/statements.ts as PostgreSQL's 23505 (inside Prisma's P2010) or SQLite's
 * SQLITE_CONSTRAINT_UNIQUE.
 */
function isRetryable(error: unknown): boolean {
  const cause = (error as { meta?: { driverAdapterError?: { cause?: { originalCode?: string } } } }).meta
    ?.driverAdapterError?.cause?.originalCode;
  const text = `${(error as { code?: string }).code ?? ""} ${cause ?? ""} ${(error as Error).message ?? ""}`;
  return /P2002|SQLITE_CONSTRAINT_UNIQUE|23505|40P01|40001|deadlock detected|could not serialize/i.test(text);
}

interface Parts {
  provider: Provider;
  read: Client;
  write: Client;
  /** The raw statements of a write transaction; `report` tells the query listeners. */
  statements(report: (sql: string) => void): StatementsFactory;
  pending(): Promise<string[]>;
  closeExtra(): Promise<void>;
}

function assemble(parts: Parts): Database {
  const commitListeners = new Set<(info: CommitInfo) => void>();
  const queryListeners = new Set<(sql: string) => void>();
  for (const client of new Set([parts.write, parts.read])) {
    client.$on("query", (event) => {
      for (const listener of queryListeners) listener(event.query);
    });
  }
  const statementsOf = parts.statements((sql) => {
    for (const listener of queryListeners) listener(sql);
  });
  const transactWithRetries: Database["transact"] = async (fn) => {
    for (let attempt = 1; ; attempt += 1) {
      let sequences: CommitInfo["sequences"] = null;
      const effects: WorkEffects = { jobsQueued: false, credentialsChanged: false };
      try {
        const result = await parts.write.$transaction(async (tx) => {
          const sql = statementsOf(tx);
          const audit = new AuditWriter(sql);
          const value = await fn({ tx, audit, effects, sql });
          sequences = await audit.flush();
          return value;
        }, TX_OPTIONS);
        for (const listener of commitListeners) listener({ sequences, effects });
        return result;
      } catch (error) {
        if (attempt >= MAX_ATTEMPTS || !isRetryable(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 5 * attempt * Math.random()));
      }
    }
  };
  return {
    provider: parts.provider,
    read: parts.read,
    // Each transaction, with its retries, is one span when tracing runs (observability/tracing.ts).
    transact: (fn) => inSpan("db.transaction", { "db.system": parts.provider }, () => transactWithRetries(fn)),
    onCommit(listener) {
      commitListeners.add(listener);
      return () => commitListeners.delete(listener);
    },
    onQuery(listener) {
      queryListeners.add(listener);
      return () => queryListeners.delete(listener);
    },
    async readiness() {
      try {
        const pending = await parts.pending();
        if (pending.length > 0) return { ok: false, detail: `pending migrations: ${pending.join(", ")}` };
        await parts.read.$queryRawUnsafe("SELECT 1");
        return { ok: true, detail: parts.provider };
      } catch (error) {
        // The driver's text may name hosts, users and files: it is for the log, not for callers.
        return { ok: false, detail: "database unreachable", error };
      }
    },
    async close() {
      await Promise.allSettled([...new Set([parts.write, parts.read])].map((c) => c.$disconnect()));
      await parts.closeExtra();
    },
  };
}

function sqlitePath(url: string): string {
  const file = url.slice("file:".length).split("?")[0] ?? "";
  return file === ":memory:" ? file : path.resolve(process.cwd(), file);
}

type SqliteAdapter = Awaited<ReturnType<PrismaBetterSqlite3["connect"]>>;

/** What the adapter (7.10, pinned) calls on its connection: `prepare(sql)`, optionally
 * `.bind(args)`, then `reader` / `run()` / `columns()` / `raw().all()`; `exec` and `close`. */
interface AdapterConnection {
  prepare(sql: string): BoundStatement & { bind(args: unknown[]): BoundStatement };
  exec(sql: string): unknown;
  close(): unknown;
}
interface BoundStatement {
  readonly reader: boolean;
  run(): Sqlite.RunResult;
  columns(): Sqlite.ColumnDefinition[];
  raw(): { all(): unknown[] };
}

/** Distinct statement texts kept prepared per connection; Prisma's plan cache keeps 1,000 shapes. */
const PREPARED_STATEMENTS_MAX = 1_000;

/**
 * The adapter prepares every statement afresh (the profile put `prepare` at ~7 % of the write
 * path's CPU): hand it a connection that prepares each SQL text once and binds the values on
 * each run instead. A bound statement is used synchronously, so one prepared object serves
 * every caller in turn. Least recently used texts are dropped past the bound.
 */
function preparedOnce(db: Sqlite.Database): AdapterConnection {
  const prepared = new Map<string, Sqlite.Statement<unknown[]>>();
  const statementFor = (sql: string) => {
    let statement = prepared.get(sql);
    if (statement) {
      prepared.delete(sql);
    } else {
      statement = db.prepare<unknown[]>(sql);
      if (prepared.size >= PREPARED_STATEMENTS_MAX) prepared.delete(prepared.keys().next().value ?? "");
    }
    prepared.set(sql, statement);
    return statement;
  };
  return {
    prepare(sql) {
      const statement = statementFor(sql);
      const bound = (args: unknown[]): BoundStatement => ({
        reader: statement.reader,
        run: () => statement.run(...args),
        columns: () => statement.columns(),
        raw: () => ({ all: () => statement.raw(true).all(...args) }),
      });
      return { ...bound([]), bind: bound };
    },
    exec: (sql) => db.exec(sql),
    close: () => db.close(),
  };
}

/**
 * The better-sqlite3 adapter, keeping hold of the connection it opens so db/statements.ts can
 * run prepared statements inside Prisma's transactions on it. The connection is the adapter's
 * `client` field, undocumented: the adapter's version is pinned and statements.test.ts proves
 * the sharing; a check here fails at the first transaction if the field goes away.
 */
class SharedConnectionSqlite extends PrismaBetterSqlite3 {
  private handle: Sqlite.Database | null = null;

  override async connect(): Promise<SqliteAdapter> {
    const adapter = await super.connect();
    const client = (adapter as unknown as { client?: unknown }).client;
    if (!(client instanceof Sqlite)) {
      throw new Error("@prisma/adapter-better-sqlite3 no longer exposes its connection as `client`");
    }
    this.handle = client;
    (adapter as unknown as { client: AdapterConnection }).client = preparedOnce(client);
    return adapter;
  }

  /** The open connection (Prisma connects before it starts a transaction). */
  connection(): Sqlite.Database {
    if (!this.handle) throw new Error("the SQLite write connection is not open");
    return this.handle;
  }
}

async function openSqlite(url: string): Promise<Database> {
  const file = sqlitePath(url);
  if (file !== ":memory:") mkdirSync(path.dirname(file), { recursive: true });
  const migrations = readMigrations("sqlite");
  let admin: Sqlite.Database;
  try {
    admin = new Sqlite(file, { timeout: 10_000 });
    admin.pragma("journal_mode = WAL");
    admin.pragma("foreign_keys = ON");
    migrateSqlite(admin, migrations);
  } catch (error) {
    throw new DatabaseUnavailableError(`cannot open ${file}: ${(error as Error).message}`);
  }
  const adapter = () => new SharedConnectionSqlite({ url: `file:${file}`, timeout: 10_000 });
  const client = (shared: SharedConnectionSqlite) =>
    new PrismaClient({ adapter: shared, log: [{ emit: "event", level: "query" }] });
  const writeAdapter = adapter();
  return assemble({
    provider: "sqlite",
    write: client(writeAdapter),
    read: client(adapter()),
    statements: (report) => sqliteStatements(() => writeAdapter.connection(), report),
    pending: () => pendingSqlite(admin, migrations),
    closeExtra: async () => {
      admin.close();
    },
  });
}

async function openPostgres(url: string): Promise<Database> {
  const migrations = readMigrations("postgresql");
  const admin = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await admin.connect();
    await migratePostgres(admin, migrations);
  } catch (error) {
    throw new DatabaseUnavailableError(
      `cannot use ${new URL(url).host}${new URL(url).pathname}: ${(error as Error).message}`,
    );
  } finally {
    await admin.end().catch(() => undefined);
  }
  const client = new PostgresPrismaClient({
    adapter: new PrismaPg({ connectionString: url, max: 10, connectionTimeoutMillis: 5_000 }),
    log: [{ emit: "event", level: "query" }],
  }) as unknown as Client;
  return assemble({
    provider: "postgresql",
    write: client,
    read: client,
    statements: () => postgresStatements(),
    pending: async () => {
      const applied = await client.$queryRawUnsafe<{ migration_name: string }[]>(
        `SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
      );
      const names = new Set(applied.map((row) => row.migration_name));
      return migrations.filter((m) => !names.has(m.name)).map((m) => m.name);
    },
    closeExtra: async () => undefined,
  });
}

export async function openDatabase(url: string): Promise<Database> {
  if (url.startsWith("file:")) return openSqlite(url);
  if (/^postgres(ql)?:\/\//.test(url)) return openPostgres(url);
  throw new DatabaseUnavailableError("DATABASE_URL must start with file:, postgres:// or postgresql://");
}
