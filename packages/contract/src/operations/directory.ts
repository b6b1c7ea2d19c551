// The directory: identities and groups (admins configure them; everyone reads who is who).
import { graphql } from "../graphql.ts";
import { IdentityFields, UserErrorFields } from "./fragments.ts";

/** What the identity mutations answer: the identity as it now is. */
const IdentityPayloadFields = /* @__PURE__ */ graphql(
  `
    fragment IdentityPayloadFields on IdentityPayload @_unmask {
      identity {
        ...IdentityFields
      }
      errors {
        ...UserErrorFields
      }
    }
  `,
  [IdentityFields, UserErrorFields],
);

export const CreateIdentity = /* @__PURE__ */ graphql(
  `
    mutation CreateIdentity($input: CreateIdentityInput!) {
      createIdentity(input: $input) {
        ...IdentityPayloadFields
      }
    }
  `,
  [IdentityPayloadFields],
);

export const UpdateIdentity = /* @__PURE__ */ graphql(
  `
    mutation UpdateIdentity($input: UpdateIdentityInput!) {
      updateIdentity(input: $input) {
        ...IdentityPayloadFields
      }
    }
  `,
  [IdentityPayloadFields],
);

export const CreateGroup = /* @__PURE__ */ graphql(
  `
    mutation CreateGroup($input: CreateGroupInput!) {
      createGroup(input: $input) {
        group {
          id
          name
          description
        }
        errors {
          ...UserErrorFields
        }
      }
    }
  `,
  [UserErrorFields],
);

/** One identity (null when the id is not an identity's). */
export const IdentityDetail = /* @__PURE__ */ graphql(
  `
    query IdentityDetail($id: ID!) {
      node(id: $id) {
        __typename
        id
        ... on Identity {
          ...IdentityFields
        }
      }
    }
  `,
  [IdentityFields],
);

/** People found by name or email, for requesting on someone's behalf (admins only). */
export const Identities = /* @__PURE__ */ graphql(`
  query Identities($search: String) {
    identities(first: 50, search: $search) {
      edges {
        node {
          id
          displayName
          email
          active
        }
      }
    }
  }
`);

/** Every group (admins only). */
export const Groups = /* @__PURE__ */ graphql(`
  query Groups($first: Int, $after: String) {
    groups(first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          name
          description
          members(first: 1) {
            totalCount
          }
        }
      }
    }
  }
`);

/** People to pick from (a delegate while away): active identities by part of a name or email. */
export const People = /* @__PURE__ */ graphql(`
  query People($search: String!) {
    people(search: $search) {
      id
      displayName
      email
    }
  }
`);
