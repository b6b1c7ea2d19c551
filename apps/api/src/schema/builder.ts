// The Pothos schema builder: Prisma-backed types with query spreading, Relay nodes and
// connections (opaque global ids, totalCount on every connection), and scope-auth, whose
// `authenticated` and `admin` scopes guard every root field.
import SchemaBuilder from "@pothos/core";
import PrismaPlugin from "@pothos/plugin-prisma";
import RelayPlugin from "@pothos/plugin-relay";
import ScopeAuthPlugin from "@pothos/plugin-scope-auth";
import { GraphQLError } from "graphql";
import type { Context } from "../context.ts";
import { fromGlobalId, toGlobalId, type NodeType } from "../domain/global-id.ts";
import { LIMITS } from "../domain/validate.ts";
import type PrismaTypes from "../generated/prisma/pothos-types.ts";
import { getDatamodel } from "../generated/prisma/pothos-types.ts";
import { canSeeNode } from "./node-access.ts";
import PageSizePlugin from "./page-size.ts";

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  AuthScopes: { authenticated: boolean; admin: boolean };
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: unknown; Output: unknown };
    ID: { Input: string; Output: string };
  };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
  Connection: { totalCount: number | (() => number | Promise<number>) };
}>({
  defaultFieldNullability: false,
  plugins: [ScopeAuthPlugin, PageSizePlugin, PrismaPlugin, RelayPlugin],
  scopeAuth: {
    authorizeOnSubscribe: true,
    authScopes: (ctx) => ({
      authenticated: ctx.viewer !== null,
      admin: ctx.viewer?.role === "ADMIN",
    }),
    unauthorizedError: (_parent, ctx) =>
      ctx.viewer
        ? new GraphQLError("You are not allowed to see this.", { extensions: { code: "FORBIDDEN" } })
        : new GraphQLError("Authentication required.", { extensions: { code: "UNAUTHENTICATED" } }),
  },
  prisma: {
    client: (ctx) => ctx.prisma,
    dmmf: getDatamodel(),
    filterConnectionTotalCount: true,
    onUnusedQuery: null,
    maxConnectionSize: MAX_PAGE_SIZE,
    defaultConnectionSize: DEFAULT_PAGE_SIZE,
  },
  relay: {
    clientMutationId: "omit",
    cursorType: "String",
    edgeCursorType: "String",
    pageInfoCursorType: "String",
    nodesQueryOptions: false,
    nodeQueryOptions: {
      resolve: async (_root, args, ctx, _info, resolveNode) =>
        (await canSeeNode(ctx, args.id.typename, args.id.id)) ? resolveNode(args.id) : null,
    },
    edgesFieldOptions: { nullable: false },
    nodeFieldOptions: { nullable: false },
    encodeGlobalID: (typename, id) => toGlobalId(typename as NodeType, String(id)),
    decodeGlobalID: (globalId) => {
      if (globalId.length > LIMITS.id) {
        throw new GraphQLError(`Id must be at most ${LIMITS.id} characters.`, {
          extensions: { code: "VALIDATION", field: ["id"] },
        });
      }
      // A malformed id names no node: `node` answers null for it, as for an unknown one.
      const decoded = fromGlobalId(globalId);
      return decoded ? { typename: decoded.type, id: decoded.id } : { typename: "", id: "" };
    },
  },
});

builder.globalConnectionField("totalCount", (t) =>
  t.int({
    nullable: false,
    resolve: (parent) => (typeof parent.totalCount === "function" ? parent.totalCount() : parent.totalCount),
  }),
);
