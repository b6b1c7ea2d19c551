// One data model, two providers. `prisma/schema.prisma` (SQLite) is the source; the PostgreSQL
// schema is generated from it (only the provider, the url variable, the client's output path and
// the Pothos generator differ), and each provider's migrations are diffed from the schema snapshot kept
// with its latest migration. A test fails when the generated files drift from the model.
//
// The commands are in cli/db-migration.ts (`npm run db:migration -- <name>`, `npm run db:schema`).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { repoRoot } from "../paths.ts";

const prismaDir = path.join(repoRoot, "prisma");
export const sqliteSchemaFile = path.join(prismaDir, "schema.prisma");
export const postgresSchemaFile = path.join(prismaDir, "postgresql", "schema.prisma");

export const providers = {
  sqlite: {
    schema: sqliteSchemaFile,
    migrations: path.join(prismaDir, "migrations"),
    config: path.join(repoRoot, "prisma.config.ts"),
  },
  postgresql: {
    schema: postgresSchemaFile,
    migrations: path.join(prismaDir, "postgresql", "migrations"),
    config: path.join(prismaDir, "postgresql", "prisma.config.ts"),
  },
} as const;

/** The PostgreSQL schema for the SQLite model text. */
export function postgresSchemaFrom(sqlite: string): string {
  const withoutPothos = sqlite.replace(/generator pothos \{[^}]*\}\n\n/, "");
  if (withoutPothos === sqlite) throw new Error("providers: no pothos generator block found in schema.prisma");
  return [
    "// GENERATED from ../schema.prisma by `npm run db:schema`: do not edit.",
    withoutPothos
      .replace('provider = "sqlite"', 'provider = "postgresql"')
      .replace('url      = env("DATABASE_URL")', 'url      = env("POSTGRES_CLI_URL")')
      .replace(
        'output       = "../apps/api/src/generated/prisma"',
        'output       = "../../apps/api/src/generated/prisma-postgresql"',
      ),
  ].join("\n");
}

export function latestMigration(dir: string): string | null {
  if (!existsSync(dir)) return null;
  const names = readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  return names.at(-1) ?? null;
}

/** The schema the latest committed migration of a provider was generated for. */
export function latestSnapshot(provider: keyof typeof providers): string | null {
  const dir = providers[provider].migrations;
  const latest = latestMigration(dir);
  return latest ? readFileSync(path.join(dir, latest, "schema.snapshot.prisma"), "utf8") : null;
}

export function writeMigration(provider: keyof typeof providers, name: string): void {
  const { schema, migrations, config } = providers[provider];
  const latest = latestMigration(migrations);
  const from = latest
    ? ["--from-schema-datamodel", path.join(migrations, latest, "schema.snapshot.prisma")]
    : ["--from-empty"];
  const sql = execFileSync(
    "npx",
    ["prisma", "migrate", "diff", "--config", config, ...from, "--to-schema-datamodel", schema, "--script"],
    {
      cwd: repoRoot,
      encoding: "utf8",
    },
  );
  if (!/\b(CREATE|ALTER|DROP)\b/.test(sql)) {
    // Nothing to run for this provider (e.g. a new enum value is plain text on SQLite): the latest
    // migration's snapshot moves on, so the next diff starts from the current model.
    if (latest) writeFileSync(path.join(migrations, latest, "schema.snapshot.prisma"), readFileSync(schema, "utf8"));
    console.log(`${provider}: no SQL change${latest ? `; snapshot of ${latest} updated` : ""}`);
    return;
  }
  const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
  const dir = path.join(migrations, `${stamp}_${name}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "migration.sql"), sql);
  writeFileSync(path.join(dir, "schema.snapshot.prisma"), readFileSync(schema, "utf8"));
  console.log(`${provider}: wrote ${path.relative(process.cwd(), dir)}`);
}

/** Regenerates prisma/postgresql/schema.prisma from the SQLite model. */
export function writePostgresSchema(): void {
  writeFileSync(postgresSchemaFile, postgresSchemaFrom(readFileSync(sqliteSchemaFile, "utf8")));
}
