// The shapes several operations return, shared so that each is written once. They are unmasked
// (`@_unmask`, which gql.tada strips before sending): whoever reads an operation's result reads
// these fields directly, without readFragment.
import { graphql } from "../graphql.ts";

/** Why a mutation did not do what was asked (the contract's UserError). */
export const UserErrorFields = /* @__PURE__ */ graphql(`
  fragment UserErrorFields on UserError @_unmask {
    code
    message
    field
  }
`);

/** An identity as the directory shows it, with its manager and groups. */
export const IdentityFields = /* @__PURE__ */ graphql(`
  fragment IdentityFields on Identity @_unmask {
    id
    email
    displayName
    role
    active
    createdAt
    manager {
      id
      email
      displayName
    }
    groups {
      id
      name
    }
  }
`);

/** Where a ticket stands: its kind, step and status, and who may act on it now. */
export const TicketState = /* @__PURE__ */ graphql(`
  fragment TicketState on Ticket @_unmask {
    id
    number
    kind
    status
    step
    createdAt
    decidedAt
    viewerCanApprove
    viewerCanReject
    viewerCanFulfill
    resource {
      id
      name
    }
    assignees {
      id
      email
      displayName
    }
  }
`);

/** A ticket in full: its state, its resource, its group, who decided and what was said. */
export const TicketDetailFields = /* @__PURE__ */ graphql(
  `
    fragment TicketDetailFields on Ticket @_unmask {
      ...TicketState
      resource {
        id
        name
      }
      assigneeGroup {
        id
        name
      }
      decidedBy {
        id
        email
        displayName
      }
      comments {
        id
        body
        createdAt
        author {
          id
          email
          displayName
        }
      }
    }
  `,
  [TicketState],
);

/**
 * Where a request stands: who asked for whom, its items and the state of every ticket (what a
 * mutation answers; RequestDetail reads the tickets in full).
 */
export const RequestState = /* @__PURE__ */ graphql(
  `
    fragment RequestState on Request @_unmask {
      id
      number
      status
      justification
      grantExpiresAt
      createdAt
      closedAt
      viewerCanCancel
      requester {
        id
        email
        displayName
      }
      target {
        id
        email
        displayName
      }
      items {
        id
        status
        grantExpiresAt
        resource {
          id
          name
        }
      }
      tickets {
        ...TicketState
      }
    }
  `,
  [TicketState],
);

/** What every ticket mutation answers: the ticket in full, and where its request now stands. */
export const TicketPayloadFields = /* @__PURE__ */ graphql(
  `
    fragment TicketPayloadFields on TicketPayload @_unmask {
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
  `,
  [TicketDetailFields, RequestState, UserErrorFields],
);

/** One entry of the audit trail. */
export const AuditEventFields = /* @__PURE__ */ graphql(`
  fragment AuditEventFields on AuditEvent @_unmask {
    id
    sequence
    at
    action
    comment
    data
    hash
    prevHash
    actor {
      id
      email
      displayName
    }
    request {
      id
      number
    }
    ticket {
      id
      number
    }
    subjectIdentity {
      id
      displayName
    }
    subjectResource {
      id
      name
    }
    subjectSystem {
      id
      name
    }
    subjectGroup {
      id
      name
    }
  }
`);
