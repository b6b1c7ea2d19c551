// The contract check: the committed schema keeps v1, and the check catches what breaks it.
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildSchema } from "graphql";
import { describe, expect, it } from "vitest";
import { baselineFile, contractBreaks, schemaFile } from "../src/breaking-changes.ts";

const baseline = readFileSync(baselineFile, "utf8");
const cli = path.join(import.meta.dirname, "..", "src", "cli", "check.ts");
const runCheck = (...args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", cli, ...args], { encoding: "utf8" });

/** The baseline with one textual edit, which must apply. */
function edited(from: string, to: string): string {
  expect(baseline).toContain(from);
  return baseline.replace(from, to);
}

describe("the v1 contract", () => {
  it("is kept by the printed schema of the API", () => {
    expect(contractBreaks(buildSchema(readFileSync(schemaFile, "utf8")))).toEqual([]);
  });

  it("allows additions: a new type, an optional argument and an enum value", () => {
    const added = `${baseline}\ntype Extra { id: ID! }\n`.replace("enum Role {", "enum Role {\n  AUDITOR");
    expect(contractBreaks(buildSchema(added))).toEqual([]);
  });

  it.each([
    ["a removed field", "  justification: String!\n", "", "FIELD_REMOVED"],
    ["a field made nullable", "  justification: String!", "  justification: String", "FIELD_CHANGED_KIND"],
    ["a removed enum value", "  PARTIALLY_FULFILLED\n", "", "VALUE_REMOVED_FROM_ENUM"],
  ])("reports %s", (_what, from, to, type) => {
    const breaks = contractBreaks(buildSchema(edited(from, to)));
    expect(breaks.map((b) => b.type)).toContain(type);
  });

  it("says so from the command line and exits 0 when the contract holds", () => {
    const out = execFileSync(process.execPath, ["--import", "tsx", cli], { encoding: "utf8" });
    expect(out).toContain("contract holds: 0 breaking changes");
  });

  it("lists each break and exits 1 when a schema breaks it", () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "contract-")), "broken.graphql");
    writeFileSync(file, edited("  justification: String!\n", ""));
    const result = runCheck(file);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/FIELD_REMOVED: .*justification was removed/);
    expect(result.stdout).toContain("contract broken: 1 breaking changes");
  });

  it("exits 2 with one line when the schema cannot be read", () => {
    const result = runCheck(path.join(tmpdir(), "no-such-schema.graphql"));
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
  });
});
