// Typed GraphQL documents: gql.tada reads apps/api/schema.graphql (generated into
// src/graphql-env.d.ts at build), so a contract change breaks this build, not the user.
import { initGraphQLTada } from "gql.tada";
import type { introspection } from "../graphql-env.d.ts";

export const graphql = initGraphQLTada<{
  introspection: introspection;
  scalars: { DateTime: string; JSON: unknown; ID: string };
}>();

export type { FragmentOf, ResultOf, VariablesOf } from "gql.tada";
export { readFragment } from "gql.tada";
