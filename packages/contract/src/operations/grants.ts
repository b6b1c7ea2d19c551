// Grants: the access an identity holds, and taking it away.
import { graphql } from "../graphql.ts";
import { UserErrorFields } from "./fragments.ts";

export const GrantFields = /* @__PURE__ */ graphql(`
  fragment GrantFields on Grant @_unmask {
    id
    status
    grantedAt
    expiresAt
    revokedAt
    endReason
    removal
    identity {
      id
      email
      displayName
    }
    resource {
      id
      name
      sensitivity
      grantDurationLimit
      system {
        id
        name
      }
    }
    request {
      id
      number
    }
  }
`);

/**
 * Who has what: the viewer's own grants (end users) or everyone's (admins), filtered, newest
 * first; `expiresBefore` answers "what ends soon".
 */
export const Grants = /* @__PURE__ */ graphql(
  `
    query Grants($filter: GrantFilter, $first: Int, $after: String) {
      grants(filter: $filter, first: $first, after: $after) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          node {
            ...GrantFields
          }
        }
      }
    }
  `,
  [GrantFields],
);

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

/** What the admins' access list filters by: every system with its resources. */
export const AccessFilterChoices = /* @__PURE__ */ graphql(`
  query AccessFilterChoices {
    systems(first: 50) {
      edges {
        node {
          id
          name
          resources(first: 50) {
            edges {
              node {
                id
                name
              }
            }
          }
        }
      }
    }
  }
`);
