import { defineConfig } from "vitest/config";
import base from "./vitest.config.ts";

/**
 * `npm run test:scale`: the whole API suite on PostgreSQL and Redis (TEST_DATABASE_URL,
 * TEST_REDIS_URL; a fresh database per suite), plus the multi-instance suite (the LDAP suite has
 * its own command, test:ldap). Fails, never
 * skips, when the variables are missing or the services do not answer.
 */
export default defineConfig({
  resolve: base.resolve,
  test: {
    ...base.test,
    include: ["test/**/*.test.ts"],
    exclude: ["test/ldap/**", "**/node_modules/**"],
    globalSetup: ["test/scale/require-services.ts"],
    testTimeout: 60_000,
    // Two cores: the multi-instance suite runs its own server processes.
    fileParallelism: false,
  },
});
