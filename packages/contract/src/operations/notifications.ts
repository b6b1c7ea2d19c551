// Notifications and email: the viewer's notification list (live with NotificationAdded), read
// marks, their email settings; for admins, the email outbox and retrying a FAILED email.
import { graphql } from "../graphql.ts";
import { UserErrorFields } from "./fragments.ts";

export const NotificationFields = /* @__PURE__ */ graphql(`
  fragment NotificationFields on Notification @_unmask {
    id
    kind
    sequence
    title
    body
    createdAt
    readAt
    request {
      id
      number
    }
    ticket {
      id
      number
    }
  }
`);

export const NotificationSettingFields = /* @__PURE__ */ graphql(`
  fragment NotificationSettingFields on NotificationSetting @_unmask {
    kind
    email
    mandatory
  }
`);

export const EmailMessageFields = /* @__PURE__ */ graphql(`
  fragment EmailMessageFields on EmailMessage @_unmask {
    id
    to
    recipient {
      id
      displayName
    }
    kind
    subject
    status
    attempts
    lastError
    sentAt
    createdAt
  }
`);

export const MyNotifications = /* @__PURE__ */ graphql(
  `
    query MyNotifications($first: Int, $after: String, $unreadOnly: Boolean) {
      myNotifications(first: $first, after: $after, unreadOnly: $unreadOnly) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          node {
            ...NotificationFields
          }
        }
      }
    }
  `,
  [NotificationFields],
);

export const MarkNotificationsRead = /* @__PURE__ */ graphql(
  `
    mutation MarkNotificationsRead($input: MarkNotificationsReadInput!) {
      markNotificationsRead(input: $input) {
        count
        errors {
          ...UserErrorFields
        }
      }
    }
  `,
  [UserErrorFields],
);

export const MyNotificationSettings = /* @__PURE__ */ graphql(
  `
    query MyNotificationSettings {
      myNotificationSettings {
        ...NotificationSettingFields
      }
    }
  `,
  [NotificationSettingFields],
);

export const UpdateNotificationSettings = /* @__PURE__ */ graphql(
  `
    mutation UpdateNotificationSettings($input: UpdateNotificationSettingsInput!) {
      updateNotificationSettings(input: $input) {
        settings {
          ...NotificationSettingFields
        }
        errors {
          ...UserErrorFields
        }
      }
    }
  `,
  [NotificationSettingFields, UserErrorFields],
);

export const NotificationAdded = /* @__PURE__ */ graphql(
  `
    subscription NotificationAdded {
      notificationAdded {
        ...NotificationFields
      }
    }
  `,
  [NotificationFields],
);

export const EmailOutbox = /* @__PURE__ */ graphql(
  `
    query EmailOutbox($status: EmailStatus, $first: Int, $after: String) {
      emailOutbox(status: $status, first: $first, after: $after) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          node {
            ...EmailMessageFields
          }
        }
      }
    }
  `,
  [EmailMessageFields],
);

export const RetryEmail = /* @__PURE__ */ graphql(
  `
    mutation RetryEmail($input: RetryEmailInput!) {
      retryEmail(input: $input) {
        email {
          ...EmailMessageFields
        }
        errors {
          ...UserErrorFields
        }
      }
    }
  `,
  [EmailMessageFields, UserErrorFields],
);
