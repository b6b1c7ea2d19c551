// The chain's hash formula and the verifier: a valid trail verifies, and each kind of tampering
// is reported at the first broken link with its line, sequence and reason.
import { describe, expect, it } from "vitest";
import { chainHash, describeReport, GENESIS_HASH, readLines, verifyLines } from "../src/index.js";
import { contentOf, forge, link, toLines, trail } from "./trail.js";

describe("chainHash", () => {
  const content = {
    sequence: 1,
    at: "2026-11-27T09:30:00.000Z",
    actorId: "SWRlbnRpdHk6YWxpY2U=",
    action: "REQUEST_CREATED",
    requestId: "UmVxdWVzdDpyMQ==",
    ticketId: null,
    comment: "Quarterly report",
    data: {
      status: "PENDING_APPROVAL",
      previousStatus: null,
      number: 1,
      targetId: "SWRlbnRpdHk6YWxpY2U=",
      resourceIds: ["UmVzb3VyY2U6d2lraQ=="],
    },
  };

  // The README's worked example; the value was computed with `sha256sum`, not with this package.
  it("hashes a known record to the value sha256sum gives for genesis hash + canonical text", () => {
    expect(chainHash(GENESIS_HASH, content)).toBe("17183c117f2621f858bbca4dded296a6b7f174e05c231b6d263b2ca10e08c17a");
  });

  it("starts the chain from 64 zeros", () => {
    expect(GENESIS_HASH).toBe("0".repeat(64));
  });

  it("hashes only the eight content members, so the record's own links do not change it", () => {
    const record = { ...content, prevHash: "a".repeat(64), hash: "b".repeat(64) };
    expect(chainHash(GENESIS_HASH, record)).toBe(chainHash(GENESIS_HASH, content));
  });

  it("changes when the previous hash or any content member changes", () => {
    const base = chainHash(GENESIS_HASH, content);
    expect(chainHash("1".repeat(64), content)).not.toBe(base);
    expect(chainHash(GENESIS_HASH, { ...content, comment: null })).not.toBe(base);
    expect(chainHash(GENESIS_HASH, { ...content, data: { ...content.data, number: 2 } })).not.toBe(base);
  });
});

describe("verifyLines", () => {
  it("verifies a complete trail as one segment", async () => {
    const report = await verifyLines(toLines(trail(12)));
    expect(report).toEqual({ ok: true, count: 12, first: 1, last: 12, segments: 1, failure: null });
    expect(describeReport(report)).toBe("OK: 12 events verified (sequences 1..12).");
  });

  it("reads an async source, such as a stream split by readLines", async () => {
    const text = toLines(trail(3)).join("\r\n") + "\r\n";
    const chunks = (async function* () {
      yield Buffer.from(text.slice(0, 7));
      yield Buffer.from(text.slice(7));
    })();
    expect(await verifyLines(readLines(chunks))).toMatchObject({ ok: true, count: 3 });
  });

  it("reports altered content at its line", async () => {
    const lines = toLines(trail(6));
    lines[2] = lines[2]?.replace('"action":"REQUEST_CREATED"', '"action":"TICKET_APPROVED"') ?? "";
    const report = await verifyLines(lines);
    expect(report.failure).toEqual({
      line: 3,
      sequence: 3,
      reason: "content does not match its hash (the event was altered)",
    });
    expect(report).toMatchObject({ ok: false, count: 2, first: 1, last: 2 });
    expect(describeReport(report)).toBe(
      "BROKEN at line 3 (sequence 3): content does not match its hash (the event was altered)",
    );
  });

  it("reports an event replaced by a forged one (hash recomputed) where the next event no longer links", async () => {
    const records = trail(6);
    const third = records[2];
    if (!third) throw new Error("fixture");
    records[2] = forge(third, { comment: "never said" });
    expect((await verifyLines(toLines(records))).failure).toEqual({
      line: 4,
      sequence: 4,
      reason: "prevHash does not match the previous event's hash (an event was removed or replaced)",
    });
  });

  it("reports a replaced prevHash (hash recomputed) at that event", async () => {
    const records = trail(6);
    const fourth = records[3];
    if (!fourth) throw new Error("fixture");
    records[3] = forge(fourth, { prevHash: "e".repeat(64) });
    expect((await verifyLines(toLines(records))).failure).toEqual({
      line: 4,
      sequence: 4,
      reason: "prevHash does not match the previous event's hash (an event was removed or replaced)",
    });
  });

  it("reports reordered events at the line whose sequence goes backwards", async () => {
    const lines = toLines(trail(6));
    const [third, fourth] = [lines[2] ?? "", lines[3] ?? ""];
    lines[2] = fourth;
    lines[3] = third;
    expect((await verifyLines(lines)).failure).toEqual({
      line: 4,
      sequence: 3,
      reason: "sequence 3 does not follow 4",
    });
  });

  it("reports a repeated event", async () => {
    const lines = toLines(trail(4));
    lines.splice(2, 0, lines[1] ?? "");
    expect((await verifyLines(lines)).failure).toMatchObject({ line: 3, sequence: 2 });
  });

  it("reports a trail that does not start from the genesis hash", async () => {
    const records = link([contentOf(1), contentOf(2)], "f".repeat(64));
    expect((await verifyLines(toLines(records))).failure).toEqual({
      line: 1,
      sequence: 1,
      reason: "the first event does not start from the genesis hash",
    });
  });

  it("shows an event removed from a complete export as a second segment", async () => {
    const lines = toLines(trail(8));
    lines.splice(4, 1);
    const report = await verifyLines(lines);
    expect(report).toMatchObject({ ok: true, count: 7, first: 1, last: 8, segments: 2 });
    expect(describeReport(report)).toBe(
      "OK: 7 events verified (sequences 1..8); 2 segments (a filtered export), each internally linked.",
    );
  });

  it("reports an event removed from an export declared complete at the line after the gap", async () => {
    const lines = toLines(trail(8));
    lines.splice(4, 1);
    expect((await verifyLines(lines, { complete: true })).failure).toEqual({
      line: 5,
      sequence: 6,
      reason: "sequence 6 follows 4: event 5 is missing",
    });
    lines.splice(4, 2);
    expect((await verifyLines(lines, { complete: true })).failure?.reason).toBe(
      "sequence 8 follows 4: events 5..7 are missing",
    );
  });

  it("reports an export declared complete that does not start at sequence 1", async () => {
    const lines = toLines(trail(5)).slice(2);
    expect((await verifyLines(lines, { complete: true })).failure).toEqual({
      line: 1,
      sequence: 3,
      reason: "the trail starts at sequence 3: events 1..2 are missing",
    });
  });

  it("verifies a filtered export segment by segment", async () => {
    const records = trail(12);
    const kept = records.filter((r) => [1, 2, 3, 7, 8, 12].includes(r.sequence));
    const report = await verifyLines(toLines(kept));
    expect(report).toEqual({ ok: true, count: 6, first: 1, last: 12, segments: 3, failure: null });
    expect(describeReport(report)).toBe(
      "OK: 6 events verified (sequences 1..12); 3 segments (a filtered export), each internally linked.",
    );
  });

  it("still checks the links inside each segment of a filtered export", async () => {
    const records = trail(12).filter((r) => r.sequence >= 7);
    const eighth = records[1];
    if (!eighth) throw new Error("fixture");
    records[1] = forge(eighth, { prevHash: GENESIS_HASH });
    expect((await verifyLines(toLines(records))).failure).toMatchObject({ line: 2, sequence: 8 });
  });

  it("verifies empty input as zero events", async () => {
    for (const lines of [[], ["", "  "]]) {
      const report = await verifyLines(lines);
      expect(report).toEqual({ ok: true, count: 0, first: null, last: null, segments: 0, failure: null });
      expect(describeReport(report)).toBe("OK: 0 events verified.");
    }
  });

  it("counts blank lines, so line numbers match the file", async () => {
    const lines = toLines(trail(3));
    lines.splice(1, 0, "");
    lines[3] = lines[3]?.replace('"number":3', '"number":4') ?? "";
    expect((await verifyLines(lines)).failure).toMatchObject({ line: 4, sequence: 3 });
  });

  it.each([
    ["text that is not JSON", "audit", /^unreadable line: /],
    ["JSON that is not an object", "[1,2]", /^unreadable line: not an audit record \(a JSON object is expected\)$/],
    ["a record without its links", '{"sequence":2}', /^unreadable line: not an audit record \(sequence, hash/],
    ["a sequence that is not a positive integer", '{"sequence":0}', /sequence must be a positive integer/],
  ])("reports an unreadable line (%s) without a sequence", async (_, bad, reason) => {
    const lines = toLines(trail(3));
    lines[1] = bad;
    const report = await verifyLines(lines);
    expect(report.failure).toMatchObject({ line: 2, sequence: null, reason: expect.stringMatching(reason) });
    expect(describeReport(report)).toMatch(/^BROKEN at line 2 \(sequence \?\): unreadable line: /);
  });
});

describe("readLines", () => {
  /** @param {(string | Uint8Array)[]} chunks */
  async function collect(chunks) {
    /** @type {string[]} */
    const lines = [];
    for await (const line of readLines(
      (async function* () {
        yield* chunks;
      })(),
    )) {
      lines.push(line);
    }
    return lines;
  }

  it("splits on LF and CRLF, keeps a last line without a newline and blank lines in between", async () => {
    expect(await collect(["a\r\nb\n", "\nc"])).toEqual(["a", "b", "", "c"]);
  });

  it("decodes UTF-8 characters split across chunks", async () => {
    const bytes = Buffer.from("zoë 😀\n");
    expect(await collect([bytes.subarray(0, 3), bytes.subarray(3, 6), bytes.subarray(6)])).toEqual(["zoë 😀"]);
  });
});
