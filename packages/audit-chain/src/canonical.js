// RFC 8785, the JSON Canonicalization Scheme (JCS): one exact text for one JSON value, so that a
// hash over it can be recomputed by anyone, in any language, from the value alone. Pure, no I/O.

// Three typedefs because a JSDoc alias cannot refer to itself directly (TS2456); through the
// array and object aliases the recursion is allowed.
/**
 * A JSON value as it is hashed: what JSON.parse can return.
 * @typedef {null | boolean | number | string | JsonArray | JsonObject} JsonValue
 * @typedef {JsonValue[]} JsonArray
 * @typedef {{ [key: string]: JsonValue }} JsonObject
 */

/**
 * Object members are sorted by their names compared as UTF-16 code units (JavaScript's own `<`
 * on strings), at every level, with no whitespace. Strings and numbers are written as
 * ECMAScript's JSON.stringify writes them, which RFC 8785 adopts: shortest round-trip numbers
 * (1e+21, 1e-7, 0.1), -0 as 0, the minimal string escapes. Members whose value is undefined are
 * left out and undefined array elements become null, as JSON.stringify does.
 *
 * @param {unknown} value
 * @returns {string}
 * @throws {TypeError} on values JSON cannot carry: non-finite numbers, bigints, functions,
 *   symbols, and objects other than plain objects and arrays (a Date or a Map would otherwise
 *   hash as `{}` and silently lose its content).
 */
export function canonicalize(value) {
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
      const prototype = Object.getPrototypeOf(value);
      if (prototype !== Object.prototype && prototype !== null) {
        throw new TypeError(`canonicalize: unsupported object (${value.constructor?.name ?? "unknown"})`);
      }
      const members = Object.entries(value)
        .filter(([, member]) => member !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${members.map(([name, member]) => `${JSON.stringify(name)}:${canonicalize(member)}`).join(",")}}`;
    }
    default:
      throw new TypeError(`canonicalize: unsupported ${typeof value}`);
  }
}
