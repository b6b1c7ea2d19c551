// The catalogue: connected systems and the resources people request in them.
import { graphql } from "../graphql.ts";
import { UserErrorFields } from "./fragments.ts";

/** A system, its fulfillers and its connector's health (the message is for admins only). */
const SystemFields = /* @__PURE__ */ graphql(`
  fragment SystemFields on System @_unmask {
    id
    name
    description
    connector
    fulfillers {
      id
      name
    }
    health {
      status
      message
      checkedAt
    }
  }
`);

/** A resource and the approval steps a request for it goes through. */
const ResourceFields = /* @__PURE__ */ graphql(`
  fragment ResourceFields on Resource @_unmask {
    id
    name
    description
    sensitivity
    requestable
    requiresFulfillmentEvidence
    maxGrantDuration
    grantDurationLimit
    system {
      id
      name
    }
    approvalSteps {
      order
      kind
      approvers {
        id
        email
        displayName
      }
      group {
        id
        name
      }
    }
  }
`);

export const CreateSystem = /* @__PURE__ */ graphql(
  `
    mutation CreateSystem($input: CreateSystemInput!) {
      createSystem(input: $input) {
        system {
          ...SystemFields
        }
        errors {
          ...UserErrorFields
        }
      }
    }
  `,
  [SystemFields, UserErrorFields],
);

/** Changes a system; answers it with its settings (admins only, as the mutation). */
export const UpdateSystem = /* @__PURE__ */ graphql(
  `
    mutation UpdateSystem($input: UpdateSystemInput!) {
      updateSystem(input: $input) {
        system {
          ...SystemFields
          ticketSlaHours
          connectorConfig
        }
        errors {
          ...UserErrorFields
        }
      }
    }
  `,
  [SystemFields, UserErrorFields],
);

export const CreateResource = /* @__PURE__ */ graphql(
  `
    mutation CreateResource($input: CreateResourceInput!) {
      createResource(input: $input) {
        resource {
          ...ResourceFields
        }
        errors {
          ...UserErrorFields
        }
      }
    }
  `,
  [ResourceFields, UserErrorFields],
);

/** Changes a resource: only the fields given change (null clears a nullable one). */
export const UpdateResource = /* @__PURE__ */ graphql(
  `
    mutation UpdateResource($input: UpdateResourceInput!) {
      updateResource(input: $input) {
        resource {
          ...ResourceFields
        }
        errors {
          ...UserErrorFields
        }
      }
    }
  `,
  [ResourceFields, UserErrorFields],
);

/** One system (null when the id is not a system's). */
export const SystemDetail = /* @__PURE__ */ graphql(
  `
    query SystemDetail($id: ID!) {
      node(id: $id) {
        __typename
        id
        ... on System {
          ...SystemFields
        }
      }
    }
  `,
  [SystemFields],
);

/** Resources to request, found by name or system (admins also see the others). */
export const Resources = /* @__PURE__ */ graphql(`
  query Resources($search: String) {
    resources(first: 100, search: $search) {
      totalCount
      edges {
        node {
          id
          name
          description
          sensitivity
          grantDurationLimit
          system {
            id
            name
          }
        }
      }
    }
  }
`);

/** Every system with its health, resources and approval steps (the admins' systems view). */
export const AdminSystems = /* @__PURE__ */ graphql(`
  query AdminSystems {
    systems(first: 50) {
      edges {
        node {
          id
          name
          description
          connector
          connectorConfig
          ticketSlaHours
          health {
            status
            checkedAt
            message
          }
          fulfillers {
            id
            name
          }
          resources(first: 50) {
            edges {
              node {
                id
                name
                sensitivity
                requestable
                requiresFulfillmentEvidence
                maxGrantDuration
                grantDurationLimit
                approvalSteps {
                  order
                  kind
                  approvers {
                    id
                    displayName
                  }
                  group {
                    id
                    name
                  }
                }
              }
            }
          }
        }
      }
    }
  }
`);

/**
 * The request form's list: requestable resources with what the person the request is for already
 * has or has asked for of each (`withAccess`: false while an admin has not picked the person yet).
 */
export const RequestableResources = /* @__PURE__ */ graphql(`
  query RequestableResources($search: String, $identityId: ID, $withAccess: Boolean!) {
    resources(first: 100, search: $search) {
      totalCount
      edges {
        node {
          id
          name
          description
          sensitivity
          grantDurationLimit
          requiresFulfillmentEvidence
          system {
            id
            name
            connector
            fulfillers {
              id
              name
            }
          }
          accessOf(identityId: $identityId) @include(if: $withAccess) {
            grant {
              id
              expiresAt
            }
            openRequest {
              id
              number
            }
          }
        }
      }
    }
  }
`);

/** What a request for the picked resources would go through: standing and approval chain of each. */
export const RequestPreview = /* @__PURE__ */ graphql(`
  query RequestPreview($resourceIds: [ID!]!, $targetIdentityId: ID) {
    requestPreview(resourceIds: $resourceIds, targetIdentityId: $targetIdentityId) {
      resource {
        id
        name
      }
      access {
        grant {
          id
        }
        openRequest {
          id
          number
        }
      }
      steps {
        order
        kind
        approvers {
          id
          displayName
        }
        group {
          id
          name
        }
        toAdmins
        routingNote
        delegatedFrom {
          id
          displayName
        }
      }
    }
  }
`);
