// Identity and Group: types, the directory queries, and the admin mutations that change them.
import { GraphQLError } from "graphql";
import type { Prisma } from "../generated/prisma/client.ts";
import { changeGroupMembership, createGroup, createIdentity, updateIdentity } from "../domain/directory/directory.ts";
import { type Context, viewerOf } from "../context.ts";
import { containsText, searchTerm } from "./text-search.ts";
import { builder } from "./builder.ts";
import { entityPayload, mutate, MUTATION_INPUT } from "./errors.ts";
import { decodeId, decodeIds, decodeOptionalId } from "./ids.ts";
import { RoleEnum } from "./scalars.ts";

export const Identity = builder.prismaNode("Identity", {
  id: { field: "id" },
  description:
    "A person of the directory (created by admins or provisioned over SCIM). Every signed-in identity may read the\n" +
    "directory; what they hold and request is visible only to themselves, the people acting on it, and admins.",
  fields: (t) => ({
    email: t.exposeString("email", { description: "Lower-case, unique; how sign-in and connectors find the person." }),
    displayName: t.exposeString("displayName", { description: "The name shown to people." }),
    role: t.expose("role", { type: RoleEnum, description: "END_USER or ADMIN." }),
    active: t.exposeBoolean("active", {
      description: "False once deactivated (a leaver): cannot sign in, holds no access, and tickets route around them.",
    }),
    manager: t.relation("manager", {
      nullable: true,
      description: "Who approves MANAGER steps of requests for this person; null when none is on record.",
    }),
    groups: t.relation("groups", {
      description: "The groups this person belongs to, by name.",
      query: { orderBy: { name: "asc" } },
    }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When the identity was created." }),
  }),
});

export const IdentityConnection = builder.connectionObject(
  { type: Identity, name: "IdentityConnection" },
  { name: "IdentityEdge" },
);

export const Group = builder.prismaNode("Group", {
  id: { field: "id" },
  description:
    "A set of identities that acts as one: GROUP approval steps, a system's fulfillers, the fallback approvers.",
  fields: (t) => ({
    name: t.exposeString("name", { description: "Unique." }),
    description: t.exposeString("description", {
      nullable: true,
      description: "What the group is for; null if unset.",
    }),
    members: t.relatedConnection(
      "members",
      {
        cursor: "id",
        totalCount: true,
        description: "The group's members by name, inactive ones included.",
        query: { orderBy: { displayName: "asc" } },
      },
      IdentityConnection,
    ),
  }),
});

export const GroupConnection = builder.connectionObject(
  { type: Group, name: "GroupConnection" },
  { name: "GroupEdge" },
);

function searchWhere(ctx: Context, search: string | null | undefined): Prisma.IdentityWhereInput {
  const term = searchTerm(search);
  return term ? { OR: [{ email: containsText(ctx, term) }, { displayName: containsText(ctx, term) }] } : {};
}

builder.queryFields((t) => ({
  viewer: t.prismaField({
    type: "Identity",
    description: "The authenticated identity.",
    // The row authentication read is enough for scalar fields; Pothos loads any selected
    // relation of it by id.
    resolve: (query, _root, _args, ctx) =>
      ctx.viewerIdentity ?? ctx.prisma.identity.findUniqueOrThrow({ ...query, where: { id: viewerOf(ctx).id } }),
  }),
  people: t.prismaField({
    type: ["Identity"],
    description:
      "Active people whose name or email contains `search` (at least 2 characters), by name, at most 20: what " +
      "anyone signed in needs to pick a person, such as a delegate while away. Directory entries are visible to " +
      "every signed-in identity; what each field shows is still checked per field.",
    authScopes: { authenticated: true },
    args: { search: t.arg.string({ required: true, description: "Part of a name or email, 2 to 200 characters." }) },
    resolve: (query, _root, args, ctx) => {
      const term = searchTerm(args.search);
      if (!term || term.length < 2) {
        throw new GraphQLError("search must be at least 2 characters.", {
          extensions: { code: "VALIDATION", field: ["search"] },
        });
      }
      return ctx.prisma.identity.findMany({
        ...query,
        where: { active: true, ...searchWhere(ctx, term) },
        orderBy: [{ displayName: "asc" }, { id: "asc" }],
        take: 20,
      });
    },
  }),
  identities: t.prismaConnection(
    {
      type: "Identity",
      cursor: "id",
      description: "Every identity, active or not, by name. Admins only (FORBIDDEN otherwise).",
      authScopes: { admin: true },
      args: {
        search: t.arg.string({ description: "Only identities whose name or email contains this, whatever the case." }),
      },
      resolve: (query, _root, args, ctx) =>
        ctx.prisma.identity.findMany({
          ...query,
          where: searchWhere(ctx, args.search),
          orderBy: [{ displayName: "asc" }, { id: "asc" }],
        }),
      totalCount: (_parent, args, ctx) => ctx.prisma.identity.count({ where: searchWhere(ctx, args.search) }),
    },
    IdentityConnection,
  ),
  groups: t.prismaConnection(
    {
      type: "Group",
      cursor: "id",
      description: "Every group, by name. Admins only (FORBIDDEN otherwise).",
      authScopes: { admin: true },
      resolve: (query, _root, _args, ctx) =>
        ctx.prisma.group.findMany({ ...query, orderBy: [{ name: "asc" }, { id: "asc" }] }),
      totalCount: (_parent, _args, ctx) => ctx.prisma.group.count(),
    },
    GroupConnection,
  ),
}));

// ---------------------------------------------------------------- mutations (admins only)

const IdentityPayload = entityPayload("IdentityPayload", "identity", "Identity", (ctx, query, id) =>
  ctx.prisma.identity.findUnique({ ...query, where: { id } }),
);
const GroupPayload = entityPayload("GroupPayload", "group", "Group", (ctx, query, id) =>
  ctx.prisma.group.findUnique({ ...query, where: { id } }),
);

const CreateIdentityInput = builder.inputType("CreateIdentityInput", {
  description: "A new person of the directory.",
  fields: (t) => ({
    email: t.string({
      required: true,
      description: "A valid address, at most 254 characters; unique (CONFLICT otherwise).",
    }),
    displayName: t.string({ required: true, description: "1 to 200 characters." }),
    role: t.field({ type: RoleEnum, description: "Default END_USER." }),
    managerId: t.id({ description: "Their manager, an existing identity." }),
    groupIds: t.idList({ description: "Groups to add them to." }),
  }),
});

const UpdateIdentityInput = builder.inputType("UpdateIdentityInput", {
  description: "Changes to a person; absent fields stay as they are.",
  fields: (t) => ({
    identityId: t.id({ required: true, description: "The identity to change." }),
    displayName: t.string({ description: "1 to 200 characters." }),
    role: t.field({ type: RoleEnum, description: "A role change ends the person's browser sessions." }),
    managerId: t.id({
      description: "The new manager (not the person themself). Their open MANAGER tickets move to the new manager.",
    }),
    active: t.boolean({
      description: "False deactivates a leaver: sessions and tokens end, grants are revoked, open requests cancelled.",
    }),
  }),
});

const CreateGroupInput = builder.inputType("CreateGroupInput", {
  description: "A new group.",
  fields: (t) => ({
    name: t.string({ required: true, description: "1 to 200 characters; unique (CONFLICT otherwise)." }),
    description: t.string({ description: "At most 2000 characters." }),
    memberIds: t.idList({ description: "Its first members (at most 1000)." }),
  }),
});

const GroupMembershipInput = builder.inputType("GroupMembershipInput", {
  description: "One person and one group.",
  fields: (t) => ({
    groupId: t.id({ required: true, description: "The group." }),
    identityId: t.id({ required: true, description: "The person joining or leaving it." }),
  }),
});

builder.mutationFields((t) => ({
  createIdentity: t.field({
    type: IdentityPayload,
    description: "Adds a person to the directory. Admins only, as are all the directory's mutations.",
    args: { input: t.arg({ type: CreateIdentityInput, required: true, description: MUTATION_INPUT }) },
    resolve: (_root, { input }, ctx) =>
      mutate(ctx, (viewer) =>
        ctx.db.transact((work) =>
          createIdentity(work, viewer, {
            email: input.email,
            displayName: input.displayName,
            role: input.role ?? null,
            managerId: decodeOptionalId(input.managerId, "Identity", ["input", "managerId"]),
            groupIds: decodeIds(input.groupIds ?? [], "Group", ["input", "groupIds"]),
          }),
        ),
      ),
  }),
  updateIdentity: t.field({
    type: IdentityPayload,
    description: "Changes a person's name, role, manager or active state; audited as CONFIG_CHANGED. Admins only.",
    args: { input: t.arg({ type: UpdateIdentityInput, required: true, description: MUTATION_INPUT }) },
    resolve: (_root, { input }, ctx) =>
      mutate(ctx, (viewer) =>
        ctx.db.transact((work) =>
          updateIdentity(work, viewer, {
            identityId: decodeId(input.identityId, "Identity", ["input", "identityId"]),
            displayName: input.displayName ?? null,
            role: input.role ?? null,
            managerId: decodeOptionalId(input.managerId, "Identity", ["input", "managerId"]),
            active: input.active ?? null,
          }),
        ),
      ),
  }),
  createGroup: t.field({
    type: GroupPayload,
    description: "Creates a group. Admins only.",
    args: { input: t.arg({ type: CreateGroupInput, required: true, description: MUTATION_INPUT }) },
    resolve: (_root, { input }, ctx) =>
      mutate(ctx, (viewer) =>
        ctx.db.transact((work) =>
          createGroup(work, viewer, {
            name: input.name,
            description: input.description ?? null,
            memberIds: decodeIds(input.memberIds ?? [], "Identity", ["input", "memberIds"]),
          }),
        ),
      ),
  }),
  addGroupMember: t.field({
    type: GroupPayload,
    description: "Adds a person to a group; adding a member again changes nothing. Admins only.",
    args: { input: t.arg({ type: GroupMembershipInput, required: true, description: MUTATION_INPUT }) },
    resolve: (_root, { input }, ctx) => changeMembership(ctx, input, "add"),
  }),
  removeGroupMember: t.field({
    type: GroupPayload,
    description: "Removes a person from a group; open group tickets stop counting them. Admins only.",
    args: { input: t.arg({ type: GroupMembershipInput, required: true, description: MUTATION_INPUT }) },
    resolve: (_root, { input }, ctx) => changeMembership(ctx, input, "remove"),
  }),
}));

function changeMembership(
  ctx: Parameters<typeof mutate>[0],
  input: { groupId: string; identityId: string },
  change: "add" | "remove",
) {
  return mutate(ctx, (viewer) =>
    ctx.db.transact((work) =>
      changeGroupMembership(
        work,
        viewer,
        {
          groupId: decodeId(input.groupId, "Group", ["input", "groupId"]),
          identityId: decodeId(input.identityId, "Identity", ["input", "identityId"]),
        },
        change,
      ),
    ),
  );
}
