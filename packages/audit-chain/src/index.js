// @access/audit-chain: everything needed to recompute and verify the product's audit chain,
// usable on its own (node: built-ins only, no build step).
export { canonicalize } from "./canonical.js";
export { chainHash, GENESIS_HASH } from "./chain.js";
export { readLines } from "./lines.js";
export { describeReport, verifyLines } from "./verify.js";

/**
 * @typedef {import("./canonical.js").JsonValue} JsonValue
 * @typedef {import("./canonical.js").JsonArray} JsonArray
 * @typedef {import("./canonical.js").JsonObject} JsonObject
 * @typedef {import("./chain.js").ChainedContent} ChainedContent
 * @typedef {import("./chain.js").ChainedRecord} ChainedRecord
 * @typedef {import("./verify.js").VerifyFailure} VerifyFailure
 * @typedef {import("./verify.js").VerifyOptions} VerifyOptions
 * @typedef {import("./verify.js").VerifyReport} VerifyReport
 */
