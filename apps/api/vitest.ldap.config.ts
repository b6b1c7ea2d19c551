import { defineConfig } from "vitest/config";
import base from "./vitest.config.ts";

/**
 * `npm run test:ldap`: the LDAP connector against a real OpenLDAP slapd (Debian's `slapd` and
 * `ldap-utils`), started by the suite with a throwaway configuration. Kept out of `npm test`,
 * which needs nothing beyond `npm install`; fails, never skips, when OpenLDAP is missing.
 */
export default defineConfig({
  resolve: base.resolve,
  test: { ...base.test, include: ["test/ldap/**/*.test.ts"], exclude: ["**/node_modules/**"] },
});
