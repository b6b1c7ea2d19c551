// Typed GraphQL documents: gql.tada reads ../schema.graphql (its introspection is generated
// into src/graphql-env.d.ts by `npm run build`), so a document that does not fit the served
// schema fails the build of whoever sends it, not its user. Every document is declared with
// `/* @__PURE__ */ graphql(...)`, so that a bundle keeps only the documents it uses (the
// dashboard does not ship the operations only tests and the bench send).
import { initGraphQLTada } from "gql.tada";
import type { introspection } from "./graphql-env.d.ts";

export const graphql = initGraphQLTada<{
  introspection: introspection;
  scalars: { DateTime: string; JSON: unknown; ID: string };
}>();

export type { FragmentOf, ResultOf, TadaDocumentNode, VariablesOf } from "gql.tada";
export { maskFragments, readFragment } from "gql.tada";
