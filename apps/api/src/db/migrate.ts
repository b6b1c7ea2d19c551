// Applies the committed migrations (prisma/migrations for SQLite, prisma/postgresql/migrations
// for PostgreSQL) at start-up, recording them in Prisma's own `_prisma_migrations` table so
// `prisma migrate status` agrees. No `db push`, no engine binary: each migration runs in one
// transaction on the driver itself; on PostgreSQL an advisory lock keeps two instances starting
// at once from applying the same migration twice.
import { createHash, randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type Sqlite from "better-sqlite3";
import type pg from "pg";
import { repoRoot } from "../paths.ts";

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export type Provider = "sqlite" | "postgresql";

export function migrationsDir(provider: Provider): string {
  return provider === "sqlite"
    ? path.join(repoRoot, "prisma", "migrations")
    : path.join(repoRoot, "prisma", "postgresql", "migrations");
}

export function readMigrations(provider: Provider): Migration[] {
  const dir = migrationsDir(provider);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(dir, entry.name, "migration.sql")))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(path.join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

export class MigrationError extends Error {}

/** What the PostgreSQL runner needs from its connection. */
interface Driver {
  exec(sql: string): Promise<void>;
  rows<T>(sql: string): Promise<T[]>;
  record(migration: Migration): Promise<void>;
}

const APPLIED = `SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;

async function applied(driver: Driver): Promise<Map<string, string>> {
  const rows = await driver.rows<{ migration_name: string; checksum: string }>(APPLIED);
  return new Map(rows.map((row) => [row.migration_name, row.checksum]));
}

function pendingOf(done: Map<string, string>, migrations: Migration[]): Migration[] {
  return migrations.filter((migration) => {
    const checksum = done.get(migration.name);
    if (checksum !== undefined && checksum !== migration.checksum) {
      throw new MigrationError(`migration ${migration.name} was changed after it was applied`);
    }
    return checksum === undefined;
  });
}

// ---------------------------------------------------------------- SQLite

const SQLITE_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" TEXT PRIMARY KEY NOT NULL, "checksum" TEXT NOT NULL, "finished_at" DATETIME, "migration_name" TEXT NOT NULL,
  "logs" TEXT, "rolled_back_at" DATETIME, "started_at" DATETIME NOT NULL DEFAULT current_timestamp,
  "applied_steps_count" INTEGER UNSIGNED NOT NULL DEFAULT 0)`;

function appliedSqlite(db: Sqlite.Database): Map<string, string> {
  const rows = db.prepare(APPLIED).all() as { migration_name: string; checksum: string }[];
  return new Map(rows.map((row) => [row.migration_name, row.checksum]));
}

/** Applies pending migrations; returns the names it applied. */
export function migrateSqlite(db: Sqlite.Database, migrations: Migration[]): string[] {
  db.exec(SQLITE_TABLE);
  const pending = pendingOf(appliedSqlite(db), migrations);
  const record = db.prepare(
    `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count, started_at) VALUES (?, ?, ?, ?, 1, ?)`,
  );
  // Prisma's SQLite migrations redefine tables (create, copy, drop, rename): that needs foreign
  // keys off for the duration (the pragma is ignored inside a transaction), and a check after.
  db.pragma("foreign_keys = OFF");
  try {
    for (const migration of pending) {
      db.transaction(() => {
        db.exec(migration.sql);
        record.run(randomUUID(), migration.checksum, Date.now(), migration.name, Date.now());
        const broken = db.pragma("foreign_key_check") as unknown[];
        if (broken.length > 0)
          throw new MigrationError(`migration ${migration.name} leaves ${broken.length} broken foreign keys`);
      }).immediate();
    }
  } finally {
    db.pragma("foreign_keys = ON");
  }
  return pending.map((m) => m.name);
}

export async function pendingSqlite(db: Sqlite.Database, migrations: Migration[]): Promise<string[]> {
  const exists = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'`).get();
  if (!exists) return migrations.map((m) => m.name);
  return pendingOf(appliedSqlite(db), migrations).map((m) => m.name);
}

// ---------------------------------------------------------------- PostgreSQL

const PG_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL, "checksum" VARCHAR(64) NOT NULL, "finished_at" TIMESTAMPTZ, "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT, "rolled_back_at" TIMESTAMPTZ, "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0)`;

/** Any fixed number: the key of the advisory lock that serialises migrations across instances. */
const MIGRATION_LOCK = 7_311_402;

function pgDriver(client: pg.ClientBase): Driver {
  return {
    exec: async (sql) => void (await client.query(sql)),
    rows: async <T>(sql: string) => (await client.query(sql)).rows as T[],
    record: async (m) =>
      void (await client.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count, started_at) VALUES ($1, $2, now(), $3, 1, now())`,
        [randomUUID(), m.checksum, m.name],
      )),
  };
}

export async function migratePostgres(client: pg.ClientBase, migrations: Migration[]): Promise<string[]> {
  const driver = pgDriver(client);
  await client.query("BEGIN");
  try {
    await client.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
    await driver.exec(PG_TABLE);
    const pending = pendingOf(await applied(driver), migrations);
    for (const migration of pending) {
      await driver.exec(migration.sql);
      await driver.record(migration);
    }
    await client.query("COMMIT");
    return pending.map((m) => m.name);
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}
