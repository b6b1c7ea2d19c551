// Starting an access review campaign (admins): every ACTIVE grant in the scope (listed resources,
// and every resource of listed systems) becomes one item, with its reviewers chosen by the
// campaign's rule (review-rules.ts). One transaction, one REVIEW_STARTED event; the items and
// their reviewer links are bulk inserts.
import type { ReviewDecision, ReviewerRule } from "../../generated/prisma/client.ts";
import { newId } from "../../db/statements.ts";
import { nextNumber } from "../counters.ts";
import { DomainErrors, forbidden, invalid, notFound } from "../errors.ts";
import { toGlobalId } from "../global-id.ts";
import { distinct, LIMITS, listSize, optionalText, requiredText } from "../validate.ts";
import { type Actor, isAdmin, type Work } from "../work.ts";
import { reviewersOf } from "./review-rules.ts";

export interface StartAccessReviewInput {
  name: string;
  description?: string | null;
  systemIds?: readonly string[] | null;
  resourceIds?: readonly string[] | null;
  reviewerRule: ReviewerRule;
  /** NAMED campaigns only: who reviews every item. */
  reviewerIds?: readonly string[] | null;
  deadline: Date;
  /** What undecided items get at the deadline; REVOKE unless told otherwise. */
  onDeadline?: ReviewDecision | null;
}

/** The ids that do not exist, as one NOT_FOUND per position. */
function missing(what: string, field: string, ids: readonly string[], found: ReadonlySet<string>) {
  return ids.flatMap((id, index) => (found.has(id) ? [] : [notFound(what, ["input", field, String(index)])]));
}

export async function startAccessReview(work: Work, actor: Actor, input: StartAccessReviewInput): Promise<string> {
  if (!isAdmin(actor)) throw forbidden("Only admins may start access reviews.");
  const { tx } = work;
  const name = requiredText(input.name, LIMITS.name, ["input", "name"]);
  const description = optionalText(input.description, LIMITS.description, ["input", "description"]);
  const systemIds = listSize(input.systemIds ?? [], 0, LIMITS.idList, ["input", "systemIds"]);
  const resourceIds = listSize(input.resourceIds ?? [], 0, LIMITS.idList, ["input", "resourceIds"]);
  distinct(systemIds, ["input", "systemIds"]);
  distinct(resourceIds, ["input", "resourceIds"]);
  if (systemIds.length === 0 && resourceIds.length === 0) {
    throw invalid("Name at least one system or resource to review.", ["input", "resourceIds"]);
  }
  const reviewerIds = input.reviewerIds ?? [];
  if (input.reviewerRule === "NAMED") {
    listSize(reviewerIds, 1, LIMITS.idList, ["input", "reviewerIds"]);
    distinct(reviewerIds, ["input", "reviewerIds"]);
  } else if (reviewerIds.length > 0) {
    throw invalid("Reviewers are named only for NAMED campaigns.", ["input", "reviewerIds"]);
  }
  if (Number.isNaN(input.deadline.getTime()) || input.deadline.getTime() <= Date.now()) {
    throw invalid("Deadline must be in the future.", ["input", "deadline"]);
  }

  const [systems, resources, reviewers] = [
    await tx.system.findMany({ where: { id: { in: [...systemIds] } }, select: { id: true } }),
    await tx.resource.findMany({ where: { id: { in: [...resourceIds] } }, select: { id: true } }),
    await tx.identity.findMany({ where: { id: { in: [...reviewerIds] } }, select: { id: true, active: true } }),
  ];
  const problems = [
    ...missing("System", "systemIds", systemIds, new Set(systems.map((s) => s.id))),
    ...missing("Resource", "resourceIds", resourceIds, new Set(resources.map((r) => r.id))),
    ...missing("Reviewer", "reviewerIds", reviewerIds, new Set(reviewers.map((r) => r.id))),
    ...reviewerIds.flatMap((id, index) =>
      reviewers.some((r) => r.id === id && !r.active)
        ? [invalid("The reviewer is inactive.", ["input", "reviewerIds", String(index)])]
        : [],
    ),
  ];
  if (problems.length > 0) throw new DomainErrors(problems);

  const grants = await tx.grant.findMany({
    where: {
      status: "ACTIVE",
      OR: [{ resourceId: { in: [...resourceIds] } }, { resource: { systemId: { in: [...systemIds] } } }],
    },
    select: {
      id: true,
      identityId: true,
      resourceId: true,
      identity: { select: { manager: { select: { id: true, active: true } } } },
    },
    orderBy: { id: "asc" },
  });
  if (grants.length === 0) {
    // A campaign with nothing to review is a mistake (a wrong system or resource).
    throw invalid("Nobody holds access in this scope: there is nothing to review.", [
      "input",
      resourceIds.length > 0 ? "resourceIds" : "systemIds",
    ]);
  }
  const reviewersByGrant = await reviewersOf(
    tx,
    input.reviewerRule,
    grants.map((grant) => ({ ...grant, manager: grant.identity.manager })),
    reviewerIds,
  );

  const number = await nextNumber(work, "review");
  const onDeadline = input.onDeadline ?? "REVOKE";
  const review = await tx.accessReview.create({
    data: {
      number,
      name,
      description,
      status: "OPEN",
      reviewerRule: input.reviewerRule,
      onDeadline,
      deadline: input.deadline,
      startedById: actor.id,
      systems: { connect: systemIds.map((id) => ({ id })) },
      resources: { connect: resourceIds.map((id) => ({ id })) },
      reviewers: { connect: reviewerIds.map((id) => ({ id })) },
    },
    select: { id: true },
  });
  const items = grants.map((grant) => {
    const people = reviewersByGrant.get(grant.id) ?? [];
    return {
      row: {
        id: newId(),
        reviewId: review.id,
        grantId: grant.id,
        identityId: grant.identityId,
        resourceId: grant.resourceId,
        assignedToAdmins: people.length === 0,
      },
      people,
    };
  });
  await tx.accessReviewItem.createMany({ data: items.map((item) => item.row) });
  await work.sql.insertReviewItemReviewers(
    items.flatMap((item) => item.people.map((identityId) => ({ itemId: item.row.id, identityId }))),
  );
  work.audit.append({
    action: "REVIEW_STARTED",
    actorId: actor.id,
    comment: description,
    data: {
      reviewId: toGlobalId("AccessReview", review.id),
      number,
      name,
      reviewerRule: input.reviewerRule,
      onDeadline,
      deadline: input.deadline.toISOString(),
      systemIds: systemIds.map((id) => toGlobalId("System", id)),
      resourceIds: resourceIds.map((id) => toGlobalId("Resource", id)),
      reviewerIds: reviewerIds.map((id) => toGlobalId("Identity", id)),
      items: items.length,
      assignedToAdmins: items.filter((item) => item.row.assignedToAdmins).length,
    },
  });
  return review.id;
}
