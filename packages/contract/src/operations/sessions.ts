// Browser sessions (sign-in through the identity provider): listing an identity's working
// sessions and revoking one (admins any, everyone their own).
import { graphql } from "../graphql.ts";
import { UserErrorFields } from "./fragments.ts";

const SessionFields = /* @__PURE__ */ graphql(`
  fragment SessionFields on Session @_unmask {
    id
    createdAt
    lastSeenAt
    expiresAt
    userAgent
    current
  }
`);

/** The working sessions of one identity, most recently used first (the identity itself and admins). */
export const Sessions = /* @__PURE__ */ graphql(
  `
    query Sessions($id: ID!) {
      node(id: $id) {
        __typename
        id
        ... on Identity {
          sessions {
            ...SessionFields
          }
        }
      }
    }
  `,
  [SessionFields],
);

export const RevokeSession = /* @__PURE__ */ graphql(
  `
    mutation RevokeSession($input: RevokeSessionInput!) {
      revokeSession(input: $input) {
        session {
          ...SessionFields
        }
        errors {
          ...UserErrorFields
        }
      }
    }
  `,
  [SessionFields, UserErrorFields],
);
