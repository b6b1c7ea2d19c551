// Verifies an exported audit trail (JSONL, one record per line) and names the first broken link.
// Each record's hash is recomputed from its content and its prevHash; consecutive sequences
// must link (prevHash = the previous record's hash); sequence 1 must start from the genesis
// hash. A filtered export (one request, a time range) has gaps between its segments: each
// segment is verified on its own, and the report counts them.
import { chainHash, GENESIS_HASH } from "./chain.js";

/** @typedef {import("./chain.js").ChainedRecord} ChainedRecord */

/**
 * @typedef {object} VerifyFailure
 * @property {number} line 1-based line number in the input, blank lines included
 * @property {number | null} sequence null when the line is not a readable record
 * @property {string} reason
 */

/**
 * @typedef {object} VerifyReport
 * @property {boolean} ok
 * @property {number} count records verified (those before the failure, when there is one)
 * @property {number | null} first the first sequence verified
 * @property {number | null} last the last sequence verified
 * @property {number} segments runs of consecutive sequences; a complete export has one
 * @property {VerifyFailure | null} failure the first broken link
 */

/**
 * @typedef {object} VerifyOptions
 * @property {boolean} [complete] the input claims to be the whole trail: it must start at
 *   sequence 1 and have no gap, so a removed event is a failure instead of a second segment.
 */

/**
 * @param {string} text
 * @returns {ChainedRecord}
 */
function parseRecord(text) {
  /** @type {unknown} */
  const value = JSON.parse(text);
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error("not an audit record (a JSON object is expected)");
  }
  const record = /** @type {Partial<ChainedRecord>} */ (value);
  const { sequence, hash, prevHash } = record;
  if (typeof sequence !== "number" || !Number.isSafeInteger(sequence) || sequence < 1) {
    throw new Error("not an audit record (sequence must be a positive integer)");
  }
  if (typeof hash !== "string" || typeof prevHash !== "string") {
    throw new Error("not an audit record (sequence, hash and prevHash are required)");
  }
  // The other members are not checked one by one: the hash comparison decides whether they are
  // exactly what was hashed.
  return /** @type {ChainedRecord} */ (record);
}

/**
 * @param {number} from
 * @param {number} to
 */
const missing = (from, to) => (from === to ? `event ${from} is missing` : `events ${from}..${to} are missing`);

/**
 * Verifies the lines of an export, streaming (constant memory). Blank lines are skipped but
 * counted, so line numbers match the file.
 *
 * @param {Iterable<string> | AsyncIterable<string>} lines the export's lines, without newlines
 * @param {VerifyOptions} [options]
 * @returns {Promise<VerifyReport>}
 */
export async function verifyLines(lines, options = {}) {
  /** @type {VerifyReport} */
  const report = { ok: true, count: 0, first: null, last: null, segments: 0, failure: null };
  /** @type {ChainedRecord | null} */
  let previous = null;
  let line = 0;
  /**
   * @param {number | null} sequence
   * @param {string} reason
   * @returns {VerifyReport}
   */
  const fail = (sequence, reason) => ({ ...report, ok: false, failure: { line, sequence, reason } });

  for await (const text of lines) {
    line += 1;
    if (text.trim() === "") continue;
    /** @type {ChainedRecord} */
    let record;
    try {
      record = parseRecord(text);
    } catch (error) {
      return fail(null, `unreadable line: ${error instanceof Error ? error.message : String(error)}`);
    }
    const { sequence } = record;
    const expected = chainHash(record.prevHash, {
      sequence,
      at: record.at,
      actorId: record.actorId ?? null,
      action: record.action,
      requestId: record.requestId ?? null,
      ticketId: record.ticketId ?? null,
      comment: record.comment ?? null,
      data: record.data ?? {},
    });
    if (expected !== record.hash) return fail(sequence, "content does not match its hash (the event was altered)");
    if (previous && sequence <= previous.sequence) {
      return fail(sequence, `sequence ${sequence} does not follow ${previous.sequence}`);
    }
    if (options.complete && !previous && sequence !== 1) {
      return fail(sequence, `the trail starts at sequence ${sequence}: ${missing(1, sequence - 1)}`);
    }
    if (options.complete && previous && sequence !== previous.sequence + 1) {
      return fail(
        sequence,
        `sequence ${sequence} follows ${previous.sequence}: ${missing(previous.sequence + 1, sequence - 1)}`,
      );
    }
    const linked = previous !== null && sequence === previous.sequence + 1;
    if (linked && record.prevHash !== previous?.hash) {
      return fail(sequence, "prevHash does not match the previous event's hash (an event was removed or replaced)");
    }
    if (sequence === 1 && record.prevHash !== GENESIS_HASH) {
      return fail(sequence, "the first event does not start from the genesis hash");
    }
    if (!linked) report.segments += 1;
    report.count += 1;
    report.first ??= sequence;
    report.last = sequence;
    previous = record;
  }
  return report;
}

/**
 * The one line the `audit-verify` bin prints for a report.
 *
 * @param {VerifyReport} report
 * @returns {string}
 */
export function describeReport(report) {
  const { failure } = report;
  if (failure) {
    return `BROKEN at line ${failure.line} (sequence ${failure.sequence ?? "?"}): ${failure.reason}`;
  }
  const range = report.count > 0 ? ` (sequences ${report.first}..${report.last})` : "";
  const partial =
    report.segments > 1 ? `; ${report.segments} segments (a filtered export), each internally linked` : "";
  return `OK: ${report.count} events verified${range}${partial}.`;
}
