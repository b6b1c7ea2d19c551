// Prisma 7 CLI configuration for the SQLite model: `prisma generate` (client and Pothos types).
// Migrations are not made here: the API applies committed migrations itself (db/migrate.ts) and
// new ones are diffed by the Prisma 6.19.3 CLI (db/providers.ts), because Prisma 7's CLI needs a
// native schema engine that only downloads from Prisma's own host.
import path from "node:path";
import { defineConfig } from "prisma/config";
import { offlineEngine } from "./prisma/offline-engine.ts";

offlineEngine();

export default defineConfig({
  schema: path.join("prisma", "schema.prisma"),
  // Prisma 7 takes the URL here, not in the schema; generate never connects.
  datasource: { url: process.env.DATABASE_URL ?? "file:./data/access.db" },
});
