// `npm run audit:verify -- <export.jsonl>`: recomputes every event's hash from its content and
// its prevHash, checks that consecutive sequences link, and says where the chain breaks.
// Exit 0 when the file verifies, 1 when it does not, 2 on bad usage.
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { verifyRecords, type VerifyReport } from "../domain/audit/verify.ts";

async function* lines(file: string): AsyncGenerator<{ line: number; text: string }> {
  const reader = createInterface({ input: createReadStream(file, "utf8"), crlfDelay: Infinity });
  let line = 0;
  for await (const text of reader) {
    line += 1;
    if (text.trim() !== "") yield { line, text };
  }
}

function describe(report: VerifyReport): string {
  if (report.ok) {
    const range = report.count > 0 ? ` (sequences ${report.first}..${report.last})` : "";
    const partial =
      report.segments > 1 ? `; ${report.segments} segments (a filtered export), each internally linked` : "";
    return `OK: ${report.count} events verified${range}${partial}.`;
  }
  return `BROKEN at line ${report.failure?.line} (sequence ${report.failure?.sequence ?? "?"}): ${report.failure?.reason}`;
}

const file = process.argv[2];
if (!file) {
  console.error("usage: npm run audit:verify -- <audit-export.jsonl>");
  process.exit(2);
}
try {
  const report = await verifyRecords(lines(file));
  console.log(describe(report));
  process.exit(report.ok ? 0 : 1);
} catch (error) {
  console.error(`audit:verify: ${(error as Error).message}`);
  process.exit(2);
}
