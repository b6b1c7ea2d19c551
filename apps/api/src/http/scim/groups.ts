// SCIM Groups (RFC 7643 §4.2) over the product's groups: displayName is the group's name,
// externalId is kept, members are users (a group in a group is refused: routing reads direct
// members only). Membership changes are idempotent, as directories expect, and each one is
// audited like the API's addGroupMember / removeGroupMember. DELETE removes a group nothing
// depends on; one that fulfils a system, approves in a step or was assigned tickets is kept (409).
import type { Prisma } from "../../generated/prisma/client.ts";
import { changeGroup, changeGroupMembers, createGroup, deleteGroup } from "../../domain/directory/directory.ts";
import { fromGlobalId, toGlobalId } from "../../domain/global-id.ts";
import type { ScimContext } from "./context.ts";
import { invalidPath, type Operation, operationsOf, replacementsOf } from "./patch.ts";
import {
  attributeOf,
  bodyObject,
  excludes,
  filterOf,
  isObject,
  pagedList,
  project,
  SCHEMA,
  ScimError,
  scimString,
} from "./protocol.ts";
import { identityIdOf } from "./users.ts";

const GROUP_SCHEMAS = [SCHEMA.group] as const;

const groupSelect = (withMembers: boolean) =>
  ({
    id: true,
    name: true,
    externalId: true,
    createdAt: true,
    members: withMembers
      ? { select: { id: true, displayName: true }, orderBy: [{ displayName: "asc" }, { id: "asc" }] }
      : false,
  }) satisfies Prisma.GroupSelect;

interface GroupRow {
  id: string;
  name: string;
  externalId: string | null;
  createdAt: Date;
  members?: { id: string; displayName: string }[];
}

function groupResource(scim: ScimContext, row: GroupRow): Record<string, unknown> {
  const id = toGlobalId("Group", row.id);
  return {
    schemas: [SCHEMA.group],
    id,
    ...(row.externalId ? { externalId: row.externalId } : {}),
    displayName: row.name,
    ...(row.members
      ? {
          members: row.members.map((member) => ({
            value: toGlobalId("Identity", member.id),
            display: member.displayName,
            type: "User",
            $ref: scim.location(`Users/${toGlobalId("Identity", member.id)}`),
          })),
        }
      : {}),
    meta: { resourceType: "Group", created: row.createdAt.toISOString(), location: scim.location(`Groups/${id}`) },
  };
}

const groupNotFound = () => new ScimError(404, "No such group.");

/** The group a SCIM group id names, or null (a malformed id, or the id of something else). */
function groupIdOf(scimId: string): string | null {
  const decoded = fromGlobalId(scimId);
  return decoded?.type === "Group" ? decoded.id : null;
}

function requireGroup(scimId: string): string {
  const groupId = groupIdOf(scimId);
  if (!groupId) throw groupNotFound();
  return groupId;
}

async function readGroup(scim: ScimContext, groupId: string): Promise<Record<string, unknown>> {
  const withMembers = !excludes(scim.params, "members", GROUP_SCHEMAS);
  const row = await scim.db.read.group.findUnique({ where: { id: groupId }, select: groupSelect(withMembers) });
  if (!row) throw groupNotFound();
  return project(groupResource(scim, row), scim.params, GROUP_SCHEMAS);
}

/** The identities a `members` value names (`[{ "value": "<user id>" }, …]`). */
function memberIdsOf(value: unknown, refuseUnknown: boolean): string[] {
  const entries = value === null || value === undefined ? [] : Array.isArray(value) ? value : [value];
  const ids: string[] = [];
  for (const entry of entries) {
    const reference = isObject(entry) ? attributeOf(entry, "value") : entry;
    const identityId = typeof reference === "string" ? identityIdOf(reference) : null;
    if (identityId) ids.push(identityId);
    else if (refuseUnknown) {
      throw new ScimError(400, `Member ${JSON.stringify(reference)} is no user of this service.`, "invalidValue");
    }
  }
  return ids;
}

/**
 * What a request asks of a group. Membership is kept as changes, not as a list read beforehand,
 * so the domain applies them to the members as they are inside its transaction (two clients
 * adding members at once both land): `replace` (when set) is the new list, then `remove` and
 * `add` (kept apart: the later operation on an identity wins).
 */
interface GroupChanges {
  name?: string;
  externalId?: string | null;
  members?: { replace: Set<string> | null; add: Set<string>; remove: Set<string> };
}

function applyMembers(changes: GroupChanges, operation: Operation): void {
  const { op, path, value } = operation;
  if (path.sub !== null && !(path.filter && path.sub === "value")) throw invalidPath(`members.${path.sub}`);
  const members = (changes.members ??= { replace: null, add: new Set(), remove: new Set() });
  const add = (id: string) => {
    members.remove.delete(id);
    members.add.add(id);
  };
  const remove = (id: string) => {
    members.add.delete(id);
    members.remove.add(id);
  };
  const clear = () => {
    members.replace = new Set();
    members.add.clear();
    members.remove.clear();
  };
  if (path.filter) {
    // members[value eq "…"]: only removal names one member this way.
    if (path.filter.attribute !== "value" || op !== "remove")
      throw invalidPath(`members[${path.filter.attribute} eq …]`);
    const identityId = identityIdOf(path.filter.value);
    if (identityId) remove(identityId);
    return;
  }
  if (op === "replace" || (op === "remove" && (value === undefined || value === null))) clear();
  for (const id of memberIdsOf(value, op !== "remove")) {
    if (op === "remove") remove(id);
    else add(id);
  }
}

/** Folds operations (in order) into the changes they ask for. */
function groupChangesOf(operations: readonly Operation[]): GroupChanges {
  const changes: GroupChanges = {};
  for (const operation of operations) {
    const { path, op, value } = operation;
    if (path.schema === "other") continue;
    switch (path.attribute) {
      case "displayname":
        if (op === "remove" || value === null) throw new ScimError(400, "displayName is required.", "invalidValue");
        changes.name = scimString(value, "displayName") ?? "";
        break;
      case "externalid":
        changes.externalId = op === "remove" ? null : scimString(value, "externalId");
        break;
      case "members":
        applyMembers(changes, operation);
        break;
      default:
        throw invalidPath(path.attribute);
    }
  }
  return changes;
}

export async function listGroups(scim: ScimContext): Promise<unknown> {
  const filter = filterOf(scim.params, ["displayName", "externalId", "id"], SCHEMA.group);
  const where: Prisma.GroupWhereInput =
    filter === null
      ? {}
      : filter.attribute === "displayName"
        ? { name: filter.value }
        : filter.attribute === "externalId"
          ? { externalId: filter.value }
          : { id: groupIdOf(filter.value) ?? { in: [] } };
  const select = groupSelect(!excludes(scim.params, "members", GROUP_SCHEMAS));
  return pagedList(scim.params, {
    count: () => scim.db.read.group.count({ where }),
    find: (skip, take) =>
      scim.db.read.group.findMany({ where, select, orderBy: [{ createdAt: "asc" }, { id: "asc" }], skip, take }),
    resource: (row) => project(groupResource(scim, row), scim.params, GROUP_SCHEMAS),
  });
}

export const getGroup = (scim: ScimContext, scimId: string) => readGroup(scim, requireGroup(scimId));

export async function createGroupResource(
  scim: ScimContext,
  body: unknown,
): Promise<{ id: string; resource: unknown }> {
  const changes = groupChangesOf(replacementsOf(bodyObject(body), SCHEMA.group));
  if (changes.name === undefined) throw new ScimError(400, "displayName is required.", "invalidValue");
  const name = changes.name;
  const groupId = await scim.db.transact(async (work) => {
    const id = await createGroup(work, scim.actor, { name, externalId: changes.externalId ?? null }, scim.origin);
    if (changes.members) await changeGroupMembers(work, scim.actor, id, membership(changes.members), scim.origin);
    return id;
  });
  return { id: toGlobalId("Group", groupId), resource: await readGroup(scim, groupId) };
}

async function changeGroupResource(scim: ScimContext, groupId: string, changes: GroupChanges): Promise<void> {
  await scim.db.transact(async (work) => {
    await changeGroup(work, scim.actor, groupId, { name: changes.name, externalId: changes.externalId }, scim.origin);
    if (changes.members) {
      await changeGroupMembers(work, scim.actor, groupId, membership(changes.members), scim.origin);
    }
  });
}

const membership = ({ replace, add, remove }: NonNullable<GroupChanges["members"]>) => ({
  ...(replace ? { replace: [...replace] } : {}),
  add: [...add],
  remove: [...remove],
});

/** PUT: the attributes the body carries replace the stored ones (`members` included); those it leaves out stay. */
export async function replaceGroup(scim: ScimContext, scimId: string, body: unknown): Promise<unknown> {
  const groupId = requireGroup(scimId);
  const changes = groupChangesOf(replacementsOf(bodyObject(body), SCHEMA.group));
  await changeGroupResource(scim, groupId, changes);
  return readGroup(scim, groupId);
}

/** PATCH answers 204: a group's whole member list can be large, and clients read it when they want it. */
export async function patchGroup(scim: ScimContext, scimId: string, body: unknown): Promise<void> {
  const groupId = requireGroup(scimId);
  const changes = groupChangesOf(operationsOf(bodyObject(body), SCHEMA.group));
  await changeGroupResource(scim, groupId, changes);
}

export async function deleteGroupResource(scim: ScimContext, scimId: string): Promise<void> {
  const groupId = requireGroup(scimId);
  await scim.db.transact((work) => deleteGroup(work, scim.actor, groupId, scim.origin));
}
