// The `audit-verify` bin end to end: a real `node` process on the bin file, as an auditor runs it.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { toLines, trail } from "./trail.js";

const bin = fileURLToPath(new URL("../bin/audit-verify.js", import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), "audit-verify-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * @param {string} name
 * @param {string[]} lines
 */
function file(name, lines) {
  const target = path.join(dir, name);
  writeFileSync(target, lines.map((line) => `${line}\n`).join(""));
  return target;
}

/**
 * @param {string[]} args
 * @param {string} [stdin]
 */
function run(args, stdin) {
  const result = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", input: stdin ?? "" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const good = toLines(trail(5));
const tampered = good.map((line, i) => (i === 2 ? line.replace('"number":3', '"number":33') : line));
const gapped = good.filter((_, i) => i !== 2);

describe("audit-verify", () => {
  it("prints OK with the count and range and exits 0 for a valid export", () => {
    expect(run([file("good.jsonl", good)])).toEqual({
      status: 0,
      stdout: "OK: 5 events verified (sequences 1..5).\n",
      stderr: "",
    });
  });

  it("prints the first broken link and exits 1 for a tampered export", () => {
    expect(run([file("tampered.jsonl", tampered)])).toEqual({
      status: 1,
      stdout: "BROKEN at line 3 (sequence 3): content does not match its hash (the event was altered)\n",
      stderr: "",
    });
  });

  it("reads the export from stdin when the file is -", () => {
    expect(run(["-"], good.join("\n"))).toMatchObject({
      status: 0,
      stdout: "OK: 5 events verified (sequences 1..5).\n",
    });
    expect(run(["-"], tampered.join("\n"))).toMatchObject({
      status: 1,
      stdout: expect.stringMatching(/^BROKEN at line 3/),
    });
  });

  it("notes the segments of a filtered export, and fails it with --complete", () => {
    const target = file("gapped.jsonl", gapped);
    expect(run([target])).toMatchObject({
      status: 0,
      stdout: "OK: 4 events verified (sequences 1..5); 2 segments (a filtered export), each internally linked.\n",
    });
    expect(run(["--complete", target])).toMatchObject({
      status: 1,
      stdout: "BROKEN at line 3 (sequence 4): sequence 4 follows 2: event 3 is missing\n",
    });
  });

  it.each([
    ["no file", []],
    ["two files", ["a.jsonl", "b.jsonl"]],
    ["an unknown option", ["--strict", "a.jsonl"]],
  ])("prints the usage line and exits 2 given %s", (_, args) => {
    expect(run(args)).toEqual({
      status: 2,
      stdout: "",
      stderr: "usage: audit-verify [--complete] <audit-export.jsonl | ->\n",
    });
  });

  it("prints the usage line on stdout and exits 0 for --help", () => {
    expect(run(["--help"])).toMatchObject({
      status: 0,
      stdout: "usage: audit-verify [--complete] <audit-export.jsonl | ->\n",
    });
  });

  it.each([
    ["a missing file", path.join(dir, "missing.jsonl"), /^audit-verify: ENOENT: no such file or directory/],
    ["a directory", dir, /^audit-verify: EISDIR: illegal operation on a directory/],
  ])("prints one error line and exits 2 for %s", (_, target, message) => {
    const result = run([target]);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
  });
});
