import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";

const require = createRequire(import.meta.url);

/** The client's tests run the real API in-process (its own SQLite file per suite). */
export default defineConfig({
  // Node resolves `graphql` to its CommonJS build, Vite to its ES build: load the copy Pothos and
  // yoga load, or graphql-js sees two realms (as in apps/api/vitest.config.ts).
  resolve: { alias: [{ find: /^graphql$/, replacement: require.resolve("graphql") }] },
  test: { include: ["test/**/*.test.ts"], pool: "forks", testTimeout: 60_000, hookTimeout: 60_000 },
});
