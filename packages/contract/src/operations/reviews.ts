// Access review campaigns: starting, listing and closing them (admins), the items a reviewer has
// to decide, deciding one, and the live changes of campaigns and items.
import { graphql } from "../graphql.ts";
import { UserErrorFields } from "./fragments.ts";

/** A campaign as lists and headers show it, with its progress. */
export const AccessReviewSummary = /* @__PURE__ */ graphql(`
  fragment AccessReviewSummary on AccessReview @_unmask {
    id
    number
    name
    description
    status
    reviewerRule
    onDeadline
    deadline
    createdAt
    closedAt
    startedBy {
      id
      email
      displayName
    }
    progress {
      total
      kept
      revoked
      undecided
    }
  }
`);

/** One item as a reviewer decides it: whose access to what, and whether the viewer may decide. */
export const AccessReviewItemFields = /* @__PURE__ */ graphql(`
  fragment AccessReviewItemFields on AccessReviewItem @_unmask {
    id
    decision
    decidedAt
    comment
    assignedToAdmins
    viewerCanDecide
    viewerCannotDecideReason
    review {
      id
      number
      name
      status
      deadline
      onDeadline
    }
    identity {
      id
      email
      displayName
    }
    resource {
      id
      name
      sensitivity
      system {
        id
        name
      }
    }
    grant {
      id
      status
      grantedAt
      expiresAt
      revokedAt
    }
    reviewers {
      id
      email
      displayName
    }
    decidedBy {
      id
      email
      displayName
    }
  }
`);

/** Admins only. */
export const StartAccessReview = /* @__PURE__ */ graphql(
  `
    mutation StartAccessReview($input: StartAccessReviewInput!) {
      startAccessReview(input: $input) {
        accessReview {
          ...AccessReviewSummary
        }
        errors {
          ...UserErrorFields
        }
      }
    }
  `,
  [AccessReviewSummary, UserErrorFields],
);

export const DecideReviewItem = /* @__PURE__ */ graphql(
  `
    mutation DecideReviewItem($input: DecideReviewItemInput!) {
      decideReviewItem(input: $input) {
        item {
          ...AccessReviewItemFields
        }
        errors {
          ...UserErrorFields
        }
      }
    }
  `,
  [AccessReviewItemFields, UserErrorFields],
);

/** Admins only. */
export const CloseAccessReview = /* @__PURE__ */ graphql(
  `
    mutation CloseAccessReview($input: CloseAccessReviewInput!) {
      closeAccessReview(input: $input) {
        accessReview {
          ...AccessReviewSummary
        }
        errors {
          ...UserErrorFields
        }
      }
    }
  `,
  [AccessReviewSummary, UserErrorFields],
);

export const AccessReviews = /* @__PURE__ */ graphql(
  `
    query AccessReviews($first: Int, $after: String, $status: ReviewStatus) {
      accessReviews(first: $first, after: $after, status: $status) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          node {
            ...AccessReviewSummary
          }
        }
      }
    }
  `,
  [AccessReviewSummary],
);

/** One campaign with its scope and a page of the items the viewer may see. */
export const AccessReviewDetail = /* @__PURE__ */ graphql(
  `
    query AccessReviewDetail($id: ID!, $first: Int, $after: String, $decided: Boolean) {
      accessReview(id: $id) {
        ...AccessReviewSummary
        systems {
          id
          name
        }
        resources {
          id
          name
        }
        reviewers {
          id
          email
          displayName
        }
        items(first: $first, after: $after, decided: $decided) {
          totalCount
          pageInfo {
            hasNextPage
            endCursor
          }
          edges {
            node {
              ...AccessReviewItemFields
            }
          }
        }
      }
    }
  `,
  [AccessReviewSummary, AccessReviewItemFields],
);

export const MyReviewItems = /* @__PURE__ */ graphql(
  `
    query MyReviewItems($first: Int, $after: String, $decided: Boolean) {
      myReviewItems(first: $first, after: $after, decided: $decided) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          node {
            ...AccessReviewItemFields
          }
        }
      }
    }
  `,
  [AccessReviewItemFields],
);

export const AccessReviewItemChanged = /* @__PURE__ */ graphql(`
  subscription AccessReviewItemChanged($afterSequence: Int) {
    accessReviewItemChanged(afterSequence: $afterSequence) {
      sequence
      at
      action
      decision
      actor {
        id
        email
        displayName
      }
      review {
        id
        number
        status
        progress {
          total
          kept
          revoked
          undecided
        }
      }
      item {
        id
        decision
        decidedAt
        comment
        viewerCanDecide
        viewerCannotDecideReason
        decidedBy {
          id
          email
          displayName
        }
        grant {
          id
          status
          revokedAt
        }
      }
    }
  }
`);
