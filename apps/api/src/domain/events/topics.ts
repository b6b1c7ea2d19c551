// The topics an event endpoint subscribes to, and the audit actions in each. Only these actions
// ever leave the product: connector calls, tokens, sessions, configuration, delegations and
// notification settings are in no topic (their data may be for admins only, or personal).
import type { AuditAction } from "../../generated/prisma/client.ts";

export const EVENT_TOPICS = {
  REQUESTS: ["REQUEST_CREATED", "REQUEST_STATUS_CHANGED", "REQUEST_CANCELLED"],
  TICKETS: [
    "TICKET_CREATED",
    "TICKET_APPROVED",
    "TICKET_REJECTED",
    "TICKET_FULFILLED",
    "TICKET_FAILED",
    "TICKET_STATUS_CHANGED",
    "TICKET_REASSIGNED",
    "TICKET_REMINDED",
    "TICKET_ESCALATED",
    "TICKET_CLAIMED",
  ],
  GRANTS: ["GRANT_ACTIVATED", "GRANT_REVOKED", "GRANT_EXPIRED", "GRANT_EXTENDED"],
  SYSTEM_HEALTH: ["SYSTEM_HEALTH_CHANGED"],
  REVIEWS: ["REVIEW_STARTED", "REVIEW_ITEM_DECIDED", "REVIEW_CLOSED"],
} as const satisfies Record<string, readonly AuditAction[]>;

export type EventTopic = keyof typeof EVENT_TOPICS;

export const EVENT_TOPIC_NAMES = Object.keys(EVENT_TOPICS) as EventTopic[];

const TOPIC_OF = new Map<AuditAction, EventTopic>(
  EVENT_TOPIC_NAMES.flatMap((topic) => EVENT_TOPICS[topic].map((action) => [action, topic] as const)),
);

/** The topic an audit action belongs to; null for actions that are never sent. */
export const topicOf = (action: AuditAction): EventTopic | null => TOPIC_OF.get(action) ?? null;

/** The audit actions of some topics (what an endpoint receives). */
export const actionsOf = (topics: readonly EventTopic[]): AuditAction[] => topics.flatMap((t) => EVENT_TOPICS[t]);

/** An endpoint's stored topics (a JSON array), read back; unknown entries are dropped. */
export function readTopics(stored: string): EventTopic[] {
  const parsed = JSON.parse(stored) as unknown;
  return Array.isArray(parsed) ? EVENT_TOPIC_NAMES.filter((topic) => parsed.includes(topic)) : [];
}

/** The CloudEvents `type` of an audit action: TICKET_APPROVED → dev.access-requests.ticket.approved. */
export const EVENT_TYPE_PREFIX = "dev.access-requests";
export const cloudEventType = (action: string): string =>
  `${EVENT_TYPE_PREFIX}.${action.toLowerCase().replace(/_/g, ".")}`;
