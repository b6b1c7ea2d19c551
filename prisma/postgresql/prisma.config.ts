// Prisma 7 CLI configuration for the PostgreSQL schema (generated from ../schema.prisma):
// `prisma generate --config prisma/postgresql/prisma.config.ts` writes the PostgreSQL client.
import { defineConfig } from "prisma/config";
import { offlineEngine } from "../offline-engine.ts";

offlineEngine();

export default defineConfig({
  schema: "schema.prisma", // relative to this file
  // Its own variable: DATABASE_URL may name SQLite. Generate never connects.
  datasource: { url: process.env.POSTGRES_CLI_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres" },
});
