// Tickets: the decisions on them, one ticket in detail, and ticket lists.
import { graphql } from "../graphql.ts";
import { RequestState, TicketDetailFields, TicketPayloadFields, UserErrorFields } from "./fragments.ts";
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
      viewerCannotActReason
      stepCount
      nextStep
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

/** A fulfiller cannot provision the access ("cannot fulfil"): the ticket fails with the reason. */
export const DeclineFulfillment = /* @__PURE__ */ graphql(
  `
    mutation DeclineFulfillment($input: DeclineFulfillmentInput!) {
      declineFulfillment(input: $input) {
        ...TicketPayloadFields
      }
    }
  `,
  [TicketPayloadFields],
);

/** Approve or reject several approval tickets with one comment; each ticket's own result. */
export const DecideTickets = /* @__PURE__ */ graphql(
  `
    mutation DecideTickets($input: DecideTicketsInput!) {
      decideTickets(input: $input) {
        results {
          ticketId
          ticket {
            ...TicketDetailFields
            request {
              ...RequestState
            }
          }
          errors {
            ...UserErrorFields
          }
        }
        errors {
          ...UserErrorFields
        }
      }
    }
  `,
  [TicketDetailFields, RequestState, UserErrorFields],
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

/** Where a ticket table is in its list: how many match, and the cursor of the next page. */
const TicketTablePage = /* @__PURE__ */ graphql(`
  fragment TicketTablePage on TicketConnection @_unmask {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
  }
`);

/**
 * The tickets the viewer may act on now (waiting: false: every ticket they may see), searched,
 * ordered and paged (after: the previous page's endCursor).
 */
export const MyTickets = /* @__PURE__ */ graphql(
  `
    query MyTickets($waiting: Boolean = true, $search: String, $orderBy: TicketOrder, $after: String) {
      tickets(first: 100, after: $after, orderBy: $orderBy, filter: { actionableByViewer: $waiting, search: $search }) {
        ...TicketTablePage
        edges {
          node {
            id
            ...TicketCardFields
          }
        }
      }
    }
  `,
  [TicketCardFields, TicketTablePage],
);

/** The admins' ticket list (everyone else gets the tickets they may see), with the systems to filter it by. */
export const AdminTickets = /* @__PURE__ */ graphql(
  `
    query AdminTickets($filter: TicketFilter, $orderBy: TicketOrder, $after: String) {
      tickets(first: 100, after: $after, orderBy: $orderBy, filter: $filter) {
        ...TicketTablePage
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
  [TicketCardFields, TicketTablePage],
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
