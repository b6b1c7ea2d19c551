// Bounds on what one GraphQL document may ask for (graphql-armor): depth, aliases, tokens and
// directives (cost: cost.ts). A refused document answers 400 GRAPHQL_VALIDATION_FAILED listing every
// violation (the plugins' errors are reported to validation, see STACK.md).
import { EnvelopArmorPlugin } from "@escape.tech/graphql-armor";
import type { Plugin } from "graphql-yoga";

export function armorPlugin(): Plugin {
  return EnvelopArmorPlugin({
    maxDepth: { n: 15, propagateOnRejection: false, onReject: [(ctx, err) => ctx?.reportError(err)] },
    maxAliases: { n: 30, propagateOnRejection: false, onReject: [(ctx, err) => ctx?.reportError(err)] },
    // Cost is ours (cost.ts): it needs the variables, which validation does not see.
    costLimit: { enabled: false },
    // The token limit runs inside the parser, where there is no validation context to report to:
    // it must throw, or it would not stop anything.
    maxTokens: { n: 4_000, propagateOnRejection: true },
    maxDirectives: { n: 50, propagateOnRejection: false, onReject: [(ctx, err) => ctx?.reportError(err)] },
    blockFieldSuggestion: { enabled: true },
  });
}
