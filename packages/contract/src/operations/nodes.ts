// Looking up any id the product gave out (every id that leaves the product is a global id).
import { graphql } from "../graphql.ts";

/** What an id names, or null when it names nothing the viewer may see. */
export const Node = /* @__PURE__ */ graphql(`
  query Node($id: ID!) {
    node(id: $id) {
      __typename
      id
    }
  }
`);
