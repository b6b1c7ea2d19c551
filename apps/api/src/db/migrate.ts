// Applies the committed migrations (prisma/migrations/*/migration.sql) at start-up, recording
// them in Prisma's own `_prisma_migrations` table so `prisma migrate status` agrees. No
// `db push`, no engine binary: each migration runs in one transaction on the driver itself.
import { createHash, randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type Database from "better-sqlite3";
import { repoRoot } from "../paths.ts";

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export function migrationsDir(provider: "sqlite" | "postgresql"): string {
  return provider === "sqlite"
    ? path.join(repoRoot, "prisma", "migrations")
    : path.join(repoRoot, "prisma", "postgresql", "migrations");
}

export function readMigrations(dir: string): Migration[] {
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

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" TEXT PRIMARY KEY NOT NULL,
  "checksum" TEXT NOT NULL,
  "finished_at" DATETIME,
  "migration_name" TEXT NOT NULL,
  "logs" TEXT,
  "rolled_back_at" DATETIME,
  "started_at" DATETIME NOT NULL DEFAULT current_timestamp,
  "applied_steps_count" INTEGER UNSIGNED NOT NULL DEFAULT 0
)`;

export class MigrationError extends Error {}

/** Applies pending migrations; returns the names it applied. */
export function migrateSqlite(db: Database.Database, migrations: Migration[]): string[] {
  db.exec(CREATE_TABLE);
  const applied = new Map(
    (
      db
        .prepare(`SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`)
        .all() as { migration_name: string; checksum: string }[]
    ).map((row) => [row.migration_name, row.checksum]),
  );
  const done: string[] = [];
  for (const migration of migrations) {
    const checksum = applied.get(migration.name);
    if (checksum !== undefined) {
      if (checksum !== migration.checksum) {
        throw new MigrationError(`migration ${migration.name} was changed after it was applied`);
      }
      continue;
    }
    const apply = db.transaction(() => {
      db.exec(migration.sql);
      db.prepare(
        `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count, started_at)
         VALUES (?, ?, ?, ?, 1, ?)`,
      ).run(randomUUID(), migration.checksum, Date.now(), migration.name, Date.now());
    });
    apply.immediate();
    done.push(migration.name);
  }
  return done;
}

/** Names of committed migrations not yet applied (empty when the schema is current). */
export function pendingSqlite(db: Database.Database, migrations: Migration[]): string[] {
  const exists = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'`).get();
  if (!exists) return migrations.map((m) => m.name);
  const applied = new Set(
    (
      db.prepare(`SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`).all() as {
        migration_name: string;
      }[]
    ).map((row) => row.migration_name),
  );
  return migrations.filter((m) => !applied.has(m.name)).map((m) => m.name);
}
