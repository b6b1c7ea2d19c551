// Test fixtures: a valid trail built with the package's own hash, and helpers to tamper with it.
import { chainHash, GENESIS_HASH } from "../src/index.js";

/** @typedef {import("../src/index.js").ChainedRecord} ChainedRecord */
/** @typedef {import("../src/index.js").ChainedContent} ChainedContent */

/**
 * One event's content as the product writes it (ids are global ids).
 * @param {number} sequence
 * @returns {ChainedContent}
 */
export function contentOf(sequence) {
  return {
    sequence,
    at: `2026-11-27T09:${String(sequence % 60).padStart(2, "0")}:00.000Z`,
    actorId: sequence % 3 === 0 ? null : "SWRlbnRpdHk6YWxpY2U=",
    action: sequence % 2 === 0 ? "TICKET_APPROVED" : "REQUEST_CREATED",
    requestId: "UmVxdWVzdDpyMQ==",
    ticketId: sequence % 2 === 0 ? "VGlja2V0OnQx" : null,
    comment: sequence % 4 === 0 ? `approved, step ${sequence} — ok` : null,
    data: { status: "PENDING_APPROVAL", number: sequence, nested: { b: [1, 2], a: "é" } },
  };
}

/**
 * Links contents into records, the first one from `prevHash`.
 * @param {ChainedContent[]} contents
 * @param {string} [prevHash]
 * @returns {ChainedRecord[]}
 */
export function link(contents, prevHash = GENESIS_HASH) {
  /** @type {ChainedRecord[]} */
  const records = [];
  let previous = prevHash;
  for (const content of contents) {
    const hash = chainHash(previous, content);
    records.push({ ...content, prevHash: previous, hash });
    previous = hash;
  }
  return records;
}

/**
 * A complete, valid trail: sequences 1..count from the genesis hash.
 * @param {number} count
 * @returns {ChainedRecord[]}
 */
export function trail(count) {
  return link(Array.from({ length: count }, (_, i) => contentOf(i + 1)));
}

/**
 * The records as the export writes them: one JSON object per line.
 * @param {ChainedRecord[]} records
 * @returns {string[]}
 */
export const toLines = (records) => records.map((record) => JSON.stringify(record));

/**
 * The record with `changes` applied and its hash recomputed, as a forger who knows the formula
 * would write it.
 * @param {ChainedRecord} record
 * @param {Partial<ChainedRecord>} changes
 * @returns {ChainedRecord}
 */
export function forge(record, changes) {
  const forged = { ...record, ...changes };
  return { ...forged, hash: chainHash(forged.prevHash, forged) };
}
