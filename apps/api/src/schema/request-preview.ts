// Before a request is made: Resource.accessOf (what a person already has or has asked for) and
// requestPreview (each picked resource's approval chain, routed as it would be now). Both read
// only, through domain/requests/preview.ts.
import { type Context, viewerOf } from "../context.ts";
import {
  previewRequest,
  type ResourcePreview,
  type ResourceStanding,
  StandingLoader,
  standingSubject,
  type StepPreview,
} from "../domain/requests/preview.ts";
import { builder } from "./builder.ts";
import { Resource } from "./catalog.ts";
import { decodeIds, decodeOptionalId } from "./ids.ts";
import { ApproverKindEnum } from "./scalars.ts";

const ResourceAccess = builder.objectRef<ResourceStanding>("ResourceAccess").implement({
  description:
    "What one person already has or has asked for of one resource: a request for it would be refused " +
    "(ALREADY_GRANTED, ALREADY_REQUESTED) while either is set.",
  fields: (t) => ({
    grant: t.prismaField({
      type: "Grant",
      nullable: true,
      description: "The person's ACTIVE grant of the resource; null when they do not hold it.",
      resolve: (query, standing, _args, ctx) =>
        standing.grantId ? ctx.prisma.grant.findUnique({ ...query, where: { id: standing.grantId } }) : null,
    }),
    openRequest: t.prismaField({
      type: "Request",
      nullable: true,
      description:
        "The person's request in which the resource is still pending approval or being provisioned; null when none.",
      resolve: (query, standing, _args, ctx) =>
        standing.openRequestId
          ? ctx.prisma.request.findUnique({ ...query, where: { id: standing.openRequestId } })
          : null,
    }),
  }),
});

/** One loader per operation: the resources of a page share their standing reads. */
const standingLoaders = new WeakMap<Context, StandingLoader>();
function standingLoader(ctx: Context): StandingLoader {
  let loader = standingLoaders.get(ctx);
  if (!loader) standingLoaders.set(ctx, (loader = new StandingLoader(ctx.prisma)));
  return loader;
}

builder.prismaObjectField(Resource, "accessOf", (t) =>
  t.field({
    type: ResourceAccess,
    description:
      "What `identityId` (default: the viewer) already has or has asked for of this resource. Anyone may ask " +
      "about themselves; only admins about someone else (FORBIDDEN otherwise).",
    args: {
      identityId: t.arg.id({ description: "The person asked about; null or left out: the viewer." }),
    },
    select: { id: true },
    resolve: (resource, args, ctx) => {
      const identityId = standingSubject(viewerOf(ctx), decodeOptionalId(args.identityId, "Identity", ["identityId"]), [
        "identityId",
      ]);
      return standingLoader(ctx).load(identityId, resource.id);
    },
  }),
);

const ApprovalStepPreview = builder.objectRef<StepPreview>("ApprovalStepPreview").implement({
  description:
    "One approval step of a resource, routed as a ticket opened now would be: who would be asked, or where it " +
    "would fall back to. Steps after the first are routed again when they open.",
  fields: (t) => ({
    order: t.int({ description: "1-based position; steps run in order.", resolve: (step) => step.order }),
    kind: t.field({ type: ApproverKindEnum, description: "How the step is configured.", resolve: (step) => step.kind }),
    approvers: t.prismaField({
      type: ["Identity"],
      description:
        "The people who would be asked by name: the manager, the named approvers, or their delegates while they " +
        "are away. Empty when a group or the admins decide.",
      resolve: (query, step, _args, ctx) =>
        step.routing.assigneeIds.length
          ? ctx.prisma.identity.findMany({
              ...query,
              where: { id: { in: step.routing.assigneeIds } },
              orderBy: { displayName: "asc" },
            })
          : [],
    }),
    group: t.prismaField({
      type: "Group",
      nullable: true,
      description: "The group any member of which would decide (the step's group, or the fallback group).",
      resolve: (query, step, _args, ctx) =>
        step.routing.assigneeGroupId
          ? ctx.prisma.group.findUnique({ ...query, where: { id: step.routing.assigneeGroupId } })
          : null,
    }),
    toAdmins: t.boolean({
      description: "Nobody else may act, so the admins would decide.",
      resolve: (step) => step.routing.assignedToAdmins,
    }),
    routingNote: t.string({
      nullable: true,
      description:
        "Why the step's own approvers would not be asked, in people's words (e.g. \"no manager on record\"); " +
        "null when they would be.",
      resolve: (step) => step.routing.fallbackReason,
    }),
    delegatedFrom: t.prismaField({
      type: ["Identity"],
      description: "Approvers who are away, whose delegates are in `approvers` instead.",
      resolve: (query, step, _args, ctx) =>
        step.routing.delegatedFromIds?.length
          ? ctx.prisma.identity.findMany({ ...query, where: { id: { in: step.routing.delegatedFromIds } } })
          : [],
    }),
  }),
});

const ResourcePreviewType = builder.objectRef<ResourcePreview>("ResourcePreview").implement({
  description: "One resource of a request not yet made: what stands in its way and who would approve it.",
  fields: (t) => ({
    resource: t.prismaField({
      type: "Resource",
      description: "The resource.",
      resolve: (query, preview, _args, ctx) =>
        ctx.prisma.resource.findUniqueOrThrow({ ...query, where: { id: preview.resourceId } }),
    }),
    access: t.field({
      type: ResourceAccess,
      description: "What the person the request would be for already has or has asked for of it.",
      resolve: (preview) => preview.standing,
    }),
    steps: t.field({
      type: [ApprovalStepPreview],
      description: "Its approval steps in order; empty: it is approved automatically.",
      resolve: (preview) => preview.steps,
    }),
  }),
});

builder.queryField("requestPreview", (t) =>
  t.field({
    type: [ResourcePreviewType],
    description:
      "What a request for these resources would go through if made now, without making it: for each resource, " +
      "what the person already has or has asked for, and its approval chain as routing would assign it " +
      "(fallbacks and delegations included). The same rules as createRequest: 1 to 20 distinct resources; " +
      "only admins name someone else (FORBIDDEN); unknown ids are NOT_FOUND.",
    args: {
      resourceIds: t.arg.idList({ required: true, description: "1 to 20 distinct resource ids." }),
      targetIdentityId: t.arg.id({ description: "Who the request would be for (admins); default: the viewer." }),
    },
    resolve: (_root, args, ctx) =>
      previewRequest(ctx.prisma, viewerOf(ctx), {
        resourceIds: decodeIds(args.resourceIds, "Resource", ["resourceIds"]),
        targetId: decodeOptionalId(args.targetIdentityId, "Identity", ["targetIdentityId"]),
      }),
  }),
);
