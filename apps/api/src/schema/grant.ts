// Grant: access an identity holds. Visible to that identity, to admins, and to the reviewers of a
// review item about it. The `grants` query lists them (who has what, what ends soon); revokeGrant
// ends one.
import { revokeGrant } from "../domain/grants/revoke-grant.ts";
import { RemovalLoader } from "../domain/grants/removal.ts";
import type { Context } from "../context.ts";
import { maySeePersonal, visibleGrantWhere, visibleRequestWhere } from "../domain/policy/visibility.ts";
import { viewerOf } from "../context.ts";
import { builder } from "./builder.ts";
import { entityPayload, mutate, MUTATION_INPUT } from "./errors.ts";
import { Identity } from "./identity.ts";
import { decodeId } from "./ids.ts";
import { GrantStatusEnum } from "./scalars.ts";
import { grantsWhere } from "./grant-filter.ts";

const GrantRemovalEnum = builder.enumType("GrantRemoval", {
  description: "Taking ended access away in its system.",
  values: {
    PENDING: { description: "Under way: the connector's job is queued or retrying, or the revocation ticket is open." },
    DONE: {
      description: "Removed: the connector confirmed it, or a fulfiller closed the revocation ticket with evidence.",
    },
    FAILED: {
      description: "The connector gave up, or the ticket failed: an admin must look (System.health, the audit trail).",
    },
  } as const,
});

export const Grant = builder.prismaNode("Grant", {
  id: { field: "id" },
  description: "Access that an identity holds, because a request for it was fulfilled.",
  fields: (t) => ({
    identity: t.relation("identity", { description: "Who holds the access." }),
    resource: t.relation("resource", { description: "What the access is to." }),
    request: t.prismaField({
      type: "Request",
      nullable: true,
      description: "The request that granted it, when the viewer may see that request (a reviewer may not).",
      resolve: (query, grant, _args, ctx) =>
        grant.requestId
          ? ctx.prisma.request.findFirst({
              ...query,
              where: { id: grant.requestId, ...visibleRequestWhere(viewerOf(ctx)) },
            })
          : null,
    }),
    status: t.expose("status", { type: GrantStatusEnum, description: "Whether the access is held now." }),
    grantedAt: t.expose("grantedAt", { type: "DateTime", description: "When the access was provisioned." }),
    expiresAt: t.expose("expiresAt", {
      type: "DateTime",
      nullable: true,
      description:
        "When the access ends (null: it does not end by itself). At that time, within\n" +
        "GRANT_EXPIRY_CHECK_MS, the grant turns EXPIRED and the access is removed in its system.",
    }),
    revokedAt: t.expose("revokedAt", {
      type: "DateTime",
      nullable: true,
      description: "When it was revoked; null unless REVOKED.",
    }),
    endReason: t.exposeString("endReason", {
      nullable: true,
      description:
        "Why a REVOKED grant was revoked, as the revoker said: an access review's decision, the holder\n" +
        "giving it up, an admin's reason, \"identity deactivated\". Null otherwise (an EXPIRED grant's end passed).",
    }),
    removal: t.field({
      type: GrantRemovalEnum,
      nullable: true,
      description:
        "How taking the access away in its system goes, once the grant is REVOKED or EXPIRED (null while\n" +
        "ACTIVE): by the connector's revocation job, or by a fulfiller's revocation ticket on MANUAL systems.",
      select: { status: true, itemId: true, id: true },
      resolve: (grant, _args, ctx) => (grant.status === "ACTIVE" ? null : removalLoader(ctx).load(grant)),
    }),
  }),
});

/** One loader per operation: the grants of a page share their removal reads. */
const removalLoaders = new WeakMap<Context, RemovalLoader>();
function removalLoader(ctx: Context): RemovalLoader {
  let loader = removalLoaders.get(ctx);
  if (!loader) removalLoaders.set(ctx, (loader = new RemovalLoader(ctx.prisma)));
  return loader;
}

export const GrantConnection = builder.connectionObject(
  { type: Grant, name: "GrantConnection" },
  { name: "GrantEdge" },
);

builder.prismaObjectField(Identity, "grants", (t) =>
  t.relatedConnection(
    "grants",
    {
      cursor: "id",
      totalCount: true,
      description: "Visible to the identity itself and to admins (FORBIDDEN for others).",
      authScopes: (identity, _args, ctx) => maySeePersonal(ctx.viewer, identity.id),
      query: (_args, ctx) => ({
        where: visibleGrantWhere(viewerOf(ctx)),
        orderBy: [{ grantedAt: "desc" }, { id: "asc" }],
      }),
    },
    GrantConnection,
  ),
);

const GrantFilter = builder.inputType("GrantFilter", {
  description: "Every condition given must hold. End users only ever see their own grants.",
  fields: (t) => ({
    status: t.field({ type: [GrantStatusEnum], description: "Any of these statuses." }),
    identityId: t.id({ description: "Held by this identity." }),
    resourceId: t.id({ description: "Of this resource." }),
    systemId: t.id({ description: "Of a resource of this system." }),
    expiresBefore: t.field({
      type: "DateTime",
      description: "Ending before this time (grants without an end never match): what ends soon.",
    }),
  }),
});

builder.queryFields((t) => ({
  grants: t.prismaConnection(
    {
      type: "Grant",
      cursor: "id",
      description:
        "Who has what. End users see their own grants; admins see everyone's. Newest first. The same\n" +
        "rows as CSV or JSONL: GET /access/export.csv or .jsonl (admins) with the filter as query parameters.",
      args: { filter: t.arg({ type: GrantFilter, description: "Absent: every grant the viewer may see." }) },
      resolve: (query, _root, args, ctx) =>
        ctx.prisma.grant.findMany({
          ...query,
          where: grantsWhere(viewerOf(ctx), args.filter),
          orderBy: [{ grantedAt: "desc" }, { id: "asc" }],
        }),
      totalCount: (_parent, args, ctx) => ctx.prisma.grant.count({ where: grantsWhere(viewerOf(ctx), args.filter) }),
    },
    GrantConnection,
  ),
}));

// ---------------------------------------------------------------- mutations

const RevokeGrantInput = builder.inputType("RevokeGrantInput", {
  description: "The grant to end, and why.",
  fields: (t) => ({
    grantId: t.id({ required: true, description: "An ACTIVE grant (INVALID_STATE otherwise)." }),
    reason: t.string({
      description: "Why, at most 2000 characters: the grant's endReason, told to the holder and audited.",
    }),
  }),
});

const GrantPayload = entityPayload("GrantPayload", "grant", "Grant", (ctx, query, id) =>
  ctx.prisma.grant.findUnique({ ...query, where: { id } }),
);

builder.mutationFields((t) => ({
  revokeGrant: t.field({
    type: GrantPayload,
    description:
      "Take access away: admins, or the holder giving up their own. The grant is REVOKED at once; connector\n" +
      "systems revoke it in the connected system (a retried job), MANUAL systems' fulfillers get a revocation ticket.",
    args: { input: t.arg({ type: RevokeGrantInput, required: true, description: MUTATION_INPUT }) },
    resolve: (_root, { input }, ctx) =>
      mutate(ctx, (viewer) =>
        ctx.db.transact((work) =>
          revokeGrant(work, viewer, {
            grantId: decodeId(input.grantId, "Grant", ["input", "grantId"]),
            reason: input.reason ?? null,
          }),
        ),
      ),
  }),
}));
