// SCIM attribute paths and PATCH operations (RFC 7644 §3.5.2), in the forms identity providers
// send them: Okta's lower-case ops with no path and an object value (`{"op":"replace","value":
// {"active":false}}`), Entra ID's capitalised ops ("Replace"), paths with value filters
// (`members[value eq "…"]`, `emails[type eq "work"].value`), extension attributes by their full
// URN (`urn:…:enterprise:2.0:User:manager`), and an object value whose keys are paths
// (`{"name.givenName": "…"}`). Every operation comes out as one path and one value; whole
// resources (POST, PUT) go through the same attribute handlers as `replace`s of their keys.
import { attributeOf, isObject, SCHEMA, ScimError } from "./protocol.ts";

export type PatchOp = "add" | "replace" | "remove";

/** A path, unqualified and lower-cased (SCIM attribute names are case-insensitive). */
export interface AttributePath {
  /** "core", a known extension, or "other" (an extension this service does not keep). */
  schema: "core" | "enterprise" | "other";
  /** The attribute ("" for an extension as a whole). */
  attribute: string;
  /** A value filter on a multi-valued attribute: `members[value eq "…"]`. */
  filter: { attribute: string; value: string } | null;
  /** The sub-attribute: "givenname" of "name.givenName", "value" of `emails[…].value`. */
  sub: string | null;
}

export interface Operation {
  op: PatchOp;
  path: AttributePath;
  value: unknown;
}

const FILTERED = /^([A-Za-z][\w-]*)\[\s*([A-Za-z][\w.-]*)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*\](?:\.([A-Za-z][\w-]*))?$/i;
const PLAIN = /^([A-Za-z$][\w$-]*)(?:\.([A-Za-z$][\w$-]*))?$/;

/** Parses an attribute path of a resource whose core schema is `core` (with the enterprise extension for users). */
function parsePath(raw: string, core: string): AttributePath {
  let rest = raw.trim();
  let schema: AttributePath["schema"] = "core";
  const lower = rest.toLowerCase();
  const enterprise = SCHEMA.enterpriseUser.toLowerCase();
  if (lower.startsWith(`${core.toLowerCase()}:`)) {
    rest = rest.slice(core.length + 1);
  } else if (core === SCHEMA.user && (lower === enterprise || lower.startsWith(`${enterprise}:`))) {
    schema = "enterprise";
    rest = rest.slice(enterprise.length + 1);
    if (rest === "") return { schema, attribute: "", filter: null, sub: null };
  } else if (lower.startsWith("urn:")) {
    return { schema: "other", attribute: lower, filter: null, sub: null };
  }
  const filtered = FILTERED.exec(rest);
  if (filtered) {
    let value: unknown;
    try {
      value = JSON.parse(`"${filtered[3] ?? ""}"`);
    } catch {
      throw invalidPath(raw);
    }
    return {
      schema,
      attribute: (filtered[1] ?? "").toLowerCase(),
      filter: { attribute: (filtered[2] ?? "").toLowerCase(), value: String(value) },
      sub: filtered[4]?.toLowerCase() ?? null,
    };
  }
  const plain = PLAIN.exec(rest);
  if (!plain) throw invalidPath(raw);
  return { schema, attribute: (plain[1] ?? "").toLowerCase(), filter: null, sub: plain[2]?.toLowerCase() ?? null };
}

export const invalidPath = (path: string) =>
  new ScimError(400, `The path ${JSON.stringify(path)} names no attribute of this resource.`, "invalidPath");

/** Keys of a resource that are the protocol's, not attributes a client sets. */
const PROTOCOL_KEYS = new Set(["schemas", "id", "meta"]);

/** A whole resource (POST, PUT) as `replace` operations on its keys. */
export function replacementsOf(body: Record<string, unknown>, core: string): Operation[] {
  return Object.entries(body)
    .filter(([key]) => !PROTOCOL_KEYS.has(key.toLowerCase()))
    .map(([key, value]) => ({ op: "replace", path: parsePath(key, core), value }));
}

/** The operations of a PatchOp body, each with a path (an object value without one is split by key). */
export function operationsOf(body: Record<string, unknown>, core: string): Operation[] {
  const operations = attributeOf(body, "Operations");
  if (!Array.isArray(operations) || operations.length === 0) {
    throw new ScimError(400, "A PATCH body lists its operations in Operations.", "invalidSyntax");
  }
  return operations.flatMap((operation): Operation[] => {
    if (!isObject(operation)) throw new ScimError(400, "Each operation must be an object.", "invalidSyntax");
    const name = attributeOf(operation, "op");
    const op = typeof name === "string" ? name.toLowerCase() : "";
    if (op !== "add" && op !== "replace" && op !== "remove") {
      throw new ScimError(400, `Unknown operation ${JSON.stringify(name)}: add, replace or remove.`, "invalidSyntax");
    }
    const path = attributeOf(operation, "path");
    const value = attributeOf(operation, "value");
    if (typeof path === "string" && path.trim() !== "") return [{ op, path: parsePath(path, core), value }];
    if (path !== undefined && path !== null && typeof path !== "string") throw invalidPath(String(path));
    if (op === "remove") throw new ScimError(400, "A remove operation needs a path.", "noTarget");
    if (!isObject(value)) {
      throw new ScimError(400, "An operation without a path needs an object value.", "invalidValue");
    }
    return replacementsOf(value, core).map((replacement) => ({ ...replacement, op }));
  });
}
