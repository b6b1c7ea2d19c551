// The inbound SCIM 2.0 service provider at /scim/v2 (RFC 7643/7644), so that an identity
// provider (Okta, Entra ID, …) pushes people and groups: authentication by a SCIM token (never
// an API token), the routes, JSON bodies within the size limit, and every refusal as a SCIM
// error message. The handlers (users.ts, groups.ts) change the directory through its domain
// functions only.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import { GraphQLError } from "graphql";
import type { Database } from "../../db/database.ts";
import { DomainError, DomainErrors } from "../../domain/errors.ts";
import { checkInput } from "../../graphql/input-guard.ts";
import { type Authenticator, bearerChallenge } from "../auth.ts";
import type { ScimContext } from "./context.ts";
import { discovery, serviceProviderConfig } from "./discovery.ts";
import { createGroupResource, deleteGroupResource, getGroup, listGroups, patchGroup, replaceGroup } from "./groups.ts";
import { ScimError, sendScim, sendScimError } from "./protocol.ts";
import { createUser, deleteUser, getUser, listUsers, patchUser, replaceUser } from "./users.ts";

const SCIM_PREFIX = "/scim/v2";

export const isScimPath = (pathname: string): boolean =>
  pathname === SCIM_PREFIX || pathname.startsWith(`${SCIM_PREFIX}/`);

export interface ScimDeps {
  db: Database;
  authenticator: Authenticator;
  log: Logger;
  maxBodyBytes: number;
  /** PUBLIC_URL: the base of resource locations when set. */
  publicUrl: URL | undefined;
}

const BODY_TYPES = new Set(["application/scim+json", "application/json"]);

/** The request's JSON body, at most `maxBytes` (announced or not). */
async function readJson(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  // A form or text body is what a cross-site page can send without asking.
  if (!BODY_TYPES.has(type)) throw new ScimError(415, "Bodies must be application/scim+json (or application/json).");
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > maxBytes) throw new ScimError(413, `Request bodies are limited to ${maxBytes} bytes.`);
    chunks.push(buffer);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new ScimError(400, "The body is not valid JSON.", "invalidSyntax");
  }
  try {
    checkInput(body, "The body");
  } catch (error) {
    if (error instanceof GraphQLError) throw new ScimError(400, error.message, "invalidValue");
    throw error;
  }
  return body;
}

/** A domain refusal as SCIM answers it: the resource itself missing is 404, a reference that is missing 400. */
function scimErrorOf(error: DomainError): ScimError {
  const field = error.field?.[1];
  switch (error.code) {
    case "CONFLICT":
      return new ScimError(409, error.message, "uniqueness");
    case "NOT_FOUND":
      return field === "identityId" || field === "groupId"
        ? new ScimError(404, error.message)
        : new ScimError(400, error.message, "invalidValue");
    case "INVALID_STATE":
      return new ScimError(409, error.message);
    case "FORBIDDEN":
      return new ScimError(403, error.message);
    default:
      return new ScimError(400, error.message, "invalidValue");
  }
}

const methodNotAllowed = () => new ScimError(405, "This method is not supported here.");

async function route(deps: ScimDeps, scim: ScimContext, req: IncomingMessage, res: ServerResponse, segments: string[]) {
  const [collection, id, ...rest] = segments;
  const method = req.method ?? "GET";
  const body = () => readJson(req, deps.maxBodyBytes);
  const base = scim.location;
  if (rest.length > 0 || collection === undefined) throw new ScimError(404, "No such endpoint.");
  if (collection === "ServiceProviderConfig" && id === undefined) {
    if (method !== "GET") throw methodNotAllowed();
    return sendScim(res, 200, serviceProviderConfig(base));
  }
  if (collection === "Schemas" || collection === "ResourceTypes") {
    if (method !== "GET") throw methodNotAllowed();
    return sendScim(res, 200, discovery(collection, id ?? null, base));
  }
  if (collection !== "Users" && collection !== "Groups") throw new ScimError(404, "No such endpoint.");
  const users = collection === "Users";
  if (id === undefined) {
    if (method === "GET") return sendScim(res, 200, await (users ? listUsers(scim) : listGroups(scim)));
    if (method !== "POST") throw methodNotAllowed();
    const created = await (users ? createUser(scim, await body()) : createGroupResource(scim, await body()));
    return sendScim(res, 201, created.resource, { location: scim.location(`${collection}/${created.id}`) });
  }
  switch (method) {
    case "GET":
      return sendScim(res, 200, await (users ? getUser(scim, id) : getGroup(scim, id)));
    case "PUT":
      return sendScim(
        res,
        200,
        await (users ? replaceUser(scim, id, await body()) : replaceGroup(scim, id, await body())),
      );
    case "PATCH":
      if (users) return sendScim(res, 200, await patchUser(scim, id, await body()));
      await patchGroup(scim, id, await body());
      return sendScim(res, 204);
    case "DELETE":
      await (users ? deleteUser(scim, id) : deleteGroupResource(scim, id));
      return sendScim(res, 204);
    default:
      throw methodNotAllowed();
  }
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ScimError(404, "No such endpoint.");
  }
}

/**
 * Where resource locations point: PUBLIC_URL when it is set; else the address the client used
 * (a proxy's, when it says so), as on one machine without a public address.
 */
function baseUrl(req: IncomingMessage, publicUrl: URL | undefined): string {
  if (publicUrl) return `${publicUrl.origin}${SCIM_PREFIX}`;
  const forwarded = req.headers["x-forwarded-proto"];
  const proto = forwarded === "https" || forwarded === "http" ? forwarded : "http";
  return `${proto}://${req.headers.host ?? "localhost"}${SCIM_PREFIX}`;
}

export async function serveScim(deps: ScimDeps, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  try {
    const viewer = await deps.authenticator.authenticate(req.headers.authorization, "SCIM");
    if (!viewer) {
      throw new ScimError(401, "A valid SCIM token is required (Authorization: Bearer <SCIM token>).");
    }
    // The token acts as the admin who issued it: one who is no longer an admin has no SCIM token.
    if (viewer.role !== "ADMIN") throw new ScimError(403, "The SCIM token's admin is no longer an admin.");
    const base = baseUrl(req, deps.publicUrl);
    const scim: ScimContext = {
      db: deps.db,
      actor: { id: viewer.id, role: viewer.role },
      origin: { source: "SCIM", tokenId: viewer.tokenId },
      params: url.searchParams,
      location: (path) => `${base}/${path}`,
    };
    const segments = url.pathname.slice(SCIM_PREFIX.length).split("/").filter(Boolean).map(decodeSegment);
    await route(deps, scim, req, res, segments);
  } catch (caught) {
    const error = caught instanceof DomainErrors && caught.errors[0] ? caught.errors[0] : caught;
    if (error instanceof DomainError) {
      const scimError = scimErrorOf(error);
      sendScimError(res, scimError.status, scimError.message, scimError.scimType);
    } else if (error instanceof ScimError) {
      sendScimError(
        res,
        error.status,
        error.message,
        error.scimType,
        error.status === 401 ? { "www-authenticate": bearerChallenge(req.headers.authorization, "SCIM") } : {},
      );
    } else {
      deps.log.error({ err: error }, "SCIM request failed");
      if (!res.headersSent) sendScimError(res, 500, "Internal error; it was logged.");
      else res.destroy();
    }
  }
}
