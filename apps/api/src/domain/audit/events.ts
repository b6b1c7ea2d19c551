// What each audit action's `data` holds: one shape per AuditAction, so every writer's
// `work.audit.append({ action, data })` is type-checked for its action, and the live feed reads
// status changes back with the same shapes (live/changes.ts). Ids inside are global ids (what
// the API shows). Stored data is the canonical JSON of these objects and is never changed: a
// shape may gain optional keys, never rename or drop one.
import type {
  AuditAction,
  HealthStatus,
  RequestStatus,
  ReviewDecision,
  ReviewerRule,
  TicketKind,
  TicketStatus,
} from "../../generated/prisma/client.ts";
import type { JsonValue } from "@access/audit-chain";

/** A global id (base64 of `Type:id`), as the API shows ids. */
type GlobalId = string;

/** A request's status change (creation: previousStatus null). */
export type RequestStatusData = { previousStatus: RequestStatus | null; status: RequestStatus };

/** A ticket's status change (creation: previousStatus null). */
export type TicketStatusData = { previousStatus: TicketStatus | null; status: TicketStatus; kind: TicketKind };

/** A status change of an existing ticket (what domain/lifecycle.ts moveTicket performs). */
type TicketMoveData = TicketStatusData & { previousStatus: TicketStatus };

/** A connector system's health change. */
export type HealthStatusData = {
  systemId: GlobalId;
  previousStatus: HealthStatus | null;
  status: HealthStatus;
  message: string | null;
};

/** Who decided a ticket: an assignee, or an admin overriding (override: true). */
type Decision = { override: boolean };

/** Which grant changed, and whose it is (the live feed's audience: the holder and admins). */
export type GrantData = { grantId: GlobalId; identityId: GlobalId; resourceId: GlobalId };

type TokenData = { tokenId: GlobalId; identityId: GlobalId; name: string };

type SessionData = { sessionId: GlobalId; identityId: GlobalId };

/** How a connector call went: verified (null where the protocol cannot tell), or the error and what follows. */
export type ConnectorCallOutcome =
  | { outcome: "success"; verified: boolean | null }
  | {
      outcome: "failure";
      /** UNREACHABLE, REFUSED or FAILED, and its plain message: what everyone may read. */
      errorCode: string;
      error: string;
      /** What the connector or its peer said: admins only (AuditEvent.data leaves it out for others). */
      detail: string;
      final: boolean;
      retryAt: string | null;
    };

type ConnectorCallData = {
  /** The job's own id (jobs are not API objects). */
  jobId: string;
  operation: "provision" | "revoke";
  systemId: GlobalId;
  attempt: number;
  durationMs: number;
} & ConnectorCallOutcome;

/** Configuration changes carry what changed, which differs per entity. */
type ConfigChangeData = {
  entity: "System" | "Resource" | "Identity" | "Group" | "Settings" | "EventEndpoint";
  entityId: GlobalId;
  change: "created" | "updated" | "deleted" | "member added" | "member removed";
} & { [detail: string]: JsonValue };

/** Fails to compile unless `T` has exactly one entry per AuditAction. */
type OnePerAction<T extends { [A in AuditAction]: unknown } & { [K in Exclude<keyof T, AuditAction>]: never }> = T;

export type AuditData = OnePerAction<{
  REQUEST_CREATED: RequestStatusData & {
    previousStatus: null;
    number: number;
    targetId: GlobalId;
    resourceIds: GlobalId[];
    /** The end of access asked for, when one was. */
    grantExpiresAt?: string;
    /** An extension: the grant it extends. */
    extendsGrantId?: GlobalId;
  };
  REQUEST_STATUS_CHANGED: RequestStatusData;
  REQUEST_CANCELLED: RequestStatusData;
  TICKET_CREATED: TicketStatusData & {
    previousStatus: null;
    number: number;
    step: number | null;
    assigneeIds: GlobalId[];
    assigneeGroupId: GlobalId | null;
    assignedToAdmins: boolean;
    /** Why the admins were assigned instead of the step's approvers (null when they were not). */
    fallbackReason: string | null;
    /** REVOCATION tickets: the revoked grant whose access is to be removed. */
    grantId?: GlobalId;
    /** The fallback approvers' group took the step (fallbackReason says why). */
    toFallbackGroup?: boolean;
    /** Named approvers away whose delegates were assigned instead. */
    delegatedFromIds?: GlobalId[];
  };
  /** grantExpiresAt: the approver moved the end of access earlier, to this. */
  TICKET_APPROVED: TicketMoveData & Decision & { step: number | null; grantExpiresAt?: string };
  TICKET_REJECTED: TicketMoveData & Decision & { step: number | null };
  TICKET_FULFILLED: TicketMoveData & (Decision | { by: "connector"; verified: boolean | null });
  /**
   * The connector's last attempt failed (its error code, plain message and attempts), or a
   * fulfiller declined the ticket (by: "fulfiller"; the reason is the event's comment).
   */
  TICKET_FAILED: TicketMoveData &
    ({ errorCode: string; error: string; attempts: number } | (Decision & { by: "fulfiller" }));
  TICKET_STATUS_CHANGED: TicketMoveData & ((Decision & { reason: "retry" }) | { reason: "request cancelled" });
  /**
   * An open ticket's assignment changed (status unchanged: previousStatus = status): a named
   * assignee was deactivated, or the target's manager changed. The new assignment as on
   * TICKET_CREATED.
   */
  TICKET_REASSIGNED: TicketMoveData & {
    step: number | null;
    reason: "assignee deactivated" | "manager changed" | "reassigned by admin";
    previousAssigneeIds: GlobalId[];
    /** The group that had it before (absent on events written before admins could reassign). */
    previousAssigneeGroupId?: GlobalId | null;
    assigneeIds: GlobalId[];
    assigneeGroupId: GlobalId | null;
    assignedToAdmins: boolean;
    fallbackReason: string | null;
  };
  TICKET_COMMENTED: { commentId: GlobalId };
  /** An open ticket passed its SLA: its assignees were reminded (status unchanged). */
  TICKET_REMINDED: TicketMoveData & {
    slaHours: number;
    assigneeIds: GlobalId[];
    assigneeGroupId: GlobalId | null;
    assignedToAdmins: boolean;
  };
  /**
   * An open ticket passed twice its SLA: it went to the fallback approvers' group (or the admins
   * when none is configured), status unchanged.
   */
  TICKET_ESCALATED: TicketMoveData & {
    slaHours: number;
    previousAssigneeIds: GlobalId[];
    previousAssigneeGroupId: GlobalId | null;
    assigneeGroupId: GlobalId | null;
    assignedToAdmins: boolean;
  };
  /** A member of the assigned group took the ticket (claimedById) or gave it back (null). */
  TICKET_CLAIMED: TicketMoveData & { claimedById: GlobalId | null; previousClaimedById: GlobalId | null };
  /** A person named a delegate for their approvals for a period. */
  DELEGATION_SET: {
    delegationId: GlobalId;
    delegatorId: GlobalId;
    delegateId: GlobalId;
    startsAt: string;
    endsAt: string;
  };
  /** A delegation ended before its end (by the delegator or an admin). */
  DELEGATION_ENDED: { delegationId: GlobalId; delegatorId: GlobalId; delegateId: GlobalId };
  /** A person changed which notification emails they get. */
  NOTIFICATION_SETTINGS_CHANGED: { identityId: GlobalId; mutedEmailKinds: string[] };
  CONNECTOR_CALLED: ConnectorCallData;
  /** expiresAt: when the access ends (absent on grants activated before grants could end). */
  GRANT_ACTIVATED: GrantData & { expiresAt?: string | null };
  GRANT_REVOKED: GrantData;
  /** The grant's end passed: the sweeper ended it (actor null). */
  GRANT_EXPIRED: GrantData & { expiresAt: string };
  /** An extension request's item was fulfilled: the grant's end moved. */
  GRANT_EXTENDED: GrantData & { previousExpiresAt: string | null; expiresAt: string | null; itemId: GlobalId };
  CONFIG_CHANGED: ConfigChangeData;
  TOKEN_ISSUED: TokenData & {
    source: "issued" | "system" | "BOOTSTRAP_ADMIN_TOKEN";
    expiresAt: string | null;
    /** Present for SCIM tokens only (a token without it is an API token). */
    scope?: "SCIM";
  };
  TOKEN_REVOKED: TokenData;
  POLICY_APPLIED: { policy: "AUTO_APPROVAL"; reason: string; resourceId: GlobalId };
  SYSTEM_HEALTH_CHANGED: HealthStatusData;
  /** A browser sign-in through the identity provider. */
  SESSION_STARTED: SessionData & { via: "oidc"; expiresAt: string };
  SESSION_ENDED: SessionData & { reason: SessionEndReason };
  REVIEW_STARTED: ReviewData & {
    number: number;
    name: string;
    reviewerRule: ReviewerRule;
    onDeadline: ReviewDecision;
    deadline: string;
    systemIds: GlobalId[];
    resourceIds: GlobalId[];
    /** NAMED campaigns: the named reviewers (empty otherwise). */
    reviewerIds: GlobalId[];
    items: number;
    /** Items nobody but the holder could review under the rule: the admins review them. */
    assignedToAdmins: number;
  };
  /**
   * by "reviewer": a reviewer (or an admin, override) decided, the event's comment is theirs; by
   * "deadline": the campaign closed with the item undecided and it got the campaign's onDeadline.
   * grantEnded: a REVOKE ended the grant now (false: it had ended meanwhile, or KEEP).
   */
  REVIEW_ITEM_DECIDED: ReviewData &
    GrantData & {
      itemId: GlobalId;
      decision: ReviewDecision;
      by: "reviewer" | "deadline";
      override: boolean;
      grantEnded: boolean;
    };
  /** kept and revoked count every item's final decision; undecided: how many of them got onDeadline. */
  REVIEW_CLOSED: ReviewData & {
    reason: "deadline" | "closed by admin";
    kept: number;
    revoked: number;
    undecided: number;
  };
}>;

/** What every review event names: the campaign (the live feed finds its audience from it). */
export type ReviewData = { reviewId: GlobalId };

/** Why a browser session ended before its expiry. */
export type SessionEndReason = "signed out" | "revoked" | "identity deactivated" | "role changed";

/** One audit event as a writer appends it, its data checked against its action. */
export type AuditEntry<A extends AuditAction = AuditAction> = {
  action: A;
  /** Null when the system itself acted (policy, connector, expiry). */
  actorId: string | null;
  requestId?: string | null;
  ticketId?: string | null;
  comment?: string | null;
  data: AuditData[A];
};
