// Requests: creating and cancelling them, one request in detail, and request lists.
import { graphql } from "../graphql.ts";
import { AuditEventFields, RequestState, TicketDetailFields, UserErrorFields } from "./fragments.ts";
import { TicketRoutingFields } from "./routing.ts";

/** The fields a request list row shows (the dashboard's "My requests" and "All requests"). */
export const RequestRow = /* @__PURE__ */ graphql(`
  fragment RequestRow on Request {
    id
    number
    status
    createdAt
    requester {
      id
      displayName
    }
    target {
      id
      displayName
    }
    items {
      id
      resource {
        id
        name
      }
    }
    tickets {
      id
      kind
      status
      createdAt
      # Known rights keep the cached ticket classifiable by the lists' live reconciliation.
      viewerCanApprove
      viewerCanReject
      viewerCanFulfill
      assignees {
        id
        displayName
      }
      assigneeGroup {
        id
        name
      }
    }
  }
`);

export const CreateRequest = /* @__PURE__ */ graphql(
  `
    mutation CreateRequest($input: CreateRequestInput!) {
      createRequest(input: $input) {
        request {
          ...RequestState
        }
        errors {
          ...UserErrorFields
        }
      }
    }
  `,
  [RequestState, UserErrorFields],
);

export const CancelRequest = /* @__PURE__ */ graphql(
  `
    mutation CancelRequest($input: CancelRequestInput!) {
      cancelRequest(input: $input) {
        request {
          ...RequestState
        }
        errors {
          ...UserErrorFields
        }
      }
    }
  `,
  [RequestState, UserErrorFields],
);

/** One request with its tickets, comments and audit trail (null when the viewer may not see it). */
export const RequestDetail = /* @__PURE__ */ graphql(
  `
    query RequestDetail($id: ID!) {
      request(id: $id) {
        ...RequestState
        routingNotes
        target {
          manager {
            id
            displayName
          }
        }
        items {
          extendsGrant {
            id
            expiresAt
          }
          resource {
            grantDurationLimit
            system {
              id
              name
              connector
              fulfillers {
                id
                name
              }
            }
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
        tickets {
          ...TicketDetailFields
          ...TicketRoutingFields
          grantExpiresAt
        }
        auditEvents(first: 100) {
          totalCount
          edges {
            node {
              ...AuditEventFields
            }
          }
        }
      }
    }
  `,
  [RequestState, TicketDetailFields, TicketRoutingFields, AuditEventFields],
);

/** A page of the requests the viewer may see, newest first. */
export const Requests = /* @__PURE__ */ graphql(
  `
    query Requests($first: Int, $after: String, $filter: RequestFilter) {
      requests(first: $first, after: $after, filter: $filter) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          node {
            id
            ...RequestRow
          }
        }
      }
    }
  `,
  [RequestRow],
);

/** The admins' request list, with the systems to filter it by. */
export const AdminRequests = /* @__PURE__ */ graphql(
  `
    query AdminRequests($filter: RequestFilter) {
      requests(first: 100, filter: $filter) {
        totalCount
        edges {
          node {
            id
            ...RequestRow
          }
        }
      }
      systems(first: 100) {
        edges {
          node {
            id
            name
          }
        }
      }
    }
  `,
  [RequestRow],
);
