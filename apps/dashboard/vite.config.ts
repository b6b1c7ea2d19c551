import { createRequire } from "node:module";
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { defineConfig } from "vitest/config";

const require = createRequire(import.meta.url);

// The API serves dist/ at / and every dashboard route (apps/api/src/http/dashboard.ts).
export default defineConfig({
  plugins: [svelte()],
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", sourcemap: false },
  test: {
    projects: [
      {
        // Components and view logic, in happy-dom.
        extends: true,
        resolve: { conditions: ["browser"] },
        test: { name: "components", include: ["test/*.test.ts"], environment: "happy-dom" },
      },
      {
        // The urql client and its cache in Node, against the real API (apps/api/test/harness.ts).
        extends: true,
        resolve: { alias: [{ find: /^graphql$/, replacement: require.resolve("graphql") }] },
        test: { name: "cache", include: ["test/cache/**/*.test.ts"], environment: "node", testTimeout: 30_000 },
      },
    ],
  },
});
