// Identity and Group: types, the directory queries, and the admin mutations that change them.
import { GraphQLError } from "graphql";
import type { Prisma } from "../generated/prisma/client.ts";
import { changeGroupMembership, createGroup, createIdentity, updateIdentity } from "../domain/directory/directory.ts";
import { type Context, viewerOf } from "../context.ts";
import { containsText, searchTerm } from "./text-search.ts";
import { builder } from "./builder.ts";
import { entityPayload, mutate } from "./errors.ts";
import { decodeId, decodeIds, decodeOptionalId } from "./ids.ts";
import { RoleEnum } from "./scalars.ts";

export const Identity = builder.prismaNode("Identity", {
  id: { field: "id" },
  fields: (t) => ({
    email: t.exposeString("email"),
    displayName: t.exposeString("displayName"),
    role: t.expose("role", { type: RoleEnum }),
    active: t.exposeBoolean("active"),
    manager: t.relation("manager", { nullable: true }),
    groups: t.relation("groups", { query: { orderBy: { name: "asc" } } }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

export const IdentityConnection = builder.connectionObject(
  { type: Identity, name: "IdentityConnection" },
  { name: "IdentityEdge" },
);

export const Group = builder.prismaNode("Group", {
  id: { field: "id" },
  fields: (t) => ({
    name: t.exposeString("name"),
    description: t.exposeString("description", { nullable: true }),
    members: t.relatedConnection(
      "members",
      { cursor: "id", totalCount: true, query: { orderBy: { displayName: "asc" } } },
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
      description: "Admins only.",
      authScopes: { admin: true },
      args: { search: t.arg.string() },
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
      description: "Admins only.",
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
  fields: (t) => ({
    email: t.string({ required: true }),
    displayName: t.string({ required: true }),
    role: t.field({ type: RoleEnum }),
    managerId: t.id(),
    groupIds: t.idList(),
  }),
});

const UpdateIdentityInput = builder.inputType("UpdateIdentityInput", {
  fields: (t) => ({
    identityId: t.id({ required: true }),
    displayName: t.string(),
    role: t.field({ type: RoleEnum }),
    managerId: t.id(),
    active: t.boolean(),
  }),
});

const CreateGroupInput = builder.inputType("CreateGroupInput", {
  fields: (t) => ({
    name: t.string({ required: true }),
    description: t.string(),
    memberIds: t.idList(),
  }),
});

const GroupMembershipInput = builder.inputType("GroupMembershipInput", {
  fields: (t) => ({
    groupId: t.id({ required: true }),
    identityId: t.id({ required: true }),
  }),
});

builder.mutationFields((t) => ({
  createIdentity: t.field({
    type: IdentityPayload,
    description: "Admins only, as are all mutations below.",
    args: { input: t.arg({ type: CreateIdentityInput, required: true }) },
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
    args: { input: t.arg({ type: UpdateIdentityInput, required: true }) },
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
    args: { input: t.arg({ type: CreateGroupInput, required: true }) },
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
    args: { input: t.arg({ type: GroupMembershipInput, required: true }) },
    resolve: (_root, { input }, ctx) => changeMembership(ctx, input, "add"),
  }),
  removeGroupMember: t.field({
    type: GroupPayload,
    args: { input: t.arg({ type: GroupMembershipInput, required: true }) },
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
