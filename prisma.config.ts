// Prisma CLI configuration: the JavaScript schema engine over the better-sqlite3 driver adapter,
// so `prisma generate` and `prisma migrate diff` run offline (no engine binary download).
import { mkdirSync } from "node:fs";
import path from "node:path";
import { defineConfig } from "prisma/config";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";

process.env.DATABASE_URL ??= "file:./data/access.db";
// The CLI opens the database file even for a diff; on a fresh checkout its folder is missing.
if (process.env.DATABASE_URL.startsWith("file:")) {
  mkdirSync(path.dirname(process.env.DATABASE_URL.slice("file:".length).split("?")[0] ?? "."), { recursive: true });
}

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: path.join("prisma", "schema.prisma"),
  async adapter() {
    return new PrismaBetterSQLite3({ url: process.env.DATABASE_URL ?? "file:./data/access.db" });
  },
});
