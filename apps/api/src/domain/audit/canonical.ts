// RFC 8785 (JSON Canonicalization Scheme) and the audit chain's hash formula. Shared by the
// writer (domain/audit/record.ts) and the verifier (cli/audit-verify.ts), so both compute the
// same bytes. Pure functions, no I/O.
import { createHash } from "node:crypto";

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export const GENESIS_HASH = "0".repeat(64);

/**
 * JCS: object keys sorted by UTF-16 code units at every level, no whitespace, strings and
 * numbers serialised as ECMAScript's JSON.stringify does (which RFC 8785 adopts).
 */
export function canonicalize(value: unknown): string {
  if (value === null || value === undefined) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "number":
      if (!Number.isFinite(value)) throw new TypeError("canonicalize: non-finite number");
      return JSON.stringify(value);
    case "string":
      return JSON.stringify(value);
    case "object": {
      if (Array.isArray(value)) return `[${value.map(canonicalize).join(",")}]`;
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalize(v)}`).join(",")}}`;
    }
    default:
      throw new TypeError(`canonicalize: unsupported ${typeof value}`);
  }
}

/** The hashed content of one event, with ids as the API shows them (global ids). */
export interface ChainedContent {
  sequence: number;
  at: string;
  actorId: string | null;
  action: string;
  requestId: string | null;
  ticketId: string | null;
  comment: string | null;
  data: JsonValue;
}

/** One exported event: its hashed content plus the chain links (what the export streams). */
export interface ChainedRecord extends ChainedContent {
  prevHash: string;
  hash: string;
}

export function chainHash(prevHash: string, content: ChainedContent): string {
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
