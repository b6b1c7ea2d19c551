// One model, two providers: the PostgreSQL schema is what the generator makes of the SQLite
// model, each provider's latest migration was generated for the current model, and the run-time
// client (Prisma 7 over its driver adapter) opens, migrates and answers on each provider this
// suite runs on (SQLite always; PostgreSQL too under `npm run test:scale`).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../src/db/database.ts";
import { readMigrations } from "../src/db/migrate.ts";
import {
  latestSnapshot,
  postgresSchemaFile,
  postgresSchemaFrom,
  prisma6Schema,
  sqliteSchemaFile,
} from "../src/db/providers.ts";
import { freshDatabase } from "./databases.ts";

const fix = "run `npm run db:migration -- <name>` (or `npm run db:schema`) and commit the result";

describe("providers", () => {
  it("keeps prisma/postgresql/schema.prisma generated from prisma/schema.prisma", () => {
    expect(readFileSync(postgresSchemaFile, "utf8"), fix).toBe(
      postgresSchemaFrom(readFileSync(sqliteSchemaFile, "utf8")),
    );
  });

  it.each(["sqlite", "postgresql"] as const)("has a %s migration for the current model", (provider) => {
    const current = readFileSync(provider === "sqlite" ? sqliteSchemaFile : postgresSchemaFile, "utf8");
    expect(latestSnapshot(provider), fix).toBe(current);
  });

  it("gives the migration CLI (Prisma 6.19.3) the url line Prisma 7 rejects, once", () => {
    const derived = prisma6Schema(readFileSync(sqliteSchemaFile, "utf8"));
    expect(derived).toMatch(/datasource db \{\n {2}provider = "sqlite"\n {2}url {6}= env\("PRISMA6_URL"\)\n\}/);
    expect(prisma6Schema(derived)).toBe(derived);
  });
});

// An empty string means SQLite to freshDatabase; the suite's own database decides the other.
const targets = [["sqlite", ""]] as [string, string][];
if (process.env.TEST_DATABASE_URL) targets.push(["postgresql", process.env.TEST_DATABASE_URL]);

describe.each(targets)("the run-time client on %s", (provider, base) => {
  it("opens a fresh database, applies every committed migration and answers through the ORM", async () => {
    const database = await freshDatabase(base);
    const db = await openDatabase(database.url);
    try {
      expect(db.provider).toBe(provider);
      expect(await db.readiness()).toEqual({ ok: true, detail: provider });
      const migrations = readMigrations(db.provider).map((m) => m.name);
      const applied = await db.read.$queryRawUnsafe<{ migration_name: string }[]>(
        `SELECT migration_name FROM "_prisma_migrations" ORDER BY migration_name`,
      );
      expect(applied.map((row) => row.migration_name)).toEqual(migrations);

      // Statement counting (tests, bench) rests on the client's query events.
      const statements: string[] = [];
      const stop = db.onQuery((sql) => statements.push(sql));
      const created = await db.transact(({ tx }) =>
        tx.identity.create({ data: { email: "probe@example.com", displayName: "Probe" } }),
      );
      stop();
      expect(statements.some((sql) => /INSERT INTO .*Identity/.test(sql))).toBe(true);
      const read = await db.read.identity.findUnique({ where: { id: created.id } });
      expect(read?.createdAt).toBeInstanceOf(Date);
      expect(read?.createdAt.getTime()).toBe(created.createdAt.getTime());

      // The retry rule in transact recognises a unique violation by Prisma's code P2002.
      const duplicate = await db.read.identity
        .create({ data: { email: "probe@example.com", displayName: "Again" } })
        .catch((error: unknown) => error);
      expect((duplicate as { code?: string }).code).toBe("P2002");
    } finally {
      await db.close();
      await database.drop();
    }
  });
});
