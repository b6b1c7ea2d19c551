// Access review campaigns: AccessReview and AccessReviewItem, their queries, starting, deciding
// and closing campaigns, and the live `accessReviewItemChanged`. Rules live in domain/reviews;
// who sees what in domain/policy/visibility.ts.
import type { Prisma } from "../generated/prisma/client.ts";
import { ReviewDecision, ReviewStatus, ReviewerRule } from "../generated/prisma/enums.ts";
import type { AccessReviewChange } from "../live/changes.ts";
import { subscribeLive } from "../live/subscribe.ts";
import { closeAccessReview } from "../domain/reviews/close-review.ts";
import { decideReviewItem } from "../domain/reviews/decide-review-item.ts";
import { reviewDecisionRight } from "../domain/reviews/review-rules.ts";
import { startAccessReview } from "../domain/reviews/start-review.ts";
import { visibleResourceWhere, visibleReviewItemWhere, visibleReviewWhere } from "../domain/policy/visibility.ts";
import { type Actor, isAdmin } from "../domain/work.ts";
import { type Context, viewerOf } from "../context.ts";
import { builder } from "./builder.ts";
import { entityPayload, mutate, MUTATION_INPUT } from "./errors.ts";
import { decodeId, decodeIds, lookupId } from "./ids.ts";
import { AFTER_SEQUENCE, subscribeOptions } from "./subscriptions.ts";

export const ReviewStatusEnum = builder.enumType(ReviewStatus, {
  name: "ReviewStatus",
  description: "Whether a campaign is still being decided.",
  values: {
    OPEN: { description: "Reviewers are deciding; undecided items get the campaign's onDeadline when it closes." },
    CLOSED: { description: "Every item has its decision; nothing changes any more." },
  },
});

export const ReviewerRuleEnum = builder.enumType(ReviewerRule, {
  name: "ReviewerRule",
  description:
    "Who reviews each grant of a campaign, decided when it starts. Never the grant's holder and never an " +
    "inactive identity; when the rule leaves nobody, the admins review the item (assignedToAdmins).",
  values: {
    MANAGER: { description: "The holder's manager." },
    RESOURCE_APPROVERS: {
      description:
        "The named approvers of the resource's EXPLICIT approval steps and the members of its GROUP steps' groups.",
    },
    NAMED: { description: "The reviewers named when the campaign started (reviewerIds)." },
  },
});

export const ReviewDecisionEnum = builder.enumType(ReviewDecision, {
  name: "ReviewDecision",
  description: "A reviewer's verdict on one grant.",
  values: {
    KEEP: { description: "The access stays." },
    REVOKE: {
      description:
        "The access ends: the grant is REVOKED at once and removed from its system (a connector job, or a " +
        "REVOCATION ticket for the fulfillers of a MANUAL system).",
    },
  },
});

interface ReviewProgress {
  total: number;
  kept: number;
  revoked: number;
  undecided: number;
}

const ReviewProgressType = builder.objectRef<ReviewProgress>("ReviewProgress").implement({
  description: "How far a campaign is, over all of its items (whoever reviews them).",
  fields: (t) => ({
    total: t.exposeInt("total", { description: "Items in the campaign: kept + revoked + undecided." }),
    kept: t.exposeInt("kept", { description: "Items decided KEEP." }),
    revoked: t.exposeInt("revoked", { description: "Items decided REVOKE." }),
    undecided: t.exposeInt("undecided", { description: "Items nobody has decided yet." }),
  }),
});

export const AccessReview = builder.prismaNode("AccessReview", {
  id: { field: "id" },
  description:
    "An access review campaign: every ACTIVE grant in its systems and resources when it started is one item " +
    "that its reviewers keep or revoke before the deadline. Admins see every campaign; reviewers those where " +
    "they review at least one item.",
  fields: (t) => ({
    number: t.exposeInt("number", { description: "Human-friendly sequence number, shown as REV-<number>." }),
    name: t.exposeString("name", { description: 'What the campaign is called, e.g. "Q4 GitHub review".' }),
    description: t.exposeString("description", { nullable: true, description: "Why it runs; null if unset." }),
    status: t.expose("status", { type: ReviewStatusEnum, description: "OPEN while being decided, then CLOSED." }),
    reviewerRule: t.expose("reviewerRule", { type: ReviewerRuleEnum, description: "Who reviews each item." }),
    onDeadline: t.expose("onDeadline", {
      type: ReviewDecisionEnum,
      description: "What items nobody decided get when the campaign closes (REVOKE unless chosen otherwise).",
    }),
    deadline: t.expose("deadline", {
      type: "DateTime",
      description: "When the system closes the campaign (admins may close it earlier).",
    }),
    startedBy: t.relation("startedBy", { description: "The admin who started it." }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it started." }),
    closedAt: t.expose("closedAt", {
      type: "DateTime",
      nullable: true,
      description: "When it closed (by an admin or at the deadline); null while OPEN.",
    }),
    systems: t.relation("systems", {
      description: "The systems in scope: every resource of theirs.",
      query: { orderBy: { name: "asc" } },
    }),
    resources: t.relation("resources", {
      description: "The resources named in scope (those the viewer may list).",
      query: (_args, ctx) => ({ where: visibleResourceWhere(viewerOf(ctx)), orderBy: { name: "asc" } }),
    }),
    reviewers: t.relation("reviewers", {
      description: "NAMED campaigns: the named reviewers (empty for the other rules).",
      query: { orderBy: { displayName: "asc" } },
    }),
    progress: t.field({
      type: ReviewProgressType,
      description: "Counts over all of its items, whatever the viewer may see of them.",
      select: { id: true },
      resolve: async (review, _args, ctx) => {
        const counts = await ctx.prisma.accessReviewItem.groupBy({
          by: ["decision"],
          where: { reviewId: review.id },
          _count: { _all: true },
        });
        const of = (decision: ReviewDecision | null) => counts.find((c) => c.decision === decision)?._count._all ?? 0;
        const [kept, revoked, undecided] = [of("KEEP"), of("REVOKE"), of(null)];
        return { total: kept + revoked + undecided, kept, revoked, undecided };
      },
    }),
    items: t.relatedConnection(
      "items",
      {
        cursor: "id",
        totalCount: true,
        description: "The items the viewer may see (admins: all; reviewers: those they review).",
        args: { decided: t.arg.boolean({ description: "true: only decided items; false: only undecided ones." }) },
        query: (args, ctx) => ({
          where: { ...visibleReviewItemWhere(viewerOf(ctx)), ...decidedWhere(args.decided) },
          orderBy: [{ createdAt: "asc" }, { id: "asc" }],
        }),
      },
      AccessReviewItemConnection,
    ),
  }),
});

const decidedWhere = (decided: boolean | null | undefined): Prisma.AccessReviewItemWhereInput =>
  decided == null ? {} : { decision: decided ? { not: null } : null };

const decisionFactsSelect = {
  identityId: true,
  assignedToAdmins: true,
  decision: true,
  reviewers: { select: { id: true } },
  review: { select: { status: true } },
} satisfies Prisma.AccessReviewItemSelect;

function viewerRight(ctx: Context, item: Prisma.AccessReviewItemGetPayload<{ select: typeof decisionFactsSelect }>) {
  return reviewDecisionRight(viewerOf(ctx), {
    holderId: item.identityId,
    reviewerIds: item.reviewers.map((r) => r.id),
    assignedToAdmins: item.assignedToAdmins,
    decision: item.decision,
    reviewStatus: item.review.status,
  });
}

export const AccessReviewItem = builder.prismaNode("AccessReviewItem", {
  id: { field: "id" },
  description:
    "One grant under review. Visible to its reviewers and admins; never to its holder, so that reviewers " +
    "decide freely (a holder whose access is revoked sees the grant end, with the reviewer's reason).",
  fields: (t) => ({
    review: t.relation("review", { description: "The campaign it belongs to." }),
    grant: t.relation("grant", { description: "The access under review, with its status now." }),
    identity: t.relation("identity", { description: "Who holds the access." }),
    resource: t.relation("resource", { description: "The resource the access is to." }),
    reviewers: t.relation("reviewers", {
      description: "Who may decide it (chosen by the campaign's rule when it started).",
      query: { orderBy: { displayName: "asc" } },
    }),
    assignedToAdmins: t.exposeBoolean("assignedToAdmins", {
      description: "The rule named nobody but the holder: the admins review it.",
    }),
    decision: t.expose("decision", {
      type: ReviewDecisionEnum,
      nullable: true,
      description: "KEEP or REVOKE; null while undecided.",
    }),
    decidedBy: t.relation("decidedBy", {
      nullable: true,
      description: "Null for an undecided item, and for one decided by the deadline.",
    }),
    decidedAt: t.expose("decidedAt", {
      type: "DateTime",
      nullable: true,
      description: "When it was decided; null while undecided.",
    }),
    comment: t.exposeString("comment", { nullable: true, description: "The reviewer's reason (required to revoke)." }),
    viewerCanDecide: t.boolean({
      description: "Whether the viewer may decide this item now (decideReviewItem).",
      select: decisionFactsSelect,
      resolve: (item, _args, ctx) => viewerRight(ctx, item).ok,
    }),
    viewerCannotDecideReason: t.string({
      nullable: true,
      description:
        'Why the viewer may not decide it, in words for people (e.g. "This is your own access."); null when they may.',
      select: decisionFactsSelect,
      resolve: (item, _args, ctx) => {
        const right = viewerRight(ctx, item);
        return right.ok ? null : right.reason;
      },
    }),
  }),
});

const AccessReviewConnection = builder.connectionObject(
  { type: AccessReview, name: "AccessReviewConnection" },
  { name: "AccessReviewEdge" },
);
const AccessReviewItemConnection = builder.connectionObject(
  { type: AccessReviewItem, name: "AccessReviewItemConnection" },
  { name: "AccessReviewItemEdge" },
);

function reviewsWhere(viewer: Actor, status: ReviewStatus | null | undefined): Prisma.AccessReviewWhereInput {
  return { AND: [visibleReviewWhere(viewer), status ? { status } : {}] };
}

/** The items the viewer has to decide: theirs in OPEN campaigns, and for admins the admin-assigned ones. */
function myReviewItemsWhere(viewer: Actor, decided: boolean | null | undefined): Prisma.AccessReviewItemWhereInput {
  const mine: Prisma.AccessReviewItemWhereInput[] = [{ reviewers: { some: { id: viewer.id } } }];
  if (isAdmin(viewer)) mine.push({ assignedToAdmins: true, identityId: { not: viewer.id } });
  return { AND: [{ review: { status: "OPEN" } }, { OR: mine }, decidedWhere(decided)] };
}

builder.queryFields((t) => ({
  accessReviews: t.prismaConnection(
    {
      type: "AccessReview",
      cursor: "id",
      description:
        "Access review campaigns, newest first. Admins see all; others the campaigns where they review at least one item.",
      args: { status: t.arg({ type: ReviewStatusEnum, description: "Only campaigns in this status." }) },
      resolve: (query, _root, args, ctx) =>
        ctx.prisma.accessReview.findMany({
          ...query,
          where: reviewsWhere(viewerOf(ctx), args.status),
          orderBy: { number: "desc" },
        }),
      totalCount: (_parent, args, ctx) =>
        ctx.prisma.accessReview.count({ where: reviewsWhere(viewerOf(ctx), args.status) }),
    },
    AccessReviewConnection,
  ),
  accessReview: t.prismaField({
    type: "AccessReview",
    nullable: true,
    description:
      "One campaign by id; null when the id names no campaign (malformed, another type's, unknown) or one the\n" +
      "viewer may not see.",
    args: { id: t.arg.id({ required: true, description: "The campaign's global id." }) },
    resolve: (query, _root, args, ctx) => {
      const id = lookupId(args.id, "AccessReview", ["id"]);
      return id === null
        ? null
        : ctx.prisma.accessReview.findFirst({ ...query, where: { id, ...visibleReviewWhere(viewerOf(ctx)) } });
    },
  }),
  myReviewItems: t.prismaConnection(
    {
      type: "AccessReviewItem",
      cursor: "id",
      description:
        "The review items the viewer reviews in OPEN campaigns (admins: also those assigned to the admins), " +
        "oldest first. decided: false lists what is still to do.",
      args: { decided: t.arg.boolean({ description: "true: only decided items; false: only undecided ones." }) },
      resolve: (query, _root, args, ctx) =>
        ctx.prisma.accessReviewItem.findMany({
          ...query,
          where: myReviewItemsWhere(viewerOf(ctx), args.decided),
          orderBy: [{ createdAt: "asc" }, { id: "asc" }],
        }),
      totalCount: (_parent, args, ctx) =>
        ctx.prisma.accessReviewItem.count({ where: myReviewItemsWhere(viewerOf(ctx), args.decided) }),
    },
    AccessReviewItemConnection,
  ),
}));

// ---------------------------------------------------------------- mutations

const StartAccessReviewInput = builder.inputType("StartAccessReviewInput", {
  description: "A new campaign: its scope, its reviewers and its deadline.",
  fields: (t) => ({
    name: t.string({ required: true, description: "1 to 200 characters." }),
    description: t.string({ description: "At most 2000 characters." }),
    systemIds: t.idList({ description: "Review every grant of these systems' resources." }),
    resourceIds: t.idList({ description: "Review every grant of these resources. Name systems, resources or both." }),
    reviewerRule: t.field({ type: ReviewerRuleEnum, required: true, description: "Who reviews each item." }),
    reviewerIds: t.idList({ description: "NAMED only (required then): the identities who review every item." }),
    deadline: t.field({ type: "DateTime", required: true, description: "In the future." }),
    onDeadline: t.field({
      type: ReviewDecisionEnum,
      description: "What undecided items get at the deadline. Defaults to REVOKE: access that nobody vouched for ends.",
    }),
  }),
});

const DecideReviewItemInput = builder.inputType("DecideReviewItemInput", {
  description: "A verdict on one review item.",
  fields: (t) => ({
    itemId: t.id({ required: true, description: "The item (AccessReviewItem.id)." }),
    decision: t.field({ type: ReviewDecisionEnum, required: true, description: "KEEP or REVOKE." }),
    comment: t.string({ description: "Required to REVOKE (the holder is told it); optional to KEEP." }),
  }),
});

const CloseAccessReviewInput = builder.inputType("CloseAccessReviewInput", {
  description: "The campaign to close.",
  fields: (t) => ({ reviewId: t.id({ required: true, description: "An OPEN campaign." }) }),
});

const AccessReviewPayload = entityPayload("AccessReviewPayload", "accessReview", "AccessReview", (ctx, query, id) =>
  ctx.prisma.accessReview.findUnique({ ...query, where: { id } }),
);
const AccessReviewItemPayload = entityPayload("AccessReviewItemPayload", "item", "AccessReviewItem", (ctx, query, id) =>
  ctx.prisma.accessReviewItem.findUnique({ ...query, where: { id } }),
);

builder.mutationFields((t) => ({
  startAccessReview: t.field({
    type: AccessReviewPayload,
    description: "Admins only: start a campaign over the ACTIVE grants of the given systems and resources.",
    args: { input: t.arg({ type: StartAccessReviewInput, required: true, description: MUTATION_INPUT }) },
    resolve: (_root, { input }, ctx) =>
      mutate(ctx, (viewer) => {
        const systemIds = decodeIds(input.systemIds ?? [], "System", ["input", "systemIds"]);
        const resourceIds = decodeIds(input.resourceIds ?? [], "Resource", ["input", "resourceIds"]);
        const reviewerIds = decodeIds(input.reviewerIds ?? [], "Identity", ["input", "reviewerIds"]);
        return ctx.db.transact((work) =>
          startAccessReview(work, viewer, {
            name: input.name,
            description: input.description ?? null,
            systemIds,
            resourceIds,
            reviewerRule: input.reviewerRule,
            reviewerIds,
            deadline: input.deadline,
            onDeadline: input.onDeadline ?? null,
          }),
        );
      }),
  }),
  decideReviewItem: t.field({
    type: AccessReviewItemPayload,
    description:
      "Keep or revoke one item: its reviewers, admins for admin-assigned items, any admin as an override " +
      "(audited as such); never the holder. Once per item, while its campaign is OPEN.",
    args: { input: t.arg({ type: DecideReviewItemInput, required: true, description: MUTATION_INPUT }) },
    resolve: (_root, { input }, ctx) =>
      mutate(ctx, (viewer) => {
        const itemId = decodeId(input.itemId, "AccessReviewItem", ["input", "itemId"]);
        return ctx.db.transact((work) =>
          decideReviewItem(work, viewer, { itemId, decision: input.decision, comment: input.comment ?? null }),
        );
      }),
  }),
  closeAccessReview: t.field({
    type: AccessReviewPayload,
    description:
      "Admins only: close an OPEN campaign before its deadline; undecided items get its onDeadline, as at the deadline.",
    args: { input: t.arg({ type: CloseAccessReviewInput, required: true, description: MUTATION_INPUT }) },
    resolve: (_root, { input }, ctx) =>
      mutate(ctx, (viewer) => {
        const reviewId = decodeId(input.reviewId, "AccessReview", ["input", "reviewId"]);
        return ctx.db.transact((work) => closeAccessReview(work, viewer, { reviewId }));
      }),
  }),
}));

// ---------------------------------------------------------------- live

const ReviewChangeActionEnum = builder.enumType("AccessReviewChangeAction", {
  description: "What changed in an access review.",
  values: {
    REVIEW_STARTED: { description: "The campaign started (item is null)." },
    REVIEW_ITEM_DECIDED: { description: "An item was decided, by a reviewer or by the deadline." },
    REVIEW_CLOSED: { description: "The campaign closed (item is null)." },
  } as const,
});

const AccessReviewChangeType = builder.objectRef<AccessReviewChange>("AccessReviewChange").implement({
  description: "A change of an access review campaign or of one of its items.",
  fields: (t) => ({
    action: t.field({
      type: ReviewChangeActionEnum,
      description: "What happened.",
      resolve: (change) => change.action,
    }),
    review: t.prismaField({
      type: "AccessReview",
      description: "The campaign as it is now.",
      resolve: (query, change, _args, ctx) =>
        ctx.prisma.accessReview.findUniqueOrThrow({ ...query, where: { id: change.reviewId } }),
    }),
    item: t.prismaField({
      type: "AccessReviewItem",
      nullable: true,
      description: "The decided item; null for a campaign's start or close.",
      resolve: (query, change, _args, ctx) =>
        change.itemId ? ctx.prisma.accessReviewItem.findUnique({ ...query, where: { id: change.itemId } }) : null,
    }),
    decision: t.field({
      type: ReviewDecisionEnum,
      nullable: true,
      description: "The item's decision; null for a campaign's start or close.",
      resolve: (change) => change.decision,
    }),
    actor: t.prismaField({
      type: "Identity",
      nullable: true,
      description: "Who acted; null when the system did (the deadline).",
      resolve: (query, change, _args, ctx) =>
        change.actorId ? ctx.prisma.identity.findUnique({ ...query, where: { id: change.actorId } }) : null,
    }),
    at: t.field({ type: "DateTime", description: "When the change happened.", resolve: (change) => change.at }),
    sequence: t.exposeInt("sequence", {
      description: "The audit sequence of the change; pass it back as afterSequence to resume.",
    }),
  }),
});

builder.subscriptionFields((t) => ({
  accessReviewItemChanged: t.field({
    type: AccessReviewChangeType,
    description:
      "Campaigns starting and closing and items being decided, for admins and the reviewers (an item's change\n" +
      "reaches its reviewers, a start or close every reviewer of the campaign). With afterSequence, the changes\n" +
      "missed since that sequence come first, then live ones, with no gap and no duplicate.",
    args: { afterSequence: t.arg.int({ description: AFTER_SEQUENCE }) },
    subscribe: (_root, args, ctx) => subscribeLive(ctx, viewerOf(ctx), subscribeOptions("review", args)),
    resolve: (change) => change,
  }),
}));
