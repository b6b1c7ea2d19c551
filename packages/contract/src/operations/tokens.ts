// API tokens: issuing (admins), revoking (admins and the token's own identity) and listing them.
// The secret itself is answered once, by issueApiToken.
import { graphql } from "../graphql.ts";
import { UserErrorFields } from "./fragments.ts";

const ApiTokenFields = /* @__PURE__ */ graphql(`
  fragment ApiTokenFields on ApiToken @_unmask {
    id
    name
    createdAt
    expiresAt
    lastUsedAt
    revokedAt
    usable
  }
`);

export const IssueApiToken = /* @__PURE__ */ graphql(
  `
    mutation IssueApiToken($input: IssueApiTokenInput!) {
      issueApiToken(input: $input) {
        token
        apiToken {
          ...ApiTokenFields
        }
        errors {
          ...UserErrorFields
        }
      }
    }
  `,
  [ApiTokenFields, UserErrorFields],
);

export const RevokeApiToken = /* @__PURE__ */ graphql(
  `
    mutation RevokeApiToken($input: RevokeApiTokenInput!) {
      revokeApiToken(input: $input) {
        apiToken {
          ...ApiTokenFields
        }
        errors {
          ...UserErrorFields
        }
      }
    }
  `,
  [ApiTokenFields, UserErrorFields],
);

/** The tokens of one identity, newest first (the identity itself and admins; FORBIDDEN for others). */
export const ApiTokens = /* @__PURE__ */ graphql(
  `
    query ApiTokens($id: ID!) {
      node(id: $id) {
        __typename
        id
        ... on Identity {
          apiTokens {
            ...ApiTokenFields
          }
        }
      }
    }
  `,
  [ApiTokenFields],
);

/** Admins: a token for an identity provider, accepted only by the SCIM service at /scim/v2. */
export const IssueScimToken = /* @__PURE__ */ graphql(
  `
    mutation IssueScimToken($input: IssueScimTokenInput!) {
      issueScimToken(input: $input) {
        token
        apiToken {
          ...ApiTokenFields
          scope
        }
        errors {
          ...UserErrorFields
        }
      }
    }
  `,
  [ApiTokenFields, UserErrorFields],
);
