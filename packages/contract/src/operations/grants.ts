// Grants: the access an identity holds, and taking it away.
import { graphql } from "../graphql.ts";
import { UserErrorFields } from "./fragments.ts";

const GrantFields = /* @__PURE__ */ graphql(`
  fragment GrantFields on Grant @_unmask {
    id
    status
    grantedAt
    revokedAt
    resource {
      id
      name
    }
    request {
      id
      number
    }
  }
`);

/** The grants of one identity (the identity itself and admins; FORBIDDEN for others). */
export const IdentityGrants = /* @__PURE__ */ graphql(
  `
    query IdentityGrants($id: ID!) {
      node(id: $id) {
        __typename
        id
        ... on Identity {
          grants(first: 100) {
            totalCount
            edges {
              node {
                ...GrantFields
              }
            }
          }
        }
      }
    }
  `,
  [GrantFields],
);

export const RevokeGrant = /* @__PURE__ */ graphql(
  `
    mutation RevokeGrant($input: RevokeGrantInput!) {
      revokeGrant(input: $input) {
        grant {
          ...GrantFields
        }
        errors {
          ...UserErrorFields
        }
      }
    }
  `,
  [GrantFields, UserErrorFields],
);
