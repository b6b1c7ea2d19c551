// Opens the database named by DATABASE_URL, applies committed migrations, and runs every state
// change through `transact`: one transaction, its audit events flushed inside it, and the
// commit listeners (live updates) told only after it committed.
//
// SQLite: one better-sqlite3 connection writes (Prisma serialises its transactions), another
// reads. With WAL the reader sees only committed data and is never blocked by the writer.
import { mkdirSync } from "node:fs";
import path from "node:path";
import Sqlite from "better-sqlite3";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient } from "../generated/prisma/client.ts";
import { AuditWriter } from "../domain/audit/writer.ts";
import type { Work } from "../domain/work.ts";
import { migrateSqlite, migrationsDir, pendingSqlite, readMigrations } from "./migrate.ts";

export type Client = PrismaClient<"query">;

export interface CommitInfo {
  /** The audit sequences the transaction wrote, if any. */
  sequences: { first: number; last: number } | null;
}

export interface Readiness {
  ok: boolean;
  detail: string;
}

export interface Database {
  readonly provider: "sqlite" | "postgresql";
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

function sqlitePath(url: string): string {
  const file = url.slice("file:".length).split("?")[0] ?? "";
  return file === ":memory:" ? file : path.resolve(process.cwd(), file);
}

export async function openDatabase(url: string): Promise<Database> {
  if (!url.startsWith("file:")) {
    throw new DatabaseUnavailableError("PostgreSQL support is not part of this build yet; use a file: URL");
  }
  const file = sqlitePath(url);
  if (file !== ":memory:") mkdirSync(path.dirname(file), { recursive: true });
  const migrations = readMigrations(migrationsDir("sqlite"));

  let admin: Sqlite.Database;
  try {
    admin = new Sqlite(file, { timeout: 10_000 });
    admin.pragma("journal_mode = WAL");
    admin.pragma("foreign_keys = ON");
    migrateSqlite(admin, migrations);
  } catch (error) {
    throw new DatabaseUnavailableError(`cannot open ${file}: ${(error as Error).message}`);
  }

  const adapterUrl = `file:${file}`;
  const write: Client = new PrismaClient({
    adapter: new PrismaBetterSQLite3({ url: adapterUrl, timeout: 10_000 }),
    log: [{ emit: "event", level: "query" }],
  });
  const read: Client = new PrismaClient({
    adapter: new PrismaBetterSQLite3({ url: adapterUrl, timeout: 10_000 }),
    log: [{ emit: "event", level: "query" }],
  });

  const commitListeners = new Set<(info: CommitInfo) => void>();
  const queryListeners = new Set<(sql: string) => void>();
  for (const client of [write, read]) {
    client.$on("query", (event) => {
      for (const listener of queryListeners) listener(event.query);
    });
  }

  return {
    provider: "sqlite",
    read,
    async transact(fn) {
      let sequences: CommitInfo["sequences"] = null;
      const result = await write.$transaction(async (tx) => {
        const audit = new AuditWriter(tx);
        const value = await fn({ tx, audit });
        sequences = await audit.flush();
        return value;
      }, TX_OPTIONS);
      for (const listener of commitListeners) listener({ sequences });
      return result;
    },
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
        const pending = pendingSqlite(admin, migrations);
        if (pending.length > 0) return { ok: false, detail: `pending migrations: ${pending.join(", ")}` };
        await read.$queryRawUnsafe("SELECT 1");
        return { ok: true, detail: "sqlite" };
      } catch (error) {
        return { ok: false, detail: (error as Error).message };
      }
    },
    async close() {
      await Promise.allSettled([write.$disconnect(), read.$disconnect()]);
      admin.close();
    },
  };
}
