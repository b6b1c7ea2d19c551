// Where a test suite's data lives: a fresh SQLite file by default; a fresh PostgreSQL database
// (created on TEST_DATABASE_URL's server, dropped afterwards) when TEST_DATABASE_URL is set.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { openDatabase, type Database } from "../src/db/database.ts";
import { loadDemoOrganisation, type DemoOrganisation } from "../src/demo/demo-organisation.ts";

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

async function onServer(base: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: base, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A fresh database: on `base`'s PostgreSQL server when given, else a SQLite file. */
export async function freshDatabase(base = process.env.TEST_DATABASE_URL): Promise<TestDatabase> {
  if (!base) {
    const dir = mkdtempSync(path.join(tmpdir(), "access-test-"));
    return {
      url: `file:${path.join(dir, "test.db")}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = `access_test_${process.pid}_${randomBytes(4).toString("hex")}`;
  await onServer(base, `CREATE DATABASE "${name}"`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => onServer(base, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

/**
 * A fresh database holding the demo organisation, closed again: for suites whose servers run as
 * child instances on it (restarts, several instances).
 */
export async function seededDatabase(): Promise<{ database: TestDatabase; org: DemoOrganisation }> {
  const database = await freshDatabase();
  const db = await openDatabase(database.url);
  try {
    return { database, org: await loadDemoOrganisation(db) };
  } finally {
    await db.close();
  }
}

/** A fresh database, opened and holding the demo organisation: for tests of domain functions. */
export async function demoDatabase(): Promise<{ db: Database; org: DemoOrganisation; close(): Promise<void> }> {
  const database = await freshDatabase();
  const db = await openDatabase(database.url);
  const org = await loadDemoOrganisation(db);
  return {
    db,
    org,
    async close() {
      await db.close();
      await database.drop();
    },
  };
}
