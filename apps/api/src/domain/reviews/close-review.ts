// Closing a campaign: by an admin at any time, or by the system once its deadline passed
// (`closeDueReviews`, which the grant sweeper calls). Undecided items get the campaign's
// onDeadline (REVOKE ends their grants), the campaign is CLOSED, and REVIEW_CLOSED counts the
// outcome. The status change is a conditional update, so of two closers exactly one wins.
import type { Database } from "../../db/database.ts";
import { DomainError, forbidden, invalidState, notFound } from "../errors.ts";
import { toGlobalId } from "../global-id.ts";
import { type Actor, isAdmin, type Work } from "../work.ts";
import { revocableGrantSelect } from "../grants/revocation.ts";
import { applyReviewDecision } from "./decide-review-item.ts";

export interface CloseAccessReviewInput {
  reviewId: string;
  /** The system's clock for its deadline check (actor null); admins close whenever they choose. */
  now?: Date;
}

/** Closes an OPEN campaign: an admin ("closed by admin") or, with actor null, the system at its deadline. */
export async function closeAccessReview(
  work: Work,
  actor: Actor | null,
  input: CloseAccessReviewInput,
): Promise<string> {
  if (actor && !isAdmin(actor)) throw forbidden("Only admins may close access reviews.");
  const { tx } = work;
  const review = await tx.accessReview.findUnique({
    where: { id: input.reviewId },
    select: { id: true, number: true, status: true, deadline: true, onDeadline: true },
  });
  if (!review) throw notFound("Access review", ["input", "reviewId"]);
  if (!actor && review.deadline > (input.now ?? new Date()))
    throw invalidState("The campaign's deadline has not passed.");
  const closedAt = new Date();
  const { count } = await tx.accessReview.updateMany({
    where: { id: review.id, status: "OPEN" },
    data: { status: "CLOSED", closedAt },
  });
  if (count !== 1) throw invalidState("The campaign is closed already.");

  // Reviewers always record who decided; an item decided without anyone is the deadline's.
  const undecided = await tx.accessReviewItem.updateMany({
    where: { reviewId: review.id, decision: null },
    data: { decision: review.onDeadline, decidedAt: closedAt },
  });
  if (undecided.count > 0) {
    const byDeadline = await tx.accessReviewItem.findMany({
      where: { reviewId: review.id, decidedById: null },
      select: { id: true, grant: { select: revocableGrantSelect } },
      orderBy: { id: "asc" },
    });
    for (const item of byDeadline) {
      await applyReviewDecision(
        work,
        { ...item, reviewId: review.id, reviewNumber: review.number },
        { decision: review.onDeadline, actorId: actor?.id ?? null, comment: null, override: false },
        "deadline",
      );
    }
  }
  const outcome = await tx.accessReviewItem.groupBy({
    by: ["decision"],
    where: { reviewId: review.id },
    _count: { _all: true },
  });
  const counted = (decision: "KEEP" | "REVOKE") => outcome.find((o) => o.decision === decision)?._count._all ?? 0;
  work.audit.append({
    action: "REVIEW_CLOSED",
    actorId: actor?.id ?? null,
    data: {
      reviewId: toGlobalId("AccessReview", review.id),
      reason: actor ? "closed by admin" : "deadline",
      kept: counted("KEEP"),
      revoked: counted("REVOKE"),
      undecided: undecided.count,
    },
  });
  return review.id;
}

/**
 * Closes every OPEN campaign whose deadline is at or before `now`, each in its own transaction.
 * Several instances may run it at once: the conditional close lets exactly one win, the others
 * skip that campaign. Returns the ids this call closed.
 */
export async function closeDueReviews(db: Pick<Database, "read" | "transact">, now: Date): Promise<string[]> {
  const due = await db.read.accessReview.findMany({
    where: { status: "OPEN", deadline: { lte: now } },
    select: { id: true },
    orderBy: { deadline: "asc" },
  });
  const closed: string[] = [];
  for (const review of due) {
    try {
      closed.push(await db.transact((work) => closeAccessReview(work, null, { reviewId: review.id, now })));
    } catch (error) {
      // Another instance closed it first (or an admin did meanwhile): nothing is left to do.
      if (error instanceof DomainError && error.code === "INVALID_STATE") continue;
      throw error;
    }
  }
  return closed;
}
