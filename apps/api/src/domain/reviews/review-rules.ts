// The rules of access reviews that more than one writer or reader needs: who reviews a grant
// (by the campaign's reviewer rule) and who may decide an item now, with the reason in people's
// words when they may not. The domain's writers and the schema's `viewerCanDecide` ask the same
// function, so no client restates the rule.
import type { ReviewDecision, ReviewStatus, ReviewerRule } from "../../generated/prisma/client.ts";
import { type DomainError, forbidden, invalidState } from "../errors.ts";
import { type Actor, isAdmin, type Tx } from "../work.ts";

/** A grant in scope, as choosing its reviewers needs it. */
export interface GrantInScope {
  id: string;
  identityId: string;
  resourceId: string;
  /** The holder's manager, when they have one. */
  manager: { id: string; active: boolean } | null;
}

/**
 * The reviewers of each grant under `rule`: never the holder, never an inactive identity. An
 * empty list means the admins review it (`assignedToAdmins`).
 * - MANAGER: the holder's manager.
 * - RESOURCE_APPROVERS: the named approvers of the resource's EXPLICIT steps and the members of
 *   its GROUP steps' groups, as configured now. MANAGER steps add nobody (that is the MANAGER
 *   rule); a resource without configured steps has no approvers to ask, so admins review it.
 * - NAMED: the campaign's named reviewers.
 */
export async function reviewersOf(
  tx: Tx,
  rule: ReviewerRule,
  grants: readonly GrantInScope[],
  namedReviewerIds: readonly string[],
): Promise<Map<string, string[]>> {
  const approvers = rule === "RESOURCE_APPROVERS" ? await resourceApprovers(tx, grants) : new Map<string, string[]>();
  const reviewers = new Map<string, string[]>();
  for (const grant of grants) {
    const candidates =
      rule === "MANAGER"
        ? grant.manager?.active
          ? [grant.manager.id]
          : []
        : rule === "NAMED"
          ? [...namedReviewerIds]
          : (approvers.get(grant.resourceId) ?? []);
    reviewers.set(
      grant.id,
      candidates.filter((id) => id !== grant.identityId),
    );
  }
  return reviewers;
}

/**
 * The active approvers of each resource's EXPLICIT and GROUP steps. Two reads of one relation
 * each: PostgreSQL's driver takes one statement at a time on the transaction's connection.
 */
async function resourceApprovers(tx: Tx, grants: readonly GrantInScope[]): Promise<Map<string, string[]>> {
  const resourceIds = [...new Set(grants.map((grant) => grant.resourceId))];
  const explicit = await tx.identity.findMany({
    where: { active: true, stepApprovals: { some: { resourceId: { in: resourceIds }, kind: "EXPLICIT" } } },
    select: { id: true, stepApprovals: { where: { resourceId: { in: resourceIds } }, select: { resourceId: true } } },
  });
  const groupSteps = await tx.approvalStep.findMany({
    where: { resourceId: { in: resourceIds }, kind: "GROUP" },
    select: { resourceId: true, group: { select: { members: { where: { active: true }, select: { id: true } } } } },
  });
  const byResource = new Map<string, Set<string>>();
  const add = (resourceId: string, identityId: string) =>
    byResource.set(resourceId, (byResource.get(resourceId) ?? new Set<string>()).add(identityId));
  for (const approver of explicit) for (const step of approver.stepApprovals) add(step.resourceId, approver.id);
  for (const step of groupSteps) for (const member of step.group?.members ?? []) add(step.resourceId, member.id);
  return new Map([...byResource].map(([resourceId, people]) => [resourceId, [...people].sort()]));
}

/** The facts about a review item that decide who may decide it. */
export interface ReviewItemFacts {
  holderId: string;
  reviewerIds: readonly string[];
  assignedToAdmins: boolean;
  decision: ReviewDecision | null;
  reviewStatus: ReviewStatus;
}

/**
 * Whether `viewer` may decide the item now: a reviewer of it, an admin for an admin-assigned
 * item, or any admin as an override; never its holder; only while undecided in an OPEN campaign.
 */
export function reviewDecisionRight(
  viewer: Actor,
  item: ReviewItemFacts,
): { ok: true; override: boolean } | { ok: false; error: DomainError; reason: string } {
  if (viewer.id === item.holderId) {
    const reason = "This is your own access.";
    return { ok: false, reason, error: forbidden(`${reason} Someone else reviews it.`) };
  }
  const assigned = item.reviewerIds.includes(viewer.id) || (item.assignedToAdmins && isAdmin(viewer));
  if (!assigned && !isAdmin(viewer)) {
    const reason = "You are not a reviewer of this access.";
    return { ok: false, reason, error: forbidden(reason) };
  }
  if (item.reviewStatus !== "OPEN") {
    const reason = "The campaign is closed.";
    return { ok: false, reason, error: invalidState(reason) };
  }
  if (item.decision !== null) {
    const reason = "It was decided already.";
    return { ok: false, reason, error: invalidState(reason) };
  }
  return { ok: true, override: !assigned };
}
