// DateTime (ISO-8601 in UTC) and JSON scalars, and the contract's enums.
import { GraphQLError, Kind, type ValueNode } from "graphql";
import {
  ApproverKind,
  AuditAction,
  ConnectorKind,
  GrantStatus,
  HealthStatus,
  RequestStatus,
  Role,
  Sensitivity,
  TicketKind,
  TicketStatus,
} from "../generated/prisma/enums.ts";
import { describeTicketStatus, REQUEST_STATUSES } from "../domain/lifecycle.ts";
import { builder } from "./builder.ts";

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

function parseDateTime(value: unknown): Date {
  if (typeof value !== "string" || !ISO.test(value) || Number.isNaN(Date.parse(value))) {
    throw new GraphQLError("DateTime must be an ISO-8601 string, e.g. 2026-11-27T09:30:00.000Z.", {
      extensions: { code: "VALIDATION" },
    });
  }
  return new Date(value);
}

builder.scalarType("DateTime", {
  description: "An instant in time, ISO-8601 in UTC, e.g. 2026-11-27T09:30:00.000Z.",
  serialize: (value) => (value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString()),
  parseValue: parseDateTime,
  parseLiteral: (ast) => parseDateTime(ast.kind === Kind.STRING ? ast.value : undefined),
});

function literalToJson(ast: ValueNode, variables: Record<string, unknown> | null | undefined): unknown {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return ast.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(ast.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return ast.values.map((v) => literalToJson(v, variables));
    case Kind.OBJECT:
      return Object.fromEntries(ast.fields.map((f) => [f.name.value, literalToJson(f.value, variables)]));
    case Kind.VARIABLE:
      return variables?.[ast.name.value];
    default:
      throw new GraphQLError("Unsupported JSON literal.", { extensions: { code: "VALIDATION" } });
  }
}

builder.scalarType("JSON", {
  description:
    "Any JSON value (object, list, string, number, boolean or null), as sent. Where a field takes JSON its\n" +
    "description says the shape it expects; at most 16 KiB where it is stored configuration.",
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => literalToJson(ast, variables),
});

export const RoleEnum = builder.enumType(Role, {
  name: "Role",
  description: "What an identity may do beyond requesting access for itself.",
  values: {
    END_USER: {
      description: "Requests access for itself; approves and fulfils the tickets routed to it; sees its own things.",
    },
    ADMIN: {
      description:
        "Everything an end user may, plus the catalogue, the directory, tokens, settings, the whole audit trail,\n" +
        "requests for others, and overriding any ticket (never one of their own requests: separation of duties).",
    },
  },
});
export const ConnectorKindEnum = builder.enumType(ConnectorKind, {
  name: "ConnectorKind",
  description: "How a system's access is provisioned and revoked once approved.",
  values: {
    MANUAL: { description: "No automation: a fulfillment ticket goes to the system's fulfillers." },
    WEBHOOK: { description: "Signed HTTP POST to a configured URL." },
    SCIM: { description: "SCIM 2.0 (RFC 7643/7644) group membership." },
    LDAP: { description: "LDAP group membership." },
  },
});
export const HealthStatusEnum = builder.enumType(HealthStatus, {
  name: "HealthStatus",
  description: "Whether a system's connector answers, from its periodic checks and its calls.",
  values: {
    UNKNOWN: { description: "Not checked yet (a new system, or a MANUAL one, which has nothing to check)." },
    HEALTHY: { description: "The last check or call succeeded." },
    DEGRADED: { description: "A call or check failed; calls are still made and retried." },
    DOWN: { description: "The peer does not answer, or three calls in a row failed." },
  },
});
export const SensitivityEnum = builder.enumType(Sensitivity, {
  name: "Sensitivity",
  description: "How much a resource's access matters: what approval steps it may have, and its default ones.",
  values: {
    STANDARD: {
      description: "Everyday access: by default the target's manager approves; with no steps, policy approves it.",
    },
    SENSITIVE: { description: "Needs at least one approval step; by default the target's manager." },
    PRIVILEGED: {
      description:
        "Needs a step with named approvers or a group, configured (no default); grants last 7 days unless\n" +
        "the resource sets its own maximum.",
    },
  },
});
export const ApproverKindEnum = builder.enumType(ApproverKind, {
  name: "ApproverKind",
  description: "Who decides an approval step.",
  values: {
    MANAGER: { description: "The target identity's manager." },
    EXPLICIT: { description: "Named identities; any one of them decides." },
    GROUP: { description: "Any member of a group decides." },
  },
});
export const GrantStatusEnum = builder.enumType(GrantStatus, {
  name: "GrantStatus",
  description: "Whether a grant's access is held now.",
  values: {
    ACTIVE: { description: "Held now (until `expiresAt`, when it has one)." },
    REVOKED: { description: "Taken away early: by an admin, an access review, cancellation or the holder leaving." },
    EXPIRED: { description: "Ended at its `expiresAt`." },
  },
});
// Status meanings come from the lifecycle's tables (domain/lifecycle.ts).
const described = <S extends string>(statuses: readonly S[], describe: (status: S) => string) =>
  Object.fromEntries(statuses.map((status) => [status, { description: describe(status) }])) as Record<
    S,
    { description: string }
  >;

export const RequestStatusEnum = builder.enumType(RequestStatus, {
  name: "RequestStatus",
  description: "Where a request stands as a whole, derived from its items' tickets.",
  values: described(Object.values(RequestStatus), (status) => REQUEST_STATUSES[status]),
});
export const TicketKindEnum = builder.enumType(TicketKind, {
  name: "TicketKind",
  description: "What a ticket asks of the people (or connector) it is assigned to.",
  values: {
    APPROVAL: { description: "One approval step of an item: its approvers approve or reject it." },
    FULFILLMENT: { description: "Provisioning an approved item: by a connector, or by a fulfiller by hand." },
    REVOCATION: {
      description:
        "Removing a revoked grant's access from a system without a connector (MANUAL): the system's fulfillers " +
        "remove it by hand and close the ticket with fulfillTicket and evidence (a comment is required). It belongs " +
        "to the request that granted the access and changes neither that request's status nor its item's; the grant " +
        "is already REVOKED. Opened by revokeGrant and by the deactivation of the grant's holder.",
    },
  },
});
export const TicketStatusEnum = builder.enumType(TicketStatus, {
  name: "TicketStatus",
  description: "Where a ticket stands; only the ticket state machine changes it.",
  values: described(Object.values(TicketStatus), describeTicketStatus),
});
export const AuditActionEnum = builder.enumType(AuditAction, {
  name: "AuditAction",
  description: "What an audit event records. `AuditEvent.data` holds the details of each.",
  values: {
    REQUEST_CREATED: { description: "A request was made: its resources, target and justification." },
    REQUEST_STATUS_CHANGED: { description: "A request's status changed (`data.from`, `data.to`)." },
    REQUEST_CANCELLED: {
      description: "The requester, target or an admin cancelled a request, with an optional reason.",
    },
    TICKET_CREATED: { description: "A ticket was opened and assigned (approval, fulfillment or revocation)." },
    TICKET_APPROVED: { description: "An approver approved a ticket, with an optional comment." },
    TICKET_REJECTED: { description: "An approver rejected a ticket, with the reason." },
    TICKET_FULFILLED: {
      description: "A fulfiller or connector provisioned the access (or removed it, for a revocation).",
    },
    TICKET_FAILED: {
      description: "Fulfillment failed for good: the connector's code and plain message (detail for admins).",
    },
    TICKET_STATUS_CHANGED: { description: "A ticket's status changed for another reason (e.g. cancelled, retried)." },
    TICKET_COMMENTED: { description: "Someone commented on a ticket." },
    CONNECTOR_CALLED: { description: "One attempt of a connector call: operation, outcome, attempt number, duration." },
    GRANT_ACTIVATED: { description: "Access was provisioned: a grant became ACTIVE." },
    GRANT_REVOKED: { description: "A grant was revoked, with who and why." },
    GRANT_EXPIRED: { description: "A grant reached its end and expired." },
    GRANT_EXTENDED: { description: "A fulfilled extension request moved a grant's end (`data.from`, `data.to`)." },
    CONFIG_CHANGED: { description: "An admin changed the catalogue, the directory or the settings (what, from, to)." },
    TOKEN_ISSUED: { description: "An API or SCIM token was issued (never its secret)." },
    TOKEN_REVOKED: { description: "An API or SCIM token was revoked." },
    SYSTEM_HEALTH_CHANGED: { description: "A system's connector health changed (`data.from`, `data.to`)." },
    REVIEW_STARTED: { description: "An admin started an access review campaign." },
    REVIEW_ITEM_DECIDED: { description: "A reviewer kept or revoked one grant of a campaign." },
    REVIEW_CLOSED: { description: "A campaign closed: by an admin, or at its deadline." },
    TICKET_REMINDED: { description: "A ticket passed its SLA and its assignees were reminded (once)." },
    TICKET_ESCALATED: { description: "A ticket reached twice its SLA and the fallback group or admins were added." },
    TICKET_CLAIMED: { description: "Someone said they are taking a ticket, or gave it back (a signal, not a lock)." },
    DELEGATION_SET: { description: "Someone's approvals were delegated to another person for a time." },
    DELEGATION_ENDED: { description: "A delegation was ended early." },
    NOTIFICATION_SETTINGS_CHANGED: { description: "Someone changed which kinds of email they receive." },
    POLICY_APPLIED: { description: "A policy decided on its own, e.g. auto-approval of a STANDARD resource." },
    SESSION_STARTED: { description: "Someone signed in to the dashboard through the identity provider." },
    SESSION_ENDED: {
      description: "A browser session ended: signed out, revoked, or its identity deactivated or changed role.",
    },
    TICKET_REASSIGNED: {
      description:
        "An open ticket's assignees changed (its status did not): a named assignee was deactivated, or the " +
        "target's manager changed. Delivered by ticketStatusChanged with previousStatus equal to status.",
    },
  },
});
