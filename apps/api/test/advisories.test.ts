// The dependency advisory check (cli/check-advisories.ts), offline: a lockfile's production
// packages against OSV advisories on disk; and the repository's own lockfile read as it is.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { checkAdvisories, matchOsv, productionPackages, readOsv } from "../src/cli/check-advisories.ts";
import { repoRoot } from "../src/paths.ts";

const fixtures = fileURLToPath(new URL("./fixtures/osv", import.meta.url));

const lockfile = (packages: Record<string, { version: string; dev?: boolean }>) =>
  JSON.stringify({ lockfileVersion: 3, packages: { "": {}, ...packages } });

describe("the advisory check", () => {
  it("reads the production packages of a lockfile, nested ones too, and leaves dev packages out", () => {
    const packages = productionPackages(
      lockfile({
        "node_modules/left-pad-example": { version: "1.3.0" },
        "node_modules/a/node_modules/left-pad-example": { version: "1.2.0" },
        "node_modules/dev-only-example": { version: "2.0.0", dev: true },
      }),
    );
    expect(packages).toEqual([
      { name: "left-pad-example", version: "1.3.0" },
      { name: "left-pad-example", version: "1.2.0" },
    ]);
  });

  it("finds the versions an OSV range or list affects, in the npm ecosystem only", () => {
    const advisories = readOsv(fixtures);
    expect(advisories.map((a) => a.id).sort()).toEqual(["GHSA-test-0001", "GHSA-test-0002"]);
    const findings = matchOsv(
      [
        { name: "left-pad-example", version: "1.3.0" },
        { name: "left-pad-example", version: "1.3.1" },
      ],
      advisories,
    );
    expect(findings).toEqual([
      expect.objectContaining({ name: "left-pad-example", version: "1.3.0", id: "GHSA-test-0001", severity: "high" }),
    ]);
  });

  it("checks a whole project offline with ADVISORY_DB, and fails it on a high finding", () => {
    const root = mkdtempSync(path.join(tmpdir(), "advisories-"));
    writeFileSync(
      path.join(root, "package-lock.json"),
      lockfile({ "node_modules/left-pad-example": { version: "1.0.0" } }),
    );
    const result = checkAdvisories(root, { ADVISORY_DB: fixtures });
    expect(result).toMatchObject({ checked: true, findings: [expect.objectContaining({ id: "GHSA-test-0001" })] });
  });

  it("reads this repository's lockfile: every production package has a version", () => {
    const packages = productionPackages(readFileSync(path.join(repoRoot, "package-lock.json"), "utf8"));
    expect(packages.length).toBeGreaterThan(100);
    expect(packages.some((p) => p.name === "graphql-yoga")).toBe(true);
    expect(packages.some((p) => p.name === "vitest")).toBe(false);
  });
});
