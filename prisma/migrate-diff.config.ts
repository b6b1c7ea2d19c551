// Prisma 6.19.3 CLI configuration (the `prisma-6` npm alias), used only by db/providers.ts to diff
// new migrations: Prisma 7's CLI has no JavaScript schema engine and its native one downloads from
// Prisma's own host. 6.19.3 requires `url = env(...)` in the datasource, which Prisma 7 rejects, so
// providers.ts derives a schema with that line into a temporary folder and names it in
// PRISMA6_SCHEMA; PRISMA6_PROVIDER picks the driver adapter (7.x adapters: 6.19.3's PostgreSQL
// adapter cannot run the engine's introspection queries, prisma/orm#27403) and PRISMA6_URL the
// database it opens (a scratch SQLite file, or the PostgreSQL server).
import { defineConfig } from "prisma-6/config";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";

const { PRISMA6_SCHEMA: schema, PRISMA6_PROVIDER: provider, PRISMA6_URL: url } = process.env;
if (!schema || !url) throw new Error("migrate-diff.config.ts: run it through `npm run db:migration`");

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema,
  async adapter() {
    return provider === "postgresql" ? new PrismaPg({ connectionString: url }) : new PrismaBetterSqlite3({ url });
  },
});
