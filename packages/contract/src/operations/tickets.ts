// Tickets: the decisions on them, one ticket in detail, and ticket lists.
import { graphql } from "../graphql.ts";
import { RequestState, TicketDetailFields, TicketPayloadFields } from "./fragments.ts";
import { TicketRoutingFields } from "./routing.ts";

/** What a ticket card shows, and whether the viewer may act on it (the dashboard's ticket views). */
export const TicketCardFields = /* @__PURE__ */ graphql(
  `
    fragment TicketCardFields on Ticket {
      id
      number
      kind
      status
      step
      grantExpiresAt
      createdAt
      viewerCanApprove
      viewerCanReject
      viewerCanFulfill
      ...TicketRoutingFields
      assignees {
        id
        displayName
      }
      assigneeGroup {
        id
        name
      }
      decidedBy {
        id
        displayName
      }
      resource {
        id
        name
        requiresFulfillmentEvidence
        grantDurationLimit
        system {
          id
          name
        }
      }
      request {
        id
        number
        justification
        requester {
          id
          displayName
        }
        target {
          id
          displayName
        }
      }
      comments {
        id
        body
        createdAt
        author {
          id
          displayName
        }
      }
    }
  `,
  [TicketRoutingFields],
);

export const ApproveTicket = /* @__PURE__ */ graphql(
  `
    mutation ApproveTicket($input: DecideTicketInput!) {
      approveTicket(input: $input) {
        ...TicketPayloadFields
      }
    }
  `,
  [TicketPayloadFields],
);

export const RejectTicket = /* @__PURE__ */ graphql(
  `
    mutation RejectTicket($input: DecideTicketInput!) {
      rejectTicket(input: $input) {
        ...TicketPayloadFields
      }
    }
  `,
  [TicketPayloadFields],
);

export const FulfillTicket = /* @__PURE__ */ graphql(
  `
    mutation FulfillTicket($input: FulfillTicketInput!) {
      fulfillTicket(input: $input) {
        ...TicketPayloadFields
      }
    }
  `,
  [TicketPayloadFields],
);

/** Starts a FAILED fulfillment again (admins and the system's fulfillers). */
export const RetryFulfillment = /* @__PURE__ */ graphql(
  `
    mutation RetryFulfillment($input: DecideTicketInput!) {
      retryFulfillment(input: $input) {
        ...TicketPayloadFields
      }
    }
  `,
  [TicketPayloadFields],
);

export const CommentOnTicket = /* @__PURE__ */ graphql(
  `
    mutation CommentOnTicket($input: CommentOnTicketInput!) {
      commentOnTicket(input: $input) {
        ...TicketPayloadFields
      }
    }
  `,
  [TicketPayloadFields],
);

/** One ticket and its request (null when the viewer may not see it). */
export const TicketDetail = /* @__PURE__ */ graphql(
  `
    query TicketDetail($id: ID!) {
      ticket(id: $id) {
        ...TicketDetailFields
        grantExpiresAt
        request {
          ...RequestState
        }
      }
    }
  `,
  [TicketDetailFields, RequestState],
);

/** The tickets the viewer may act on now. */
export const MyTickets = /* @__PURE__ */ graphql(
  `
    query MyTickets {
      tickets(first: 100, filter: { actionableByViewer: true }) {
        totalCount
        edges {
          node {
            id
            ...TicketCardFields
          }
        }
      }
    }
  `,
  [TicketCardFields],
);

/** The admins' ticket list (everyone else gets the tickets they may see), with the systems to filter it by. */
export const AdminTickets = /* @__PURE__ */ graphql(
  `
    query AdminTickets($filter: TicketFilter) {
      tickets(first: 100, filter: $filter) {
        totalCount
        edges {
          node {
            id
            ...TicketCardFields
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
  [TicketCardFields],
);

/**
 * A page of tickets with who asked, for what and who may act: the benchmark's nested list, whose
 * answer a bare server rebuilds from raw statements (apps/api/bench), so its shape is fixed.
 */
export const TicketPage = /* @__PURE__ */ graphql(`
  query TicketPage($first: Int) {
    tickets(first: $first) {
      edges {
        node {
          number
          status
          request {
            number
            requester {
              displayName
            }
            target {
              displayName
            }
          }
          resource {
            name
            system {
              name
            }
          }
          assignees {
            displayName
          }
        }
      }
    }
  }
`);

/** How many tickets wait on the viewer (the navigation's and the tab title's count), kept live. */
export const WaitingOnMe = /* @__PURE__ */ graphql(`
  query WaitingOnMe {
    tickets(first: 100, filter: { assignedToViewer: true }) {
      totalCount
      edges {
        node {
          id
          number
        }
      }
    }
  }
`);
