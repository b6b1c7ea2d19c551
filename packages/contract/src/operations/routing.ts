// Routing: the organisation's settings (fallback approvers, SLA, mandatory emails), delegations,
// reassigning and claiming tickets, and the routing facts a ticket shows (why it went where it
// is, when it is due, who took it, whose delegate has it).
import { graphql } from "../graphql.ts";
import { TicketPayloadFields, UserErrorFields } from "./fragments.ts";

/** Why a ticket is where it is, when it is due, who took it (lists and details, not mutation answers). */
export const TicketRoutingFields = /* @__PURE__ */ graphql(`
  fragment TicketRoutingFields on Ticket @_unmask {
    id
    routingNote
    slaDueAt
    remindedAt
    escalatedAt
    claimedBy {
      id
      displayName
    }
    delegatedFrom {
      id
      displayName
    }
  }
`);

export const OrganisationSettingsFields = /* @__PURE__ */ graphql(`
  fragment OrganisationSettingsFields on OrganisationSettings @_unmask {
    fallbackGroup {
      id
      name
    }
    ticketSlaHours
    mandatoryEmailKinds
    updatedAt
  }
`);

/** The organisation's settings (admins). */
export const OrganisationSettings = /* @__PURE__ */ graphql(
  `
    query OrganisationSettings {
      organisationSettings {
        ...OrganisationSettingsFields
      }
    }
  `,
  [OrganisationSettingsFields],
);

export const UpdateOrganisationSettings = /* @__PURE__ */ graphql(
  `
    mutation UpdateOrganisationSettings($input: UpdateOrganisationSettingsInput!) {
      updateOrganisationSettings(input: $input) {
        settings {
          ...OrganisationSettingsFields
        }
        errors {
          ...UserErrorFields
        }
      }
    }
  `,
  [OrganisationSettingsFields, UserErrorFields],
);

export const DelegationFields = /* @__PURE__ */ graphql(`
  fragment DelegationFields on Delegation @_unmask {
    id
    delegator {
      id
      displayName
    }
    delegate {
      id
      displayName
    }
    startsAt
    endsAt
    reason
    endedAt
    active
  }
`);

const DelegationPayloadFields = /* @__PURE__ */ graphql(
  `
    fragment DelegationPayloadFields on DelegationPayload @_unmask {
      delegation {
        ...DelegationFields
      }
      errors {
        ...UserErrorFields
      }
    }
  `,
  [DelegationFields, UserErrorFields],
);

export const SetDelegation = /* @__PURE__ */ graphql(
  `
    mutation SetDelegation($input: SetDelegationInput!) {
      setDelegation(input: $input) {
        ...DelegationPayloadFields
      }
    }
  `,
  [DelegationPayloadFields],
);

export const EndDelegation = /* @__PURE__ */ graphql(
  `
    mutation EndDelegation($input: EndDelegationInput!) {
      endDelegation(input: $input) {
        ...DelegationPayloadFields
      }
    }
  `,
  [DelegationPayloadFields],
);

/** The viewer's own delegation, the delegations naming them, and the tickets they may act on with who they came from. */
export const MyDelegation = /* @__PURE__ */ graphql(
  `
    query MyDelegation {
      viewer {
        id
        delegation {
          ...DelegationFields
        }
        delegationsReceived {
          ...DelegationFields
        }
      }
      tickets(filter: { actionableByViewer: true }, first: 100) {
        totalCount
        edges {
          node {
            id
            number
            kind
            status
            ...TicketRoutingFields
          }
        }
      }
    }
  `,
  [DelegationFields, TicketRoutingFields],
);

/** Admins: give an open ticket to someone else (or a group), with the reason. */
export const ReassignTicket = /* @__PURE__ */ graphql(
  `
    mutation ReassignTicket($input: ReassignTicketInput!) {
      reassignTicket(input: $input) {
        ...TicketPayloadFields
        ticket {
          ...TicketRoutingFields
        }
      }
    }
  `,
  [TicketPayloadFields, TicketRoutingFields],
);

/** Take a ticket ("assign to me"), or give it back with release: true. */
export const ClaimTicket = /* @__PURE__ */ graphql(
  `
    mutation ClaimTicket($input: ClaimTicketInput!) {
      claimTicket(input: $input) {
        ...TicketPayloadFields
        ticket {
          ...TicketRoutingFields
        }
      }
    }
  `,
  [TicketPayloadFields, TicketRoutingFields],
);

/** One ticket's routing facts (null when the viewer may not see it). */
export const TicketRouting = /* @__PURE__ */ graphql(
  `
    query TicketRouting($id: ID!) {
      ticket(id: $id) {
        ...TicketRoutingFields
        assigneeGroup {
          id
          name
        }
        assignees {
          id
          displayName
        }
        viewerCanApprove
        viewerCanFulfill
      }
    }
  `,
  [TicketRoutingFields],
);

/** Why a request's open tickets went to the fallback approvers or the admins ("flagged on the request"). */
export const RequestRouting = /* @__PURE__ */ graphql(
  `
    query RequestRouting($id: ID!) {
      request(id: $id) {
        id
        routingNotes
        tickets {
          id
          kind
          status
          ...TicketRoutingFields
          assigneeGroup {
            id
            name
          }
        }
      }
    }
  `,
  [TicketRoutingFields],
);
