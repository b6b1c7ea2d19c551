// One data model, two providers. `prisma/schema.prisma` (SQLite) is the source; the PostgreSQL
// schema is generated from it (only the provider, the url variable, the client's output path and
// the Pothos generator differ), and each provider's migrations are diffed from the schema snapshot kept
// with its latest migration. A test fails when the generated files drift from the model.
//
// Diffs run on the Prisma 6.19.3 CLI (npm alias `prisma-6`, JavaScript schema engine, offline):
// Prisma 7's CLI, which generates the run-time client, cannot diff here. 6.19.3 needs the
// `url = env(...)` line Prisma 7 rejects, so both sides of a diff are derived into a temporary
// folder with that line added (`prisma6Schema`); nothing derived is ever committed.
//
// The commands are in cli/db-migration.ts (`npm run db:migration -- <name>`, `npm run db:schema`).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { repoRoot } from "../paths.ts";

const prismaDir = path.join(repoRoot, "prisma");
export const sqliteSchemaFile = path.join(prismaDir, "schema.prisma");
export const postgresSchemaFile = path.join(prismaDir, "postgresql", "schema.prisma");

export const providers = {
  sqlite: {
    schema: sqliteSchemaFile,
    migrations: path.join(prismaDir, "migrations"),
    // The scratch database the schema engine opens; a diff of two datamodels writes nothing to it.
    url: (dir: string) => `file:${path.join(dir, "scratch.db")}`,
  },
  postgresql: {
    schema: postgresSchemaFile,
    migrations: path.join(prismaDir, "postgresql", "migrations"),
    url: () => process.env.POSTGRES_CLI_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres",
  },
} as const;

/** The Prisma 6.19.3 CLI configuration (adapter and JavaScript engine) for diffs. */
const diffConfig = path.join(prismaDir, "migrate-diff.config.ts");

/**
 * The schema text 6.19.3 can read: the same model with `url = env("PRISMA6_URL")` in its
 * datasource (snapshots committed before Prisma 7 already carry a url line, kept as it is).
 */
export function prisma6Schema(text: string): string {
  const datasource = /datasource db \{[^}]*\}/.exec(text);
  if (!datasource) throw new Error("providers: no datasource block found");
  if (/^\s*url\s*=/m.test(datasource[0])) return text;
  const withUrl = datasource[0].replace(/(provider\s*=\s*"[a-z]+")/, '$1\n  url      = env("PRISMA6_URL")');
  return text.replace(datasource[0], withUrl);
}

/** The PostgreSQL schema for the SQLite model text. */
export function postgresSchemaFrom(sqlite: string): string {
  const withoutPothos = sqlite.replace(/generator pothos \{[^}]*\}\n\n/, "");
  if (withoutPothos === sqlite) throw new Error("providers: no pothos generator block found in schema.prisma");
  return [
    "// GENERATED from ../schema.prisma by `npm run db:schema`: do not edit.",
    withoutPothos
      .replace('provider = "sqlite"', 'provider = "postgresql"')
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

/** The SQL that takes a provider's database from its latest snapshot to the current model. */
export function diffMigration(provider: keyof typeof providers): string {
  const { schema, migrations, url } = providers[provider];
  const latest = latestMigration(migrations);
  const dir = mkdtempSync(path.join(tmpdir(), "prisma-6-diff-"));
  try {
    const to = path.join(dir, "schema.prisma");
    writeFileSync(to, prisma6Schema(readFileSync(schema, "utf8")));
    let from = ["--from-empty"];
    if (latest) {
      const snapshot = path.join(dir, "snapshot.prisma");
      writeFileSync(
        snapshot,
        prisma6Schema(readFileSync(path.join(migrations, latest, "schema.snapshot.prisma"), "utf8")),
      );
      from = ["--from-schema-datamodel", snapshot];
    }
    // The alias's own entry point: `.bin/prisma` is Prisma 7's.
    const cli = createRequire(import.meta.url).resolve("prisma-6/build/index.js");
    return execFileSync(
      process.execPath,
      [cli, "migrate", "diff", "--config", diffConfig, ...from, "--to-schema-datamodel", to, "--script"],
      {
        cwd: repoRoot,
        encoding: "utf8",
        env: {
          ...process.env,
          PRISMA6_SCHEMA: to,
          PRISMA6_PROVIDER: provider,
          PRISMA6_URL: url(dir),
          PRISMA_HIDE_UPDATE_MESSAGE: "1",
        },
      },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function writeMigration(provider: keyof typeof providers, name: string): void {
  const { schema, migrations } = providers[provider];
  const latest = latestMigration(migrations);
  const sql = diffMigration(provider);
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
