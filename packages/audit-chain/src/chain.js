// The audit chain's hash formula: each event's hash covers the previous event's hash and the
// event's own content, so changing, removing or reordering an event breaks every link after it.
// The product's writer and the verifier both call chainHash, so they compute the same bytes.
import { createHash } from "node:crypto";
import { canonicalize } from "./canonical.js";

/** @typedef {import("./canonical.js").JsonValue} JsonValue */

/**
 * The hashed content of one event, with ids as the API shows them (global ids).
 * @typedef {object} ChainedContent
 * @property {number} sequence
 * @property {string} at ISO-8601 time of the commit that wrote the event
 * @property {string | null} actorId null when the system itself acted
 * @property {string} action
 * @property {string | null} requestId
 * @property {string | null} ticketId
 * @property {string | null} comment
 * @property {JsonValue} data
 */

/**
 * One exported event: its hashed content plus the chain's links (one line of the JSONL export).
 * @typedef {ChainedContent & { prevHash: string, hash: string }} ChainedRecord
 */

/** The prevHash of the first event (sequence 1): 64 zeros. */
export const GENESIS_HASH = "0".repeat(64);

/**
 * sha256_hex(prevHash + JCS({sequence, at, actorId, action, requestId, ticketId, comment, data})).
 * Only these eight members are hashed, whatever else `content` carries.
 *
 * @param {string} prevHash
 * @param {ChainedContent} content
 * @returns {string} 64 lowercase hex digits
 */
export function chainHash(prevHash, content) {
  const canonical = canonicalize({
    sequence: content.sequence,
    at: content.at,
    actorId: content.actorId,
    action: content.action,
    requestId: content.requestId,
    ticketId: content.ticketId,
    comment: content.comment,
    data: content.data,
  });
  return createHash("sha256")
    .update(prevHash + canonical, "utf8")
    .digest("hex");
}
