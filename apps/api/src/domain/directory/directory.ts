// Identities and groups (admins only): the directory that routing reads managers and group
// members from.
import type { Role } from "../../generated/prisma/client.ts";
import { toGlobalId } from "../global-id.ts";
import { DomainError, invalid, notFound } from "../errors.ts";
import { auditConfig, requireAdmin } from "../admin-only.ts";
import { LIMITS, distinct, email as validEmail, listSize, optionalText, requiredText } from "../validate.ts";
import type { Actor, Tx, Work } from "../work.ts";
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

export interface CreateIdentityInput {
  email: string;
  displayName: string;
  role?: Role | null;
  managerId?: string | null;
  groupIds?: readonly string[] | null;
}

export async function createIdentity(work: Work, actor: Actor | null, input: CreateIdentityInput): Promise<string> {
  if (actor) requireAdmin(actor);
  const email = validEmail(input.email, ["input", "email"]);
  const displayName = requiredText(input.displayName, LIMITS.name, ["input", "displayName"]);
  const groupIds = input.groupIds ?? [];
  listSize(groupIds, 0, LIMITS.idList, ["input", "groupIds"]);
  distinct(groupIds, ["input", "groupIds"]);
  if (input.managerId) await requireIdentity(work.tx, input.managerId, ["input", "managerId"]);
  await requireGroups(work.tx, groupIds, ["input", "groupIds"]);
  if (await work.tx.identity.findUnique({ where: { email }, select: { id: true } })) {
    throw new DomainError("CONFLICT", `An identity with email ${email} exists already.`, ["input", "email"]);
  }
  const identity = await work.tx.identity.create({
    data: {
      email,
      displayName,
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
  });
  return identity.id;
}

export interface UpdateIdentityInput {
  identityId: string;
  displayName?: string | null;
  role?: Role | null;
  managerId?: string | null;
  active?: boolean | null;
}

export async function updateIdentity(work: Work, actor: Actor, input: UpdateIdentityInput): Promise<string> {
  requireAdmin(actor);
  const current = await work.tx.identity.findUnique({ where: { id: input.identityId } });
  if (!current) throw notFound("Identity", ["input", "identityId"]);
  const changes: { displayName?: string; role?: Role; managerId?: string; active?: boolean } = {};
  if (input.displayName != null)
    changes.displayName = requiredText(input.displayName, LIMITS.name, ["input", "displayName"]);
  if (input.role != null) changes.role = input.role;
  if (input.active != null) changes.active = input.active;
  if (input.managerId != null) {
    await requireIdentity(work.tx, input.managerId, ["input", "managerId"]);
    if (await createsManagerCycle(work.tx, current.id, input.managerId)) {
      throw invalid("An identity cannot (indirectly) manage itself.", ["input", "managerId"]);
    }
    changes.managerId = input.managerId;
  }
  if (current.id === actor.id && (changes.active === false || changes.role === "END_USER")) {
    throw invalid("Admins cannot deactivate or demote themselves.", [
      "input",
      changes.active === false ? "active" : "role",
    ]);
  }
  await work.tx.identity.update({ where: { id: current.id }, data: changes });
  // Verified tokens hold the identity row (all of it: `viewer` answers from it), and live
  // connections its role and activity from when they authenticated.
  work.effects.credentialsChanged = true;
  auditConfig(work, actor, "Identity", toGlobalId("Identity", current.id), "updated", {
    ...changes,
    ...(changes.managerId ? { managerId: toGlobalId("Identity", changes.managerId) } : {}),
  });
  // Leavers and movers (leavers.ts): a deactivation ends everything; a new manager takes over.
  if (current.active && changes.active === false) await offboardIdentity(work, actor.id, current.id);
  else if (changes.managerId && changes.managerId !== current.managerId) {
    await rerouteManagerApprovals(work, actor.id, current.id);
  }
  return current.id;
}

export interface CreateGroupInput {
  name: string;
  description?: string | null;
  memberIds?: readonly string[] | null;
}

export async function createGroup(work: Work, actor: Actor | null, input: CreateGroupInput): Promise<string> {
  if (actor) requireAdmin(actor);
  const name = requiredText(input.name, LIMITS.name, ["input", "name"]);
  const description = optionalText(input.description, LIMITS.description, ["input", "description"]);
  const memberIds = input.memberIds ?? [];
  listSize(memberIds, 0, LIMITS.idList, ["input", "memberIds"]);
  distinct(memberIds, ["input", "memberIds"]);
  const found = await work.tx.identity.findMany({ where: { id: { in: [...memberIds] } }, select: { id: true } });
  const foundIds = new Set(found.map((i) => i.id));
  memberIds.forEach((id, index) => {
    if (!foundIds.has(id)) throw notFound("Identity", ["input", "memberIds", String(index)]);
  });
  if (await work.tx.group.findUnique({ where: { name }, select: { id: true } })) {
    throw new DomainError("CONFLICT", `A group named ${name} exists already.`, ["input", "name"]);
  }
  const group = await work.tx.group.create({
    data: { name, description, members: { connect: memberIds.map((id) => ({ id })) } },
    select: { id: true },
  });
  auditConfig(work, actor, "Group", toGlobalId("Group", group.id), "created", {
    name,
    memberIds: memberIds.map((id) => toGlobalId("Identity", id)),
  });
  return group.id;
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
