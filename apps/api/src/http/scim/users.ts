// SCIM Users (RFC 7643 §4.1 with the enterprise extension's manager) over the product's
// identities. userName is the identity's email; displayName, name.givenName/familyName,
// externalId, active and the manager are kept; the other attributes of the core schema and of the
// enterprise extension (phone numbers, addresses, titles, departments, …) are accepted and not
// kept, so an identity provider's default mappings work. Every change goes through the
// directory's domain functions in one transaction; DELETE deactivates (people are never deleted:
// the audit trail names them).
import type { Prisma } from "../../generated/prisma/client.ts";
import {
  changeIdentity,
  createIdentity,
  deactivateIdentity,
  type IdentityChanges,
} from "../../domain/directory/directory.ts";
import { fromGlobalId, toGlobalId } from "../../domain/global-id.ts";
import type { ScimContext } from "./context.ts";
import { invalidPath, type Operation, operationsOf, replacementsOf } from "./patch.ts";
import {
  attributeOf,
  bodyObject,
  filterOf,
  isObject,
  pagedList,
  project,
  SCHEMA,
  scimBoolean,
  ScimError,
  scimString,
} from "./protocol.ts";

const USER_SCHEMAS = [SCHEMA.user, SCHEMA.enterpriseUser] as const;

/** Core attributes accepted and not kept (RFC 7643 §4.1); `groups` is read-only and derived. */
const NOT_KEPT = new Set([
  "nickname",
  "profileurl",
  "title",
  "usertype",
  "preferredlanguage",
  "locale",
  "timezone",
  "password",
  "emails",
  "phonenumbers",
  "ims",
  "photos",
  "addresses",
  "entitlements",
  "roles",
  "x509certificates",
  "groups",
]);
const NAME_PARTS_NOT_KEPT = new Set(["formatted", "middlename", "honorificprefix", "honorificsuffix"]);
const ENTERPRISE_NOT_KEPT = new Set(["employeenumber", "costcenter", "organization", "division", "department"]);

const userSelect = {
  id: true,
  email: true,
  displayName: true,
  givenName: true,
  familyName: true,
  externalId: true,
  active: true,
  createdAt: true,
  updatedAt: true,
  manager: { select: { id: true, displayName: true } },
  groups: { select: { id: true, name: true }, orderBy: [{ name: "asc" }, { id: "asc" }] },
} satisfies Prisma.IdentitySelect;

type UserRow = Prisma.IdentityGetPayload<{ select: typeof userSelect }>;

function userResource(scim: ScimContext, row: UserRow): Record<string, unknown> {
  const id = toGlobalId("Identity", row.id);
  const formatted = [row.givenName, row.familyName].filter(Boolean).join(" ") || row.displayName;
  return {
    schemas: row.manager ? [...USER_SCHEMAS] : [SCHEMA.user],
    id,
    ...(row.externalId ? { externalId: row.externalId } : {}),
    userName: row.email,
    name: {
      formatted,
      ...(row.givenName ? { givenName: row.givenName } : {}),
      ...(row.familyName ? { familyName: row.familyName } : {}),
    },
    displayName: row.displayName,
    active: row.active,
    emails: [{ value: row.email, type: "work", primary: true }],
    groups: row.groups.map((group) => ({
      value: toGlobalId("Group", group.id),
      display: group.name,
      $ref: scim.location(`Groups/${toGlobalId("Group", group.id)}`),
      type: "direct",
    })),
    ...(row.manager
      ? {
          [SCHEMA.enterpriseUser]: {
            manager: {
              value: toGlobalId("Identity", row.manager.id),
              displayName: row.manager.displayName,
              $ref: scim.location(`Users/${toGlobalId("Identity", row.manager.id)}`),
            },
          },
        }
      : {}),
    meta: {
      resourceType: "User",
      created: row.createdAt.toISOString(),
      lastModified: row.updatedAt.toISOString(),
      location: scim.location(`Users/${id}`),
    },
  };
}

/** The identity a SCIM user id names, or null (a malformed id, or the id of something else). */
export function identityIdOf(scimId: string): string | null {
  const decoded = fromGlobalId(scimId);
  return decoded?.type === "Identity" ? decoded.id : null;
}

async function readUser(scim: ScimContext, identityId: string): Promise<Record<string, unknown>> {
  const row = await scim.db.read.identity.findUnique({ where: { id: identityId }, select: userSelect });
  if (!row) throw userNotFound();
  return project(userResource(scim, row), scim.params, USER_SCHEMAS);
}

const userNotFound = () => new ScimError(404, "No such user.");

function requireUser(scimId: string): string {
  const identityId = identityIdOf(scimId);
  if (!identityId) throw userNotFound();
  return identityId;
}

/** What a request asks to change, and what a new user falls back on (name.formatted). */
interface UserChanges extends IdentityChanges {
  formattedName?: string | null;
}

function managerIdOf(value: unknown): string | null {
  const reference = isObject(value) ? attributeOf(value, "value") : value;
  if (reference === null || reference === undefined || reference === "") return null;
  if (typeof reference !== "string") throw new ScimError(400, "manager must name a user by its id.", "invalidValue");
  const identityId = identityIdOf(reference);
  if (!identityId)
    throw new ScimError(400, `manager ${JSON.stringify(reference)} is no user of this service.`, "invalidValue");
  return identityId;
}

function applyNamePart(changes: UserChanges, part: string, value: unknown, op: Operation["op"]): void {
  const text = op === "remove" ? null : scimString(value, `name.${part}`);
  if (part === "givenname") changes.givenName = text;
  else if (part === "familyname") changes.familyName = text;
  else if (part === "formatted") changes.formattedName = text;
  else if (!NAME_PARTS_NOT_KEPT.has(part)) throw invalidPath(`name.${part}`);
}

function applyEnterprise(changes: UserChanges, operation: Operation): void {
  const { path, op, value } = operation;
  if (path.attribute === "") {
    // The extension as a whole: its manager is all that is kept.
    if (op === "remove") changes.managerId = null;
    else if (!isObject(value)) throw new ScimError(400, "The enterprise extension must be an object.", "invalidValue");
    else {
      const manager = attributeOf(value, "manager");
      if (manager !== undefined) changes.managerId = managerIdOf(manager);
    }
    return;
  }
  if (path.attribute === "manager") {
    if (path.sub !== null && path.sub !== "value" && path.sub !== "displayname" && path.sub !== "$ref")
      throw invalidPath(`manager.${path.sub}`);
    // displayName and $ref of a manager are derived from the user it names.
    if (path.sub !== null && path.sub !== "value") return;
    changes.managerId = op === "remove" ? null : managerIdOf(value);
    return;
  }
  if (!ENTERPRISE_NOT_KEPT.has(path.attribute)) throw invalidPath(path.attribute);
}

const required = (what: string) => new ScimError(400, `${what} is required.`, "invalidValue");

/** Folds operations (in order) into the changes they ask for. */
function userChangesOf(operations: readonly Operation[]): UserChanges {
  const changes: UserChanges = {};
  for (const operation of operations) {
    const { path, op, value } = operation;
    if (path.schema === "other") continue;
    if (path.schema === "enterprise") {
      applyEnterprise(changes, operation);
      continue;
    }
    switch (path.attribute) {
      case "username":
        if (op === "remove" || value === null) throw required("userName");
        changes.email = scimString(value, "userName") ?? "";
        break;
      case "displayname":
        if (op === "remove" || value === null) throw required("displayName");
        changes.displayName = scimString(value, "displayName") ?? "";
        break;
      case "active":
        if (op === "remove" || value === null) throw required("active");
        changes.active = scimBoolean(value, "active");
        break;
      case "externalid":
        changes.externalId = op === "remove" ? null : scimString(value, "externalId");
        break;
      case "name":
        if (path.sub !== null) applyNamePart(changes, path.sub, value, op);
        else if (op === "remove" || value === null) {
          changes.givenName = null;
          changes.familyName = null;
        } else if (!isObject(value)) throw new ScimError(400, "name must be an object.", "invalidValue");
        else
          for (const [part, partValue] of Object.entries(value))
            applyNamePart(changes, part.toLowerCase(), partValue, op);
        break;
      default:
        if (!NOT_KEPT.has(path.attribute)) throw invalidPath(path.attribute);
    }
  }
  return changes;
}

/** The domain's changes: name.formatted is derived from the name parts, never stored. */
function identityChanges({ formattedName: _derived, ...changes }: UserChanges): IdentityChanges {
  return changes;
}

export async function listUsers(scim: ScimContext): Promise<unknown> {
  const filter = filterOf(scim.params, ["userName", "externalId", "id"], SCHEMA.user);
  const where: Prisma.IdentityWhereInput =
    filter === null
      ? {}
      : filter.attribute === "userName"
        ? { email: filter.value.trim().toLowerCase() }
        : filter.attribute === "externalId"
          ? { externalId: filter.value }
          : { id: identityIdOf(filter.value) ?? { in: [] } };
  return pagedList(scim.params, {
    count: () => scim.db.read.identity.count({ where }),
    find: (skip, take) =>
      scim.db.read.identity.findMany({
        where,
        select: userSelect,
        orderBy: [{ createdAt: "asc" }, { id: "asc" }],
        skip,
        take,
      }),
    resource: (row) => project(userResource(scim, row), scim.params, USER_SCHEMAS),
  });
}

export const getUser = (scim: ScimContext, scimId: string) => readUser(scim, requireUser(scimId));

export async function createUser(scim: ScimContext, body: unknown): Promise<{ id: string; resource: unknown }> {
  const changes = userChangesOf(replacementsOf(bodyObject(body), SCHEMA.user));
  if (changes.email === undefined) throw required("userName");
  const email = changes.email;
  const identityId = await scim.db.transact((work) =>
    createIdentity(
      work,
      scim.actor,
      {
        email,
        displayName:
          changes.displayName ??
          (changes.formattedName || [changes.givenName, changes.familyName].filter(Boolean).join(" ") || email),
        givenName: changes.givenName ?? null,
        familyName: changes.familyName ?? null,
        externalId: changes.externalId ?? null,
        managerId: changes.managerId ?? null,
        active: changes.active ?? true,
      },
      scim.origin,
    ),
  );
  const id = toGlobalId("Identity", identityId);
  return { id, resource: await readUser(scim, identityId) };
}

/** PUT: the attributes the body carries replace the stored ones; those it leaves out stay (RFC 7644 §3.5.1 allows either). */
export async function replaceUser(scim: ScimContext, scimId: string, body: unknown): Promise<unknown> {
  const identityId = requireUser(scimId);
  const changes = userChangesOf(replacementsOf(bodyObject(body), SCHEMA.user));
  if (changes.email === undefined) throw required("userName");
  await scim.db.transact((work) => changeIdentity(work, scim.actor, identityId, identityChanges(changes), scim.origin));
  return readUser(scim, identityId);
}

export async function patchUser(scim: ScimContext, scimId: string, body: unknown): Promise<unknown> {
  const identityId = requireUser(scimId);
  const changes = userChangesOf(operationsOf(bodyObject(body), SCHEMA.user));
  await scim.db.transact((work) => changeIdentity(work, scim.actor, identityId, identityChanges(changes), scim.origin));
  return readUser(scim, identityId);
}

/** DELETE deactivates: the person stays for the audit trail, and GET shows `active: false`. */
export async function deleteUser(scim: ScimContext, scimId: string): Promise<void> {
  const identityId = requireUser(scimId);
  await scim.db.transact((work) => deactivateIdentity(work, scim.actor, identityId, scim.origin));
}
