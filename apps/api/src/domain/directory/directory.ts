// Identities and groups (admins only): the directory that routing reads managers and group
// members from. The API's mutations and SCIM provisioning (http/scim/) change it through the
// same functions; `deactivateIdentity` is the one place where someone leaves.
import type { JsonValue } from "@access/audit-chain";
import type { Role } from "../../generated/prisma/client.ts";
import { toGlobalId } from "../global-id.ts";
import { DomainError, invalid, notFound } from "../errors.ts";
import { auditConfig, requireAdmin } from "../admin-only.ts";
import { LIMITS, distinct, email as validEmail, listSize, optionalText, requiredText } from "../validate.ts";
import type { Actor, Tx, Work } from "../work.ts";
import { endSessionsOfIdentity } from "../sessions/sessions.ts";
import { offboardIdentity, rerouteManagerApprovals } from "./leavers.ts";

async function requireIdentity(tx: Tx, id: string, field: readonly string[]): Promise<void> {
  if (!(await tx.identity.findUnique({ where: { id }, select: { id: true } }))) throw notFound("Identity", field);
}

async function requireGroups(tx: Tx, ids: readonly string[], field: readonly string[]): Promise<void> {
  const found = new Set(
    (await tx.group.findMany({ where: { id: { in: [...ids] } }, select: { id: true } })).map((g) => g.id),
  );
  ids.forEach((id, index) => {
    if (!found.has(id)) throw notFound("Group", [...field, String(index)]);
  });
}

/** Would making `managerId` the manager of `identityId` close a loop? */
async function createsManagerCycle(tx: Tx, identityId: string, managerId: string): Promise<boolean> {
  let current: string | null = managerId;
  for (let depth = 0; current && depth < 1000; depth += 1) {
    if (current === identityId) return true;
    const next: { managerId: string | null } | null = await tx.identity.findUnique({
      where: { id: current },
      select: { managerId: true },
    });
    current = next?.managerId ?? null;
  }
  return false;
}

/**
 * Where a directory change came from, carried in its audit event: SCIM provisioning names the
 * SCIM token it came through (the actor is the admin who issued that token).
 */
export interface ChangeOrigin {
  source: "SCIM";
  tokenId: string;
}

const originDetails = (origin: ChangeOrigin | undefined): { [detail: string]: JsonValue } =>
  origin ? { source: origin.source, tokenId: toGlobalId("ApiToken", origin.tokenId) } : {};

export interface CreateIdentityInput {
  email: string;
  displayName: string;
  givenName?: string | null;
  familyName?: string | null;
  externalId?: string | null;
  role?: Role | null;
  managerId?: string | null;
  groupIds?: readonly string[] | null;
  /** False creates the identity inactive (an identity provider may provision a suspended person). */
  active?: boolean | null;
}

export async function createIdentity(
  work: Work,
  actor: Actor | null,
  input: CreateIdentityInput,
  origin?: ChangeOrigin,
): Promise<string> {
  if (actor) requireAdmin(actor);
  const email = validEmail(input.email, ["input", "email"]);
  const displayName = requiredText(input.displayName, LIMITS.name, ["input", "displayName"]);
  const givenName = optionalText(input.givenName, LIMITS.name, ["input", "givenName"]);
  const familyName = optionalText(input.familyName, LIMITS.name, ["input", "familyName"]);
  const externalId = optionalText(input.externalId, LIMITS.externalId, ["input", "externalId"]);
  const groupIds = input.groupIds ?? [];
  listSize(groupIds, 0, LIMITS.idList, ["input", "groupIds"]);
  distinct(groupIds, ["input", "groupIds"]);
  if (input.managerId) await requireIdentity(work.tx, input.managerId, ["input", "managerId"]);
  await requireGroups(work.tx, groupIds, ["input", "groupIds"]);
  await requireFreeEmail(work.tx, email, null);
  const active = input.active ?? true;
  const identity = await work.tx.identity.create({
    data: {
      email,
      displayName,
      givenName,
      familyName,
      externalId,
      active,
      role: input.role ?? "END_USER",
      managerId: input.managerId ?? null,
      groups: { connect: groupIds.map((id) => ({ id })) },
    },
    select: { id: true, role: true },
  });
  auditConfig(work, actor, "Identity", toGlobalId("Identity", identity.id), "created", {
    email,
    displayName,
    role: identity.role,
    managerId: input.managerId ? toGlobalId("Identity", input.managerId) : null,
    groupIds: groupIds.map((id) => toGlobalId("Group", id)),
    // Only what was given: events of identities created without them keep their old shape.
    ...(givenName ? { givenName } : {}),
    ...(familyName ? { familyName } : {}),
    ...(externalId ? { externalId } : {}),
    ...(active ? {} : { active }),
    ...originDetails(origin),
  });
  return identity.id;
}

async function requireFreeEmail(tx: Tx, email: string, identityId: string | null): Promise<void> {
  const holder = await tx.identity.findUnique({ where: { email }, select: { id: true } });
  if (holder && holder.id !== identityId) {
    throw new DomainError("CONFLICT", `An identity with email ${email} exists already.`, ["input", "email"]);
  }
}

export interface UpdateIdentityInput {
  identityId: string;
  displayName?: string | null;
  role?: Role | null;
  managerId?: string | null;
  active?: boolean | null;
}

/** The API's update: absent (null) fields stay as they are. */
export async function updateIdentity(work: Work, actor: Actor, input: UpdateIdentityInput): Promise<string> {
  const changes: IdentityChanges = {};
  if (input.displayName != null) changes.displayName = input.displayName;
  if (input.role != null) changes.role = input.role;
  if (input.managerId != null) changes.managerId = input.managerId;
  if (input.active != null) changes.active = input.active;
  return changeIdentity(work, actor, input.identityId, changes);
}

/**
 * What may change on an identity; an absent key stays as it is, and for the optional attributes
 * null clears them (SCIM can remove a manager, a name part, an external id).
 */
export interface IdentityChanges {
  email?: string;
  displayName?: string;
  givenName?: string | null;
  familyName?: string | null;
  externalId?: string | null;
  role?: Role;
  managerId?: string | null;
  active?: boolean;
}

type IdentityColumns = Omit<IdentityChanges, "active"> & { active?: true };

/**
 * Changes an identity (admins): the API's updateIdentity and SCIM provisioning both come here.
 * Only what differs from the stored row is written and audited (an identity provider sends the
 * whole person on every update); nothing differing, nothing written. Deactivation is handed to
 * `deactivateIdentity`, the one place where someone leaves.
 */
export async function changeIdentity(
  work: Work,
  actor: Actor,
  identityId: string,
  requested: IdentityChanges,
  origin?: ChangeOrigin,
): Promise<string> {
  requireAdmin(actor);
  const current = await work.tx.identity.findUnique({ where: { id: identityId } });
  if (!current) throw notFound("Identity", ["input", "identityId"]);
  const changes: IdentityColumns = {};
  if (requested.email !== undefined) {
    const email = validEmail(requested.email, ["input", "email"]);
    if (email !== current.email) {
      await requireFreeEmail(work.tx, email, current.id);
      changes.email = email;
    }
  }
  if (requested.displayName !== undefined) {
    const displayName = requiredText(requested.displayName, LIMITS.name, ["input", "displayName"]);
    if (displayName !== current.displayName) changes.displayName = displayName;
  }
  for (const [key, max] of [
    ["givenName", LIMITS.name],
    ["familyName", LIMITS.name],
    ["externalId", LIMITS.externalId],
  ] as const) {
    if (requested[key] === undefined) continue;
    const value = optionalText(requested[key], max, ["input", key]);
    if (value !== current[key]) changes[key] = value;
  }
  if (requested.role !== undefined && requested.role !== current.role) changes.role = requested.role;
  if (requested.managerId !== undefined && requested.managerId !== current.managerId) {
    if (requested.managerId !== null) {
      await requireIdentity(work.tx, requested.managerId, ["input", "managerId"]);
      if (await createsManagerCycle(work.tx, current.id, requested.managerId)) {
        throw invalid("An identity cannot (indirectly) manage itself.", ["input", "managerId"]);
      }
    }
    changes.managerId = requested.managerId;
  }
  if (requested.active === true && !current.active) changes.active = true;
  if (current.id === actor.id && changes.role === "END_USER") {
    throw invalid("Admins cannot deactivate or demote themselves.", ["input", "role"]);
  }
  if (requested.active === false && current.active) refuseSelfDeactivation(actor, current.id);
  if (Object.keys(changes).length > 0) {
    await work.tx.identity.update({ where: { id: current.id }, data: changes });
    // Verified tokens hold the identity row (all of it: `viewer` answers from it), and live
    // connections its role and activity from when they authenticated.
    work.effects.credentialsChanged = true;
    auditConfig(work, actor, "Identity", toGlobalId("Identity", current.id), "updated", {
      ...changes,
      ...(changes.managerId ? { managerId: toGlobalId("Identity", changes.managerId) } : {}),
      ...originDetails(origin),
    });
  }
  // A browser session stands for the person with the rights they had when they signed in: a role
  // change ends it (after the change's own event; tokens stay: admins issue them).
  if (changes.role) await endSessionsOfIdentity(work, actor, current.id, "role changed");
  // A mover (leavers.ts): the new manager takes over the open manager-step approvals.
  // (Not for someone leaving in the same change: their open requests are cancelled instead.)
  if ("managerId" in changes && requested.active !== false) {
    await rerouteManagerApprovals(work, actor.id, current.id);
  }
  if (requested.active === false) await deactivateIdentity(work, actor, current.id, origin);
  return current.id;
}

function refuseSelfDeactivation(actor: Actor, identityId: string): void {
  if (identityId === actor.id) throw invalid("Admins cannot deactivate or demote themselves.", ["input", "active"]);
}

/**
 * Ends an identity's access: the one place where someone leaves, whichever way it came (the
 * API's `updateIdentity(active: false)`, SCIM's `active: false` or DELETE). The identity becomes
 * inactive, so its tokens stop at once on this instance (within LIVE_RECHECK_MS on the others),
 * its browser sessions end (audited), and its live connections are checked again and closed. The rest of a leaver's cascade (open
 * requests, tickets, grants) belongs here too. Deactivating an inactive identity changes nothing
 * and audits nothing.
 */
export async function deactivateIdentity(
  work: Work,
  actor: Actor,
  identityId: string,
  origin?: ChangeOrigin,
): Promise<void> {
  requireAdmin(actor);
  refuseSelfDeactivation(actor, identityId);
  const { count } = await work.tx.identity.updateMany({
    where: { id: identityId, active: true },
    data: { active: false },
  });
  if (count === 0) {
    await requireIdentity(work.tx, identityId, ["input", "identityId"]);
    return;
  }
  work.effects.credentialsChanged = true;
  auditConfig(work, actor, "Identity", toGlobalId("Identity", identityId), "updated", {
    active: false,
    ...originDetails(origin),
  });
  await endSessionsOfIdentity(work, actor, identityId, "identity deactivated");
  // A leaver (leavers.ts): open requests cancelled, tickets reassigned, grants revoked.
  await offboardIdentity(work, actor.id, identityId);
}

export interface CreateGroupInput {
  name: string;
  description?: string | null;
  externalId?: string | null;
  memberIds?: readonly string[] | null;
}

export async function createGroup(
  work: Work,
  actor: Actor | null,
  input: CreateGroupInput,
  origin?: ChangeOrigin,
): Promise<string> {
  if (actor) requireAdmin(actor);
  const name = requiredText(input.name, LIMITS.name, ["input", "name"]);
  const description = optionalText(input.description, LIMITS.description, ["input", "description"]);
  const externalId = optionalText(input.externalId, LIMITS.externalId, ["input", "externalId"]);
  const memberIds = input.memberIds ?? [];
  listSize(memberIds, 0, LIMITS.idList, ["input", "memberIds"]);
  distinct(memberIds, ["input", "memberIds"]);
  await requireIdentities(work.tx, memberIds, ["input", "memberIds"]);
  await requireFreeGroupName(work.tx, name, null);
  const group = await work.tx.group.create({
    data: { name, description, externalId, members: { connect: memberIds.map((id) => ({ id })) } },
    select: { id: true },
  });
  auditConfig(work, actor, "Group", toGlobalId("Group", group.id), "created", {
    name,
    memberIds: memberIds.map((id) => toGlobalId("Identity", id)),
    ...(externalId ? { externalId } : {}),
    ...originDetails(origin),
  });
  return group.id;
}

async function requireIdentities(tx: Tx, ids: readonly string[], field: readonly string[]): Promise<void> {
  const found = new Set(
    (await tx.identity.findMany({ where: { id: { in: [...ids] } }, select: { id: true } })).map((i) => i.id),
  );
  ids.forEach((id, index) => {
    if (!found.has(id)) throw notFound("Identity", [...field, String(index)]);
  });
}

async function requireFreeGroupName(tx: Tx, name: string, groupId: string | null): Promise<void> {
  const holder = await tx.group.findUnique({ where: { name }, select: { id: true } });
  if (holder && holder.id !== groupId) {
    throw new DomainError("CONFLICT", `A group named ${name} exists already.`, ["input", "name"]);
  }
}

/**
 * Renames a group or changes its external id (admins; SCIM provisioning). As for identities,
 * only what differs is written and audited.
 */
export async function changeGroup(
  work: Work,
  actor: Actor,
  groupId: string,
  requested: { name?: string; externalId?: string | null },
  origin?: ChangeOrigin,
): Promise<string> {
  requireAdmin(actor);
  const current = await work.tx.group.findUnique({ where: { id: groupId } });
  if (!current) throw notFound("Group", ["input", "groupId"]);
  const changes: { name?: string; externalId?: string | null } = {};
  if (requested.name !== undefined) {
    const name = requiredText(requested.name, LIMITS.name, ["input", "name"]);
    if (name !== current.name) {
      await requireFreeGroupName(work.tx, name, current.id);
      changes.name = name;
    }
  }
  if (requested.externalId !== undefined) {
    const externalId = optionalText(requested.externalId, LIMITS.externalId, ["input", "externalId"]);
    if (externalId !== current.externalId) changes.externalId = externalId;
  }
  if (Object.keys(changes).length === 0) return current.id;
  await work.tx.group.update({ where: { id: current.id }, data: changes });
  auditConfig(work, actor, "Group", toGlobalId("Group", current.id), "updated", {
    ...changes,
    ...originDetails(origin),
  });
  return current.id;
}

/**
 * Adds and removes members as a directory does (SCIM provisioning): adding a member or removing
 * a non-member changes nothing, so a client may repeat itself. Each membership that changes is
 * audited as the API's addGroupMember / removeGroupMember audit it. `replace` makes the members
 * exactly the given identities.
 */
export async function changeGroupMembers(
  work: Work,
  actor: Actor,
  groupId: string,
  change: { add?: readonly string[]; remove?: readonly string[]; replace?: readonly string[] },
  origin?: ChangeOrigin,
): Promise<string> {
  requireAdmin(actor);
  const group = await work.tx.group.findUnique({
    where: { id: groupId },
    select: { id: true, members: { select: { id: true } } },
  });
  if (!group) throw notFound("Group", ["input", "groupId"]);
  const members = new Set(group.members.map((m) => m.id));
  const wanted = new Set(change.replace ?? members);
  for (const id of change.remove ?? []) wanted.delete(id);
  for (const id of change.add ?? []) wanted.add(id);
  const added = [...wanted].filter((id) => !members.has(id));
  const removed = [...members].filter((id) => !wanted.has(id));
  listSize([...added, ...removed], 0, LIMITS.groupMembersPerChange, ["input", "memberIds"]);
  await requireIdentities(work.tx, added, ["input", "memberIds"]);
  if (added.length === 0 && removed.length === 0) return group.id;
  await work.tx.group.update({
    where: { id: group.id },
    data: {
      members: { connect: added.map((id) => ({ id })), disconnect: removed.map((id) => ({ id })) },
    },
  });
  const groupGlobalId = toGlobalId("Group", group.id);
  for (const id of added)
    auditConfig(work, actor, "Group", groupGlobalId, "member added", {
      identityId: toGlobalId("Identity", id),
      ...originDetails(origin),
    });
  for (const id of removed)
    auditConfig(work, actor, "Group", groupGlobalId, "member removed", {
      identityId: toGlobalId("Identity", id),
      ...originDetails(origin),
    });
  return group.id;
}

/**
 * Deletes a group that nothing depends on (admins; SCIM provisioning). A group that fulfils a
 * system, approves in a resource's steps or was assigned tickets is kept: removing it would
 * reroute work silently or lose whom a ticket went to; INVALID_STATE says what holds it.
 */
export async function deleteGroup(work: Work, actor: Actor, groupId: string, origin?: ChangeOrigin): Promise<void> {
  requireAdmin(actor);
  const group = await work.tx.group.findUnique({
    where: { id: groupId },
    select: {
      id: true,
      name: true,
      _count: { select: { fulfillerOf: true, steps: true, tickets: true } },
    },
  });
  if (!group) throw notFound("Group", ["input", "groupId"]);
  const holds = [
    group._count.fulfillerOf > 0 ? `fulfils ${group._count.fulfillerOf} system(s)` : null,
    group._count.steps > 0 ? `approves in ${group._count.steps} approval step(s)` : null,
    group._count.tickets > 0 ? `was assigned ${group._count.tickets} ticket(s)` : null,
  ].filter((reason) => reason !== null);
  if (holds.length > 0) {
    throw new DomainError("INVALID_STATE", `The group ${group.name} ${holds.join(", ")}; it cannot be deleted.`, [
      "input",
      "groupId",
    ]);
  }
  await work.tx.group.update({ where: { id: group.id }, data: { members: { set: [] } } });
  await work.tx.group.delete({ where: { id: group.id } });
  auditConfig(work, actor, "Group", toGlobalId("Group", group.id), "deleted", {
    name: group.name,
    ...originDetails(origin),
  });
}

export async function changeGroupMembership(
  work: Work,
  actor: Actor,
  input: { groupId: string; identityId: string },
  change: "add" | "remove",
): Promise<string> {
  requireAdmin(actor);
  const group = await work.tx.group.findUnique({
    where: { id: input.groupId },
    select: { id: true, members: { where: { id: input.identityId }, select: { id: true } } },
  });
  if (!group) throw notFound("Group", ["input", "groupId"]);
  await requireIdentity(work.tx, input.identityId, ["input", "identityId"]);
  const isMember = group.members.length > 0;
  if (change === "add" && isMember) throw invalidMembership("is already a member of");
  if (change === "remove" && !isMember) throw invalidMembership("is not a member of");
  await work.tx.group.update({
    where: { id: group.id },
    data: {
      members: change === "add" ? { connect: { id: input.identityId } } : { disconnect: { id: input.identityId } },
    },
  });
  auditConfig(
    work,
    actor,
    "Group",
    toGlobalId("Group", group.id),
    change === "add" ? "member added" : "member removed",
    {
      identityId: toGlobalId("Identity", input.identityId),
    },
  );
  return group.id;
}

const invalidMembership = (what: string) =>
  new DomainError("INVALID_STATE", `The identity ${what} the group.`, ["input", "identityId"]);
