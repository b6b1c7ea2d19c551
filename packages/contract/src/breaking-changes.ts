// The v1 contract check: the served schema must keep every type, field, argument and enum value
// of the baseline with a compatible type (graphql-js's findBreakingChanges). Additions are fine.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { buildSchema, findBreakingChanges, type BreakingChange, type GraphQLSchema } from "graphql";

/** The v1 contract, copied once from the product specification; never edited to make a change pass. */
export const baselineFile = fileURLToPath(new URL("../baseline/v1.graphql", import.meta.url));
/** The served schema as printed by the API (`npm run schema:print`; a test keeps it in sync). */
export const schemaFile = fileURLToPath(new URL("../schema.graphql", import.meta.url));

export const readBaseline = (): GraphQLSchema => buildSchema(readFileSync(baselineFile, "utf8"));

/** What `served` breaks of `baseline`: an empty list when the contract holds. */
export function contractBreaks(served: GraphQLSchema, baseline: GraphQLSchema = readBaseline()): BreakingChange[] {
  return findBreakingChanges(baseline, served);
}
