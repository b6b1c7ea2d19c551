// Grant: access an identity holds. Visible to that identity, to admins, and to the reviewers of a
// review item about it.
import { revokeGrant } from "../domain/grants/revoke-grant.ts";
import { maySeePersonal, visibleGrantWhere, visibleRequestWhere } from "../domain/policy/visibility.ts";
import { viewerOf } from "../context.ts";
import { builder } from "./builder.ts";
import { entityPayload, mutate } from "./errors.ts";
import { Identity } from "./identity.ts";
import { decodeId } from "./ids.ts";
import { GrantStatusEnum } from "./scalars.ts";

export const Grant = builder.prismaNode("Grant", {
  id: { field: "id" },
  description: "Access that an identity holds, because a request for it was fulfilled.",
  fields: (t) => ({
    identity: t.relation("identity"),
    resource: t.relation("resource"),
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
    status: t.expose("status", { type: GrantStatusEnum }),
    grantedAt: t.expose("grantedAt", { type: "DateTime" }),
    expiresAt: t.expose("expiresAt", { type: "DateTime", nullable: true }),
    revokedAt: t.expose("revokedAt", { type: "DateTime", nullable: true }),
  }),
});

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

// ---------------------------------------------------------------- mutations (admins only)

const RevokeGrantInput = builder.inputType("RevokeGrantInput", {
  fields: (t) => ({ grantId: t.id({ required: true }), reason: t.string() }),
});

const GrantPayload = entityPayload("GrantPayload", "grant", "Grant", (ctx, query, id) =>
  ctx.prisma.grant.findUnique({ ...query, where: { id } }),
);

builder.mutationFields((t) => ({
  revokeGrant: t.field({
    type: GrantPayload,
    description: "Admins only: take access away; connector systems revoke it in the connected system too.",
    args: { input: t.arg({ type: RevokeGrantInput, required: true }) },
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
