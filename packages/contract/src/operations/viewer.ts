// Who is signed in. Only the identity's own fields: they come from the row authentication read,
// so the query costs no statement of its own (the dashboard runs it again on every live change).
import { graphql } from "../graphql.ts";

export const Viewer = /* @__PURE__ */ graphql(`
  query Viewer {
    viewer {
      id
      email
      displayName
      role
      active
      createdAt
    }
  }
`);
