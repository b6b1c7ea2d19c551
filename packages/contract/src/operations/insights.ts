// Insights (admins and integrators): activity per day, time to approve and to fulfil, the oldest
// open tickets and connector failure rates over a period, in one query.
import { graphql } from "../graphql.ts";

export const DurationStatsFields = /* @__PURE__ */ graphql(`
  fragment DurationStatsFields on DurationStats @_unmask {
    system {
      id
      name
    }
    resource {
      id
      name
    }
    count
    medianSeconds
    p90Seconds
  }
`);

export const DurationBreakdownFields = /* @__PURE__ */ graphql(
  `
    fragment DurationBreakdownFields on DurationBreakdown @_unmask {
      overall {
        ...DurationStatsFields
      }
      bySystem {
        ...DurationStatsFields
      }
      byResource {
        ...DurationStatsFields
      }
    }
  `,
  [DurationStatsFields],
);

export const Insights = /* @__PURE__ */ graphql(
  `
    query Insights($from: DateTime, $to: DateTime, $systemId: ID) {
      insights(from: $from, to: $to, systemId: $systemId) {
        from
        to
        days {
          date
          requests
          approved
          rejected
          fulfilled
        }
        timeToApprove {
          ...DurationBreakdownFields
        }
        timeToFulfil {
          ...DurationBreakdownFields
        }
        oldestOpenTickets {
          id
          number
          kind
          status
          step
          createdAt
          resource {
            id
            name
            system {
              id
              name
            }
          }
          request {
            id
            number
          }
        }
        connectorCalls {
          system {
            id
            name
          }
          succeeded
          failed
          failureRate
        }
      }
    }
  `,
  [DurationBreakdownFields],
);
