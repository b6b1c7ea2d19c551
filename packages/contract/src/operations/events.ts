// Outbound event endpoints (admins only): listing them with their delivery state, their delivery
// log, registering, changing, replaying, testing and deleting them.
import { graphql } from "../graphql.ts";
import { UserErrorFields } from "./fragments.ts";

/** An endpoint, its topics and scope, and where its delivery stands. */
const EventEndpointFields = /* @__PURE__ */ graphql(`
  fragment EventEndpointFields on EventEndpoint @_unmask {
    id
    name
    kind
    url
    topics
    system {
      id
      name
    }
    enabled
    secretReference
    deliveredSequence
    pending
    failures
    retryAt
    lastError
    createdAt
  }
`);

/** One delivery attempt (the delivery log). */
const EventDeliveryFields = /* @__PURE__ */ graphql(`
  fragment EventDeliveryFields on EventDelivery @_unmask {
    sequence
    type
    outcome
    httpStatus
    error
    durationMs
    at
  }
`);

export const EventEndpoints = /* @__PURE__ */ graphql(
  `
    query EventEndpoints {
      eventEndpoints {
        ...EventEndpointFields
      }
    }
  `,
  [EventEndpointFields],
);

/** An endpoint's delivery log, newest first. */
export const EventEndpointDeliveries = /* @__PURE__ */ graphql(
  `
    query EventEndpointDeliveries($id: ID!, $first: Int, $after: String) {
      node(id: $id) {
        __typename
        id
        ... on EventEndpoint {
          ...EventEndpointFields
          deliveries(first: $first, after: $after) {
            totalCount
            pageInfo {
              hasNextPage
              endCursor
            }
            edges {
              node {
                ...EventDeliveryFields
              }
            }
          }
        }
      }
    }
  `,
  [EventEndpointFields, EventDeliveryFields],
);

export const CreateEventEndpoint = /* @__PURE__ */ graphql(
  `
    mutation CreateEventEndpoint($input: CreateEventEndpointInput!) {
      createEventEndpoint(input: $input) {
        endpoint {
          ...EventEndpointFields
        }
        errors {
          ...UserErrorFields
        }
      }
    }
  `,
  [EventEndpointFields, UserErrorFields],
);

export const UpdateEventEndpoint = /* @__PURE__ */ graphql(
  `
    mutation UpdateEventEndpoint($input: UpdateEventEndpointInput!) {
      updateEventEndpoint(input: $input) {
        endpoint {
          ...EventEndpointFields
        }
        errors {
          ...UserErrorFields
        }
      }
    }
  `,
  [EventEndpointFields, UserErrorFields],
);

export const ReplayEventEndpoint = /* @__PURE__ */ graphql(
  `
    mutation ReplayEventEndpoint($input: ReplayEventEndpointInput!) {
      replayEventEndpoint(input: $input) {
        endpoint {
          ...EventEndpointFields
        }
        errors {
          ...UserErrorFields
        }
      }
    }
  `,
  [EventEndpointFields, UserErrorFields],
);

export const TestEventEndpoint = /* @__PURE__ */ graphql(
  `
    mutation TestEventEndpoint($input: EventEndpointIdInput!) {
      testEventEndpoint(input: $input) {
        endpoint {
          ...EventEndpointFields
        }
        delivery {
          ...EventDeliveryFields
        }
        errors {
          ...UserErrorFields
        }
      }
    }
  `,
  [EventEndpointFields, EventDeliveryFields, UserErrorFields],
);

export const DeleteEventEndpoint = /* @__PURE__ */ graphql(
  `
    mutation DeleteEventEndpoint($input: EventEndpointIdInput!) {
      deleteEventEndpoint(input: $input) {
        deletedEndpointId
        errors {
          ...UserErrorFields
        }
      }
    }
  `,
  [UserErrorFields],
);
