import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";

const require = createRequire(import.meta.url);

/** `npm test`: everything but the multi-instance suite, on SQLite unless TEST_DATABASE_URL is set. */
export default defineConfig({
  // Node resolves `graphql` (no "exports" map) to its CommonJS build, Vite to its ES build: load
  // the same copy as Pothos and yoga do, or graphql-js sees two realms.
  resolve: { alias: [{ find: /^graphql$/, replacement: require.resolve("graphql") }] },
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/scale/**", "test/ldap/**", "**/node_modules/**"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
