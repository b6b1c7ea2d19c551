// The dashboard's normalised cache (graphcache): entities by their Relay `id`, every type without
// one embedded in its parent, and what a live change or a mutation's payload does beyond updating
// the entities it carries: the lists it moves an entity into or out of (list-membership.ts), the
// audit trail of a request it touched, and the grant lists when access was given or taken away
// (there is no grant stream: a fulfillment or revocation ticket's change stands for it), and the
// insights, which every ticket and request change moves. Nothing else is fetched again because of a change.
import {
  cacheExchange,
  type Cache,
  type Data,
  type DataFields,
  type KeyingConfig,
  type UpdateResolver,
} from "@urql/exchange-graphcache";
import { reconcileRequestLists, reconcileTicketLists } from "./list-membership.ts";

/**
 * The object types of the contract that have no `id` (connections, edges, payloads, changes,
 * embedded values): stored inside the entity that holds them. A test checks this list against
 * the schema.
 */
export const KEYLESS_TYPES = [
  "AccessReviewChange",
  "AccessReviewConnection",
  "AccessReviewEdge",
  "AccessReviewItemConnection",
  "AccessReviewItemEdge",
  "AccessReviewItemPayload",
  "AccessReviewPayload",
  "ApprovalStep",
  "ApprovalStepPreview",
  "AuditEventConnection",
  "AuditEventEdge",
  "ConnectorCallStats",
  "ConnectorHealth",
  "CreateRequestPayload",
  "DecideTicketResult",
  "DecideTicketsPayload",
  "DelegationPayload",
  "DeleteEventEndpointPayload",
  "DurationBreakdown",
  "DurationStats",
  "EmailMessageConnection",
  "EmailMessageEdge",
  "EventDelivery",
  "EventEndpointDeliveriesConnection",
  "EventEndpointDeliveriesConnectionEdge",
  "EventEndpointPayload",
  "GrantChange",
  "GrantConnection",
  "GrantEdge",
  "GrantPayload",
  "GroupConnection",
  "GroupEdge",
  "GroupPayload",
  "IdentityConnection",
  "IdentityEdge",
  "IdentityPayload",
  "Insights",
  "InsightsDay",
  "IssueApiTokenPayload",
  "MarkNotificationsReadPayload",
  "NotificationConnection",
  "NotificationEdge",
  "NotificationSetting",
  "OrganisationSettings",
  "PageInfo",
  "RequestConnection",
  "RequestEdge",
  "RequestPayload",
  "RequestStatusChange",
  "ResourceAccess",
  "ResourceConnection",
  "ResourceEdge",
  "ResourcePayload",
  "ResourcePreview",
  "RetryEmailPayload",
  "ReviewProgress",
  "RevokeApiTokenPayload",
  "RevokeSessionPayload",
  "SystemConnection",
  "SystemEdge",
  "SystemHealthChange",
  "SystemPayload",
  "TestEventEndpointPayload",
  "TicketConnection",
  "TicketEdge",
  "TicketPayload",
  "TicketStatusChange",
  "UpdateNotificationSettingsPayload",
  "UpdateOrganisationSettingsPayload",
  "UserError",
] as const;

const keys: KeyingConfig = Object.fromEntries(KEYLESS_TYPES.map((type) => [type, () => null]));

/** The entity key of `parent[field][entity]` (e.g. a payload's ticket), if it is one. */
function entityKey(cache: Cache, parent: DataFields, field: string, entity: string): string | null {
  const holder = parent[field];
  if (holder === null || typeof holder !== "object" || Array.isArray(holder)) return null;
  const value = (holder as DataFields)[entity];
  if (value === null || typeof value !== "object" || Array.isArray(value)) return null;
  return cache.keyOfEntity(value as Data);
}

function ticketsOf(cache: Cache, request: string): string[] {
  const tickets = cache.resolve(request, "tickets");
  return Array.isArray(tickets) ? tickets.filter((t): t is string => typeof t === "string") : [];
}

/**
 * A request changed: its lists, and those of its tickets (a cancellation closes them all). A
 * ticket the cache holds nothing of (only its id, in the request's list) is on no cached page;
 * its own live change places it.
 */
function requestChanged(cache: Cache, request: string): void {
  reconcileRequestLists(cache, request);
  for (const ticket of ticketsOf(cache, request)) {
    if (cache.resolve(ticket, "status") !== undefined) reconcileTicketLists(cache, ticket);
  }
}

/** Every cached page of a root query field: fetched again if a view shows it. */
function invalidateQueryField(cache: Cache, name: string): void {
  for (const field of cache.inspectFields("Query")) {
    if (field.fieldName === name) cache.invalidate("Query", field.fieldName, field.arguments);
  }
}

/** Every cached grant list: fetched again if a view shows it. */
function invalidateGrantLists(cache: Cache): void {
  invalidateQueryField(cache, "grants");
}

/**
 * A ticket changed: its lists, and its request's (a decision may open the next ticket); a
 * fulfillment or revocation also the grant lists (access given, moved or taken away). Returns the request.
 */
function ticketChanged(cache: Cache, ticket: string): string | null {
  reconcileTicketLists(cache, ticket);
  const kind = cache.resolve(ticket, "kind");
  if (kind === "FULFILLMENT" || kind === "REVOCATION") invalidateGrantLists(cache);
  const request = cache.resolve(ticket, "request");
  if (typeof request !== "string") return null;
  addToRequestTickets(cache, request, ticket);
  requestChanged(cache, request);
  return request;
}

/**
 * A ticket new to its cached request (the next step's, the fulfillment's) joins the request's
 * `tickets`, so what a request waits on stays current without fetching it again.
 */
function addToRequestTickets(cache: Cache, request: string, ticket: string): void {
  const tickets: unknown = cache.resolve(request, "tickets");
  if (!Array.isArray(tickets) || tickets.includes(ticket)) return;
  cache.link(request, "tickets", [...(tickets as string[]), ticket]);
}

/** A live change appended events to this request's audit trail: its cached pages are stale. */
function invalidateAuditTrail(cache: Cache, request: string): void {
  for (const field of cache.inspectFields(request)) {
    if (field.fieldName === "auditEvents") cache.invalidate(request, field.fieldName, field.arguments);
  }
}

/** The updater of a mutation whose payload `field` holds the request it changed (createRequest, cancelRequest). */
const afterRequestMutation =
  (field: string): UpdateResolver =>
  (result, _args, cache) => {
    const request = entityKey(cache, result, field, "request");
    if (request) requestChanged(cache, request);
  };

/** The updater of a mutation whose payload `field` holds the ticket it changed (the decisions). */
const afterTicketMutation =
  (field: string): UpdateResolver =>
  (result, _args, cache) => {
    const ticket = entityKey(cache, result, field, "ticket");
    if (ticket) ticketChanged(cache, ticket);
  };

/**
 * A campaign started or closed: the lists of campaigns and of the viewer's review items gain or
 * lose items, and a closed campaign's items got the deadline's decision (one change for the
 * campaign, none per item): those are fetched again.
 */
function reviewCampaignChanged(cache: Cache, review: string | null): void {
  for (const field of cache.inspectFields("Query")) {
    if (field.fieldName === "myReviewItems" || field.fieldName === "accessReviews") {
      cache.invalidate("Query", field.fieldName, field.arguments);
    }
  }
  if (!review) return;
  for (const field of cache.inspectFields(review)) {
    if (field.fieldName === "items") cache.invalidate(review, field.fieldName, field.arguments);
  }
}

/** The updater of a mutation whose payload `field` holds the campaign it started or closed. */
const afterReviewMutation =
  (field: string): UpdateResolver =>
  (result, _args, cache) =>
    reviewCampaignChanged(cache, entityKey(cache, result, field, "accessReview"));

export const dashboardCache = () =>
  cacheExchange({
    keys,
    updates: {
      Subscription: {
        // Every ticket or request change moves the insights' figures (the admin's Insights page asks again).
        ticketStatusChanged: (result, _args, cache) => {
          invalidateQueryField(cache, "insights");
          const ticket = entityKey(cache, result, "ticketStatusChanged", "ticket");
          const request = ticket && ticketChanged(cache, ticket);
          if (request) invalidateAuditTrail(cache, request);
        },
        requestStatusChanged: (result, _args, cache) => {
          invalidateQueryField(cache, "insights");
          const request = entityKey(cache, result, "requestStatusChanged", "request");
          if (!request) return;
          requestChanged(cache, request);
          invalidateAuditTrail(cache, request);
        },
        // A new notification: the lists of notifications (and the unread count) are asked again.
        notificationAdded: (_result, _args, cache) => invalidateQueryField(cache, "myNotifications"),
        // A decision updates its item and the campaign's progress in place (both are in the change).
        accessReviewItemChanged: (result, _args, cache) => {
          const change = result.accessReviewItemChanged as DataFields | null;
          if (change?.action === "REVIEW_STARTED" || change?.action === "REVIEW_CLOSED") {
            reviewCampaignChanged(cache, entityKey(cache, result, "accessReviewItemChanged", "review"));
          }
        },
      },
      // A payload updates the entities it carries; these keep the lists in step. (The audit
      // trail follows from the live change the mutation causes.)
      Mutation: {
        createRequest: afterRequestMutation("createRequest"),
        cancelRequest: afterRequestMutation("cancelRequest"),
        approveTicket: afterTicketMutation("approveTicket"),
        rejectTicket: afterTicketMutation("rejectTicket"),
        fulfillTicket: afterTicketMutation("fulfillTicket"),
        declineFulfillment: afterTicketMutation("declineFulfillment"),
        // Each decided ticket of a bulk decision moves its lists as one decision does.
        decideTickets: (result, _args, cache) => {
          const payload = result.decideTickets as DataFields | null;
          const results = Array.isArray(payload?.results) ? (payload.results as DataFields[]) : [];
          for (const decided of results) {
            const ticket = entityKey(cache, { decided }, "decided", "ticket");
            if (ticket) ticketChanged(cache, ticket);
          }
        },
        // The payload carries the revoked grant; the lists of active and past access follow.
        revokeGrant: (_result, _args, cache) => invalidateGrantLists(cache),
        // Read marks change the unread count and the unread-only lists.
        markNotificationsRead: (_result, _args, cache) => invalidateQueryField(cache, "myNotifications"),
        // Settings have no id of their own: the query's copy is asked again.
        updateNotificationSettings: (_result, _args, cache) => invalidateQueryField(cache, "myNotificationSettings"),
        updateOrganisationSettings: (_result, _args, cache) => invalidateQueryField(cache, "organisationSettings"),
        startAccessReview: afterReviewMutation("startAccessReview"),
        closeAccessReview: afterReviewMutation("closeAccessReview"),
      },
    },
  });
