// The authorization matrix, generated from the executable schema. Every Query, Mutation and
// Subscription field and every field of every object type has a row below saying what each
// class of caller gets. The operations are built from the schema (selection sets from the return
// types, arguments from fixtures by name), run over HTTP and WebSocket against a real server on a
// scenario made by the right people, and every response is swept for objects the caller may not
// see. A field the tables do not list fails the suite: a new field cannot escape review.
import { createServer } from "node:net";
import {
  AccessReviewDetail,
  ApproveTicket,
  AuditEvents,
  CancelRequest,
  CommentOnTicket,
  CreateGroup,
  CreateIdentity,
  CreateRequest,
  CreateResource,
  CreateEventEndpoint,
  CreateSystem,
  DecideReviewItem,
  EventEndpointDeliveries,
  FulfillTicket,
  Grants,
  IdentityGrants,
  IssueApiToken,
  RequestDetail,
  SetDelegation,
  StartAccessReview,
  SystemDetail,
  TicketDetail,
  type VariablesOf,
} from "@access/contract";
import {
  type GraphQLField,
  type GraphQLInputObjectType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLType,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
} from "graphql";
import type { Client as WsClient } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { fromGlobalId } from "../src/domain/global-id.ts";
import { startSession } from "../src/domain/sessions/sessions.ts";
import { schema } from "../src/schema/index.ts";
import { accepted, dataOf, gid, present, startTestServer, type GraphQLResponse, type TestServer } from "./harness.ts";
import { type SmtpPeer, startSmtpPeer } from "./smtp-peer.ts";

// ================================================================== who calls

const CALLERS = [
  "anonymous",
  "uninvolved",
  "requester",
  "target",
  "assignee",
  "nonAssignee",
  "fulfiller",
  "admin",
] as const;
type Caller = (typeof CALLERS)[number];
type SignedIn = Exclude<Caller, "anonymous">;
type EndUser = Exclude<SignedIn, "admin">;
const SIGNED_IN = CALLERS.filter((c): c is SignedIn => c !== "anonymous");

/**
 * Who plays each class (the demo organisation plus two identities the admin creates here):
 * uninvolved: Uma (no manager, no group, requests nothing); requester: Alice (manager Bob);
 * target: Tess, for whom the admin requests; assignee: Bob, manager of Alice and Dave;
 * nonAssignee: Carol, named approver of the PRIVILEGED resource but assigned nothing of Alice's;
 * fulfiller: Dave, member of "IT Fulfillers"; admin: Erin.
 */
const PLAYERS: Record<SignedIn, string> = {
  uninvolved: "Uma",
  requester: "Alice",
  target: "Tess",
  assignee: "Bob",
  nonAssignee: "Carol",
  fulfiller: "Dave",
  admin: "Erin",
};

/** One expectation per caller class, in CALLERS order (TypeScript insists on all eight). */
function row<C extends string | number>(
  anonymous: C,
  uninvolved: C,
  requester: C,
  target: C,
  assignee: C,
  nonAssignee: C,
  fulfiller: C,
  admin: C,
) {
  return { anonymous, uninvolved, requester, target, assignee, nonAssignee, fulfiller, admin } satisfies Record<
    Caller,
    C
  >;
}

// ================================================================== the scenario

/** The scenario's requests (created in beforeAll through the API, by the people named). */
const SCENARIO = {
  RA: "Alice: GitHub Write Access. Bob approved with a comment, Dave fulfilled with a comment; Alice holds the grant",
  RF: "Alice: Wiki Edit. Bob approved; the fulfillment ticket is open for IT Fulfillers (Dave)",
  RP: "Alice: GitHub Organisation Owner (PRIVILEGED). Step 1 open for Bob; Carol's step 2 not reached",
  RC: "Carol: GitHub Write Access. Carol has no manager: open for the admins; Carol commented",
  RD: "Dave: GitHub Write Access. Bob approved; fulfillers would be Dave himself, so the admin fulfilled; Dave holds the grant",
  RT1: "Erin for Tess: Wiki Edit. Tess has no manager: open for the admins; Tess commented",
  RT2: "Erin for Tess: Docs Edit (auto-approved); the fulfillment ticket is open for IT Fulfillers (Dave)",
  RW: "Alice: Hook Access on a WEBHOOK system whose peer is down: auto-approved, fulfillment FAILED (IT Fulfillers)",
} as const;
type RequestKey = keyof typeof SCENARIO;

/**
 * The scenario's access review campaigns, started by the admin over GitHub Write Access (which
 * Alice and Dave hold). Holders never see review items; reviewers see the items they review, the
 * campaigns those belong to, and the grants under review.
 * REV_M: MANAGER — Bob reviews Alice's and Dave's access (both undecided).
 * REV_N: NAMED Dave — Dave reviews Alice's access (kept); his own goes to the admins.
 */
type ReviewKey = "REV_M" | "REV_N";
const REQUEST_KEYS = Object.keys(SCENARIO) as RequestKey[];

/**
 * Which requests each end user may see (DESIGN.md: those they made, those for them, those where
 * they are involved in a ticket as named assignee, member of the assigned group or decider).
 * Admins see all. Tickets, items, comments and audit events follow their request; grants and
 * API tokens their identity.
 */
const VISIBLE: Record<EndUser, readonly RequestKey[]> = {
  uninvolved: [],
  requester: ["RA", "RF", "RP", "RW"],
  target: ["RT1", "RT2"],
  assignee: ["RA", "RF", "RP", "RD"],
  nonAssignee: ["RC"],
  fulfiller: ["RA", "RF", "RD", "RT2", "RW"],
};

// ================================================================== the tables

/**
 * Root queries. 401: HTTP 401 UNAUTHENTICATED (no token, bad token). forbidden: a GraphQL error
 * FORBIDDEN and no data. none / own / all: requests, tickets, audit events and grants — none at
 * all, exactly those the caller may see, everything (lists: the same set and a totalCount that
 * counts nothing else; by id: null for the others). requestable: requestable resources only.
 * public: the same catalogue for everyone. self: the caller's own identity. reviewed: the access
 * review campaigns or items the caller reviews (none for those who review nothing). settings:
 * the organisation's settings object (admins only). mine: the caller's own notifications (admins
 * too: nobody reads another person's), their own settings, or a preview of their own request.
 * insights: the insights figures (admins only).
 */
type QueryCell =
  | "401"
  | "forbidden"
  | "none"
  | "own"
  | "all"
  | "requestable"
  | "public"
  | "self"
  | "reviewed"
  | "settings"
  | "mine"
  | "insights";
const F = "forbidden";
const QUERY_MATRIX: Record<string, Record<Caller, QueryCell>> = {
  //                 anonymous uninvolved     requester      target         assignee       nonAssignee    fulfiller      admin
  accessReview: row("401", "reviewed", "reviewed", "reviewed", "reviewed", "reviewed", "reviewed", "all"),
  accessReviews: row("401", "reviewed", "reviewed", "reviewed", "reviewed", "reviewed", "reviewed", "all"),
  auditEvents: row("401", F, F, F, F, F, F, "all"),
  eventEndpoints: row("401", F, F, F, F, F, F, "all"),
  emailOutbox: row("401", F, F, F, F, F, F, "all"),
  myNotifications: row("401", "mine", "mine", "mine", "mine", "mine", "mine", "mine"),
  myNotificationSettings: row("401", "mine", "mine", "mine", "mine", "mine", "mine", "mine"),
  grants: row("401", "none", "own", "own", "own", "own", "own", "all"),
  groups: row("401", F, F, F, F, F, F, "all"),
  identities: row("401", F, F, F, F, F, F, "all"),
  insights: row("401", F, F, F, F, F, F, "insights"),
  people: row("401", "public", "public", "public", "public", "public", "public", "public"),
  organisationSettings: row("401", F, F, F, F, F, F, "settings"),
  myReviewItems: row("401", "reviewed", "reviewed", "reviewed", "reviewed", "reviewed", "reviewed", "all"),
  node: row("401", "none", "own", "own", "own", "own", "own", "all"),
  request: row("401", "none", "own", "own", "own", "own", "own", "all"),
  requests: row("401", "none", "own", "own", "own", "own", "own", "all"),
  requestPreview: row("401", "mine", "mine", "mine", "mine", "mine", "mine", "mine"),
  resources: row(
    "401",
    "requestable",
    "requestable",
    "requestable",
    "requestable",
    "requestable",
    "requestable",
    "all",
  ),
  systems: row("401", "public", "public", "public", "public", "public", "public", "public"),
  ticket: row("401", "none", "own", "own", "own", "own", "own", "all"),
  tickets: row("401", "none", "own", "own", "own", "own", "own", "all"),
  viewer: row("401", "self", "self", "self", "self", "self", "self", "self"),
};

/**
 * Mutations. ok: succeeds (on a fresh subject when it would use up the shared one). denied: a
 * UserError FORBIDDEN or NOT_FOUND; FORBIDDEN / NOT_FOUND / SELF_APPROVAL: exactly that code.
 * Every refusal writes nothing (the audit trail does not grow: no change without its event) and
 * returns no entity. Keys are field names, or "field: variant" for a second subject.
 */
type MutationCell = "401" | "ok" | "denied" | "FORBIDDEN" | "NOT_FOUND" | "SELF_APPROVAL";
type Values = Record<string, unknown>;
interface MutationRow {
  cells: Record<Caller, MutationCell>;
  /** What the call is about, for this caller (input fields by name). */
  subject: (caller: SignedIn) => Values;
  /** A fresh subject for an allowed caller, when the call would use up the shared one. */
  fresh?: (caller: SignedIn) => Promise<Values>;
  /** Waits for what an allowed call set going in the background (a connector job). */
  after?: () => Promise<void>;
  /** A bulk mutation's payload: the outcome for the row's one subject (decideTickets: its one result). */
  unwrap?: (payload: unknown) => unknown;
  /** How deep the answer is selected (1 unless the outcome sits deeper, as a bulk result's does). */
  depth?: number;
}
const D = "denied";
const SHARED_IDEMPOTENCY_KEY = "matrix-idempotency-key";
/** The signing secret reference of the matrix's event endpoints (set in the server's environment). */
const MATRIX_SECRET = "env:ACCESS_SECRET_MATRIX_HOOK";
const NF = "NOT_FOUND";
const SELF = "SELF_APPROVAL";
const MUTATION_MATRIX: Record<string, MutationRow> = {
  //                       anonymous uninvolved requester target assignee nonAssignee fulfiller admin
  addGroupMember: {
    cells: row("401", D, D, D, D, D, D, "ok"),
    subject: (c) => ({ groupId: fx.fulfillers, identityId: fx.id[c] }), // joining the fulfillers
    fresh: async () => ({ groupId: await freshGroup([]), identityId: fx.id.uninvolved }),
  },
  approveTicket: {
    cells: row("401", NF, SELF, SELF, "ok", NF, NF, "ok"),
    subject: (c) => ({ ticketId: c === "target" ? fx.ticket.RT1_approval : fx.ticket.RP_step1 }),
    fresh: async () => ({ ticketId: await freshApprovalTicket() }),
  },
  cancelRequest: {
    cells: row("401", NF, "ok", "ok", "FORBIDDEN", NF, NF, "ok"),
    subject: (c) => ({ requestId: c === "target" ? fx.req.RT1 : fx.req.RP }),
    fresh: async (c) => ({ requestId: await freshRequest(c === "target" ? "target" : "requester") }),
  },
  commentOnTicket: {
    cells: row("401", NF, "ok", "ok", "ok", NF, "ok", "ok"),
    subject: (c) => ({ ticketId: c === "target" ? fx.ticket.RT1_approval : fx.ticket.RF_approval }),
  },
  closeAccessReview: {
    // Bob reviews in it and still may not close it.
    cells: row("401", D, D, D, D, D, D, "ok"),
    subject: () => ({ reviewId: fx.review.REV_M }),
    fresh: async () => ({ reviewId: (await freshReview()).id }),
  },
  createGroup: { cells: row("401", D, D, D, D, D, D, "ok"), subject: () => ({}) },
  markNotificationsRead: {
    cells: row("401", "ok", "ok", "ok", "ok", "ok", "ok", "ok"),
    subject: () => ({ all: true }),
  },
  "markNotificationsRead: someone else's": {
    // Nobody marks another person's notification, admins included: it is NOT_FOUND for all.
    cells: row("401", NF, NF, NF, NF, NF, NF, NF),
    subject: (c) => ({ ids: [notificationNotOf(c)] }),
  },
  createIdentity: {
    cells: row("401", D, D, D, D, D, D, "ok"),
    subject: (c) => (c === "admin" ? {} : { role: "ADMIN" }), // minting an admin
  },
  claimTicket: {
    // Dave is in IT Fulfillers; Bob sees the request (he approved it) but is not assigned.
    cells: row("401", NF, SELF, SELF, "FORBIDDEN", NF, "ok", "ok"),
    subject: (c) => ({ ticketId: c === "target" ? fx.ticket.RT2_fulfillment : fx.ticket.RF_fulfillment }),
    fresh: async () => ({ ticketId: await freshFulfillmentTicket() }),
  },
  createRequest: {
    cells: row("401", "ok", "ok", "ok", "ok", "ok", "ok", "ok"),
    subject: () => ({ resourceIds: [fx.selfService] }),
  },
  "createRequest: for someone else": {
    cells: row("401", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "ok"),
    subject: (c) => ({
      resourceIds: [fx.selfService2],
      targetIdentityId: c === "uninvolved" ? fx.id.requester : fx.id.uninvolved,
    }),
  },
  "createRequest: replaying Alice's idempotency key": {
    // Alice gets her own RA back; everyone else a request of their own, never Alice's.
    cells: row("401", "ok", "ok", "ok", "ok", "ok", "ok", "ok"),
    subject: () => ({ resourceIds: [fx.selfService3], idempotencyKey: SHARED_IDEMPOTENCY_KEY }),
  },
  createResource: { cells: row("401", D, D, D, D, D, D, "ok"), subject: () => ({ systemId: fx.github }) },
  createSystem: { cells: row("401", D, D, D, D, D, D, "ok"), subject: () => ({}) },
  decideReviewItem: {
    // Alice's access in REV_M: Bob reviews it, admins may override; its holder does not even see it.
    cells: row("401", NF, NF, NF, "ok", NF, NF, "ok"),
    subject: () => ({ itemId: fx.reviewItem.REV_M_alice, decision: "KEEP" }),
    fresh: async () => ({ itemId: (await freshReview()).aliceItem, decision: "KEEP" }),
  },
  endDelegation: {
    // Bob's upcoming delegation to Dave: Dave sees it and still may not end it.
    cells: row("401", NF, NF, NF, "ok", NF, "FORBIDDEN", "ok"),
    subject: () => ({ id: fx.delegation }),
    fresh: async (c) => ({ id: await freshDelegation(c === "admin" ? "nonAssignee" : "assignee", c) }),
  },
  createEventEndpoint: {
    cells: row("401", D, D, D, D, D, D, "ok"),
    subject: () => ({ kind: "CLOUDEVENTS", url: fx.deadEventsUrl, secret: MATRIX_SECRET, topics: ["TICKETS"] }),
  },
  deleteEventEndpoint: {
    cells: row("401", D, D, D, D, D, D, "ok"),
    subject: () => ({ id: fx.eventEndpoint }),
    fresh: async () => ({ id: await freshEventEndpoint() }),
  },
  decideTickets: {
    // One ticket decided in bulk: each decision is checked exactly as approveTicket's.
    cells: row("401", NF, SELF, SELF, "ok", NF, NF, "ok"),
    subject: (c) => ({
      ticketIds: [c === "target" ? fx.ticket.RT1_approval : fx.ticket.RP_step1],
      decision: "APPROVE",
    }),
    fresh: async () => ({ ticketIds: [await freshApprovalTicket()], decision: "APPROVE" }),
    unwrap: (payload) => {
      expect(pick(payload, "errors"), "decideTickets: the input as a whole is fine").toEqual([]);
      // Its ticketId only echoes the input: the outcome is its ticket and errors.
      const result = items(pick(payload, "results"))[0];
      return { ticket: pick(result, "ticket"), errors: pick(result, "errors") };
    },
    depth: 2,
  },
  declineFulfillment: {
    cells: row("401", NF, SELF, SELF, "FORBIDDEN", NF, "ok", "ok"),
    subject: (c) => ({
      ticketId: c === "target" ? fx.ticket.RT2_fulfillment : fx.ticket.RF_fulfillment,
      reason: "cannot be done",
    }),
    fresh: async () => ({ ticketId: await freshFulfillmentTicket(), reason: "cannot be done" }),
  },
  fulfillTicket: {
    cells: row("401", NF, SELF, SELF, "FORBIDDEN", NF, "ok", "ok"),
    subject: (c) => ({ ticketId: c === "target" ? fx.ticket.RT2_fulfillment : fx.ticket.RF_fulfillment }),
    fresh: async () => ({ ticketId: await freshFulfillmentTicket() }),
  },
  issueApiToken: {
    cells: row("401", D, D, D, D, D, D, "ok"),
    subject: (c) => ({ identityId: c === "admin" ? fx.id.uninvolved : fx.id.admin }), // a token of the admin
  },
  issueScimToken: {
    cells: row("401", D, D, D, D, D, D, "ok"),
    subject: () => ({ name: "matrix identity provider" }),
  },
  replayEventEndpoint: {
    cells: row("401", D, D, D, D, D, D, "ok"),
    subject: () => ({ id: fx.eventEndpoint, fromSequence: 1 }),
    fresh: async () => ({ id: await freshEventEndpoint(), fromSequence: 1 }),
  },
  rejectTicket: {
    cells: row("401", NF, SELF, SELF, "ok", NF, NF, "ok"),
    // A rejection needs a reason (VALIDATION without one, for those who may decide).
    subject: (c) => ({
      ticketId: c === "target" ? fx.ticket.RT1_approval : fx.ticket.RP_step1,
      comment: "not needed for this role",
    }),
    fresh: async () => ({ ticketId: await freshApprovalTicket(), comment: "not needed for this role" }),
  },
  reassignTicket: {
    cells: row("401", D, D, D, D, D, D, "ok"),
    subject: () => ({ ticketId: fx.ticket.RP_step1, assigneeId: fx.id.nonAssignee, reason: "matrix" }),
    fresh: async () => ({ ticketId: await freshApprovalTicket(), assigneeId: fx.id.nonAssignee, reason: "matrix" }),
  },
  removeGroupMember: {
    cells: row("401", D, D, D, D, D, D, "ok"),
    subject: () => ({ groupId: fx.fulfillers, identityId: fx.id.fulfiller }),
    fresh: async () => ({ groupId: await freshGroup([fx.id.uninvolved]), identityId: fx.id.uninvolved }),
  },
  retryFulfillment: {
    cells: row("401", NF, SELF, SELF, NF, NF, "ok", "ok"),
    subject: (c) => ({ ticketId: c === "target" ? fx.ticket.RT2_fulfillment : fx.ticket.RW_fulfillment }),
    fresh: async () => ({ ticketId: await failedAgain(fx.ticket.RW_fulfillment) }),
    after: async () => {
      await failedAgain(fx.ticket.RW_fulfillment);
    },
  },
  retryEmail: {
    cells: row("401", D, D, D, D, D, D, "ok"),
    subject: () => ({ id: instancesOf("EmailMessage")[0] ?? "" }),
    fresh: async () => ({ id: await failedEmail() }),
  },
  revokeApiToken: {
    // Someone else's token (a spare token of the admin's): "not found" for end users.
    cells: row("401", NF, NF, NF, NF, NF, NF, "ok"),
    subject: () => ({ tokenId: fx.adminSpareTokenId }),
    fresh: async () => ({ tokenId: (await freshToken(fx.id.uninvolved)).tokenId }),
  },
  revokeSession: {
    // Someone else's browser session (a session of the admin's): "not found" for end users.
    cells: row("401", NF, NF, NF, NF, NF, NF, "ok"),
    subject: () => ({ sessionId: fx.adminSpareSessionId }),
    fresh: async () => ({ sessionId: await freshSession(fx.id.uninvolved) }),
  },
  "revokeSession: own session": {
    cells: row("401", "ok", "ok", "ok", "ok", "ok", "ok", "ok"),
    subject: () => ({ sessionId: fx.adminSpareSessionId }), // anonymous only; the others revoke a fresh session of their own
    fresh: async (c) => ({ sessionId: await freshSession(fx.id[c]) }),
  },
  "revokeApiToken: own token": {
    cells: row("401", "ok", "ok", "ok", "ok", "ok", "ok", "ok"),
    subject: () => ({ tokenId: fx.adminSpareTokenId }), // anonymous only; the others revoke a fresh token of their own
    fresh: async (c) => ({ tokenId: (await freshToken(fx.id[c])).tokenId }),
  },
  setDelegation: {
    // Everyone names a delegate of their own (upcoming: it routes nothing the other rows rely on).
    cells: row("401", "ok", "ok", "ok", "ok", "ok", "ok", "ok"),
    subject: (c) => ({
      delegateId: c === "uninvolved" ? fx.id.requester : fx.id.uninvolved,
      ...UPCOMING(),
    }),
  },
  "setDelegation: for someone else": {
    cells: row("401", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "ok"),
    subject: (c) => ({
      delegatorId: c === "nonAssignee" ? fx.id.fulfiller : fx.id.nonAssignee,
      delegateId: fx.id.uninvolved,
      ...UPCOMING(),
    }),
  },
  startAccessReview: {
    cells: row("401", D, D, D, D, D, D, "ok"),
    subject: () => REVIEW_INPUT(),
  },
  revokeGrant: {
    // Alice gives up her own grant; nobody else but an admin may take it.
    cells: row("401", D, "ok", D, D, D, D, "ok"),
    subject: () => ({ grantId: fx.grantOfRequester }),
    fresh: async () => ({ grantId: await freshGrant() }),
  },
  testEventEndpoint: {
    cells: row("401", D, D, D, D, D, D, "ok"),
    subject: () => ({ id: fx.eventEndpoint }),
  },
  updateEventEndpoint: {
    cells: row("401", D, D, D, D, D, D, "ok"),
    subject: () => ({ id: fx.eventEndpoint, enabled: false }),
    fresh: async () => ({ id: await freshEventEndpoint(), topics: ["GRANTS"] }),
  },
  updateNotificationSettings: {
    cells: row("401", "ok", "ok", "ok", "ok", "ok", "ok", "ok"),
    subject: () => ({ mutedEmailKinds: ["ACCESS_ENDED"] }),
  },
  updateIdentity: {
    cells: row("401", D, D, D, D, D, D, "ok"),
    subject: (c) => ({ identityId: fx.id[c], role: "ADMIN" }), // promoting oneself
    fresh: async () => ({ identityId: await freshIdentity(), displayName: "Renamed by the matrix" }),
  },
  "updateIdentity: deactivate someone else": {
    cells: row("401", D, D, D, D, D, D, "ok"),
    subject: () => ({ identityId: fx.id.admin, active: false }),
    fresh: async () => ({ identityId: await freshIdentity(), active: false }),
  },
  updateOrganisationSettings: {
    cells: row("401", D, D, D, D, D, D, "ok"),
    subject: () => ({ ticketSlaHours: 24 }),
  },
  updateSystem: {
    cells: row("401", D, D, D, D, D, D, "ok"),
    subject: () => ({ systemId: fx.github, description: "changed by the matrix" }),
  },
  updateResource: {
    cells: row("401", D, D, D, D, D, D, "ok"),
    subject: () => ({ resourceId: fx.writeAccess, requestable: false }),
    fresh: async () => ({ resourceId: await freshResource(), description: "changed by the matrix" }),
  },
};

/**
 * Subscriptions. 4403: a WebSocket without a valid token is closed with 4403 (and HTTP/SSE
 * answers 401). forbidden: the subscription fails with FORBIDDEN and delivers nothing. nothing /
 * theirs / everything: the changes of no request, of exactly the requests the caller may see at
 * the time of the change, of every request — live, and replayed with afterSequence.
 */
type LiveCell = "4403" | "forbidden" | "nothing" | "theirs" | "held" | "everything" | "mine";
/** held: the changes of the grants the caller holds. */
const SUBSCRIPTION_MATRIX: Record<string, Record<Caller, LiveCell>> = {
  grantChanged: row("4403", "held", "held", "held", "held", "held", "held", "everything"),
  // mine: the caller's own new notifications (live only: there is no replay).
  notificationAdded: row("4403", "mine", "mine", "mine", "mine", "mine", "mine", "mine"),
  // theirs: the changes of the campaigns and items the caller reviews.
  accessReviewItemChanged: row("4403", "nothing", "nothing", "nothing", "theirs", "nothing", "theirs", "everything"),
  requestStatusChanged: row("4403", "nothing", "theirs", "theirs", "theirs", "theirs", "theirs", "everything"),
  systemHealthChanged: row("4403", F, F, F, F, F, F, "everything"),
  ticketStatusChanged: row("4403", "nothing", "theirs", "theirs", "theirs", "theirs", "theirs", "everything"),
};

/** The audit export endpoints (CONTRACT.md): admins only. */
const EXPORT_MATRIX: Record<string, Record<Caller, 200 | 401 | 403>> = {
  "/audit/export.jsonl": row(401, 403, 403, 403, 403, 403, 403, 200),
  "/audit/export.csv": row(401, 403, 403, 403, 403, 403, 403, 200),
};

/**
 * Every object type, and every field of it. The type's kind says where its fields are checked:
 * directory (identities, groups, catalogue: every signed-in caller), restricted (only those who
 * may see the object), live (subscription payloads), payload (mutation results), structural.
 * Field rules: reader — whoever may read the parent reads it (and what it returns is swept);
 * selfOrAdmin — FORBIDDEN unless the parent identity is the caller or the caller is an admin;
 * admin — FORBIDDEN for end users. Connection and edge types with exactly the Relay fields are
 * recognised on their own.
 */
type FieldRule = "reader" | "selfOrAdmin" | "admin";
/** settings: the organisation's settings or the insights, reached only through admin-only root fields (checked there). */
type TypeKind = "directory" | "restricted" | "live" | "payload" | "structural" | "settings";
const R = "reader";
const OBJECT_MATRIX: Record<string, { kind: TypeKind; fields: Record<string, FieldRule> }> = {
  AccessReview: {
    kind: "restricted",
    fields: {
      closedAt: R,
      createdAt: R,
      deadline: R,
      description: R,
      id: R,
      items: R,
      name: R,
      number: R,
      onDeadline: R,
      progress: R,
      resources: R,
      reviewerRule: R,
      reviewers: R,
      startedBy: R,
      status: R,
      systems: R,
    },
  },
  AccessReviewChange: {
    kind: "live",
    fields: { action: R, actor: R, at: R, decision: R, item: R, review: R, sequence: R },
  },
  AccessReviewItem: {
    kind: "restricted",
    fields: {
      assignedToAdmins: R,
      comment: R,
      decidedAt: R,
      decidedBy: R,
      decision: R,
      grant: R,
      id: R,
      identity: R,
      resource: R,
      review: R,
      reviewers: R,
      viewerCanDecide: R,
      viewerCannotDecideReason: R,
    },
  },
  AccessReviewItemPayload: { kind: "payload", fields: { errors: R, item: R } },
  AccessReviewPayload: { kind: "payload", fields: { accessReview: R, errors: R } },
  ApiToken: {
    kind: "restricted",
    fields: { createdAt: R, expiresAt: R, id: R, lastUsedAt: R, name: R, revokedAt: R, scope: R, usable: R },
  },
  ApprovalStep: { kind: "directory", fields: { approvers: R, group: R, kind: R, order: R } },
  AuditEvent: {
    kind: "restricted",
    fields: {
      action: R,
      actor: R,
      at: R,
      comment: R,
      data: R,
      hash: R,
      id: R,
      prevHash: R,
      request: R,
      sequence: R,
      subjectGroup: R,
      subjectIdentity: R,
      subjectResource: R,
      subjectSystem: R,
      ticket: R,
    },
  },
  DeleteEventEndpointPayload: { kind: "payload", fields: { deletedEndpointId: R, errors: R } },
  EventDelivery: {
    kind: "restricted",
    fields: { at: R, durationMs: R, error: R, httpStatus: R, outcome: R, sequence: R, type: R },
  },
  EventEndpoint: {
    kind: "restricted",
    fields: {
      createdAt: R,
      deliveredSequence: R,
      deliveries: R,
      enabled: R,
      failures: R,
      id: R,
      kind: R,
      lastError: R,
      name: R,
      pending: R,
      retryAt: R,
      secretReference: R,
      system: R,
      topics: R,
      url: R,
    },
  },
  EventEndpointPayload: { kind: "payload", fields: { endpoint: R, errors: R } },
  ConnectorHealth: { kind: "directory", fields: { checkedAt: R, message: R, status: R } },
  CreateRequestPayload: { kind: "payload", fields: { errors: R, request: R } },
  Delegation: {
    kind: "restricted",
    fields: { active: R, delegate: R, delegator: R, endedAt: R, endsAt: R, id: R, reason: R, startsAt: R },
  },
  DelegationPayload: { kind: "payload", fields: { delegation: R, errors: R } },
  Grant: {
    kind: "restricted",
    fields: {
      endReason: R,
      expiresAt: R,
      grantedAt: R,
      id: R,
      identity: R,
      removal: R,
      request: R,
      resource: R,
      revokedAt: R,
      status: R,
    },
  },
  GrantChange: { kind: "live", fields: { actor: R, at: R, change: R, grant: R, sequence: R } },
  GrantPayload: { kind: "payload", fields: { errors: R, grant: R } },
  Group: { kind: "directory", fields: { description: R, id: R, members: R, name: R } },
  GroupPayload: { kind: "payload", fields: { errors: R, group: R } },
  Identity: {
    kind: "directory",
    fields: {
      active: R,
      apiTokens: "selfOrAdmin",
      createdAt: R,
      delegation: R,
      delegationsReceived: "selfOrAdmin",
      displayName: R,
      email: R,
      grants: "selfOrAdmin",
      groups: R,
      id: R,
      manager: R,
      role: R,
      sessions: "selfOrAdmin",
    },
  },
  IdentityPayload: { kind: "payload", fields: { errors: R, identity: R } },
  EmailMessage: {
    kind: "restricted",
    fields: {
      attempts: R,
      createdAt: R,
      id: R,
      kind: R,
      lastError: R,
      recipient: R,
      sentAt: R,
      status: R,
      subject: R,
      to: R,
    },
  },
  IssueApiTokenPayload: { kind: "payload", fields: { apiToken: R, errors: R, token: R } },
  Insights: {
    kind: "settings",
    fields: {
      connectorCalls: R,
      days: R,
      from: R,
      oldestOpenTickets: R,
      timeToApprove: R,
      timeToFulfil: R,
      to: R,
    },
  },
  InsightsDay: { kind: "settings", fields: { approved: R, date: R, fulfilled: R, rejected: R, requests: R } },
  DurationBreakdown: { kind: "settings", fields: { byResource: R, bySystem: R, overall: R } },
  DurationStats: {
    kind: "settings",
    fields: { count: R, medianSeconds: R, p90Seconds: R, resource: R, system: R },
  },
  ConnectorCallStats: { kind: "settings", fields: { failed: R, failureRate: R, succeeded: R, system: R } },
  OrganisationSettings: {
    kind: "settings",
    fields: { fallbackGroup: R, mandatoryEmailKinds: R, ticketSlaHours: R, updatedAt: R },
  },
  MarkNotificationsReadPayload: { kind: "payload", fields: { count: R, errors: R } },
  Notification: {
    kind: "restricted",
    fields: { body: R, createdAt: R, id: R, kind: R, readAt: R, request: R, sequence: R, ticket: R, title: R },
  },
  NotificationSetting: { kind: "structural", fields: { email: R, kind: R, mandatory: R } },
  PageInfo: { kind: "structural", fields: { endCursor: R, hasNextPage: R, hasPreviousPage: R, startCursor: R } },
  Request: {
    kind: "restricted",
    fields: {
      auditEvents: R,
      closedAt: R,
      createdAt: R,
      grantExpiresAt: R,
      id: R,
      items: R,
      justification: R,
      number: R,
      requester: R,
      routingNotes: R,
      status: R,
      target: R,
      tickets: R,
      updatedAt: R,
      viewerCanCancel: R,
    },
  },
  RequestItem: {
    kind: "restricted",
    fields: { extendsGrant: R, grantExpiresAt: R, id: R, resource: R, status: R, tickets: R },
  },
  RequestPayload: { kind: "payload", fields: { errors: R, request: R } },
  RequestStatusChange: { kind: "live", fields: { at: R, previousStatus: R, request: R, sequence: R, status: R } },
  ReviewProgress: { kind: "structural", fields: { kept: R, revoked: R, total: R, undecided: R } },
  Resource: {
    kind: "directory",
    fields: {
      approvalSteps: R,
      createdAt: R,
      description: R,
      grantDurationLimit: R,
      id: R,
      maxGrantDuration: R,
      name: R,
      requestable: R,
      requiresFulfillmentEvidence: R,
      sensitivity: R,
      system: R,
      ticketSlaHours: R,
      accessOf: R,
    },
  },
  ResourceAccess: { kind: "structural", fields: { grant: R, openRequest: R } },
  ResourcePreview: { kind: "structural", fields: { access: R, resource: R, steps: R } },
  ApprovalStepPreview: {
    kind: "structural",
    fields: { approvers: R, delegatedFrom: R, group: R, kind: R, order: R, routingNote: R, toAdmins: R },
  },
  ResourcePayload: { kind: "payload", fields: { errors: R, resource: R } },
  Session: {
    kind: "restricted",
    fields: { createdAt: R, current: R, expiresAt: R, id: R, lastSeenAt: R, userAgent: R },
  },
  RetryEmailPayload: { kind: "payload", fields: { email: R, errors: R } },
  RevokeApiTokenPayload: { kind: "payload", fields: { apiToken: R, errors: R } },
  RevokeSessionPayload: { kind: "payload", fields: { errors: R, session: R } },
  System: {
    kind: "directory",
    fields: {
      connector: R,
      connectorConfig: "admin",
      description: R,
      fulfillers: R,
      health: R,
      id: R,
      name: R,
      resources: R,
      ticketSlaHours: R,
    },
  },
  SystemHealthChange: {
    kind: "live",
    fields: { at: R, message: R, previousStatus: R, sequence: R, status: R, system: R },
  },
  SystemPayload: { kind: "payload", fields: { errors: R, system: R } },
  Ticket: {
    kind: "restricted",
    fields: {
      assigneeGroup: R,
      assignees: R,
      claimedBy: R,
      comments: R,
      createdAt: R,
      decidedAt: R,
      decidedBy: R,
      delegatedFrom: R,
      escalatedAt: R,
      grantExpiresAt: R,
      id: R,
      kind: R,
      number: R,
      remindedAt: R,
      request: R,
      resource: R,
      routingNote: R,
      slaDueAt: R,
      status: R,
      step: R,
      stepCount: R,
      nextStep: R,
      updatedAt: R,
      viewerCanApprove: R,
      viewerCanFulfill: R,
      viewerCannotActReason: R,
      viewerCanReject: R,
    },
  },
  TestEventEndpointPayload: { kind: "payload", fields: { delivery: R, endpoint: R, errors: R } },
  TicketComment: { kind: "restricted", fields: { author: R, body: R, createdAt: R, id: R } },
  TicketPayload: { kind: "payload", fields: { errors: R, ticket: R } },
  DecideTicketResult: { kind: "payload", fields: { errors: R, ticket: R, ticketId: R } },
  DecideTicketsPayload: { kind: "payload", fields: { errors: R, results: R } },
  TicketStatusChange: {
    kind: "live",
    fields: { actor: R, at: R, previousStatus: R, sequence: R, status: R, ticket: R },
  },
  UpdateOrganisationSettingsPayload: { kind: "payload", fields: { errors: R, settings: R } },
  UpdateNotificationSettingsPayload: { kind: "payload", fields: { errors: R, settings: R } },
  UserError: { kind: "structural", fields: { code: R, field: R, message: R } },
};

/** Root list fields narrower than visibility (DESIGN.md: an end user's ticket list). */
const LIST_SCOPE: Record<string, (caller: SignedIn) => Set<string>> = {
  myNotifications: (c) =>
    new Set(instancesOf("Notification").filter((id) => world.personal.get(id)?.owner === fx.id[c])),
  tickets: (c) => ticketList(c),
  myReviewItems: (c) => reviewItemsToDo(c),
  // Who has what: one's own grants (admins: all), not those one sees as a reviewer.
  grants: (c) =>
    new Set(instancesOf("Grant").filter((id) => c === "admin" || world.personal.get(id)?.owner === fx.id[c])),
};

/** Values for required input fields that no subject names (unique where the domain wants it). */
let serial = 0;
const INPUT_FIXTURES: Record<string, () => unknown> = {
  body: () => "a comment from the authorization matrix",
  connector: () => "MANUAL",
  displayName: () => `Matrix Person ${++serial}`,
  email: () => `matrix-${++serial}@example.com`,
  justification: () => "authorization matrix",
  name: () => `Matrix ${++serial}`,
  sensitivity: () => "STANDARD",
};

/** The required arguments of root queries that take no id. */
const REQUIRED_QUERY_ARGS: Record<string, Record<string, unknown>> = {
  people: { search: "example" },
  // A getter: the fixtures exist only once the scenario is built.
  requestPreview: {
    get resourceIds() {
      return [fx.writeAccess];
    },
  },
};

/** Every optional argument and filter field of the root queries, filled to narrow or widen. */
const QUERY_ARG_FIXTURES: Record<string, () => unknown> = {
  actionableByViewer: () => true,
  assignedToViewer: () => true,
  actorId: () => fx.id.assignee,
  expiresBefore: () => "2100-01-01T00:00:00.000Z",
  decided: () => false,
  from: () => "2000-01-01T00:00:00.000Z",
  identityId: () => fx.id.requester,
  orderBy: () => "CREATED_ASC",
  requestId: () => fx.req.RA,
  resourceId: () => fx.writeAccess,
  search: () => "Git",
  status: () => "OPEN",
  unreadOnly: () => true,
  systemId: () => fx.github,
  // The viewer (null): naming someone else is FORBIDDEN to non-admins (request-preview.test.ts).
  targetIdentityId: () => null,
  to: () => "2100-01-01T00:00:00.000Z",
};
const PAGE_ARGS = new Set(["first", "last", "before", "after"]);
/** Filled arguments a root query needs narrower than QUERY_ARG_FIXTURES (insights covers at most 366 days). */
const FILLED_QUERY_ARGS: Record<string, Record<string, unknown>> = {
  insights: { from: "2026-01-01T00:00:00.000Z", to: "2026-12-31T00:00:00.000Z" },
};

// ================================================================== the schema, walked

type Field = GraphQLField<unknown, unknown>;

function rootFields(kind: "query" | "mutation" | "subscription"): Field[] {
  const type =
    kind === "query"
      ? schema.getQueryType()
      : kind === "mutation"
        ? schema.getMutationType()
        : schema.getSubscriptionType();
  return type ? Object.values(type.getFields()) : [];
}

const objectTypes = (): GraphQLObjectType[] =>
  Object.values(schema.getTypeMap()).filter(
    (type): type is GraphQLObjectType =>
      isObjectType(type) && !type.name.startsWith("__") && !["Query", "Mutation", "Subscription"].includes(type.name),
  );

const fieldNames = (type: GraphQLObjectType) => Object.keys(type.getFields()).sort();
const isConnection = (type: GraphQLNamedType): boolean =>
  isObjectType(type) && type.name.endsWith("Connection") && fieldNames(type).join() === "edges,pageInfo,totalCount";
const isEdge = (type: GraphQLNamedType): boolean =>
  isObjectType(type) && type.name.endsWith("Edge") && fieldNames(type).join() === "cursor,node";

function connectionNode(type: GraphQLNamedType): GraphQLNamedType {
  if (!isObjectType(type)) return type;
  const edge = getNamedType(type.getFields().edges?.type ?? type);
  return isObjectType(edge) ? getNamedType(edge.getFields().node?.type ?? edge) : edge;
}

/** The object type a field's values are (through lists and connections). */
function elementType(type: GraphQLOutputType): GraphQLNamedType {
  const named = getNamedType(type);
  return isConnection(named) ? connectionNode(named) : named;
}

const ruleOf = (type: string, field: string): FieldRule | undefined => OBJECT_MATRIX[type]?.fields[field];
const pageArgs = (field: Field) => (field.args.some((a) => a.name === "first") ? "(first: 100)" : "");
const idPart = (type: GraphQLNamedType) => (isObjectType(type) && type.getFields().id ? "__typename id" : "__typename");

/**
 * The minimal selection of a type: its typename and id, every leaf field the table lets any
 * reader read, and (depth > 0) the same for its object fields. Connections always give their
 * totalCount, pageInfo and nodes. Fields the tables do not list are left out (and fail coverage).
 */
function selectionFor(type: GraphQLType, depth: number): string {
  const named = getNamedType(type);
  if (isLeafType(named)) return "";
  if (isInterfaceType(named)) return "{ __typename id }";
  if (!isObjectType(named)) return "{ __typename }";
  if (isConnection(named)) {
    return `{ __typename totalCount pageInfo { hasNextPage } edges { node ${selectionFor(connectionNode(named), depth)} } }`;
  }
  const parts = [idPart(named)];
  for (const field of Object.values(named.getFields())) {
    if (
      field.name === "id" ||
      ruleOf(named.name, field.name) !== "reader" ||
      field.args.some((a) => isNonNullType(a.type))
    )
      continue;
    const inner = getNamedType(field.type);
    if (isLeafType(inner)) parts.push(field.name);
    else if (depth > 0 && !isConnection(inner)) parts.push(`${field.name} ${selectionFor(field.type, depth - 1)}`);
  }
  return `{ ${parts.join(" ")} }`;
}

const nodeTypes = (): GraphQLObjectType[] => {
  const node = schema.getType("Node");
  return isInterfaceType(node) ? [...schema.getPossibleTypes(node)] : [];
};

/** The shortest way from a Node type (reachable with `node(id:)`) to a type: the fields to follow. */
function pathTo(target: GraphQLObjectType): { start: GraphQLObjectType; steps: Field[] } | null {
  const starts = nodeTypes();
  if (starts.includes(target)) return { start: target, steps: [] };
  const queue = starts.map((type) => ({ type, start: type, steps: [] as Field[] }));
  const seen = new Set(starts.map((type) => type.name));
  for (let next = queue.shift(); next; next = queue.shift()) {
    for (const field of Object.values(next.type.getFields())) {
      const to = getNamedType(field.type);
      if (!isObjectType(to) || seen.has(to.name) || field.args.some((a) => isNonNullType(a.type))) continue;
      const steps = [...next.steps, field];
      if (to === target) return { start: next.start, steps };
      seen.add(to.name);
      queue.push({ type: to, start: next.start, steps });
    }
  }
  return null;
}

/** `node(id:)` down the path to `target`, selecting `inner` there. */
function nestedQuery(
  path: { start: GraphQLObjectType; steps: Field[] },
  target: GraphQLObjectType,
  inner: string,
): string {
  let body = `${idPart(target)} ${inner}`;
  for (let i = path.steps.length - 1; i >= 0; i -= 1) {
    const step = path.steps[i];
    if (!step) continue;
    const parent = i === 0 ? path.start : getNamedType(path.steps[i - 1]?.type ?? path.start);
    body = `${i === 0 ? "" : idPart(parent)} ${step.name}${pageArgs(step)} { ${body} }`;
  }
  return `query($id: ID!) { node(id: $id) { __typename id ... on ${path.start.name} { ${body} } } }`;
}

/** A value for a query argument or filter field, by its name and type. */
function queryArgValue(name: string, type: GraphQLNamedType, list: boolean): unknown {
  if (isInputObjectType(type)) {
    return Object.fromEntries(
      Object.values(type.getFields()).map((f) => [
        f.name,
        queryArgValue(f.name, getNamedType(f.type), isListType(isNonNullType(f.type) ? f.type.ofType : f.type)),
      ]),
    );
  }
  if (isEnumType(type) && list)
    return type
      .getValues()
      .slice(0, 10)
      .map((v) => v.name);
  const fixture = QUERY_ARG_FIXTURES[name];
  // An enum argument that the fixture's value is not one of (emailOutbox's status) takes its first value.
  if (fixture && isEnumType(type) && !type.getValue(String(fixture()))) return type.getValues()[0]?.name;
  if (!fixture) throw new Error(`no fixture for query argument "${name}" (${type.name}): add it to QUERY_ARG_FIXTURES`);
  return fixture();
}

/** A mutation's input: the subject's values, and fixtures for the other required fields. */
function buildInput(type: GraphQLInputObjectType, values: Values, where: string): Values {
  const fields = type.getFields();
  const stale = Object.keys(values).filter((key) => !fields[key]);
  if (stale.length > 0)
    throw new Error(`${where}: the subject names ${stale.join(", ")}, which ${type.name} does not have`);
  const input: Values = {};
  for (const field of Object.values(fields)) {
    if (field.name in values) input[field.name] = values[field.name];
    else if (isNonNullType(field.type)) {
      const fixture = INPUT_FIXTURES[field.name];
      if (!fixture)
        throw new Error(
          `${where}: no value for the required ${type.name}.${field.name}; name it in the subject or INPUT_FIXTURES`,
        );
      input[field.name] = fixture();
    }
  }
  return input;
}

/** An operation on one root field, its arguments given by name (input objects built from `values`). */
function operation(kind: "query" | "mutation" | "subscription", field: Field, values: Values, depth: number) {
  const defs: string[] = [];
  const args: string[] = [];
  const variables: Values = {};
  for (const arg of field.args) {
    const named = getNamedType(arg.type);
    if (isInputObjectType(named) && kind === "mutation") variables[arg.name] = buildInput(named, values, field.name);
    else if (arg.name in values) variables[arg.name] = values[arg.name];
    else if (arg.name === "first") variables[arg.name] = 100;
    else if (isNonNullType(arg.type)) throw new Error(`${field.name}: no value for the required argument ${arg.name}`);
    else continue;
    defs.push(`$${arg.name}: ${String(arg.type)}`);
    args.push(`${arg.name}: $${arg.name}`);
  }
  const head = defs.length > 0 ? `(${defs.join(", ")})` : "";
  const call = args.length > 0 ? `(${args.join(", ")})` : "";
  return { query: `${kind}${head} { ${field.name}${call} ${selectionFor(field.type, depth)} }`, variables };
}

// ================================================================== the server and the world

type Data = Record<string, unknown>;
const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
function pick(value: unknown, ...path: (string | number)[]): unknown {
  let at = value;
  for (const key of path)
    at = typeof key === "number" ? (Array.isArray(at) ? at[key] : undefined) : isRecord(at) ? at[key] : undefined;
  return at;
}
function text(value: unknown, what: string): string {
  if (typeof value !== "string") throw new Error(`${what}: expected a string, got ${JSON.stringify(value)}`);
  return value;
}
const items = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const nodes = (connection: unknown): unknown[] => items(pick(connection, "edges")).map((edge) => pick(edge, "node"));
const ids = (list: unknown[]): string[] => list.map((entry, i) => text(pick(entry, "id"), `id #${i}`));
const codesOf = (res: GraphQLResponse<Data>) => (res.errors ?? []).map((e) => e.extensions?.code ?? e.message);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits for a condition; false when it did not come true in time (the caller's assertions tell why). */
async function eventually(ok: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) return false;
    await sleep(25);
  }
  return true;
}

async function until(ok: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  if (!(await eventually(ok, timeoutMs))) throw new Error(`timed out waiting for ${what}`);
}

let t: TestServer;

interface Fixtures {
  token: Record<SignedIn, string>;
  id: Record<SignedIn, string>;
  req: Record<RequestKey, string>;
  ticket: Record<
    "RP_step1" | "RT1_approval" | "RF_approval" | "RF_fulfillment" | "RT2_fulfillment" | "RW_fulfillment",
    string
  >;
  grantOfRequester: string;
  review: Record<ReviewKey, string>;
  reviewItem: Record<"REV_M_alice", string>;
  fulfillers: string;
  github: string;
  hookSystem: string;
  writeAccess: string;
  selfService: string;
  selfService2: string;
  selfService3: string;
  adminSpareTokenId: string;
  adminSpareSessionId: string;
  /** Bob's upcoming delegation to Dave. */
  delegation: string;
  /** An event endpoint whose receiver is down (its delivery log holds a failure). */
  eventEndpoint: string;
  deadEventsUrl: string;
}
let fx: Fixtures;

const tokenOf = (caller: Caller): string | null => (caller === "anonymous" ? null : fx.token[caller]);
const BAD_TOKEN = "art_this-token-was-never-issued-000000000000";

/** A generated or oracle query as the admin, which must answer without a GraphQL error. */
async function asAdmin(query: string, variables?: Values): Promise<Data> {
  const res = await t.gql(fx.token.admin, query, variables);
  expect(res.errors, query).toBeUndefined();
  return res.data ?? {};
}

type CreateResourceInput = VariablesOf<typeof CreateResource>["input"];
type CreateRequestInput = VariablesOf<typeof CreateRequest>["input"];

async function createResource(
  name: string,
  extra: Partial<CreateResourceInput> = {},
  systemId = fx.github,
): Promise<string> {
  const { createResource } = await dataOf(
    t.gql(fx.token.admin, CreateResource, { input: { systemId, name, sensitivity: "STANDARD", ...extra } }),
  );
  return present(accepted(createResource, `createResource ${name}`).resource, "the resource").id;
}

async function requestAccess(
  by: SignedIn,
  resourceIds: string[],
  targetIdentityId?: string,
  extra: Partial<CreateRequestInput> = {},
): Promise<string> {
  const { createRequest } = await dataOf(
    t.gql(fx.token[by], CreateRequest, {
      input: {
        resourceIds,
        justification: `${PLAYERS[by]} needs it`,
        ...(targetIdentityId ? { targetIdentityId } : {}),
        ...extra,
      },
    }),
  );
  return present(accepted(createRequest, `${by} requests ${resourceIds.join(",")}`).request, "the request").id;
}

/** The request's ticket of a kind in a status (as the admin sees it). */
async function ticketOf(requestId: string, kind: "APPROVAL" | "FULFILLMENT", status: string): Promise<string> {
  const { request } = await dataOf(t.gql(fx.token.admin, RequestDetail, { id: requestId }));
  const found = request?.tickets.find((x) => x.kind === kind && x.status === status);
  return present(found, `${kind} ticket ${status} of ${requestId}: ${JSON.stringify(request?.tickets)}`).id;
}

const decide = async (by: SignedIn, ticketId: string, comment?: string) =>
  accepted(
    (await dataOf(t.gql(fx.token[by], ApproveTicket, { input: { ticketId, comment } }))).approveTicket,
    `${by} approves ${ticketId}`,
  );
const fulfill = async (by: SignedIn, ticketId: string, comment?: string) =>
  accepted(
    (await dataOf(t.gql(fx.token[by], FulfillTicket, { input: { ticketId, comment } }))).fulfillTicket,
    `${by} fulfills ${ticketId}`,
  );
const comment = async (by: SignedIn, ticketId: string, body: string) =>
  accepted(
    (await dataOf(t.gql(fx.token[by], CommentOnTicket, { input: { ticketId, body } }))).commentOnTicket,
    `${by} comments on ${ticketId}`,
  );
/** The grants of an identity, as the admin sees them. */
async function grantsOf(identityId: string) {
  const { node } = await dataOf(t.gql(fx.token.admin, IdentityGrants, { id: identityId }));
  return node?.__typename === "Identity" ? node.grants.edges.map((e) => e.node) : [];
}

let freshCount = 0;
const freshResource = (extra: Partial<CreateResourceInput> = {}) =>
  createResource(`Matrix fresh ${++freshCount}`, extra);
async function freshApprovalTicket(): Promise<string> {
  const requestId = await requestAccess("requester", [await freshResource()]);
  return ticketOf(requestId, "APPROVAL", "OPEN");
}
async function freshFulfillmentTicket(): Promise<string> {
  const requestId = await requestAccess("requester", [await freshResource({ approvalSteps: [] })]);
  return ticketOf(requestId, "FULFILLMENT", "OPEN");
}
async function freshRequest(forWhom: "requester" | "target"): Promise<string> {
  const resource = await freshResource();
  return forWhom === "target"
    ? requestAccess("admin", [resource], fx.id.target)
    : requestAccess("requester", [resource]);
}
async function freshGrant(): Promise<string> {
  const resource = await freshResource({ approvalSteps: [] });
  const requestId = await requestAccess("requester", [resource]);
  await fulfill("fulfiller", await ticketOf(requestId, "FULFILLMENT", "OPEN"));
  return present(
    (await grantsOf(fx.id.requester)).find((g) => g.resource.id === resource),
    "the fresh grant",
  ).id;
}
async function freshEventEndpoint(fromSequence?: number): Promise<string> {
  const { createEventEndpoint } = await dataOf(
    t.gql(fx.token.admin, CreateEventEndpoint, {
      input: {
        name: `Matrix events ${++freshCount}`,
        kind: "CLOUDEVENTS",
        url: fx.deadEventsUrl,
        secret: MATRIX_SECRET,
        topics: ["TICKETS"],
        fromSequence,
      },
    }),
  );
  return present(accepted(createEventEndpoint, "createEventEndpoint").endpoint, "the event endpoint").id;
}
async function freshGroup(memberIds: string[]): Promise<string> {
  const { createGroup } = await dataOf(
    t.gql(fx.token.admin, CreateGroup, { input: { name: `Matrix group ${++freshCount}`, memberIds } }),
  );
  return present(accepted(createGroup, "createGroup").group, "the group").id;
}
async function createIdentity(input: VariablesOf<typeof CreateIdentity>["input"]): Promise<string> {
  const { createIdentity } = await dataOf(t.gql(fx.token.admin, CreateIdentity, { input }));
  return present(accepted(createIdentity, `createIdentity ${input.email}`).identity, "the identity").id;
}
async function freshIdentity(): Promise<string> {
  const n = ++freshCount;
  return createIdentity({ email: `matrix-fresh-${n}@example.com`, displayName: `Matrix Fresh ${n}` });
}
async function freshToken(identityId: string): Promise<{ token: string; tokenId: string }> {
  const { issueApiToken } = await dataOf(
    t.gql(fx.token.admin, IssueApiToken, { input: { identityId, name: `matrix ${++freshCount}` } }),
  );
  const issued = accepted(issueApiToken, "issueApiToken");
  return {
    token: present(issued.token, "the token"),
    tokenId: present(issued.apiToken, "the token's metadata").id,
  };
}
/** A browser session (as a sign-in through the identity provider starts one) of an identity, by global ids. */
async function freshSession(identityGid: string): Promise<string> {
  const rules = { idleMs: 3_600_000, maxMs: 3_600_000, now: () => new Date() };
  const identityId = present(fromGlobalId(identityGid), "an identity's id").id;
  const { sessionId } = await t.server.db.transact((work) =>
    startSession(work, rules, { identityId, userAgent: "authorization matrix" }),
  );
  return gid("Session", sessionId);
}
/**
 * A campaign over GitHub Write Access (held by Alice and Dave), by the admin; closing it keeps
 * what nobody decided, so the scenario's grants outlive the mutations' fresh campaigns.
 */
const REVIEW_INPUT = () => ({
  resourceIds: [fx.writeAccess],
  reviewerRule: "MANAGER" as const,
  onDeadline: "KEEP" as const,
  deadline: new Date(Date.now() + 86_400_000).toISOString(),
});
async function startReview(
  input: Omit<VariablesOf<typeof StartAccessReview>["input"], "name">,
): Promise<{ id: string; aliceItem: string }> {
  const { startAccessReview } = await dataOf(
    t.gql(fx.token.admin, StartAccessReview, { input: { name: `Matrix review ${++freshCount}`, ...input } }),
  );
  const id = present(accepted(startAccessReview, "startAccessReview").accessReview, "the review").id;
  const { accessReview } = await dataOf(t.gql(fx.token.admin, AccessReviewDetail, { id, first: 100 }));
  const alice = accessReview?.items.edges.find((e) => e.node.identity.id === fx.id.requester);
  return { id, aliceItem: present(alice, "Alice's review item").node.id };
}
const freshReview = () => startReview({ ...REVIEW_INPUT(), reviewerRule: "MANAGER" });
/** A delegation that starts in 100 days: it routes none of the tickets here. */
const UPCOMING = () => ({
  startsAt: new Date(Date.now() + 100 * 86_400_000).toISOString(),
  endsAt: new Date(Date.now() + 110 * 86_400_000).toISOString(),
});
/** An upcoming delegation of `delegator`'s (to Dave, or Uma for Dave), set by `by`. */
async function freshDelegation(delegator: SignedIn, by: SignedIn): Promise<string> {
  const { setDelegation } = await dataOf(
    t.gql(fx.token[by], SetDelegation, {
      input: {
        ...(by === delegator ? {} : { delegatorId: fx.id[delegator] }),
        delegateId: delegator === "fulfiller" ? fx.id.uninvolved : fx.id.fulfiller,
        ...UPCOMING(),
      },
    }),
  );
  return present(accepted(setDelegation, "setDelegation").delegation, "the delegation").id;
}
const ticketStatus = async (ticketId: string) =>
  (await dataOf(t.gql(fx.token.admin, TicketDetail, { id: ticketId }))).ticket?.status;
/** Waits for a retried webhook ticket to fail again (its peer is down), then hands it back. */
async function failedAgain(ticketId: string): Promise<string> {
  await until(async () => (await ticketStatus(ticketId)) === "FAILED", `ticket ${ticketId} FAILED`);
  return ticketId;
}

/** A port on which nothing listens: the webhook peer that is down. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === "object" && address ? address.port : 1;
}

async function buildScenario(): Promise<void> {
  const org = t.org;
  const demo: Record<"admin" | "alice" | "bob" | "carol" | "dave", SignedIn> = {
    admin: "admin",
    alice: "requester",
    bob: "assignee",
    carol: "nonAssignee",
    dave: "fulfiller",
  };
  const token = {} as Record<SignedIn, string>;
  const id = {} as Record<SignedIn, string>;
  for (const [person, caller] of Object.entries(demo) as ["admin" | "alice" | "bob" | "carol" | "dave", SignedIn][]) {
    token[caller] = org.tokens[person];
    id[caller] = gid("Identity", org.ids[person]);
  }
  fx = {
    token,
    id,
    req: {} as Record<RequestKey, string>,
    ticket: {} as Fixtures["ticket"],
    grantOfRequester: "",
    review: {} as Record<ReviewKey, string>,
    reviewItem: { REV_M_alice: "" },
    fulfillers: gid("Group", org.fulfillersGroupId),
    github: gid("System", org.githubSystemId),
    hookSystem: "",
    writeAccess: gid("Resource", org.resources.writeAccess),
    selfService: "",
    selfService2: "",
    selfService3: "",
    adminSpareTokenId: "",
    adminSpareSessionId: "",
    delegation: "",
    eventEndpoint: "",
    deadEventsUrl: `http://127.0.0.1:${await closedPort()}/events`,
  };
  for (const [caller, name] of [
    ["uninvolved", "Uma"],
    ["target", "Tess"],
  ] as const) {
    fx.id[caller] = await createIdentity({
      email: `${name.toLowerCase()}@example.com`,
      displayName: `${name} Matrix`,
      role: "END_USER",
    });
    fx.token[caller] = (await freshToken(fx.id[caller])).token;
  }
  fx.adminSpareTokenId = (await freshToken(fx.id.admin)).tokenId;
  fx.adminSpareSessionId = await freshSession(fx.id.admin);
  // Everyone is also signed in in a browser: Identity.sessions opens on the caller's own identity.
  for (const caller of SIGNED_IN) await freshSession(fx.id[caller]);

  const owner = gid("Resource", org.resources.orgOwner);
  const wiki = await createResource("Wiki Edit");
  const docs = await createResource("Docs Edit", { approvalSteps: [] });
  await createResource("Hidden Console", { requestable: false });
  fx.selfService = await createResource("Self Service");
  fx.selfService2 = await createResource("Self Service Two");
  fx.selfService3 = await createResource("Self Service Three");
  const { createSystem } = await dataOf(
    t.gql(fx.token.admin, CreateSystem, {
      input: {
        name: "Broken Hook",
        connector: "WEBHOOK",
        connectorConfig: {
          url: `http://127.0.0.1:${await closedPort()}/hook`,
          secret: "env:ACCESS_SECRET_MATRIX_HOOK",
          timeoutMs: 300,
        },
        fulfillersGroupId: fx.fulfillers,
      },
    }),
  );
  fx.hookSystem = present(accepted(createSystem, "createSystem").system, "the hook system").id;
  const hook = await createResource(
    "Hook Access",
    { approvalSteps: [], connectorTarget: { team: "matrix" } },
    fx.hookSystem,
  );

  fx.req.RA = await requestAccess("requester", [fx.writeAccess], undefined, { idempotencyKey: SHARED_IDEMPOTENCY_KEY });
  await decide("assignee", await ticketOf(fx.req.RA, "APPROVAL", "OPEN"), "Bob: fine for the docs team");
  await fulfill("fulfiller", await ticketOf(fx.req.RA, "FULFILLMENT", "OPEN"), "Dave: added to the org");

  fx.req.RF = await requestAccess("requester", [wiki]);
  fx.ticket.RF_approval = await ticketOf(fx.req.RF, "APPROVAL", "OPEN");
  await decide("assignee", fx.ticket.RF_approval);
  fx.ticket.RF_fulfillment = await ticketOf(fx.req.RF, "FULFILLMENT", "OPEN");

  fx.req.RP = await requestAccess("requester", [owner]);
  fx.ticket.RP_step1 = await ticketOf(fx.req.RP, "APPROVAL", "OPEN");

  fx.req.RC = await requestAccess("nonAssignee", [fx.writeAccess]);
  await comment("nonAssignee", await ticketOf(fx.req.RC, "APPROVAL", "OPEN"), "Carol: I have no manager, sorry");

  fx.req.RD = await requestAccess("fulfiller", [fx.writeAccess]);
  await decide("assignee", await ticketOf(fx.req.RD, "APPROVAL", "OPEN"));
  await fulfill("admin", await ticketOf(fx.req.RD, "FULFILLMENT", "OPEN"), "Erin: separation of duties");

  fx.req.RT1 = await requestAccess("admin", [wiki], fx.id.target);
  fx.ticket.RT1_approval = await ticketOf(fx.req.RT1, "APPROVAL", "OPEN");
  await comment("target", fx.ticket.RT1_approval, "Tess: please");

  fx.req.RT2 = await requestAccess("admin", [docs], fx.id.target);
  fx.ticket.RT2_fulfillment = await ticketOf(fx.req.RT2, "FULFILLMENT", "OPEN");

  fx.req.RW = await requestAccess("requester", [hook]);
  await until(async () => {
    const [{ request }, { node }] = await Promise.all([
      dataOf(t.gql(fx.token.admin, RequestDetail, { id: fx.req.RW })),
      dataOf(t.gql(fx.token.admin, SystemDetail, { id: fx.hookSystem })),
    ]);
    return request?.status === "FAILED" && node?.__typename === "System" && node.health.status === "DOWN";
  }, "the webhook request to fail and its system to be DOWN");
  fx.ticket.RW_fulfillment = await ticketOf(fx.req.RW, "FULFILLMENT", "FAILED");

  fx.grantOfRequester = present(
    (await grantsOf(fx.id.requester)).find((g) => g.request?.id === fx.req.RA),
    "Alice's grant",
  ).id;

  fx.delegation = await freshDelegation("assignee", "assignee");

  // From the start of the trail, to a receiver that is down: its delivery log holds a failure.
  fx.eventEndpoint = await freshEventEndpoint(1);
  await until(async () => {
    const { node } = await dataOf(t.gql(fx.token.admin, EventEndpointDeliveries, { id: fx.eventEndpoint }));
    return node?.__typename === "EventEndpoint" && node.deliveries.totalCount > 0;
  }, "the event endpoint's first failed delivery");
  const managers = await freshReview();
  fx.review.REV_M = managers.id;
  fx.reviewItem.REV_M_alice = managers.aliceItem;
  const named = await startReview({ ...REVIEW_INPUT(), reviewerRule: "NAMED", reviewerIds: [fx.id.fulfiller] });
  fx.review.REV_N = named.id;
  const { decideReviewItem } = await dataOf(
    t.gql(fx.token.fulfiller, DecideReviewItem, {
      input: { itemId: named.aliceItem, decision: "KEEP", comment: "Dave: still writes code" },
    }),
  );
  accepted(decideReviewItem, "Dave keeps Alice's access");
}

// ------------------------------------------------------------------ what exists, as the admin sees it

interface TicketFacts {
  requestId: string;
  involved: Set<string>;
  comments: string[];
}
interface World {
  requests: Map<string, { requesterId: string; targetId: string; tickets: string[] }>;
  tickets: Map<string, TicketFacts>;
  items: Map<string, string>;
  comments: Map<string, string>;
  events: Map<string, { requestId: string | null; ticketId: string | null }>;
  /** Records reached only through an identity's selfOrAdmin fields (grants, API tokens): their owner. */
  personal: Map<string, { type: string; owner: string }>;
  identities: string[];
  groups: string[];
  systems: string[];
  resources: Map<string, { requestable: boolean; steps: number }>;
  reviews: Map<string, { open: boolean; items: string[] }>;
  delegations: Map<string, { delegator: string; delegate: string }>;
  reviewItems: Map<
    string,
    { reviewId: string; reviewers: Set<string>; grantId: string; holder: string; assignedToAdmins: boolean }
  >;
  eventEndpoints: string[];
}
let world: World;

async function pages(query: string, at: string[]): Promise<unknown[]> {
  const all: unknown[] = [];
  for (let after: string | null = null; ;) {
    const data = await asAdmin(query, { after });
    const connection = pick(data, ...at);
    all.push(...nodes(connection));
    if (pick(connection, "pageInfo", "hasNextPage") !== true) return all;
    after = text(pick(connection, "pageInfo", "endCursor"), "endCursor");
  }
}

const personalFields = () =>
  Object.entries(OBJECT_MATRIX.Identity?.fields ?? {})
    .filter(([, rule]) => rule === "selfOrAdmin")
    .map(([name]) => name);
let personalTypeNames: Set<string> | null = null;
/** The types behind Identity's selfOrAdmin fields: records that belong to one identity. */
function personalTypes(): Set<string> {
  if (personalTypeNames) return personalTypeNames;
  const identity = schema.getType("Identity");
  const fields = isObjectType(identity) ? personalFields().map((name) => identity.getFields()[name]) : [];
  personalTypeNames = new Set(
    fields.filter((field): field is Field => field !== undefined).map((field) => elementType(field.type).name),
  );
  return personalTypeNames;
}

async function snapshot(): Promise<World> {
  const w: World = {
    requests: new Map(),
    tickets: new Map(),
    items: new Map(),
    comments: new Map(),
    events: new Map(),
    personal: new Map(),
    identities: [],
    groups: [],
    systems: [],
    resources: new Map(),
    reviews: new Map(),
    reviewItems: new Map(),
    delegations: new Map(),
    eventEndpoints: [],
  };
  const requests = await pages(
    `query($after: String) { requests(first: 20, after: $after) { pageInfo { hasNextPage endCursor } edges { node {
      id requester { id } target { id } items { id }
      tickets { id decidedBy { id } assignees { id } assigneeGroup { members(first: 100) { edges { node { id } } } } comments { id } }
    } } } }`,
    ["requests"],
  );
  for (const request of requests) {
    const requestId = text(pick(request, "id"), "request id");
    const tickets = items(pick(request, "tickets"));
    w.requests.set(requestId, {
      requesterId: text(pick(request, "requester", "id"), "requester"),
      targetId: text(pick(request, "target", "id"), "target"),
      tickets: ids(tickets),
    });
    for (const item of ids(items(pick(request, "items")))) w.items.set(item, requestId);
    for (const ticket of tickets) {
      const ticketId = text(pick(ticket, "id"), "ticket id");
      const involved = new Set([
        ...ids(items(pick(ticket, "assignees"))),
        ...ids(nodes(pick(ticket, "assigneeGroup", "members"))),
        ...(typeof pick(ticket, "decidedBy", "id") === "string"
          ? [text(pick(ticket, "decidedBy", "id"), "decider")]
          : []),
      ]);
      const comments = ids(items(pick(ticket, "comments")));
      w.tickets.set(ticketId, { requestId, involved, comments });
      for (const c of comments) w.comments.set(c, ticketId);
    }
  }
  for (const event of await pages(
    `query($after: String) { auditEvents(first: 100, after: $after) { pageInfo { hasNextPage endCursor } edges { node { id request { id } ticket { id } } } } }`,
    ["auditEvents"],
  )) {
    const requestId = pick(event, "request", "id");
    const ticketId = pick(event, "ticket", "id");
    w.events.set(text(pick(event, "id"), "event id"), {
      requestId: typeof requestId === "string" ? requestId : null,
      ticketId: typeof ticketId === "string" ? ticketId : null,
    });
  }
  w.identities = ids(
    await pages(
      `query($after: String) { identities(first: 100, after: $after) { pageInfo { hasNextPage endCursor } edges { node { id } } } }`,
      ["identities"],
    ),
  );
  w.groups = ids(
    await pages(
      `query($after: String) { groups(first: 100, after: $after) { pageInfo { hasNextPage endCursor } edges { node { id } } } }`,
      ["groups"],
    ),
  );
  w.systems = ids(
    await pages(
      `query($after: String) { systems(first: 100, after: $after) { pageInfo { hasNextPage endCursor } edges { node { id } } } }`,
      ["systems"],
    ),
  );
  for (const resource of await pages(
    `query($after: String) { resources(first: 100, after: $after) { pageInfo { hasNextPage endCursor } edges { node { id requestable approvalSteps { order } } } } }`,
    ["resources"],
  )) {
    w.resources.set(text(pick(resource, "id"), "resource id"), {
      requestable: pick(resource, "requestable") === true,
      steps: items(pick(resource, "approvalSteps")).length,
    });
  }
  for (const review of await pages(
    `query($after: String) { accessReviews(first: 20, after: $after) { pageInfo { hasNextPage endCursor } edges { node {
      id status items(first: 100) { edges { node { id assignedToAdmins reviewers { id } grant { id } identity { id } } } }
    } } } }`,
    ["accessReviews"],
  )) {
    const reviewId = text(pick(review, "id"), "review id");
    const reviewItems = nodes(pick(review, "items"));
    w.reviews.set(reviewId, { open: pick(review, "status") === "OPEN", items: ids(reviewItems) });
    for (const item of reviewItems) {
      w.reviewItems.set(text(pick(item, "id"), "review item id"), {
        reviewId,
        reviewers: new Set(ids(items(pick(item, "reviewers")))),
        grantId: text(pick(item, "grant", "id"), "grant id"),
        holder: text(pick(item, "identity", "id"), "holder id"),
        assignedToAdmins: pick(item, "assignedToAdmins") === true,
      });
    }
  }
  const delegation = "{ id delegator { id } delegate { id } }";
  for (const identity of await pages(
    `query($after: String) { identities(first: 100, after: $after) { pageInfo { hasNextPage endCursor } edges { node {
      delegation ${delegation} delegationsReceived ${delegation}
    } } } }`,
    ["identities"],
  )) {
    for (const d of [pick(identity, "delegation"), ...items(pick(identity, "delegationsReceived"))].filter(isRecord)) {
      w.delegations.set(text(pick(d, "id"), "delegation id"), {
        delegator: text(pick(d, "delegator", "id"), "delegator"),
        delegate: text(pick(d, "delegate", "id"), "delegate"),
      });
    }
  }
  w.eventEndpoints = ids(items(pick(await asAdmin("{ eventEndpoints { id } }"), "eventEndpoints")));
  const identityType = schema.getType("Identity");
  const personal = isObjectType(identityType)
    ? personalFields()
        .map((name) => identityType.getFields()[name])
        .filter((field): field is Field => field !== undefined)
        .map((field) => `${field.name}${pageArgs(field)} ${selectionFor(field.type, 0)}`)
        .join(" ")
    : "";
  await Promise.all(
    (personal ? w.identities : []).map(async (owner) => {
      const data = await asAdmin(`query($id: ID!) { node(id: $id) { ... on Identity { ${personal} } } }`, {
        id: owner,
      });
      walk(pick(data, "node"), "$", (object) => {
        const typename = pick(object, "__typename");
        const id = pick(object, "id");
        if (typeof typename === "string" && typeof id === "string") w.personal.set(id, { type: typename, owner });
      });
    }),
  );
  // Notifications are their person's own (read with each caller's token); the outbox is the admins'.
  await t.server.notifier.settle();
  for (const caller of SIGNED_IN) {
    const res = await t.gql(
      fx.token[caller],
      `{ myNotifications(first: 100) { pageInfo { hasNextPage } edges { node { id } } } }`,
    );
    expect(res.errors, `${caller}'s notifications`).toBeUndefined();
    for (const id of ids(nodes(pick(res.data, "myNotifications"))))
      w.personal.set(id, { type: "Notification", owner: fx.id[caller] });
  }
  for (const email of await pages(
    `query($after: String) { emailOutbox(first: 100, after: $after) { pageInfo { hasNextPage endCursor } edges { node { id recipient { id } } } } }`,
    ["emailOutbox"],
  )) {
    w.personal.set(text(pick(email, "id"), "email id"), {
      type: "EmailMessage",
      owner: text(pick(email, "recipient", "id"), "recipient"),
    });
  }
  return w;
}

/** A notification of someone other than the caller (the scenario has them for several people). */
function notificationNotOf(caller: SignedIn): string {
  const other = instancesOf("Notification").find((id) => world.personal.get(id)?.owner !== fx.id[caller]);
  return present(other, `a notification that is not ${caller}'s`);
}

/** An email of the outbox made FAILED, for the admin to retry. */
async function failedEmail(): Promise<string> {
  const id = present(instancesOf("EmailMessage")[0], "an email of the outbox");
  const local = present(fromGlobalId(id), "the email's id").id;
  await t.server.db.transact(({ tx }) =>
    tx.emailMessage.update({
      where: { id: local },
      data: { status: "FAILED", lastError: "550 refused by the matrix" },
    }),
  );
  return id;
}

// ------------------------------------------------------------------ who may see what (the oracle)

const requestIdsOf = (keys: readonly RequestKey[]) => new Set(keys.map((key) => fx.req[key]));
function visibleRequests(caller: SignedIn): Set<string> {
  return caller === "admin" ? new Set(world.requests.keys()) : requestIdsOf(VISIBLE[caller]);
}
function ticketList(caller: SignedIn): Set<string> {
  if (caller === "admin") return new Set(world.tickets.keys());
  const me = fx.id[caller];
  const mine = [...world.tickets].filter(([, ticket]) => {
    const request = world.requests.get(ticket.requestId);
    return request?.requesterId === me || request?.targetId === me || ticket.involved.has(me);
  });
  return new Set(mine.map(([ticketId]) => ticketId));
}

/** The review items a caller reviews (admins: all). */
const reviewsItem = (caller: SignedIn, itemId: string) =>
  world.reviewItems.get(itemId)?.reviewers.has(fx.id[caller]) === true;
const reviewsIn = (caller: SignedIn, reviewId: string) =>
  (world.reviews.get(reviewId)?.items ?? []).some((itemId) => reviewsItem(caller, itemId));
/** myReviewItems: items the caller reviews in OPEN campaigns; admins also the admin-assigned ones not theirs. */
function reviewItemsToDo(caller: SignedIn): Set<string> {
  const me = fx.id[caller];
  const mine = [...world.reviewItems].filter(
    ([itemId, item]) =>
      world.reviews.get(item.reviewId)?.open === true &&
      (reviewsItem(caller, itemId) || (caller === "admin" && item.assignedToAdmins && item.holder !== me)),
  );
  return new Set(mine.map(([itemId]) => itemId));
}

type Oracle = (caller: SignedIn, id: string) => boolean;
const seesRequest = (caller: SignedIn, requestId: string | null | undefined) =>
  requestId != null && visibleRequests(caller).has(requestId);
/** Whether a caller may see an object of a type; undefined for types everyone signed in sees. */
function oracleFor(type: string): Oracle | undefined {
  const oracles: Record<string, Oracle> = {
    Request: (c, id) => seesRequest(c, id),
    Ticket: (c, id) => seesRequest(c, world.tickets.get(id)?.requestId),
    RequestItem: (c, id) => seesRequest(c, world.items.get(id)),
    TicketComment: (c, id) => seesRequest(c, world.tickets.get(world.comments.get(id) ?? "")?.requestId),
    AuditEvent: (c, id) => seesRequest(c, world.events.get(id)?.requestId),
    Resource: (c, id) => world.resources.get(id)?.requestable === true,
    AccessReview: (c, id) => reviewsIn(c, id),
    AccessReviewItem: (c, id) => reviewsItem(c, id),
    // Delegations: their delegator and their delegate.
    Delegation: (c, id) =>
      [world.delegations.get(id)?.delegator, world.delegations.get(id)?.delegate].includes(fx.id[c]),
    // Event endpoints and their delivery log: admins only.
    EventEndpoint: () => false,
    EventDelivery: () => false,
    // Grants: their holder, and the reviewers of an item about them.
    Grant: (c, id) =>
      world.personal.get(id)?.owner === fx.id[c] ||
      [...world.reviewItems].some(([itemId, item]) => item.grantId === id && reviewsItem(c, itemId)),
  };
  if (type === "Notification") return (c, id) => world.personal.get(id)?.owner === fx.id[c];
  if (type === "EmailMessage") return (c) => c === "admin";
  const oracle = oracles[type];
  if (oracle) return (c, id) => c === "admin" || oracle(c, id);
  if (personalTypes().has(type)) return (c, id) => c === "admin" || world.personal.get(id)?.owner === fx.id[c];
  return undefined;
}

/** Every instance of a Node type, best examples first (most comments, most tickets, …). */
function instancesOf(type: string): string[] {
  const byTickets = (id: string) => -(world.requests.get(id)?.tickets.length ?? 0);
  const byComments = (id: string) => -(world.tickets.get(id)?.comments.length ?? 0);
  const sorted = (list: string[], key: (id: string) => number) => [...list].sort((a, b) => key(a) - key(b));
  switch (type) {
    case "Request":
      return sorted([...world.requests.keys()], byTickets);
    case "Ticket":
      return sorted([...world.tickets.keys()], byComments);
    case "AuditEvent":
      return sorted([...world.events.keys()], (id) => (world.events.get(id)?.ticketId ? 0 : 1));
    case "Identity":
      return world.identities;
    case "Group":
      return sorted(world.groups, (id) => (id === fx.fulfillers ? 0 : 1));
    case "System":
      return world.systems;
    case "Resource":
      return sorted([...world.resources.keys()], (id) => -(world.resources.get(id)?.steps ?? 0));
    case "AccessReview":
      return [...world.reviews.keys()];
    case "AccessReviewItem":
      return [...world.reviewItems.keys()];
    case "Delegation":
      return [...world.delegations.keys()];
    case "EventEndpoint":
      return world.eventEndpoints;
    default:
      return [...world.personal].filter(([, record]) => record.type === type).map(([id]) => id);
  }
}

/** The objects at the end of a path of fields (through lists), from where it starts. */
function atPath(start: unknown, steps: readonly Field[]): Record<string, unknown>[] {
  let level: unknown[] = [start];
  for (const step of steps) level = level.flatMap((value) => (isRecord(value) ? [value[step.name]].flat() : []));
  return level.filter(isRecord);
}

/** The objects of a response (anything with a __typename), with their JSON paths. */
function walk(value: unknown, path: string, visit: (object: Record<string, unknown>, path: string) => void): void {
  if (Array.isArray(value)) value.forEach((entry, i) => walk(entry, `${path}[${i}]`, visit));
  else if (isRecord(value)) {
    if (typeof value.__typename === "string") visit(value, path);
    for (const [key, entry] of Object.entries(value)) walk(entry, `${path}.${key}`, visit);
  }
}

/** Whether an object existed when the world was read (later ones are the caller's own doing). */
function known(type: string, id: string): boolean {
  const maps: Record<string, { has(id: string): boolean }> = {
    Request: world.requests,
    Ticket: world.tickets,
    RequestItem: world.items,
    TicketComment: world.comments,
    AuditEvent: world.events,
    Resource: world.resources,
    AccessReview: world.reviews,
    AccessReviewItem: world.reviewItems,
    Delegation: world.delegations,
    EventEndpoint: new Set(world.eventEndpoints),
  };
  return (maps[type] ?? world.personal).has(id);
}

/**
 * What a caller must never get: an object it may not see (anywhere in the response), or a
 * connection whose totalCount counts more than it returns.
 */
function leaks(caller: SignedIn, data: unknown, knownOnly = false): string[] {
  const problems: string[] = [];
  walk(data, "$", (object, path) => {
    const typename = String(object.__typename);
    const oracle = oracleFor(typename);
    const judged = typeof object.id === "string" && (!knownOnly || known(typename, object.id));
    if (oracle && judged && typeof object.id === "string" && !oracle(caller, object.id)) {
      problems.push(`${PLAYERS[caller]} (${caller}) gets ${typename} ${object.id} at ${path}`);
    }
    if (typeof object.totalCount === "number" && Array.isArray(object.edges)) {
      const more = pick(object, "pageInfo", "hasNextPage") === true;
      const ok = more ? object.totalCount > object.edges.length : object.totalCount === object.edges.length;
      if (!ok)
        problems.push(
          `${PLAYERS[caller]} (${caller}): totalCount ${object.totalCount} for ${object.edges.length} edges (hasNextPage ${more}) at ${path}`,
        );
    }
  });
  return problems;
}

function expectUnauthenticated(res: GraphQLResponse<Data>, what: string): void {
  expect({ status: res.status, codes: codesOf(res), data: res.data ?? null }, what).toEqual({
    status: 401,
    codes: ["UNAUTHENTICATED"],
    data: null,
  });
}

async function expectAnonymousRefused(query: string, variables: Values, what: string): Promise<void> {
  expectUnauthenticated(await t.gql(null, query, variables), `${what} without a token`);
  expectUnauthenticated(await t.gql(BAD_TOKEN, query, variables), `${what} with a token never issued`);
}

// ================================================================== the suite

let smtp: SmtpPeer;
beforeAll(async () => {
  // Email on, so that the outbox has messages to see (and to refuse to the end users).
  smtp = await startSmtpPeer();
  t = await startTestServer({
    env: {
      SMTP_URL: smtp.url,
      SMTP_FROM: "matrix@example.com",
      ACCESS_SECRET_MATRIX_HOOK: "matrix-webhook-secret-0123456789",
      CONNECTOR_MAX_ATTEMPTS: "1",
      CONNECTOR_RETRY_BASE_MS: "50",
      HEALTH_CHECK_INTERVAL_MS: "3600000",
      // Hundreds of calls a second from one address and a handful of tokens: not what is tested here.
      RATE_LIMIT_PER_TOKEN: "0",
      RATE_LIMIT_PER_IP: "0",
    },
  });
  await buildScenario();
  world = await snapshot();
}, 60_000);
afterAll(async () => {
  await t?.close();
  await smtp?.close();
});

describe("the matrix covers the schema", () => {
  const unlisted = (fields: Field[], table: Record<string, unknown>) =>
    fields.map((f) => f.name).filter((name) => !(name in table));
  const stale = (fields: Field[], table: Record<string, unknown>) => {
    const names = new Set(fields.map((f) => f.name));
    return Object.keys(table).filter((key) => !names.has(key.split(":")[0] ?? key));
  };

  it("has a row for every Query field, and none for fields that are gone", () => {
    expect(unlisted(rootFields("query"), QUERY_MATRIX)).toEqual([]);
    expect(stale(rootFields("query"), QUERY_MATRIX)).toEqual([]);
  });

  it("has a row for every Mutation field, and none for fields that are gone", () => {
    expect(unlisted(rootFields("mutation"), MUTATION_MATRIX)).toEqual([]);
    expect(stale(rootFields("mutation"), MUTATION_MATRIX)).toEqual([]);
  });

  it("has a row for every Subscription field, and none for fields that are gone", () => {
    expect(unlisted(rootFields("subscription"), SUBSCRIPTION_MATRIX)).toEqual([]);
    expect(stale(rootFields("subscription"), SUBSCRIPTION_MATRIX)).toEqual([]);
  });

  it("classifies every object type and lists every field of it", () => {
    const missing: string[] = [];
    for (const type of objectTypes()) {
      if (isConnection(type) || isEdge(type)) continue;
      const listed = OBJECT_MATRIX[type.name];
      if (!listed) missing.push(`${type.name} (type)`);
      else for (const name of fieldNames(type)) if (!(name in listed.fields)) missing.push(`${type.name}.${name}`);
    }
    expect(missing).toEqual([]);
    const present = new Set(objectTypes().map((type) => type.name));
    const gone = Object.entries(OBJECT_MATRIX).flatMap(([name, { fields }]) => {
      const type = schema.getType(name);
      if (!present.has(name) || !isObjectType(type)) return [`${name} (type)`];
      return Object.keys(fields)
        .filter((field) => !type.getFields()[field])
        .map((field) => `${name}.${field}`);
    });
    expect(gone).toEqual([]);
  });

  it("knows who may see every restricted type, and only identities have selfOrAdmin fields", () => {
    const restricted = Object.entries(OBJECT_MATRIX)
      .filter(([, { kind }]) => kind === "restricted")
      .map(([name]) => name);
    expect(restricted.filter((name) => !oracleFor(name))).toEqual([]);
    const selfOrAdminElsewhere = Object.entries(OBJECT_MATRIX).flatMap(([name, { fields }]) =>
      name === "Identity"
        ? []
        : Object.entries(fields)
            .filter(([, rule]) => rule === "selfOrAdmin")
            .map(([field]) => `${name}.${field}`),
    );
    expect(selfOrAdminElsewhere).toEqual([]);
  });

  it("has instances in the scenario for every Node type, and the scenario is what VISIBLE says", () => {
    expect(
      nodeTypes()
        .filter((type) => instancesOf(type.name).length === 0)
        .map((type) => type.name),
    ).toEqual([]);
    // Visibility derived from who made, is targeted by or is involved in each request's tickets.
    for (const caller of SIGNED_IN.filter((c): c is EndUser => c !== "admin")) {
      const me = fx.id[caller];
      const derived = REQUEST_KEYS.filter((key) => {
        const request = world.requests.get(fx.req[key]);
        return (
          request?.requesterId === me ||
          request?.targetId === me ||
          (request?.tickets ?? []).some((ticketId) => world.tickets.get(ticketId)?.involved.has(me))
        );
      });
      expect(derived, `${PLAYERS[caller]} (${caller})`).toEqual([...VISIBLE[caller]]);
    }
  });
});

describe("root queries", () => {
  it("an anonymous GET with a query runs nothing: GraphiQL for browsers, 401 for everyone else", async () => {
    const url = `${t.url}/graphql?query=${encodeURIComponent("{ requests { totalCount edges { node { id justification } } } }")}`;
    for (const accept of [
      "text/html",
      "text/html, application/json",
      "application/graphql-response+json, text/html;q=0.1",
    ]) {
      const res = await fetch(url, { headers: { accept } });
      const body = await res.text();
      expect({ status: res.status, type: res.headers.get("content-type") }, accept).toEqual({
        status: 200,
        type: expect.stringContaining("text/html"),
      });
      expect(body, accept).not.toContain(fx.req.RA);
      expect(body, accept).not.toContain('"requests":{');
    }
    for (const accept of ["application/json", "application/graphql-response+json", "*/*"]) {
      const res = await fetch(url, { headers: { accept } });
      expect({ status: res.status, body: (await res.json()) as unknown }, accept).toEqual({
        status: 401,
        body: { errors: [{ message: expect.any(String), extensions: { code: "UNAUTHENTICATED" } }] },
      });
    }
  });

  /** What a root field's objects are, and which of them the caller should get. */
  function expectedSet(field: Field, caller: SignedIn): { type: string; ids: Set<string> } {
    const type = elementType(field.type).name;
    const scoped = LIST_SCOPE[field.name];
    if (scoped) return { type, ids: scoped(caller) };
    const oracle = oracleFor(type);
    return { type, ids: new Set(instancesOf(type).filter((id) => !oracle || oracle(caller, id))) };
  }

  function checkCell(cell: QueryCell, caller: SignedIn): void {
    const visible = caller === "admin" ? null : VISIBLE[caller];
    if (cell === "none") expect(visible, `"none" for ${caller}`).toEqual([]);
    if (cell === "own") expect(visible?.length ?? 0, `"own" for ${caller}`).toBeGreaterThan(0);
    if (cell === "all") expect(caller).toBe("admin");
    if (cell === "requestable" || cell === "forbidden") expect(caller).not.toBe("admin");
    if (cell === "settings" || cell === "insights") expect(caller).toBe("admin");
  }

  for (const field of rootFields("query")) {
    const cells = QUERY_MATRIX[field.name];
    const idArg = field.args.find((arg) => isNonNullType(arg.type) && arg.name === "id");
    it(`Query.${field.name}: ${cells ? CALLERS.map((c) => `${c} ${cells[c]}`).join(", ") : "NOT IN THE MATRIX"}`, async () => {
      expect(cells, `Query.${field.name} has no row in QUERY_MATRIX`).toBeDefined();
      if (!cells) return;
      const plain = operation(
        "query",
        field,
        idArg
          ? { id: instancesOf(elementType(field.type).name)[0] ?? instancesOf("Request")[0] }
          : (REQUIRED_QUERY_ARGS[field.name] ?? {}),
        0,
      );
      await expectAnonymousRefused(plain.query, plain.variables, `Query.${field.name}`);
      expect(cells.anonymous).toBe("401");

      await Promise.all(
        SIGNED_IN.map(async (caller) => {
          const cell = cells[caller];
          const who = `Query.${field.name} as ${PLAYERS[caller]} (${caller})`;
          checkCell(cell, caller);
          if (cell === "401") throw new Error(`${who}: 401 is for anonymous callers only`);
          if (idArg) return byId(field, caller, cell, who);
          const optional = field.args.some((a) => !PAGE_ARGS.has(a.name) && !isNonNullType(a.type));
          const runs = [plain, ...(optional ? [filled(field)] : [])];
          for (const [n, run] of runs.entries()) {
            const res = await t.gql(tokenOf(caller), run.query, run.variables);
            const what = `${who}${n > 0 ? ` with every argument filled ${JSON.stringify(run.variables)}` : ""}`;
            if (cell === "forbidden") {
              expect({ codes: codesOf(res), data: res.data ?? null }, what).toEqual({
                codes: ["FORBIDDEN"],
                data: null,
              });
              continue;
            }
            expect(res.errors, what).toBeUndefined();
            expect(leaks(caller, res.data), what).toEqual([]);
            const value = pick(res.data, field.name);
            if (cell === "self") {
              expect(pick(value, "id"), what).toBe(fx.id[caller]);
              continue;
            }
            if (cell === "settings") {
              expect(pick(value, "ticketSlaHours"), what).toEqual(expect.any(Number));
              continue;
            }
            if (cell === "insights") {
              expect(pick(value, "from"), what).toEqual(expect.any(String));
              continue;
            }
            // The caller's own settings: one per notification kind, nothing of anyone else's.
            if (cell === "mine" && Array.isArray(value)) {
              expect(value.length, what).toBeGreaterThan(0);
              continue;
            }
            const expected = expectedSet(field, caller);
            // A plain list (people, eventEndpoints) holds the entries themselves; a connection, edges and a totalCount.
            const got = ids(Array.isArray(value) ? value : nodes(value));
            if (n === 0 && Array.isArray(value)) expect(new Set(got), what).toEqual(expected.ids);
            else if (n === 0) {
              expect(pick(value, "totalCount"), `${what}: totalCount`).toBe(expected.ids.size);
              if (pick(value, "pageInfo", "hasNextPage") !== true) expect(new Set(got), what).toEqual(expected.ids);
            }
            expect(
              got.filter((id) => !expected.ids.has(id)),
              `${what}: ${expected.type}s it should not get`,
            ).toEqual([]);
          }
        }),
      );
    });
  }

  /** The same field with every optional argument and filter field filled from fixtures. */
  function filled(field: Field) {
    const values: Values = { ...REQUIRED_QUERY_ARGS[field.name] };
    for (const arg of field.args) {
      if (PAGE_ARGS.has(arg.name) || isNonNullType(arg.type)) continue;
      values[arg.name] = queryArgValue(arg.name, getNamedType(arg.type), isListType(arg.type));
    }
    return operation("query", field, { ...values, ...FILLED_QUERY_ARGS[field.name] }, 0);
  }

  /** A field taking an id, asked for every instance (25 at a time): non-null exactly for what the caller may see. */
  async function byId(field: Field, caller: SignedIn, cell: QueryCell, who: string): Promise<void> {
    const type = elementType(field.type);
    const targets = isInterfaceType(type)
      ? nodeTypes().flatMap((node) => instancesOf(node.name))
      : instancesOf(type.name);
    expect(targets.length, `${who}: instances to ask for`).toBeGreaterThan(0);
    for (let from = 0; from < targets.length; from += 25) {
      const chunk = targets.slice(from, from + 25);
      const query = `query(${chunk.map((_, i) => `$id${i}: ID!`).join(", ")}) { ${chunk
        .map((_, i) => `r${i}: ${field.name}(id: $id${i}) ${selectionFor(field.type, 0)}`)
        .join(" ")} }`;
      const res = await t.gql(tokenOf(caller), query, Object.fromEntries(chunk.map((id, i) => [`id${i}`, id])));
      if (cell === "forbidden") {
        expect(res.data ?? null, who).toBeNull();
        expect(new Set(codesOf(res)), who).toEqual(new Set(["FORBIDDEN"]));
        continue;
      }
      expect(res.errors, who).toBeUndefined();
      expect(leaks(caller, res.data), who).toEqual([]);
      chunk.forEach((id, i) => {
        const value = pick(res.data, `r${i}`);
        const typename = isInterfaceType(type)
          ? (nodeTypes().find((node) => instancesOf(node.name).includes(id))?.name ?? "")
          : type.name;
        const oracle = oracleFor(typename);
        const visible = !oracle || oracle(caller, id);
        expect(visible ? pick(value, "id") : value, `${who}: ${typename} ${id}`).toBe(visible ? id : null);
      });
    }
    // An id of the right shape that names nothing: null, as for what the caller may not see.
    if (cell === "forbidden") return;
    const answers = await Promise.all(
      (isInterfaceType(type) ? nodeTypes() : [type]).map(async (node) => {
        const id = gid(node.name, "matrixDoesNotExist0");
        const res = await t.gql(
          tokenOf(caller),
          `query($id: ID!) { r: ${field.name}(id: $id) ${selectionFor(field.type, 0)} }`,
          { id },
        );
        return { type: node.name, id, value: pick(res.data, "r") ?? null, codes: codesOf(res) };
      }),
    );
    expect(
      answers.filter((answer) => answer.value !== null || answer.codes.length > 0),
      `${who}: ids of the right shape that name nothing must give null`,
    ).toEqual([]);
  }
});

describe("object fields", () => {
  const checked = objectTypes().filter((type) => {
    const kind = OBJECT_MATRIX[type.name]?.kind;
    return kind === "directory" || kind === "restricted";
  });

  for (const type of checked) {
    const fields = Object.values(type.getFields());
    it(`${type.name}: ${fields.map((f) => `${f.name} ${ruleOf(type.name, f.name) ?? "UNLISTED"}`).join(", ")}`, async () => {
      const path = pathTo(type);
      expect(path, `${type.name} cannot be reached from any Node type`).not.toBeNull();
      if (!path) return;
      const unlisted = fields.filter((f) => !ruleOf(type.name, f.name)).map((f) => f.name);
      expect(unlisted, `${type.name} fields missing from OBJECT_MATRIX`).toEqual([]);
      const withArgs = fields.filter((f) => f.args.some((a) => isNonNullType(a.type))).map((f) => f.name);
      expect(withArgs, `${type.name} fields with required arguments need fixtures here`).toEqual([]);

      const select = (list: Field[]) => list.map((f) => `${f.name}${pageArgs(f)} ${selectionFor(f.type, 0)}`).join(" ");
      const readers = fields.filter((f) => ruleOf(type.name, f.name) === "reader");
      const gated = fields.filter((f) => ruleOf(type.name, f.name) !== "reader");
      const readerQuery = nestedQuery(path, type, select(readers));
      // A path through a gated field (Identity.apiTokens) only opens on the caller's own identity.
      const gatedPath = path.steps.some((step, i) => {
        const parent = i === 0 ? path.start : getNamedType(path.steps[i - 1]?.type ?? path.start);
        return ruleOf(parent.name, step.name) !== "reader" && !isConnection(parent) && !isEdge(parent);
      });
      await expectAnonymousRefused(readerQuery, { id: instancesOf(path.start.name)[0] }, type.name);

      await Promise.all(
        SIGNED_IN.map(async (caller) => {
          const who = `${type.name} as ${PLAYERS[caller]} (${caller})`;
          const startOracle = oracleFor(path.start.name);
          const all = instancesOf(path.start.name);
          // Identities first try the caller's own (the way to its personal records).
          const ordered =
            path.start.name === "Identity" ? [fx.id[caller], ...all.filter((id) => id !== fx.id[caller])] : all;
          const visible = ordered.filter((id) => !startOracle || startOracle(caller, id));
          const hidden = ordered.filter((id) => startOracle && !startOracle(caller, id));

          // Through what the caller may see: every reader field answers, and nothing leaks — on
          // the first parent that reaches the type, and on one more (someone else's identity, …).
          let reached = 0;
          let extra = 0;
          for (const start of visible.slice(0, 6)) {
            if (reached > 0 && (gatedPath || extra > 0)) break;
            const res = await t.gql(tokenOf(caller), readerQuery, { id: start });
            expect(res.errors, `${who} via ${path.start.name} ${start}`).toBeUndefined();
            expect(leaks(caller, res.data), who).toEqual([]);
            const found = atPath(pick(res.data, "node"), path.steps);
            for (const object of found)
              expect(Object.keys(object).sort(), who).toEqual(expect.arrayContaining(readers.map((f) => f.name)));
            if (reached > 0) extra += 1;
            reached += found.length;
          }
          if (visible.length > 0) {
            expect(
              reached,
              `${who}: no ${type.name} reached through ${path.start.name} (the scenario needs one)`,
            ).toBeGreaterThan(0);
          }

          // Through what it may not see: nothing, not even nested.
          for (const start of hidden.slice(0, 2)) {
            const res = await t.gql(tokenOf(caller), readerQuery, { id: start });
            expect(res.errors, `${who} via hidden ${path.start.name} ${start}`).toBeUndefined();
            expect(pick(res.data, "node"), `${who} via hidden ${path.start.name} ${start}`).toBeNull();
          }

          // Gated fields, on the caller's own identity and on someone else's.
          for (const field of gated) {
            const rule = ruleOf(type.name, field.name);
            const query = nestedQuery(path, type, select([field]));
            const other =
              type.name === "Identity" ? (caller === "requester" ? fx.id.fulfiller : fx.id.requester) : visible[0];
            const own = type.name === "Identity" ? fx.id[caller] : visible[0];
            for (const [whose, start] of [
              ["own", own],
              ["someone else's", other],
            ] as const) {
              if (!start) continue;
              const res = await t.gql(tokenOf(caller), query, { id: start });
              const what = `${type.name}.${field.name} (${rule}) as ${PLAYERS[caller]} (${caller}) on ${whose} ${path.start.name}`;
              const allowed = caller === "admin" || (rule === "selfOrAdmin" && whose === "own");
              if (allowed) expect(res.errors, what).toBeUndefined();
              else expect(new Set(codesOf(res)), what).toEqual(new Set(["FORBIDDEN"]));
              expect(leaks(caller, res.data), what).toEqual([]);
              if (!allowed) {
                const values = atPath(pick(res.data, "node"), path.steps).map((object) => object[field.name] ?? null);
                expect(
                  values.filter((v) => v !== null),
                  what,
                ).toEqual([]);
              }
            }
          }
        }),
      );
    });
  }
});

describe("the access review export", () => {
  // Admins only, like the audit export; the campaign's id is in the path.
  const cells = row(401, 403, 403, 403, 403, 403, 403, 200);
  for (const format of ["csv", "jsonl"]) {
    it(`/reviews/<id>/export.${format}: ${CALLERS.map((c) => `${c} ${cells[c]}`).join(", ")}`, async () => {
      const url = `${t.url}/reviews/${encodeURIComponent(fx.review.REV_M)}/export.${format}`;
      for (const caller of CALLERS) {
        for (const token of caller === "anonymous" ? [null, BAD_TOKEN] : [tokenOf(caller)]) {
          const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
          const body = await res.text();
          expect(res.status, `${format} as ${caller}`).toBe(cells[caller]);
          if (cells[caller] === 200) expect(body, caller).toContain("alice@example.com");
          else expect(body, caller).not.toContain("alice@example.com");
        }
      }
    });
  }
});

describe("the audit export", () => {
  for (const [path, cells] of Object.entries(EXPORT_MATRIX)) {
    it(`${path}: ${CALLERS.map((c) => `${c} ${cells[c]}`).join(", ")}`, async () => {
      const get = (token: string | null, query = "") =>
        fetch(`${t.url}${path}${query}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
      for (const caller of CALLERS) {
        const expected = cells[caller];
        for (const query of ["", `?requestId=${encodeURIComponent(fx.req.RA)}`]) {
          const tokens = caller === "anonymous" ? [null, BAD_TOKEN] : [tokenOf(caller)];
          for (const token of tokens) {
            const res = await get(token, query);
            const body = await res.text();
            const what = `${path}${query} as ${caller}`;
            expect(res.status, what).toBe(expected);
            if (expected === 200) {
              expect(body.trim().split("\n").length, what).toBeGreaterThan(query ? 1 : world.events.size - 1);
            } else {
              expect(JSON.parse(body), what).toEqual({
                errors: [
                  {
                    message: expect.any(String),
                    extensions: { code: expected === 401 ? "UNAUTHENTICATED" : "FORBIDDEN" },
                  },
                ],
              });
              expect(body, what).not.toContain(fx.req.RA);
            }
          }
        }
      }
    });
  }
});

// ================================================================== subscriptions

interface Feed {
  received: Data[];
  errors: unknown[];
  stop: () => void;
}
function listen(client: WsClient, query: string, variables: Values): Feed {
  const feed: Feed = { received: [], errors: [], stop: () => undefined };
  feed.stop = client.subscribe<Data>(
    { query, variables },
    {
      next: (value) => {
        if (value.errors) feed.errors.push(...value.errors);
        if (value.data) feed.received.push(value.data);
      },
      error: (error) => {
        feed.errors.push(error);
      },
      complete: () => undefined,
    },
  );
  return feed;
}
const errorCodes = (errors: unknown[]) =>
  errors
    .flatMap((error) => (Array.isArray(error) ? error : [error]))
    .map((error) => pick(error, "extensions", "code") ?? pick(error, "code") ?? String(error));

/** A raw graphql-transport-ws connection: the close code, and whether anything was delivered. */
function rawSocket(init: Values | undefined, query: string): Promise<{ code: number; delivered: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${t.url.replace("http", "ws")}/graphql`, "graphql-transport-ws");
    let delivered = false;
    const timer = setTimeout(() => {
      socket.terminate();
      reject(new Error("the server kept an unauthenticated socket open"));
    }, 5_000);
    socket.on("open", () =>
      socket.send(JSON.stringify({ type: "connection_init", ...(init ? { payload: init } : {}) })),
    );
    socket.on("message", (raw: WebSocket.RawData) => {
      const message: unknown = JSON.parse(raw.toString());
      if (pick(message, "type") === "connection_ack")
        socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query } }));
      if (pick(message, "type") === "next") delivered = true;
    });
    socket.on("close", (code: number) => {
      clearTimeout(timer);
      resolve({ code, delivered });
    });
    socket.on("error", () => undefined);
  });
}

describe("subscriptions", () => {
  const clients = new Map<SignedIn, WsClient>();
  const client = (caller: SignedIn): WsClient => {
    const existing = clients.get(caller);
    if (existing) return existing;
    const created = t.ws(fx.token[caller]);
    clients.set(caller, created);
    return created;
  };
  const subscription = (name: string) => {
    const field = rootFields("subscription").find((f) => f.name === name);
    if (!field) throw new Error(`no subscription ${name}`);
    return field;
  };
  const sequenceOf = (data: Data) => Number(pick(Object.values(data)[0], "sequence"));
  /** The request a change is about (a ticket change's request is asked of the admin). */
  const requestOfChange = async (data: Data): Promise<string> => {
    const change = Object.values(data)[0];
    const requestId = pick(change, "request", "id");
    if (typeof requestId === "string") return requestId;
    const ticketId = text(pick(change, "ticket", "id"), "ticket id of a change");
    const { ticket } = await dataOf(t.gql(fx.token.admin, TicketDetail, { id: ticketId }));
    return present(ticket, `ticket ${ticketId}`).request.id;
  };
  /** A review change: an item's reaches its reviewers, a campaign's every reviewer of it. */
  const seesReviewChange = (caller: SignedIn, data: Data): boolean => {
    const change = Object.values(data)[0];
    const itemId = pick(change, "item", "id");
    return typeof itemId === "string"
      ? reviewsItem(caller, itemId)
      : reviewsIn(caller, text(pick(change, "review", "id"), "review id of a change"));
  };
  /** Waits until no feed has received anything for 300 ms. */
  const quiet = async (feeds: Feed[]) => {
    let last = -1;
    let since = Date.now();
    await until(() => {
      const now = feeds.reduce((sum, feed) => sum + feed.received.length, 0);
      if (now !== last) {
        last = now;
        since = Date.now();
      }
      return Date.now() - since >= 300;
    }, "the feeds to go quiet");
  };

  for (const field of rootFields("subscription")) {
    const cells = SUBSCRIPTION_MATRIX[field.name];
    it(`Subscription.${field.name}: anonymous ${cells?.anonymous ?? "NOT IN THE MATRIX"} (WebSocket 4403, HTTP 401)`, async () => {
      expect(cells, `Subscription.${field.name} has no row in SUBSCRIPTION_MATRIX`).toBeDefined();
      expect(cells?.anonymous).toBe("4403");
      const { query, variables } = operation("subscription", field, {}, 1);
      await expectAnonymousRefused(query, variables, `Subscription.${field.name} over HTTP`);
      expect(await rawSocket(undefined, query)).toEqual({ code: 4403, delivered: false });
      expect(await rawSocket({ authorization: `Bearer ${BAD_TOKEN}` }, query)).toEqual({
        code: 4403,
        delivered: false,
      });
    });

    // A subscription without replay (notificationAdded) is checked live, after the replays (below).
    if (!field.args.some((arg) => arg.name === "afterSequence")) continue;

    it(`Subscription.${field.name} replayed from sequence 0: ${cells ? SIGNED_IN.map((c) => `${c} ${cells[c]}`).join(", ") : "NOT IN THE MATRIX"}`, async () => {
      expect(cells).toBeDefined();
      if (!cells) return;
      const { query, variables } = operation("subscription", field, { afterSequence: 0 }, 1);
      const feeds = new Map(SIGNED_IN.map((caller) => [caller, listen(client(caller), query, variables)]));
      const adminFeed = feeds.get("admin");
      await until(() => (adminFeed?.received.length ?? 0) > 0, `the admin's replay of ${field.name}`);
      await quiet(adminFeed ? [adminFeed] : []);
      const all = adminFeed?.received ?? [];
      const reviewFeed = field.name === "accessReviewItemChanged";
      const requestOf = new Map<number, string>();
      const holderOf = new Map<number, string>();
      const holders =
        field.name === "grantChanged"
          ? new Map(
              (await dataOf(t.gql(fx.token.admin, Grants, { first: 100 }))).grants.edges.map((e) => [
                e.node.id,
                e.node.identity.id,
              ]),
            )
          : new Map<string, string>();
      for (const change of all) {
        if (field.name === "grantChanged")
          holderOf.set(
            sequenceOf(change),
            text(holders.get(text(pick(Object.values(change)[0], "grant", "id"), "grant id")), "holder"),
          );
        else if (field.name !== "systemHealthChanged" && !reviewFeed)
          requestOf.set(sequenceOf(change), await requestOfChange(change));
      }
      const sees = (caller: SignedIn, change: Data) =>
        cells[caller] === "held"
          ? holderOf.get(sequenceOf(change)) === fx.id[caller]
          : reviewFeed
            ? seesReviewChange(caller, change)
            : seesRequest(caller, requestOf.get(sequenceOf(change)));
      const expectedOf = (caller: SignedIn) =>
        all.filter((change) => cells[caller] === "everything" || sees(caller, change)).map(sequenceOf);
      // Everyone's replay has arrived (or its refusal), then nothing more comes.
      await eventually(() =>
        [...feeds].every(([caller, feed]) =>
          cells[caller] === "forbidden" ? feed.errors.length > 0 : feed.received.length >= expectedOf(caller).length,
        ),
      );
      await quiet([...feeds.values()]);
      for (const [caller, feed] of feeds) {
        feed.stop();
        const cell = cells[caller];
        const what = `${field.name} replay as ${PLAYERS[caller]} (${caller})`;
        const got = feed.received.map(sequenceOf);
        if (cell === "forbidden") {
          expect({ got, codes: errorCodes(feed.errors) }, what).toEqual({ got: [], codes: ["FORBIDDEN"] });
          continue;
        }
        expect(feed.errors, what).toEqual([]);
        expect(leaks(caller, feed.received), what).toEqual([]);
        const expected = expectedOf(caller);
        expect(got, what).toEqual(expected);
        if (cell === "nothing") expect(got, what).toEqual([]);
        if (cell === "theirs" && caller !== "admin") expect(visibleRequests(caller).size, what).toBeGreaterThan(0);
        // Alice holds grants in the scenario: the filter is not empty by accident.
        if (cell === "held" && caller === "requester") expect(got.length, what).toBeGreaterThan(0);
      }
    });
  }

  it("live ticket and request changes reach exactly the request's audience at the time of the change", async () => {
    const ticketField = subscription("ticketStatusChanged");
    const requestField = subscription("requestStatusChanged");
    const live = (field: Field, caller: SignedIn, values: Values = {}) => {
      const { query, variables } = operation("subscription", field, values, 1);
      return listen(client(caller), query, variables);
    };
    const tickets = new Map(SIGNED_IN.map((caller) => [caller, live(ticketField, caller)]));
    const requests = new Map(SIGNED_IN.map((caller) => [caller, live(requestField, caller)]));
    await sleep(300);

    // Who may see each story request after each step (DESIGN.md), admins aside.
    const audience: { step: string; request: "RS" | "RS2"; who: EndUser[] }[] = [];
    const storyIds: Record<"RS" | "RS2", string> = { RS: "", RS2: "" };
    const admin = { tickets: tickets.get("admin"), requests: requests.get("admin") };
    const steps: {
      step: string;
      request: "RS" | "RS2";
      who: EndUser[];
      changes: [number, number];
      run: () => Promise<void>;
    }[] = [
      {
        step: "Alice requests",
        request: "RS",
        who: ["requester", "assignee"],
        changes: [1, 1],
        run: async () => {
          storyIds.RS = await requestAccess("requester", [await createResource("Live Story")]);
        },
      },
      {
        step: "Bob approves; the fulfillment ticket goes to IT Fulfillers",
        request: "RS",
        who: ["requester", "assignee", "fulfiller"],
        changes: [2, 1],
        run: async () => {
          await decide("assignee", await ticketOf(storyIds.RS, "APPROVAL", "OPEN"));
        },
      },
      {
        step: "Dave fulfills",
        request: "RS",
        who: ["requester", "assignee", "fulfiller"],
        changes: [1, 1],
        run: async () => {
          await fulfill("fulfiller", await ticketOf(storyIds.RS, "FULFILLMENT", "OPEN"));
        },
      },
      {
        step: "Erin requests for Tess",
        request: "RS2",
        who: ["target"],
        changes: [1, 1],
        run: async () => {
          storyIds.RS2 = await requestAccess("admin", [await createResource("Live Story Two")], fx.id.target);
        },
      },
      {
        step: "Erin cancels it",
        request: "RS2",
        who: ["target"],
        changes: [1, 1],
        run: async () => {
          const { cancelRequest } = await dataOf(
            t.gql(fx.token.admin, CancelRequest, { input: { requestId: storyIds.RS2 } }),
          );
          accepted(cancelRequest, "cancelRequest");
        },
      },
    ];
    const stepOf = { tickets: new Map<number, number>(), requests: new Map<number, number>() };
    let targeted: Feed[] = [];
    let expectedTickets = 0;
    let expectedRequests = 0;
    for (const [index, step] of steps.entries()) {
      await step.run();
      expectedTickets += step.changes[0];
      expectedRequests += step.changes[1];
      await until(
        () =>
          (admin.tickets?.received.length ?? 0) >= expectedTickets &&
          (admin.requests?.received.length ?? 0) >= expectedRequests,
        `the admin's live changes after "${step.step}"`,
      );
      for (const [kind, feed] of [
        ["tickets", admin.tickets],
        ["requests", admin.requests],
      ] as const) {
        for (const change of feed?.received ?? [])
          if (!stepOf[kind].has(sequenceOf(change))) stepOf[kind].set(sequenceOf(change), index);
      }
      audience.push({ step: step.step, request: step.request, who: step.who });
      if (index === 0) {
        // Someone else's request, asked for by id, with a replay: nothing for those outside it.
        targeted = (["uninvolved", "target", "nonAssignee"] as const).flatMap((caller) => [
          live(ticketField, caller, { requestId: storyIds.RS, afterSequence: 0 }),
          live(requestField, caller, { requestId: storyIds.RS, afterSequence: 0 }),
        ]);
      }
    }
    const expectedLive = (kind: "tickets" | "requests", caller: SignedIn) =>
      [...stepOf[kind]]
        .filter(([, index]) => caller === "admin" || (audience[index]?.who ?? []).some((who) => who === caller))
        .map(([sequence]) => sequence);
    await eventually(() =>
      SIGNED_IN.every(
        (caller) =>
          (tickets.get(caller)?.received.length ?? 0) >= expectedLive("tickets", caller).length &&
          (requests.get(caller)?.received.length ?? 0) >= expectedLive("requests", caller).length,
      ),
    );
    await quiet([...tickets.values(), ...requests.values(), ...targeted]);

    for (const [kind, feeds, field] of [
      ["tickets", tickets, ticketField],
      ["requests", requests, requestField],
    ] as const) {
      const cells = SUBSCRIPTION_MATRIX[field.name];
      expect(cells).toBeDefined();
      for (const [caller, feed] of feeds) {
        feed.stop();
        const cell = cells?.[caller];
        const what = `live ${field.name} as ${PLAYERS[caller]} (${caller})`;
        expect(feed.errors, what).toEqual([]);
        const expected = expectedLive(kind, caller);
        expect(feed.received.map(sequenceOf), what).toEqual(expected);
        if (cell === "nothing") expect(expected, what).toEqual([]);
        if (cell === "everything") expect(caller).toBe("admin");
      }
    }
    for (const feed of targeted) {
      feed.stop();
      expect({ received: feed.received, errors: feed.errors }, "a subscription to someone else's request").toEqual({
        received: [],
        errors: [],
      });
    }
    // The requester's manager got every change of the request: the audience is not empty by accident.
    expect(tickets.get("assignee")?.received.length).toBe(4);
    expect(requests.get("assignee")?.received.length).toBe(3);
  });

  for (const field of rootFields("subscription").filter((f) => !f.args.some((a) => a.name === "afterSequence"))) {
    const cells = SUBSCRIPTION_MATRIX[field.name];
    it(`Subscription.${field.name} live, without replay: ${cells ? SIGNED_IN.map((c) => `${c} ${cells[c]}`).join(", ") : "NOT IN THE MATRIX"}`, async () => {
      expect(cells).toBeDefined();
      if (!cells) return;
      const { query, variables } = operation("subscription", field, {}, 1);
      const feeds = new Map(SIGNED_IN.map((caller) => [caller, listen(client(caller), query, variables)]));
      await sleep(300);
      // Alice requests (Bob is told), Bob approves (Alice and the fulfillers are told).
      const requestId = await requestAccess("requester", [await createResource("Live Notifications")]);
      await decide("assignee", await ticketOf(requestId, "APPROVAL", "OPEN"));
      const told: SignedIn[] = ["requester", "assignee", "fulfiller"];
      await until(
        () => told.every((caller) => (feeds.get(caller)?.received.length ?? 0) > 0),
        "the notifications of the people told",
      );
      await quiet([...feeds.values()]);
      for (const [caller, feed] of feeds) {
        feed.stop();
        const what = `${field.name} as ${PLAYERS[caller]} (${caller})`;
        expect(feed.errors, what).toEqual([]);
        const got = feed.received.map((data) => text(pick(data, field.name, "id"), "notification id"));
        const own = await dataOf(t.gql(fx.token[caller], `{ myNotifications(first: 100) { edges { node { id } } } }`));
        const mine = new Set(ids(nodes(pick(own, "myNotifications"))));
        expect(
          got.filter((id) => !mine.has(id)),
          `${what}: notifications not the caller's`,
        ).toEqual([]);
        expect(got.length > 0, what).toBe(told.includes(caller));
      }
    });
  }
});

// ================================================================== mutations

describe("mutations", () => {
  const auditTotal = async () =>
    (await dataOf(t.gql(fx.token.admin, AuditEvents, { first: 1 }))).auditEvents.totalCount;
  const codes = (cell: MutationCell): string[] => (cell === "denied" ? ["FORBIDDEN", "NOT_FOUND"] : [cell]);

  for (const field of rootFields("mutation")) {
    const rows = Object.entries(MUTATION_MATRIX).filter(([key]) => (key.split(":")[0] ?? key) === field.name);
    if (rows.length === 0) {
      it(`Mutation.${field.name}: NOT IN THE MATRIX`, () => {
        expect(rows, `Mutation.${field.name} has no row in MUTATION_MATRIX`).not.toEqual([]);
      });
    }
    for (const [key, mutationRow] of rows)
      it(`Mutation.${key}: ${CALLERS.map((c) => `${c} ${mutationRow.cells[c]}`).join(", ")}`, async () => {
        const { cells, subject, fresh, after } = mutationRow;
        const outcomeOf = (res: GraphQLResponse<Data>) => {
          const payload = pick(res.data, field.name);
          return mutationRow.unwrap ? mutationRow.unwrap(payload) : payload;
        };
        expect(cells.anonymous).toBe("401");
        const first = operation("mutation", field, subject("uninvolved"), 1);
        await expectAnonymousRefused(first.query, first.variables, `Mutation.${key}`);

        // Refusals first (on the shared subject), one at a time so that the audit total is theirs.
        for (const caller of SIGNED_IN.filter((c) => cells[c] !== "ok")) {
          const cell = cells[caller];
          const who = `Mutation.${key} as ${PLAYERS[caller]} (${caller})`;
          if (cell === "401") throw new Error(`${who}: 401 is for anonymous callers only`);
          expect(caller === "admin" && cell === "denied", `${who}: admins are denied nothing admin-only`).toBe(false);
          const before = await auditTotal();
          const { query, variables } = operation("mutation", field, subject(caller), mutationRow.depth ?? 1);
          const res = await t.gql(tokenOf(caller), query, variables);
          expect(res.errors, who).toBeUndefined();
          const payload = outcomeOf(res);
          const errors = items(pick(payload, "errors"));
          expect(errors.length, `${who}: ${JSON.stringify(payload)}`).toBeGreaterThan(0);
          expect(codes(cell), `${who}: ${JSON.stringify(errors)}`).toContain(pick(errors[0], "code"));
          const entities = Object.entries(isRecord(payload) ? payload : {}).filter(
            ([k]) => k !== "errors" && k !== "__typename",
          );
          // (A count of what changed answers 0.)
          expect(
            entities.filter(([, value]) => value !== null && value !== 0),
            `${who}: a refused mutation returns nothing`,
          ).toEqual([]);
          expect(await auditTotal(), `${who}: a refused mutation writes nothing`).toBe(before);
        }

        for (const caller of SIGNED_IN.filter((c) => cells[c] === "ok")) {
          const who = `Mutation.${key} as ${PLAYERS[caller]} (${caller})`;
          const values = fresh ? await fresh(caller) : subject(caller);
          const { query, variables } = operation("mutation", field, values, mutationRow.depth ?? 1);
          const res = await t.gql(tokenOf(caller), query, variables);
          expect(res.errors, who).toBeUndefined();
          const payload = outcomeOf(res);
          expect(pick(payload, "errors"), `${who} ${JSON.stringify(variables)}`).toEqual([]);
          const entities = Object.entries(isRecord(payload) ? payload : {}).filter(
            ([k]) => k !== "errors" && k !== "__typename",
          );
          expect(
            entities.filter(([, value]) => value !== null).length,
            `${who}: ${JSON.stringify(payload)}`,
          ).toBeGreaterThan(0);
          // Nothing that existed before and is someone else's comes back (new objects are the caller's own).
          expect(leaks(caller, res.data, true), who).toEqual([]);
        }
        await after?.();
      });
  }
});
