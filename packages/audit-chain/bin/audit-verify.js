#!/usr/bin/env node
// `audit-verify [--complete] <export.jsonl | ->`: recomputes every event's hash from its content
// and its prevHash, checks that consecutive sequences link, and prints one line saying whether
// the trail verifies or where it first breaks. Exit 0 when it verifies, 1 when it does not, 2 on
// bad usage or a file that cannot be read. Runs on any Node >= 18 with nothing installed.
import { createReadStream } from "node:fs";
import { describeReport, readLines, verifyLines } from "../src/index.js";

const USAGE = "usage: audit-verify [--complete] <audit-export.jsonl | ->";

const args = process.argv.slice(2);
if (args.includes("--help") || args.includes("-h")) {
  console.log(USAGE);
} else {
  const complete = args.includes("--complete");
  const files = args.filter((arg) => arg !== "--complete");
  const [file] = files;
  if (file === undefined || files.length > 1 || (file.startsWith("-") && file !== "-")) {
    console.error(USAGE);
    process.exitCode = 2;
  } else {
    try {
      const input = file === "-" ? process.stdin : createReadStream(file);
      const report = await verifyLines(readLines(input), { complete });
      console.log(describeReport(report));
      process.exitCode = report.ok ? 0 : 1;
    } catch (error) {
      console.error(`audit-verify: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 2;
    }
  }
}
