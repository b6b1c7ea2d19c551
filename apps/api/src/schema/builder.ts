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
    // The descriptions below are the paging manual every connection shares (GraphiQL shows them).
    nodeTypeOptions: {
      description:
        "Anything with a global id. `Query.node(id:)` looks any of them up; the same ids appear in the\n" +
        "audit trail, connector calls, outbound events and links.",
    },
    idFieldOptions: {
      description:
        "The global id: opaque, stable, and accepted by `Query.node(id:)` and by every input that names\n" +
        "this thing. Never parse it.",
    },
    nodeQueryOptions: {
      description:
        "Any node by its global id, with the same visibility as the lists: null when the id is malformed,\n" +
        "of no node type, unknown, or of something the viewer may not see.",
      args: { id: { description: "A global id from any `id` field, connector call or outbound event." } },
      resolve: async (_root, args, ctx, _info, resolveNode) =>
        (await canSeeNode(ctx, args.id.typename, args.id.id)) ? resolveNode(args.id) : null,
    },
    edgesFieldOptions: {
      nullable: false,
      description: "This page's entries, each with its cursor, in the list's order.",
    },
    nodeFieldOptions: { nullable: false, description: "The entry." },
    cursorFieldOptions: {
      description: "Opaque: pass it as `after` (or `before`) to continue from this entry. Valid until the entry goes.",
    },
    pageInfoFieldOptions: { description: "Whether there is more, and the cursors to ask for it." },
    pageInfoTypeOptions: {
      description:
        "Where a page sits in its list: whether there is more on either side, and its first and last cursors.",
    },
    hasNextPageFieldOptions: { description: "True when entries follow this page (ask with `after: endCursor`)." },
    hasPreviousPageFieldOptions: {
      description: "True when entries precede this page (ask with `before: startCursor`, `last`).",
    },
    startCursorFieldOptions: { description: "The first entry's cursor; null on an empty page." },
    endCursorFieldOptions: { description: "The last entry's cursor; null on an empty page." },
    firstArgOptions: {
      description: `Page size from the start or from \`after\`: 1 to ${MAX_PAGE_SIZE} (VALIDATION otherwise); default ${DEFAULT_PAGE_SIZE}.`,
    },
    lastArgOptions: { description: `Page size counted back from the end or from \`before\`: 1 to ${MAX_PAGE_SIZE}.` },
    afterArgOptions: {
      description: "A cursor from this list: the entries after it. A cursor of another list is VALIDATION.",
    },
    beforeArgOptions: { description: "A cursor from this list: the entries before it." },
    defaultConnectionTypeOptions: {
      description:
        "One page of a list, in the list's order, with its paging information and the size of the whole list.",
    },
    defaultEdgeTypeOptions: { description: "An entry of a page, with the cursor that pages on from it." },
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
    description: "How many entries the whole list holds (with its filter), across every page.",
    resolve: (parent) => (typeof parent.totalCount === "function" ? parent.totalCount() : parent.totalCount),
  }),
);
