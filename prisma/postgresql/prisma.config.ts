// Prisma CLI configuration for the PostgreSQL schema (generate, migrate diff). The CLI uses
// @prisma/adapter-pg 7 (aliased as prisma-adapter-pg-cli): 6.19.3's adapter cannot run the
// schema engine's introspection queries (prisma/orm#27403). The app's runtime keeps 6.19.3.
import { defineConfig } from "prisma/config";
import { PrismaPg } from "prisma-adapter-pg-cli";

// Its own variable: the CLI validates the datasource URL, and DATABASE_URL may name SQLite.
process.env.POSTGRES_CLI_URL ??= "postgresql://postgres@127.0.0.1:5432/postgres";

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: "schema.prisma", // relative to this file
  async adapter() {
    return new PrismaPg({ connectionString: process.env.POSTGRES_CLI_URL ?? "" });
  },
});
