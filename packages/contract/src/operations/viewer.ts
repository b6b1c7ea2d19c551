// Who is signed in.
import { graphql } from "../graphql.ts";
import { IdentityFields } from "./fragments.ts";

export const Viewer = /* @__PURE__ */ graphql(
  `
    query Viewer {
      viewer {
        ...IdentityFields
      }
    }
  `,
  [IdentityFields],
);
