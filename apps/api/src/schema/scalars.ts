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
  description: "Arbitrary JSON value.",
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => literalToJson(ast, variables),
});

export const RoleEnum = builder.enumType(Role, { name: "Role" });
export const ConnectorKindEnum = builder.enumType(ConnectorKind, {
  name: "ConnectorKind",
  values: {
    MANUAL: { description: "No automation: a fulfillment ticket goes to the system's fulfillers." },
    WEBHOOK: { description: "Signed HTTP POST to a configured URL." },
    SCIM: { description: "SCIM 2.0 (RFC 7643/7644) group membership." },
    LDAP: { description: "LDAP group membership." },
  },
});
export const HealthStatusEnum = builder.enumType(HealthStatus, { name: "HealthStatus" });
export const SensitivityEnum = builder.enumType(Sensitivity, { name: "Sensitivity" });
export const ApproverKindEnum = builder.enumType(ApproverKind, {
  name: "ApproverKind",
  values: {
    MANAGER: { description: "The target identity's manager." },
    EXPLICIT: { description: "Named identities; any one of them decides." },
    GROUP: { description: "Any member of a group decides." },
  },
});
export const GrantStatusEnum = builder.enumType(GrantStatus, { name: "GrantStatus" });
// Status meanings come from the lifecycle's tables (domain/lifecycle.ts).
const described = <S extends string>(statuses: readonly S[], describe: (status: S) => string) =>
  Object.fromEntries(statuses.map((status) => [status, { description: describe(status) }])) as Record<
    S,
    { description: string }
  >;

export const RequestStatusEnum = builder.enumType(RequestStatus, {
  name: "RequestStatus",
  values: described(Object.values(RequestStatus), (status) => REQUEST_STATUSES[status]),
});
export const TicketKindEnum = builder.enumType(TicketKind, {
  name: "TicketKind",
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
  values: described(Object.values(TicketStatus), describeTicketStatus),
});
export const AuditActionEnum = builder.enumType(AuditAction, {
  name: "AuditAction",
  values: {
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
