// The words people read for the contract's enums, and the tone of the badge that shows a status
// or a sensitivity. Each table is typed over its enum as the schema defines it (gql.tada's
// introspection), so a value added to the schema fails the typecheck until it has its words.
import type { introspection } from "./graphql-env.d.ts";

type EnumValues<Name extends keyof introspection["types"]> = introspection["types"][Name] extends {
  enumValues: infer Values;
}
  ? Values
  : never;

export type RequestStatus = EnumValues<"RequestStatus">;
export type TicketStatus = EnumValues<"TicketStatus">;
export type HealthStatus = EnumValues<"HealthStatus">;
export type GrantStatus = EnumValues<"GrantStatus">;
export type TicketKind = EnumValues<"TicketKind">;
export type Sensitivity = EnumValues<"Sensitivity">;
export type ConnectorKind = EnumValues<"ConnectorKind">;
export type ApproverKind = EnumValues<"ApproverKind">;
export type AuditAction = EnumValues<"AuditAction">;
export type GrantRemoval = EnumValues<"GrantRemoval">;
export type ReviewStatus = EnumValues<"ReviewStatus">;
export type ReviewerRule = EnumValues<"ReviewerRule">;
export type ReviewDecision = EnumValues<"ReviewDecision">;
export type NotificationKind = EnumValues<"NotificationKind">;

/** How a badge looks: done well, went wrong, waiting on someone, over and quiet, or just informative. */
export type Tone = "good" | "bad" | "waiting" | "muted" | "neutral";

// Tables are written in lifecycle order: lists and menus show them in that order.

// APPROVED means approved but not set up yet: it reads so, and waits, unlike an approved ticket.
export const requestStatusLabels: Record<RequestStatus, string> = {
  PENDING_APPROVAL: "Pending approval",
  APPROVED: "Approved, being set up",
  FULFILLED: "Fulfilled",
  PARTIALLY_FULFILLED: "Partially fulfilled",
  REJECTED: "Rejected",
  CANCELLED: "Cancelled",
  FAILED: "Failed",
};
export const requestStatusTones: Record<RequestStatus, Tone> = {
  PENDING_APPROVAL: "waiting",
  APPROVED: "waiting",
  FULFILLED: "good",
  PARTIALLY_FULFILLED: "waiting",
  REJECTED: "bad",
  CANCELLED: "muted",
  FAILED: "bad",
};

export const ticketStatusLabels: Record<TicketStatus, string> = {
  OPEN: "Open",
  IN_PROGRESS: "In progress",
  APPROVED: "Approved",
  REJECTED: "Rejected",
  FULFILLED: "Fulfilled",
  FAILED: "Failed",
  CANCELLED: "Cancelled",
};
export const ticketStatusTones: Record<TicketStatus, Tone> = {
  OPEN: "waiting",
  IN_PROGRESS: "waiting",
  APPROVED: "good",
  REJECTED: "bad",
  FULFILLED: "good",
  FAILED: "bad",
  CANCELLED: "muted",
};

export const healthStatusLabels: Record<HealthStatus, string> = {
  UNKNOWN: "Unknown",
  HEALTHY: "Healthy",
  DEGRADED: "Degraded",
  DOWN: "Down",
};
export const healthStatusTones: Record<HealthStatus, Tone> = {
  UNKNOWN: "muted",
  HEALTHY: "good",
  DEGRADED: "waiting",
  DOWN: "bad",
};

export const grantStatusLabels: Record<GrantStatus, string> = {
  ACTIVE: "Active",
  EXPIRED: "Expired",
  REVOKED: "Revoked",
};
export const grantStatusTones: Record<GrantStatus, Tone> = {
  ACTIVE: "good",
  EXPIRED: "muted",
  REVOKED: "muted",
};

export const ticketKindLabels: Record<TicketKind, string> = {
  APPROVAL: "Approval",
  FULFILLMENT: "Fulfillment",
  REVOCATION: "Revocation",
};

export const sensitivityLabels: Record<Sensitivity, string> = {
  STANDARD: "Standard",
  SENSITIVE: "Sensitive",
  PRIVILEGED: "Privileged",
};
/** Only what is above standard asks for attention. */
export const sensitivityTones: Record<Sensitivity, Tone> = {
  STANDARD: "neutral",
  SENSITIVE: "waiting",
  PRIVILEGED: "waiting",
};

export const connectorKindLabels: Record<ConnectorKind, string> = {
  MANUAL: "Manual",
  WEBHOOK: "Webhook",
  SCIM: "SCIM",
  LDAP: "LDAP",
};

export const approverKindLabels: Record<ApproverKind, string> = {
  MANAGER: "Manager",
  EXPLICIT: "Named approvers",
  GROUP: "Group",
};

/** What an audit event records, in people's words (the action's code stays the evidence). */
export const auditActionLabels: Record<AuditAction, string> = {
  REQUEST_CREATED: "Request created",
  REQUEST_STATUS_CHANGED: "Request status changed",
  REQUEST_CANCELLED: "Request cancelled",
  TICKET_CREATED: "Ticket opened",
  TICKET_APPROVED: "Ticket approved",
  TICKET_REJECTED: "Ticket rejected",
  TICKET_FULFILLED: "Ticket fulfilled",
  TICKET_FAILED: "Fulfillment failed",
  TICKET_STATUS_CHANGED: "Ticket status changed",
  TICKET_REASSIGNED: "Ticket reassigned",
  TICKET_COMMENTED: "Comment added",
  CONNECTOR_CALLED: "Connector called",
  GRANT_ACTIVATED: "Access granted",
  GRANT_REVOKED: "Access revoked",
  GRANT_EXPIRED: "Access expired",
  GRANT_EXTENDED: "Access extended",
  CONFIG_CHANGED: "Configuration changed",
  TOKEN_ISSUED: "API token issued",
  TOKEN_REVOKED: "API token revoked",
  POLICY_APPLIED: "Policy applied",
  SYSTEM_HEALTH_CHANGED: "System health changed",
  SESSION_STARTED: "Signed in",
  SESSION_ENDED: "Session ended",
  REVIEW_STARTED: "Access review started",
  REVIEW_ITEM_DECIDED: "Access reviewed",
  REVIEW_CLOSED: "Access review closed",
  TICKET_REMINDED: "Assignees reminded",
  TICKET_ESCALATED: "Ticket escalated",
  TICKET_CLAIMED: "Ticket taken",
  DELEGATION_SET: "Delegate named",
  DELEGATION_ENDED: "Delegation ended",
  NOTIFICATION_SETTINGS_CHANGED: "Notification settings changed",
};

export const reviewStatusLabels: Record<ReviewStatus, string> = {
  OPEN: "Open",
  CLOSED: "Closed",
};
export const reviewStatusTones: Record<ReviewStatus, Tone> = {
  OPEN: "waiting",
  CLOSED: "muted",
};

export const reviewerRuleLabels: Record<ReviewerRule, string> = {
  MANAGER: "Each holder's manager",
  RESOURCE_APPROVERS: "The resource's approvers",
  NAMED: "Named reviewers",
};

export const reviewDecisionLabels: Record<ReviewDecision, string> = {
  KEEP: "Keep",
  REVOKE: "Revoke",
};
export const reviewDecisionTones: Record<ReviewDecision, Tone> = {
  KEEP: "good",
  REVOKE: "bad",
};

/** How taking ended access away goes (Grant.removal). */
export const grantRemovalLabels: Record<GrantRemoval, string> = {
  PENDING: "Removal under way",
  DONE: "Removed",
  FAILED: "Removal failed",
};

/** A table's values with their labels, in the table's order (e.g. for a menu). */
export function labelled<Value extends string>(labels: Record<Value, string>): [Value, string][] {
  // A table typed over the whole enum has exactly the enum's values as keys.
  return Object.entries(labels) as [Value, string][];
}

/** What each kind of notification is about, as the notification list and the email settings name it. */
export const notificationKindLabels: Record<NotificationKind, string> = {
  TICKET_ASSIGNED: "Tickets waiting on you",
  TICKET_REMINDER: "Reminders of overdue tickets",
  TICKET_WITHDRAWN: "Tickets withdrawn (request cancelled)",
  REQUEST_DECIDED: "Decisions on your requests",
  REQUEST_FULFILLED: "Access given",
  REQUEST_FAILED: "Provisioning failed",
  ACCESS_ENDED: "Access ended",
  ADMIN_ALERT: "Admin alerts",
};
