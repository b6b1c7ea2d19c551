// `npm run db:migration -- <snake_case_name>`: regenerates the PostgreSQL schema from the SQLite
// model and writes the next migration for both providers. `npm run db:schema`: only the schema.
import { writeMigration, writePostgresSchema } from "../db/providers.ts";

const [command, name] = process.argv.slice(2);
writePostgresSchema();
if (command === "migration") {
  if (!name || !/^[a-z0-9_]+$/.test(name)) {
    console.error("usage: npm run db:migration -- <snake_case_name>");
    process.exit(2);
  }
  writeMigration("sqlite", name);
  writeMigration("postgresql", name);
} else if (command !== "schema") {
  console.error("usage: db-migration.ts schema | migration <name>");
  process.exit(2);
}
