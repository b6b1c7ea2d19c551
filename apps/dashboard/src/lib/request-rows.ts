// The fields a request list row shows, shared by "My requests" and "All requests".
import { graphql } from "./graphql.ts";

export const RequestRow = graphql(`
  fragment RequestRow on Request {
    id
    number
    status
    createdAt
    requester {
      displayName
    }
    target {
      displayName
    }
    items {
      resource {
        name
      }
    }
  }
`);
