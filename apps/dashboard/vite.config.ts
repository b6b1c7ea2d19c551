import { svelte } from "@sveltejs/vite-plugin-svelte";
import { defineConfig } from "vitest/config";

// The API serves dist/ at / and every dashboard route (apps/api/src/http/dashboard.ts).
export default defineConfig({
  plugins: [svelte()],
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", sourcemap: false },
  resolve: process.env.VITEST ? { conditions: ["browser"] } : undefined,
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/browser/**"],
    environment: "happy-dom",
  },
});
