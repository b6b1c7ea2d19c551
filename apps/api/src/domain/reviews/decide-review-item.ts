// Deciding a review item: KEEP, or REVOKE with a reason. REVOKE ends the grant through
// grants/revocation.ts (a REVOKE job on connector systems, a revocation ticket on MANUAL ones).
// The decision is a conditional update (undecided, campaign OPEN), so of two reviewers deciding
// at once exactly one wins and the other gets INVALID_STATE.
import type { ReviewDecision } from "../../generated/prisma/client.ts";
import { invalidState, notFound } from "../errors.ts";
import { toGlobalId } from "../global-id.ts";
import { endGrant, type RevocableGrant, revocableGrantSelect } from "../grants/revocation.ts";
import { visibleReviewItemWhere } from "../policy/visibility.ts";
import { LIMITS, optionalText, requiredText } from "../validate.ts";
import type { Actor, Work } from "../work.ts";
import { reviewDecisionRight } from "./review-rules.ts";

export interface DecideReviewItemInput {
  itemId: string;
  decision: ReviewDecision;
  /** Required for REVOKE (the holder is told it with the revocation); optional for KEEP. */
  comment?: string | null;
}

/** An item about to get its decision: its grant as ending it needs it, and its campaign's number. */
export interface DecidedItem {
  id: string;
  reviewId: string;
  grant: RevocableGrant;
  reviewNumber: number;
}

/**
 * Records the decision's consequences: REVOKE ends the grant (unless it ended meanwhile: the
 * decision stands, the event says grantEnded false), then the REVIEW_ITEM_DECIDED event (after
 * the GRANT_REVOKED it caused, in the same transaction).
 */
export async function applyReviewDecision(
  work: Work,
  item: DecidedItem,
  decision: { decision: ReviewDecision; actorId: string | null; comment: string | null; override: boolean },
  by: "reviewer" | "deadline",
): Promise<void> {
  const ids = {
    reviewId: toGlobalId("AccessReview", item.reviewId),
    itemId: toGlobalId("AccessReviewItem", item.id),
    grantId: toGlobalId("Grant", item.grant.id),
    identityId: toGlobalId("Identity", item.grant.identityId),
    resourceId: toGlobalId("Resource", item.grant.resourceId),
  };
  let grantEnded = false;
  if (decision.decision === "REVOKE") {
    const why =
      by === "deadline" ? "nobody decided by the end of the campaign" : (decision.comment ?? "revoked by the reviewer");
    grantEnded = await endGrant(work, item.grant, {
      status: "REVOKED",
      actorId: decision.actorId,
      reason: `access review REV-${item.reviewNumber}: ${why}`,
    });
  }
  work.audit.append({
    action: "REVIEW_ITEM_DECIDED",
    actorId: decision.actorId,
    comment: decision.comment,
    data: { ...ids, decision: decision.decision, by, override: decision.override, grantEnded },
  });
}

export async function decideReviewItem(work: Work, actor: Actor, input: DecideReviewItemInput): Promise<string> {
  // One relation per read: PostgreSQL's driver takes one statement at a time on the transaction.
  const item = await work.tx.accessReviewItem.findFirst({
    where: { id: input.itemId, ...visibleReviewItemWhere(actor) },
    select: {
      id: true,
      reviewId: true,
      grantId: true,
      identityId: true,
      decision: true,
      assignedToAdmins: true,
      _count: { select: { reviewers: { where: { id: actor.id } } } },
    },
  });
  if (!item) throw notFound("Review item", ["input", "itemId"]);
  const review = await work.tx.accessReview.findUniqueOrThrow({
    where: { id: item.reviewId },
    select: { number: true, status: true },
  });
  const right = reviewDecisionRight(actor, {
    holderId: item.identityId,
    reviewerIds: item._count.reviewers > 0 ? [actor.id] : [],
    assignedToAdmins: item.assignedToAdmins,
    decision: item.decision,
    reviewStatus: review.status,
  });
  if (!right.ok) throw right.error;
  const comment =
    input.decision === "REVOKE"
      ? requiredText(input.comment ?? "", LIMITS.comment, ["input", "comment"])
      : optionalText(input.comment, LIMITS.comment, ["input", "comment"]);
  const decidedAt = new Date();
  const { count } = await work.tx.accessReviewItem.updateMany({
    where: { id: item.id, decision: null, review: { status: "OPEN" } },
    data: { decision: input.decision, decidedById: actor.id, decidedAt, comment },
  });
  if (count !== 1) throw invalidState("The item was decided meanwhile, or its campaign closed.");
  const grant = await work.tx.grant.findUniqueOrThrow({ where: { id: item.grantId }, select: revocableGrantSelect });
  await applyReviewDecision(
    work,
    { id: item.id, reviewId: item.reviewId, grant, reviewNumber: review.number },
    { decision: input.decision, actorId: actor.id, comment, override: right.override },
    "reviewer",
  );
  return item.id;
}
