// Live updates. Three kinds of subscription per feed, for three kinds of client:
// - the *Changed ones carry the change itself (who, what, which request), for clients that show
//   or check the change;
// - the *Updates ones carry the changed entity as the dashboard's views show it, for clients that
//   keep a normalised cache (the dashboard's graphcache): the cache updates the ticket, request
//   or system in place from the change, and only lists the change moves it into or out of are
//   fetched again;
// - the *Signal ones carry only its sequence and status, for clients that re-read their views on
//   any change and resume with afterSequence: the server resolves nothing per subscriber beyond
//   the change, which is what the fan-out benchmark measures.
import { graphql } from "../graphql.ts";
import { TicketState } from "./fragments.ts";
import { GrantFields } from "./grants.ts";
import { RequestRow } from "./requests.ts";
import { TicketCardFields } from "./tickets.ts";

export const TicketStatusChanged = /* @__PURE__ */ graphql(`
  subscription TicketStatusChanged($requestId: ID, $afterSequence: Int) {
    ticketStatusChanged(requestId: $requestId, afterSequence: $afterSequence) {
      sequence
      at
      previousStatus
      status
      actor {
        id
        email
        displayName
      }
      ticket {
        id
        number
        kind
        status
        request {
          id
          number
          status
        }
      }
    }
  }
`);

export const RequestStatusChanged = /* @__PURE__ */ graphql(`
  subscription RequestStatusChanged($requestId: ID, $afterSequence: Int) {
    requestStatusChanged(requestId: $requestId, afterSequence: $afterSequence) {
      sequence
      at
      previousStatus
      status
      request {
        id
        number
        status
      }
    }
  }
`);

/** Admins only. */
export const SystemHealthChanged = /* @__PURE__ */ graphql(`
  subscription SystemHealthChanged($afterSequence: Int) {
    systemHealthChanged(afterSequence: $afterSequence) {
      sequence
      at
      previousStatus
      status
      message
      system {
        id
        name
      }
    }
  }
`);

/**
 * A ticket as every view shows it (its card, its place in a request), with what the change did to
 * its request: status, whether it may still be cancelled, its items and its tickets (a decision
 * may open the next one).
 */
export const TicketUpdates = /* @__PURE__ */ graphql(
  `
    subscription TicketUpdates($afterSequence: Int) {
      ticketStatusChanged(afterSequence: $afterSequence) {
        sequence
        status
        ticket {
          ...TicketState
          ...TicketCardFields
          request {
            id
            status
            closedAt
            viewerCanCancel
            items {
              id
              status
            }
            tickets {
              id
            }
          }
        }
      }
    }
  `,
  [TicketState, TicketCardFields],
);

/** A request as its list row shows it, with what a list filter needs (its items' systems). */
export const RequestUpdates = /* @__PURE__ */ graphql(
  `
    subscription RequestUpdates($afterSequence: Int) {
      requestStatusChanged(afterSequence: $afterSequence) {
        sequence
        status
        request {
          ...RequestRow
          closedAt
          viewerCanCancel
          items {
            id
            status
            resource {
              id
              system {
                id
              }
            }
          }
        }
      }
    }
  `,
  [RequestRow],
);

/** Admins only: the system's health as the systems view shows it. */
export const SystemHealthUpdates = /* @__PURE__ */ graphql(`
  subscription SystemHealthUpdates($afterSequence: Int) {
    systemHealthChanged(afterSequence: $afterSequence) {
      sequence
      status
      system {
        id
        health {
          status
          message
          checkedAt
        }
      }
    }
  }
`);

export const TicketStatusSignal = /* @__PURE__ */ graphql(`
  subscription TicketStatusSignal($afterSequence: Int) {
    ticketStatusChanged(afterSequence: $afterSequence) {
      sequence
      status
    }
  }
`);

export const RequestStatusSignal = /* @__PURE__ */ graphql(`
  subscription RequestStatusSignal($afterSequence: Int) {
    requestStatusChanged(afterSequence: $afterSequence) {
      sequence
      status
    }
  }
`);

/** Admins only. */
export const SystemHealthSignal = /* @__PURE__ */ graphql(`
  subscription SystemHealthSignal($afterSequence: Int) {
    systemHealthChanged(afterSequence: $afterSequence) {
      sequence
      status
    }
  }
`);

/** Grants the viewer holds (admins: every grant) as they begin, move their end, or end. */
export const GrantChanged = /* @__PURE__ */ graphql(
  `
    subscription GrantChanged($afterSequence: Int) {
      grantChanged(afterSequence: $afterSequence) {
        sequence
        at
        change
        actor {
          id
          displayName
        }
        grant {
          ...GrantFields
        }
      }
    }
  `,
  [GrantFields],
);
