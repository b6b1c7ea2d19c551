// Live updates. Two kinds of subscription per feed, for two kinds of client:
// - the *Changed ones carry the change itself (who, what, which request), for clients that show
//   or check the change;
// - the *Signal ones carry only its sequence and status, for clients that re-read their views on
//   any change and resume with afterSequence (the dashboard): the server resolves nothing per
//   subscriber beyond the change, which is what the fan-out benchmark measures.
import { graphql } from "../graphql.ts";

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
