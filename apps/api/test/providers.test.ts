// One model, two providers: the PostgreSQL schema is what the generator makes of the SQLite
// model, and each provider's latest migration was generated for the current model.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { latestSnapshot, postgresSchemaFile, postgresSchemaFrom, sqliteSchemaFile } from "../src/db/providers.ts";

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
});
