// The GraphQL documents the views share.
import { graphql } from "./graphql.ts";

export const TicketFields = graphql(`
  fragment TicketFields on Ticket {
    id
    number
    kind
    status
    step
    createdAt
    viewerCanApprove
    viewerCanReject
    viewerCanFulfill
    assignees {
      id
      displayName
    }
    assigneeGroup {
      name
    }
    decidedBy {
      displayName
    }
    resource {
      id
      name
      requiresFulfillmentEvidence
      system {
        name
      }
    }
    request {
      id
      number
      justification
      requester {
        displayName
      }
      target {
        displayName
      }
    }
    comments {
      id
      body
      createdAt
      author {
        displayName
      }
    }
  }
`);

const UserErrorFields = graphql(`
  fragment UserErrorFields on UserError {
    code
    message
    field
  }
`);

export const ApproveTicket = graphql(
  `
    mutation ApproveTicket($input: DecideTicketInput!) {
      approveTicket(input: $input) {
        ticket {
          id
          status
        }
        errors {
          ...UserErrorFields
        }
      }
    }
  `,
  [UserErrorFields],
);
export const RejectTicket = graphql(
  `
    mutation RejectTicket($input: DecideTicketInput!) {
      rejectTicket(input: $input) {
        ticket {
          id
          status
        }
        errors {
          ...UserErrorFields
        }
      }
    }
  `,
  [UserErrorFields],
);
export const FulfillTicket = graphql(
  `
    mutation FulfillTicket($input: FulfillTicketInput!) {
      fulfillTicket(input: $input) {
        ticket {
          id
          status
        }
        errors {
          ...UserErrorFields
        }
      }
    }
  `,
  [UserErrorFields],
);
export const CreateRequest = graphql(
  `
    mutation CreateRequest($input: CreateRequestInput!) {
      createRequest(input: $input) {
        request {
          id
          number
        }
        errors {
          ...UserErrorFields
        }
      }
    }
  `,
  [UserErrorFields],
);
export const CancelRequest = graphql(
  `
    mutation CancelRequest($input: CancelRequestInput!) {
      cancelRequest(input: $input) {
        request {
          id
          status
        }
        errors {
          ...UserErrorFields
        }
      }
    }
  `,
  [UserErrorFields],
);

export { UserErrorFields };
