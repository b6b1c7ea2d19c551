// The SCIM 2.0 protocol's own shapes (RFC 7644): schema URNs, the error message and its HTTP
// answer, list responses with their paging, the one filter form served (`attribute eq "value"`)
// and the attributes / excludedAttributes projection. Nothing here knows identities or groups.
import type { ServerResponse } from "node:http";

export const SCHEMA = {
  user: "urn:ietf:params:scim:schemas:core:2.0:User",
  group: "urn:ietf:params:scim:schemas:core:2.0:Group",
  enterpriseUser: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
  listResponse: "urn:ietf:params:scim:api:messages:2.0:ListResponse",
  patchOp: "urn:ietf:params:scim:api:messages:2.0:PatchOp",
  error: "urn:ietf:params:scim:api:messages:2.0:Error",
  serviceProviderConfig: "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig",
  schema: "urn:ietf:params:scim:schemas:core:2.0:Schema",
  resourceType: "urn:ietf:params:scim:schemas:core:2.0:ResourceType",
} as const;

/** RFC 7644 §3.12: the detail errors a client can act on. */
export type ScimType =
  | "invalidFilter"
  | "tooMany"
  | "uniqueness"
  | "mutability"
  | "invalidSyntax"
  | "invalidPath"
  | "noTarget"
  | "invalidValue"
  | "invalidVers"
  | "sensitive";

/** A refusal answered as a SCIM error message; thrown anywhere below the SCIM router. */
export class ScimError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly scimType?: ScimType,
  ) {
    super(message);
    this.name = "ScimError";
  }
}

const CONTENT_TYPE = "application/scim+json; charset=utf-8";

export function sendScim(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}) {
  if (body === undefined) {
    res.writeHead(status, { "cache-control": "no-store", ...headers });
    res.end();
    return;
  }
  res.writeHead(status, { "content-type": CONTENT_TYPE, "cache-control": "no-store", ...headers });
  res.end(JSON.stringify(body));
}

export function sendScimError(
  res: ServerResponse,
  status: number,
  detail: string,
  scimType?: ScimType,
  headers: Record<string, string> = {},
): void {
  sendScim(
    res,
    status,
    { schemas: [SCHEMA.error], status: String(status), ...(scimType ? { scimType } : {}), detail },
    headers,
  );
}

/** The largest page a client gets (a larger `count` is cut to it, as RFC 7644 §3.4.2.4 allows). */
export const MAX_PAGE_SIZE = 100;

export interface Page {
  /** 1-based, as SCIM counts. */
  startIndex: number;
  count: number;
}

function integerParameter(params: URLSearchParams, name: string): number | null {
  const raw = params.get(name);
  if (raw === null || raw.trim() === "") return null;
  if (!/^\s*-?\d{1,15}\s*$/.test(raw)) throw new ScimError(400, `${name} must be an integer.`, "invalidValue");
  return Number(raw);
}

/** `startIndex` below 1 counts as 1 and a negative `count` as 0 (RFC 7644 §3.4.2.4). */
function pageOf(params: URLSearchParams): Page {
  const startIndex = Math.max(1, integerParameter(params, "startIndex") ?? 1);
  const count = Math.min(MAX_PAGE_SIZE, Math.max(0, integerParameter(params, "count") ?? MAX_PAGE_SIZE));
  return { startIndex, count };
}

export function listResponse(resources: readonly object[], total: number, page: Page) {
  return {
    schemas: [SCHEMA.listResponse],
    totalResults: total,
    startIndex: page.startIndex,
    itemsPerPage: resources.length,
    Resources: resources,
  };
}

/** A page of a list (the request's startIndex and count) as a ListResponse. */
export async function pagedList<Row>(
  params: URLSearchParams,
  list: {
    count(): Promise<number>;
    find(skip: number, take: number): Promise<Row[]>;
    resource(row: Row): object;
  },
) {
  const page = pageOf(params);
  const [total, rows] = await Promise.all([
    list.count(),
    page.count === 0 ? [] : list.find(page.startIndex - 1, page.count),
  ]);
  return listResponse(rows.map(list.resource), total, page);
}

/** `attribute eq "value"`: the one filter form served; the attribute as written, unqualified. */
export interface EqualityFilter {
  attribute: string;
  value: string;
}

const EQUALITY = /^\s*([A-Za-z][\w:.-]*)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$/i;

/**
 * Parses a filter into an equality on one of `attributes` (compared case-insensitively, as SCIM
 * attribute names are; a schema URN before the name is allowed). Anything else is
 * `invalidFilter`, so a client never mistakes an unsupported filter for an empty result.
 */
function parseFilter(filter: string, attributes: readonly string[], schema: string): EqualityFilter {
  const match = EQUALITY.exec(filter);
  const unsupported = () =>
    new ScimError(
      400,
      `Only filters of the form 'attribute eq "value"' on ${attributes.join(", ")} are supported.`,
      "invalidFilter",
    );
  if (!match) throw unsupported();
  let name = match[1] ?? "";
  if (name.toLowerCase().startsWith(`${schema.toLowerCase()}:`)) name = name.slice(schema.length + 1);
  const attribute = attributes.find((a) => a.toLowerCase() === name.toLowerCase());
  if (!attribute) throw unsupported();
  let value: unknown;
  try {
    value = JSON.parse(`"${match[2] ?? ""}"`);
  } catch {
    throw unsupported();
  }
  return { attribute, value: String(value) };
}

/** The request's `filter`, parsed (parseFilter), or null when there is none. */
export function filterOf(
  params: URLSearchParams,
  attributes: readonly string[],
  schema: string,
): EqualityFilter | null {
  const raw = params.get("filter");
  return raw === null || raw.trim() === "" ? null : parseFilter(raw, attributes, schema);
}

/** A request body that must be a JSON object (a resource, a PatchOp). */
export function bodyObject(body: unknown): Record<string, unknown> {
  if (!isObject(body)) throw new ScimError(400, "The body must be a JSON object.", "invalidSyntax");
  return body;
}

/**
 * The top-level attribute a name stands for, lower-cased: "name.givenName" → "name", a core
 * attribute qualified by its schema → the attribute, an extension's attribute → the extension's
 * URN (extensions are objects under their URN). `schemas[0]` is the core schema.
 */
function topLevel(name: string, schemas: readonly string[]): string {
  const lower = name.trim().toLowerCase();
  const [core, ...extensions] = schemas.map((schema) => schema.toLowerCase());
  if (core && lower.startsWith(`${core}:`)) return lower.slice(core.length + 1).split(".")[0] ?? "";
  const extension = extensions.find((urn) => lower === urn || lower.startsWith(`${urn}:`));
  if (extension) return extension;
  return lower.startsWith("urn:") ? lower : (lower.split(".")[0] ?? "");
}

/**
 * Applies `attributes` (only those, with `id` and `schemas`) or `excludedAttributes` to a
 * resource, at the level of its top-level attributes. `schemas[0]` is the resource's core schema.
 */
export function project(
  resource: Record<string, unknown>,
  params: URLSearchParams,
  schemas: readonly string[],
): Record<string, unknown> {
  const list = (name: string) =>
    (params.get(name) ?? "")
      .split(",")
      .filter((a) => a.trim() !== "")
      .map((a) => topLevel(a, schemas));
  const only = list("attributes");
  const excluded = list("excludedAttributes");
  if (only.length === 0 && excluded.length === 0) return resource;
  const always = new Set(["id", "schemas"]);
  return Object.fromEntries(
    Object.entries(resource).filter(([key]) => {
      const name = key.toLowerCase();
      if (always.has(name)) return true;
      if (only.length > 0) return only.includes(name);
      return !excluded.includes(name);
    }),
  );
}

/** Which attributes a request leaves out (so a list can skip loading them). */
export function excludes(params: URLSearchParams, attribute: string, schemas: readonly string[]): boolean {
  return project({ id: "", [attribute]: true }, params, schemas)[attribute] === undefined;
}

/** SCIM booleans as identity providers send them: true/false, or Entra ID's "True"/"False". */
export function scimBoolean(value: unknown, what: string): boolean {
  if (typeof value === "boolean") return value;
  if (typeof value === "string" && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === "true";
  throw new ScimError(400, `${what} must be true or false.`, "invalidValue");
}

/** A string attribute's value: a string, or null to clear it. */
export function scimString(value: unknown, what: string): string | null {
  if (value === null) return null;
  if (typeof value === "string") return value;
  throw new ScimError(400, `${what} must be a string.`, "invalidValue");
}

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The value of an object's key, its name compared case-insensitively (SCIM attribute names are). */
export function attributeOf(object: Record<string, unknown>, name: string): unknown {
  const key = Object.keys(object).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : object[key];
}
