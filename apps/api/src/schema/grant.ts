// Grant: access an identity holds. Visible to that identity and to admins.
import { visibleGrantWhere } from "../domain/policy/visibility.ts";
import { isAdmin } from "../domain/work.ts";
import { viewerOf } from "../context.ts";
import { builder } from "./builder.ts";
import { Identity } from "./identity.ts";
import { GrantStatusEnum } from "./scalars.ts";

export const Grant = builder.prismaNode("Grant", {
  id: { field: "id" },
  description: "Access that an identity holds, because a request for it was fulfilled.",
  fields: (t) => ({
    identity: t.relation("identity"),
    resource: t.relation("resource"),
    request: t.relation("request", { nullable: true }),
    status: t.expose("status", { type: GrantStatusEnum }),
    grantedAt: t.expose("grantedAt", { type: "DateTime" }),
    expiresAt: t.expose("expiresAt", { type: "DateTime", nullable: true }),
    revokedAt: t.expose("revokedAt", { type: "DateTime", nullable: true }),
  }),
});

export const GrantConnection = builder.connectionObject({ type: Grant, name: "GrantConnection" }, { name: "GrantEdge" });

builder.prismaObjectField(Identity, "grants", (t) =>
  t.relatedConnection(
    "grants",
    {
      cursor: "id",
      totalCount: true,
      description: "Visible to the identity itself and to admins (FORBIDDEN for others).",
      authScopes: (identity, _args, ctx) => ctx.viewer !== null && (isAdmin(ctx.viewer) || ctx.viewer.id === identity.id),
      query: (_args, ctx) => ({ where: visibleGrantWhere(viewerOf(ctx)), orderBy: [{ grantedAt: "desc" }, { id: "asc" }] }),
    },
    GrantConnection,
  ),
);
