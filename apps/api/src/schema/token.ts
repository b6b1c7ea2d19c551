// API tokens: issuing (admins), listing (admins and the identity itself, on Identity.apiTokens)
// and revoking (admins, or the identity itself); SCIM tokens (admins issue them for an identity
// provider; they work on /scim/v2 only) are listed and revoked the same way. The token is shown
// once; only its SHA-256 is stored, so no field here can ever return it again.
import { toGlobalId } from "../domain/global-id.ts";
import { maySeePersonal } from "../domain/policy/visibility.ts";
import { isUsableToken, issueApiToken, issueScimToken, revokeApiToken } from "../domain/tokens/tokens.ts";
import { TokenScope } from "../generated/prisma/client.ts";
import { builder } from "./builder.ts";
import { mutate, type Payload, USER_ERRORS, UserError, MUTATION_INPUT } from "./errors.ts";
import { decodeId } from "./ids.ts";
import { Identity } from "./identity.ts";

const TokenScopeEnum = builder.enumType(TokenScope, {
  name: "TokenScope",
  description: "Where a token is accepted.",
  values: {
    API: { description: "The GraphQL API, its live feeds and the audit export." },
    SCIM: {
      description:
        "Only the SCIM 2.0 service at /scim/v2, for an identity provider; its changes are audited as\nthe issuing admin's.",
    },
  },
});

export const ApiToken = builder.prismaObject("ApiToken", {
  description: "An API token's metadata (never the token itself).",
  fields: (t) => ({
    id: t.id({
      description: "The token's global id (what revokeApiToken takes); not the token.",
      resolve: (token) => toGlobalId("ApiToken", token.id),
    }),
    name: t.exposeString("name", { description: "What it is for, as named when issued." }),
    scope: t.expose("scope", { type: TokenScopeEnum, description: "Where it is accepted." }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it was issued." }),
    lastUsedAt: t.expose("lastUsedAt", {
      type: "DateTime",
      nullable: true,
      description: "When a request last authenticated with it (to the minute).",
    }),
    expiresAt: t.expose("expiresAt", {
      type: "DateTime",
      nullable: true,
      description: "When it stops working by itself; null: it lasts until revoked.",
    }),
    revokedAt: t.expose("revokedAt", {
      type: "DateTime",
      nullable: true,
      description: "When it was revoked; null while not revoked.",
    }),
    usable: t.boolean({
      description: "Neither revoked nor expired (the identity must also be active).",
      resolve: (token) => isUsableToken(token),
    }),
  }),
});

builder.prismaObjectField(Identity, "apiTokens", (t) =>
  t.relation("tokens", {
    nullable: true,
    description: "Admins and the identity itself only; newest first.",
    query: { orderBy: [{ createdAt: "desc" }, { id: "asc" }] },
    authScopes: (identity, _args, ctx) => maySeePersonal(ctx.viewer, identity.id),
  }),
);

const IssueApiTokenInput = builder.inputType("IssueApiTokenInput", {
  description: "A new API token for an identity (an integration acts as that identity).",
  fields: (t) => ({
    identityId: t.id({ required: true, description: "The active identity the token acts as." }),
    name: t.string({ required: true, description: "What it is for, 1 to 200 characters." }),
    expiresAt: t.field({
      type: "DateTime",
      description: "Optional; at most two years ahead. Without it the token lasts until revoked.",
    }),
  }),
});

interface Issued {
  token: string;
  tokenId: string;
}

const IssueApiTokenPayload = builder.objectRef<Payload<Issued>>("IssueApiTokenPayload").implement({
  description: "The issued token (its secret shown this once) and its metadata, or the errors.",
  fields: (t) => ({
    token: t.string({
      nullable: true,
      description: "Shown once; only a hash is stored.",
      resolve: (payload) => payload.value?.token ?? null,
    }),
    apiToken: t.prismaField({
      type: "ApiToken",
      nullable: true,
      description: "The new token's metadata; null when `errors` is not empty.",
      resolve: (query, payload, _args, ctx) =>
        payload.value ? ctx.prisma.apiToken.findUnique({ ...query, where: { id: payload.value.tokenId } }) : null,
    }),
    errors: t.field({ type: [UserError], description: USER_ERRORS, resolve: (payload) => payload.errors }),
  }),
});

const IssueScimTokenInput = builder.inputType("IssueScimTokenInput", {
  description: "A new SCIM token of the viewer, for an identity provider.",
  fields: (t) => ({
    name: t.string({ required: true, description: 'Says which identity provider holds it, e.g. "Okta".' }),
    expiresAt: t.field({
      type: "DateTime",
      description: "Optional; at most two years ahead. Without it the token lasts until revoked.",
    }),
  }),
});

const RevokeApiTokenInput = builder.inputType("RevokeApiTokenInput", {
  description: "The token to revoke.",
  fields: (t) => ({
    tokenId: t.id({ required: true, description: "The token's id (ApiToken.id)." }),
    reason: t.string({ description: "Why, at most 2000 characters; audited." }),
  }),
});

const RevokeApiTokenPayload = builder.objectRef<Payload<string>>("RevokeApiTokenPayload").implement({
  description: "The revoked token's metadata, or the errors.",
  fields: (t) => ({
    apiToken: t.prismaField({
      type: "ApiToken",
      nullable: true,
      description: "The token, now revoked; null when `errors` is not empty.",
      resolve: (query, payload, _args, ctx) =>
        payload.value ? ctx.prisma.apiToken.findUnique({ ...query, where: { id: payload.value } }) : null,
    }),
    errors: t.field({ type: [UserError], description: USER_ERRORS, resolve: (payload) => payload.errors }),
  }),
});

builder.mutationFields((t) => ({
  issueApiToken: t.field({
    type: IssueApiTokenPayload,
    description:
      "Issues an API token acting as an identity; the token is in the payload once and never again. Admins only.",
    args: { input: t.arg({ type: IssueApiTokenInput, required: true, description: MUTATION_INPUT }) },
    resolve: (_root, { input }, ctx) =>
      mutate(ctx, (viewer) =>
        ctx.db.transact((work) =>
          issueApiToken(work, viewer, {
            identityId: decodeId(input.identityId, "Identity", ["input", "identityId"]),
            name: input.name,
            expiresAt: input.expiresAt ?? null,
          }),
        ),
      ),
  }),
  issueScimToken: t.field({
    type: IssueApiTokenPayload,
    description:
      "Admins only: a token of the viewer that works only on /scim/v2, for an identity provider to\nprovision people and groups. Revoke it with revokeApiToken; it also stops when the viewer is\ndeactivated or stops being an admin.",
    args: { input: t.arg({ type: IssueScimTokenInput, required: true, description: MUTATION_INPUT }) },
    resolve: (_root, { input }, ctx) =>
      mutate(ctx, (viewer) =>
        ctx.db.transact((work) =>
          issueScimToken(work, viewer, { name: input.name, expiresAt: input.expiresAt ?? null }),
        ),
      ),
  }),
  revokeApiToken: t.field({
    type: RevokeApiTokenPayload,
    description:
      "Admins revoke any token, everyone else their own. It stops working at once, and live\nconnections that authenticated with it are closed.",
    args: { input: t.arg({ type: RevokeApiTokenInput, required: true, description: MUTATION_INPUT }) },
    resolve: (_root, { input }, ctx) =>
      mutate(ctx, (viewer) =>
        ctx.db.transact((work) =>
          revokeApiToken(work, viewer, {
            tokenId: decodeId(input.tokenId, "ApiToken", ["input", "tokenId"]),
            reason: input.reason ?? null,
          }),
        ),
      ),
  }),
}));
