// Approval routing and the right to act on a ticket: who is assigned a step, who takes over when
// nobody eligible is left (the organisation's fallback group, else the admins), delegates of
// approvers who are away, and separation of duties (the requester and the target never act on
// tickets of their request, admins and delegates included).
import type { Prisma, Sensitivity, TicketKind, TicketStatus } from "../../generated/prisma/client.ts";
import { DomainError } from "../errors.ts";
import { actionableTicketWhere, isActionableTicket } from "../lifecycle.ts";
import { readSettings } from "../settings/settings.ts";
import { type Actor, isAdmin, type Tx } from "../work.ts";

export interface StepSpec {
  kind: "MANAGER" | "EXPLICIT" | "GROUP";
  approverIds: string[];
  groupId: string | null;
}

/** The steps a resource gets when none are configured, by sensitivity. */
export function defaultSteps(sensitivity: Sensitivity): StepSpec[] | null {
  // PRIVILEGED's default is MANAGER then EXPLICIT, and explicit approvers cannot be defaulted.
  return sensitivity === "PRIVILEGED" ? null : [{ kind: "MANAGER", approverIds: [], groupId: null }];
}

export interface Routing {
  assigneeIds: string[];
  assigneeGroupId: string | null;
  assignedToAdmins: boolean;
  /**
   * Why the step's own approvers were not assigned, in people's words (null when they were): the
   * ticket's routing note, shown on the request. The fallback group or the admins have it.
   */
  fallbackReason: string | null;
  /** The organisation's fallback group took the step (fallbackReason says why). */
  toFallbackGroup?: boolean;
  /** Named approvers away whose delegates were assigned instead (applyDelegations). */
  delegatedFromIds?: string[];
}

interface Parties {
  requesterId: string;
  targetId: string;
}

const toAdmins = (reason: string): Routing => ({
  assigneeIds: [],
  assigneeGroupId: null,
  assignedToAdmins: true,
  fallbackReason: reason,
});

const eligibleIdentity = (parties: Parties): Prisma.IdentityWhereInput => ({
  active: true,
  id: { notIn: [parties.requesterId, parties.targetId] },
});

async function hasEligibleMember(tx: Tx, groupId: string, parties: Parties): Promise<boolean> {
  const eligible = await tx.identity.count({
    where: { ...eligibleIdentity(parties), groups: { some: { id: groupId } } },
  });
  return eligible > 0;
}

/**
 * Where a step nobody eligible is left for goes: the organisation's fallback group when it has an
 * eligible member, else the admins. The settings are read only here, off the normal path.
 */
export async function routeToFallback(tx: Tx, parties: Parties, reason: string): Promise<Routing> {
  const { fallbackGroupId } = await readSettings(tx);
  if (fallbackGroupId && (await hasEligibleMember(tx, fallbackGroupId, parties))) {
    return {
      assigneeIds: [],
      assigneeGroupId: fallbackGroupId,
      assignedToAdmins: false,
      fallbackReason: reason,
      toFallbackGroup: true,
    };
  }
  return toAdmins(reason);
}

async function routeToGroup(tx: Tx, groupId: string, parties: Parties, emptyReason: string): Promise<Routing> {
  if (!(await hasEligibleMember(tx, groupId, parties))) return routeToFallback(tx, parties, emptyReason);
  return { assigneeIds: [], assigneeGroupId: groupId, assignedToAdmins: false, fallbackReason: null };
}

export async function routeApprovalStep(
  tx: Tx,
  step: { id: string; kind: StepSpec["kind"]; groupId: string | null },
  parties: Parties,
): Promise<Routing> {
  switch (step.kind) {
    case "MANAGER": {
      // The target's manager, in one statement (the identity that has the target as a report).
      const manager = await tx.identity.findFirst({
        where: { reports: { some: { id: parties.targetId } } },
        select: { id: true, active: true },
      });
      if (!manager) return routeToFallback(tx, parties, "no manager on record");
      if (!manager.active) return routeToFallback(tx, parties, "the manager is no longer active");
      if (manager.id === parties.requesterId || manager.id === parties.targetId) {
        return routeToFallback(tx, parties, "the manager made the request (separation of duties)");
      }
      return { assigneeIds: [manager.id], assigneeGroupId: null, assignedToAdmins: false, fallbackReason: null };
    }
    case "EXPLICIT": {
      // The step's approvers are read here, in the same statement, only for the steps that name them.
      const eligible = await tx.identity.findMany({
        where: {
          active: true,
          id: { notIn: [parties.requesterId, parties.targetId] },
          stepApprovals: { some: { id: step.id } },
        },
        select: { id: true },
        orderBy: { id: "asc" },
      });
      if (eligible.length === 0) {
        return routeToFallback(
          tx,
          parties,
          "none of the named approvers may act (inactive, or the requester or target)",
        );
      }
      return {
        assigneeIds: eligible.map((i) => i.id),
        assigneeGroupId: null,
        assignedToAdmins: false,
        fallbackReason: null,
      };
    }
    case "GROUP":
      if (!step.groupId) return routeToFallback(tx, parties, "the step names no approver group");
      return routeToGroup(tx, step.groupId, parties, "the approver group has no eligible member");
  }
}

/**
 * Routes an open approval ticket's step again, as its step is configured now (a reassignment:
 * an assignee left, or the target's manager changed); admins when the step is gone.
 */
export async function routeApprovalStepAgain(
  tx: Tx,
  ticket: { resourceId: string; step: number | null },
  parties: Parties,
): Promise<Routing & { stepKind: StepSpec["kind"] | null }> {
  const step =
    ticket.step === null
      ? null
      : await tx.approvalStep.findUnique({
          where: { resourceId_order: { resourceId: ticket.resourceId, order: ticket.step } },
          select: { id: true, kind: true, groupId: true },
        });
  if (!step)
    return { ...(await routeToFallback(tx, parties, "the approval step is no longer configured")), stepKind: null };
  return { ...(await routeApprovalStep(tx, step, parties)), stepKind: step.kind };
}

export async function routeFulfillment(tx: Tx, fulfillersGroupId: string | null, parties: Parties): Promise<Routing> {
  if (!fulfillersGroupId) return routeToFallback(tx, parties, "the system has no fulfillers group");
  return routeToGroup(tx, fulfillersGroupId, parties, "the fulfillers group has no eligible member");
}

/**
 * A new ticket's named approvers who are away (a delegation running at `at`) are replaced by their
 * delegates, in one read. Separation of duties holds for delegates: a delegation whose delegate is
 * inactive, the requester or the target is not followed, and the approver stays assigned.
 * Groups, fallback groups and admins are never delegated.
 */
export async function applyDelegations(tx: Tx, routing: Routing, parties: Parties, at: Date): Promise<Routing> {
  if (routing.assigneeIds.length === 0) return routing;
  const running = await tx.delegation.findMany({
    where: {
      delegatorId: { in: routing.assigneeIds },
      endedAt: null,
      startsAt: { lte: at },
      endsAt: { gt: at },
      delegate: eligibleIdentity(parties),
    },
    select: { delegatorId: true, delegateId: true },
    orderBy: { startsAt: "desc" },
  });
  if (running.length === 0) return routing;
  const delegateOf = new Map<string, string>();
  for (const d of running) if (!delegateOf.has(d.delegatorId)) delegateOf.set(d.delegatorId, d.delegateId);
  const delegatedFromIds = routing.assigneeIds.filter((id) => delegateOf.has(id));
  return {
    ...routing,
    assigneeIds: [...new Set(routing.assigneeIds.map((id) => delegateOf.get(id) ?? id))],
    delegatedFromIds,
  };
}

/** The facts about a ticket that decide who may act on it. */
export interface TicketFacts {
  kind: TicketKind;
  status: TicketStatus;
  assigneeIds: readonly string[];
  assigneeGroupId: string | null;
  assignedToAdmins: boolean;
  requesterId: string;
  targetId: string;
}

/** The facts of a ticket row loaded with `ticketFactsSelect`. */
export const ticketFactsSelect = {
  kind: true,
  status: true,
  assigneeGroupId: true,
  assignedToAdmins: true,
  assignees: { select: { id: true } },
  request: { select: { requesterId: true, targetId: true } },
} satisfies Prisma.TicketSelect;

export function ticketFacts(row: Prisma.TicketGetPayload<{ select: typeof ticketFactsSelect }>): TicketFacts {
  return {
    kind: row.kind,
    status: row.status,
    assigneeIds: row.assignees.map((a) => a.id),
    assigneeGroupId: row.assigneeGroupId,
    assignedToAdmins: row.assignedToAdmins,
    requesterId: row.request.requesterId,
    targetId: row.request.targetId,
  };
}

export type ActingRight = "ASSIGNED" | "OVERRIDE" | "SELF" | "NONE";

/**
 * The acting right once it is known whether the viewer is assigned to the ticket (named, through
 * its group, or as an admin of an admin-assigned ticket): the one rule, whichever way the
 * assignment was found (from loaded facts here, from targeted reads in the domain's writers).
 */
export function actingRightOf(
  viewer: Actor,
  parties: { requesterId: string; targetId: string },
  assigned: boolean,
): ActingRight {
  if (viewer.id === parties.requesterId || viewer.id === parties.targetId) return "SELF";
  if (assigned) return "ASSIGNED";
  return isAdmin(viewer) ? "OVERRIDE" : "NONE";
}

export function actingRight(viewer: Actor, ticket: TicketFacts, viewerGroupIds: ReadonlySet<string>): ActingRight {
  const assigned =
    ticket.assigneeIds.includes(viewer.id) ||
    (ticket.assigneeGroupId !== null && viewerGroupIds.has(ticket.assigneeGroupId)) ||
    (ticket.assignedToAdmins && isAdmin(viewer));
  return actingRightOf(viewer, ticket, assigned);
}

/** Why a closed or running ticket waits on nobody, by status (the actionable statuses are absent). */
const CLOSED_REASONS: Partial<Record<TicketStatus, string>> = {
  APPROVED: "Closed: it was approved.",
  REJECTED: "Closed: it was rejected.",
  FULFILLED: "Closed: it was done.",
  CANCELLED: "Closed: the request was cancelled.",
  IN_PROGRESS: "Its connector is provisioning the access; nobody needs to act.",
};

/**
 * Why the viewer may not act on a ticket they see, in people's words; null when they may. The
 * same rule as requireRight (separation of duties first, then the assignment), after the
 * ticket's status: what a decision by this viewer would be refused for.
 */
export function cannotActReason(viewer: Actor, ticket: TicketFacts, right: ActingRight): string | null {
  if (!isActionableTicket(ticket.kind, ticket.status)) return CLOSED_REASONS[ticket.status] ?? "Closed.";
  if (right === "SELF") {
    return viewer.id === ticket.requesterId
      ? "You requested this: the requester may not act on the request's tickets."
      : "This access is for you: the person who gets it may not act on its tickets.";
  }
  if (right === "NONE") return "It waits on its assignees, not on you.";
  return null;
}

/** Throws the contract's error for a right that does not allow acting; returns whether it is an override. */
export function requireRight(right: ActingRight): boolean {
  if (right === "SELF") {
    throw new DomainError("SELF_APPROVAL", "The requester and the target of a request may not act on its tickets.");
  }
  if (right === "NONE") throw new DomainError("FORBIDDEN", "You are not an approver or fulfiller of this ticket.");
  return right === "OVERRIDE";
}

/**
 * SQL form of "this ticket waits on the viewer": actionable now, and assigned to them by name,
 * through a group they are in, or (admins) assigned to the admins — not tickets an admin could
 * only override. What the dashboard counts as waiting on a person.
 */
export function assignedWhere(viewer: Actor): Prisma.TicketWhereInput {
  const assigned: Prisma.TicketWhereInput[] = [
    { assignees: { some: { id: viewer.id } } },
    { assigneeGroup: { members: { some: { id: viewer.id } } } },
  ];
  if (isAdmin(viewer)) assigned.push({ assignedToAdmins: true });
  return {
    AND: [
      { request: { requesterId: { not: viewer.id }, targetId: { not: viewer.id } } },
      actionableTicketWhere,
      { OR: assigned },
    ],
  };
}

/** SQL form of "the viewer may act on this ticket now", for `actionableByViewer`. */
export function actionableWhere(viewer: Actor): Prisma.TicketWhereInput {
  const notParty: Prisma.TicketWhereInput = {
    request: { requesterId: { not: viewer.id }, targetId: { not: viewer.id } },
  };
  if (isAdmin(viewer)) return { AND: [notParty, actionableTicketWhere] };
  return {
    AND: [
      notParty,
      actionableTicketWhere,
      { OR: [{ assignees: { some: { id: viewer.id } } }, { assigneeGroup: { members: { some: { id: viewer.id } } } }] },
    ],
  };
}
