// The audit trail as admins read it (a request's own events come with RequestDetail).
import { graphql } from "../graphql.ts";
import { AuditEventFields } from "./fragments.ts";

export const AuditEvents = /* @__PURE__ */ graphql(
  `
    query AuditEvents($first: Int, $after: String, $last: Int, $before: String, $filter: AuditEventFilter) {
      auditEvents(first: $first, after: $after, last: $last, before: $before, filter: $filter) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
          hasPreviousPage
          startCursor
        }
        edges {
          node {
            ...AuditEventFields
          }
        }
      }
    }
  `,
  [AuditEventFields],
);
