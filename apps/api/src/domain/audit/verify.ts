// Verifies exported audit records (JSONL lines): each hash must equal
// sha256(prevHash + canonical(content)); consecutive sequences must link (prevHash = the previous
// hash); sequence 1 must start from the genesis hash. A filtered export has gaps between
// segments; each segment is verified on its own.
import { chainHash, type ChainedRecord, GENESIS_HASH } from "./canonical.ts";

export interface VerifyReport {
  ok: boolean;
  count: number;
  first: number | null;
  last: number | null;
  segments: number;
  failure: { line: number; sequence: number | null; reason: string } | null;
}

function parse(text: string): ChainedRecord {
  const value = JSON.parse(text) as Partial<ChainedRecord>;
  if (typeof value.sequence !== "number" || typeof value.hash !== "string" || typeof value.prevHash !== "string") {
    throw new Error("not an audit record (sequence, hash and prevHash are required)");
  }
  return value as ChainedRecord;
}

export async function verifyRecords(lines: AsyncIterable<{ line: number; text: string }>): Promise<VerifyReport> {
  const report: VerifyReport = { ok: true, count: 0, first: null, last: null, segments: 0, failure: null };
  let previous: ChainedRecord | null = null;
  const fail = (line: number, sequence: number | null, reason: string): VerifyReport => ({
    ...report,
    ok: false,
    failure: { line, sequence, reason },
  });
  for await (const { line, text } of lines) {
    let record: ChainedRecord;
    try {
      record = parse(text);
    } catch (error) {
      return fail(line, null, `unreadable line: ${(error as Error).message}`);
    }
    const expected = chainHash(record.prevHash, {
      sequence: record.sequence,
      at: record.at,
      actorId: record.actorId ?? null,
      action: record.action,
      requestId: record.requestId ?? null,
      ticketId: record.ticketId ?? null,
      comment: record.comment ?? null,
      data: record.data ?? {},
    });
    if (expected !== record.hash)
      return fail(line, record.sequence, "content does not match its hash (the event was altered)");
    if (previous && record.sequence <= previous.sequence) {
      return fail(line, record.sequence, `sequence ${record.sequence} does not follow ${previous.sequence}`);
    }
    const linked = previous !== null && record.sequence === previous.sequence + 1;
    if (linked && record.prevHash !== previous?.hash) {
      return fail(
        line,
        record.sequence,
        "prevHash does not match the previous event's hash (an event was removed or replaced)",
      );
    }
    if (record.sequence === 1 && record.prevHash !== GENESIS_HASH) {
      return fail(line, record.sequence, "the first event does not start from the genesis hash");
    }
    if (!linked) report.segments += 1;
    report.count += 1;
    report.first ??= record.sequence;
    report.last = record.sequence;
    previous = record;
  }
  return report;
}
