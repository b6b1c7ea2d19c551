// Bounds on what one GraphQL document may ask for (graphql-armor): depth, aliases, cost, tokens
// and directives. A refused document answers 400 GRAPHQL_VALIDATION_FAILED listing every
// violation (the plugins' errors are reported to validation, see STACK.md).
import { EnvelopArmorPlugin } from "@escape.tech/graphql-armor";
import type { Plugin } from "graphql-yoga";

export function armorPlugin(): Plugin {
  return EnvelopArmorPlugin({
    maxDepth: { n: 15, propagateOnRejection: false, onReject: [(ctx, err) => ctx?.reportError(err)] },
    maxAliases: { n: 30, propagateOnRejection: false, onReject: [(ctx, err) => ctx?.reportError(err)] },
    // Cost = the selected fields once fragments are expanded (objects 2, scalars 1, no extra
    // depth factor: connections make every real query deep), multiplied by literal `first`/`last`
    // page sizes — 100 systems × 100 resources each is refused, one page of 100 tickets is not.
    // It bounds what the token limit cannot: fragments and nested pages that multiply.
    costLimit: {
      maxCost: 100_000,
      objectCost: 2,
      scalarCost: 1,
      depthCostFactor: 1,
      propagateOnRejection: false,
      onReject: [(ctx, err) => ctx?.reportError(err)],
    },
    // The token limit runs inside the parser, where there is no validation context to report to:
    // it must throw, or it would not stop anything.
    maxTokens: { n: 4_000, propagateOnRejection: true },
    maxDirectives: { n: 50, propagateOnRejection: false, onReject: [(ctx, err) => ctx?.reportError(err)] },
    blockFieldSuggestion: { enabled: true },
  });
}
