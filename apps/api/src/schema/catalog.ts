// Systems, resources and their approval steps: the catalogue people request from.
import { maxGrantSeconds, PRIVILEGED_MAX_GRANT_SECONDS } from "../domain/grants/grant-ends.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import { createResource, createSystem, updateResource, type StepInput } from "../domain/catalog/catalog.ts";
import { visibleResourceWhere } from "../domain/policy/visibility.ts";
import { type Context, viewerOf } from "../context.ts";
import { containsText, searchTerm } from "./text-search.ts";
import { isAdmin } from "../domain/work.ts";
import { builder } from "./builder.ts";
import { entityPayload, mutate } from "./errors.ts";
import { decodeId, decodeIds, decodeOptionalId } from "./ids.ts";
import { ApproverKindEnum, ConnectorKindEnum, HealthStatusEnum, SensitivityEnum } from "./scalars.ts";

const ConnectorHealth = builder
  .objectRef<{ status: "UNKNOWN" | "HEALTHY" | "DEGRADED" | "DOWN"; checkedAt: Date | null; message: string | null }>(
    "ConnectorHealth",
  )
  .implement({
    fields: (t) => ({
      status: t.field({ type: HealthStatusEnum, resolve: (h) => h.status }),
      checkedAt: t.field({ type: "DateTime", nullable: true, resolve: (h) => h.checkedAt }),
      message: t.string({
        nullable: true,
        description: "Admins only (it may name internal hosts); null for everyone else.",
        resolve: (health, _args, ctx) => (ctx.viewer && isAdmin(ctx.viewer) ? health.message : null),
      }),
    }),
  });

export const System = builder.prismaNode("System", {
  id: { field: "id" },
  description: "A connected system: where access lives and is provisioned.",
  fields: (t) => ({
    name: t.exposeString("name"),
    description: t.exposeString("description", { nullable: true }),
    connector: t.expose("connector", { type: ConnectorKindEnum }),
    health: t.field({
      type: ConnectorHealth,
      select: { healthStatus: true, healthCheckedAt: true, healthMessage: true },
      resolve: (system) => ({
        status: system.healthStatus,
        checkedAt: system.healthCheckedAt,
        message: system.healthMessage,
      }),
    }),
    fulfillers: t.relation("fulfillersGroup", {
      nullable: true,
      description: "Who works this system's manual fulfillment tickets.",
    }),
    ticketSlaHours: t.exposeInt("ticketSlaHours", {
      nullable: true,
      description:
        "Hours an open ticket of this system's resources may wait before a reminder (escalation at twice that);\n" +
        "null: the organisation's default. A resource's own SLA comes first.",
    }),
  }),
});

export const SystemConnection = builder.connectionObject(
  { type: System, name: "SystemConnection" },
  { name: "SystemEdge" },
);

const ApprovalStep = builder.prismaObject("ApprovalStep", {
  fields: (t) => ({
    order: t.exposeInt("order", { description: "1-based position; steps run in order." }),
    kind: t.expose("kind", { type: ApproverKindEnum }),
    approvers: t.relation("approvers", {
      description: "For EXPLICIT steps.",
      query: { orderBy: { displayName: "asc" } },
    }),
    group: t.relation("group", { nullable: true, description: "For GROUP steps." }),
  }),
});

export const Resource = builder.prismaNode("Resource", {
  id: { field: "id" },
  description: "Access that can be requested, in one connected system.",
  fields: (t) => ({
    name: t.exposeString("name"),
    description: t.exposeString("description", { nullable: true }),
    system: t.relation("system"),
    sensitivity: t.expose("sensitivity", { type: SensitivityEnum }),
    requestable: t.exposeBoolean("requestable"),
    approvalSteps: t.relation("approvalSteps", {
      type: ApprovalStep,
      description:
        "The steps a request for this resource goes through: the configured ones, or the defaults for its sensitivity.",
      query: { orderBy: { order: "asc" } },
    }),
    requiresFulfillmentEvidence: t.exposeBoolean("requiresFulfillmentEvidence", {
      description: "Whoever fulfills a ticket for this resource must leave a comment as evidence.",
    }),
    maxGrantDuration: t.exposeInt("maxGrantDuration", {
      nullable: true,
      description: "The longest a grant of this resource may last, in seconds, as an admin set it (null: none set).",
    }),
    ticketSlaHours: t.exposeInt("ticketSlaHours", {
      nullable: true,
      description:
        "Hours an open ticket of this resource may wait before a reminder (escalation at twice that);\n" +
        "null: its system's, else the organisation's default.",
    }),
    grantDurationLimit: t.int({
      nullable: true,
      description:
        "The longest a grant of this resource lasts, in seconds, counted from when it is granted:\n" +
        `maxGrantDuration, or ${PRIVILEGED_MAX_GRANT_SECONDS} (7 days) for PRIVILEGED resources without one; null: no limit.`,
      select: { maxGrantDuration: true, sensitivity: true },
      resolve: (resource) => maxGrantSeconds(resource),
    }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

export const ResourceConnection = builder.connectionObject(
  { type: Resource, name: "ResourceConnection" },
  { name: "ResourceEdge" },
);

builder.prismaObjectField(System, "resources", (t) =>
  t.relatedConnection(
    "resources",
    {
      cursor: "id",
      totalCount: true,
      query: (_args, ctx) => ({ where: visibleResourceWhere(viewerOf(ctx)), orderBy: { name: "asc" } }),
    },
    ResourceConnection,
  ),
);

function resourcesWhere(
  ctx: Context,
  search: string | null | undefined,
  systemId: string | null,
): Prisma.ResourceWhereInput {
  const term = searchTerm(search);
  return {
    AND: [
      visibleResourceWhere(viewerOf(ctx)),
      systemId ? { systemId } : {},
      term ? { OR: [{ name: containsText(ctx, term) }, { system: { name: containsText(ctx, term) } }] } : {},
    ],
  };
}

builder.queryFields((t) => ({
  systems: t.prismaConnection(
    {
      type: "System",
      cursor: "id",
      resolve: (query, _root, _args, ctx) =>
        ctx.prisma.system.findMany({ ...query, orderBy: [{ name: "asc" }, { id: "asc" }] }),
      totalCount: (_parent, _args, ctx) => ctx.prisma.system.count(),
    },
    SystemConnection,
  ),
  resources: t.prismaConnection(
    {
      type: "Resource",
      cursor: "id",
      description: "Requestable resources (admins also see the others).",
      args: { search: t.arg.string(), systemId: t.arg.id() },
      resolve: (query, _root, args, ctx) =>
        ctx.prisma.resource.findMany({
          ...query,
          where: resourcesWhere(ctx, args.search, decodeOptionalId(args.systemId, "System", ["systemId"])),
          orderBy: [{ name: "asc" }, { id: "asc" }],
        }),
      totalCount: (_parent, args, ctx) =>
        ctx.prisma.resource.count({
          where: resourcesWhere(ctx, args.search, decodeOptionalId(args.systemId, "System", ["systemId"])),
        }),
    },
    ResourceConnection,
  ),
}));

// ---------------------------------------------------------------- mutations (admins only)

const SystemPayload = entityPayload("SystemPayload", "system", "System", (ctx, query, id) =>
  ctx.prisma.system.findUnique({ ...query, where: { id } }),
);
const ResourcePayload = entityPayload("ResourcePayload", "resource", "Resource", (ctx, query, id) =>
  ctx.prisma.resource.findUnique({ ...query, where: { id } }),
);

const CreateSystemInput = builder.inputType("CreateSystemInput", {
  fields: (t) => ({
    name: t.string({ required: true }),
    description: t.string(),
    connector: t.field({ type: ConnectorKindEnum, required: true }),
    connectorConfig: t.field({
      type: "JSON",
      description: "Connector settings (URL, credentials reference, group mapping); validated per connector kind.",
    }),
    fulfillersGroupId: t.id(),
    ticketSlaHours: t.int({ description: "The system's ticket SLA, whole hours from 1 to 8760 (omit: the default)." }),
  }),
});

const ApprovalStepInput = builder.inputType("ApprovalStepInput", {
  fields: (t) => ({
    kind: t.field({ type: ApproverKindEnum, required: true }),
    approverIds: t.idList(),
    groupId: t.id(),
  }),
});

const CreateResourceInput = builder.inputType("CreateResourceInput", {
  fields: (t) => ({
    systemId: t.id({ required: true }),
    name: t.string({ required: true }),
    description: t.string(),
    sensitivity: t.field({ type: SensitivityEnum, required: true }),
    requestable: t.boolean(),
    approvalSteps: t.field({ type: [ApprovalStepInput], description: "Omit to use the defaults for the sensitivity." }),
    requiresFulfillmentEvidence: t.boolean(),
    maxGrantDuration: t.int({
      description: "Seconds (60 or more): the longest a grant may last. Requests asking for longer are refused.",
    }),
    ticketSlaHours: t.int({
      description: "The resource's ticket SLA, whole hours from 1 to 8760 (omit: its system's or the default).",
    }),
    connectorTarget: t.field({
      type: "JSON",
      description:
        "Where the resource lives in the connector's system (WEBHOOK: extra payload fields); validated per connector kind.",
    }),
  }),
});

const UpdateResourceInput = builder.inputType("UpdateResourceInput", {
  fields: (t) => ({
    resourceId: t.id({ required: true }),
    name: t.string(),
    description: t.string(),
    sensitivity: t.field({ type: SensitivityEnum }),
    requestable: t.boolean(),
    approvalSteps: t.field({ type: [ApprovalStepInput] }),
    requiresFulfillmentEvidence: t.boolean(),
    maxGrantDuration: t.int({ description: "Seconds; null removes the resource's own maximum, absent keeps it." }),
    connectorTarget: t.field({ type: "JSON" }),
    ticketSlaHours: t.int({
      description: "Whole hours from 1 to 8760; null removes the resource's own SLA, absent keeps it.",
    }),
  }),
});

type StepArg = { kind: StepInput["kind"]; approverIds?: readonly string[] | null; groupId?: string | null };

function decodeSteps(steps: readonly StepArg[] | null | undefined): StepInput[] | null {
  if (steps == null) return null;
  return steps.map((step, index) => {
    const at = ["input", "approvalSteps", String(index)];
    return {
      kind: step.kind,
      approverIds: decodeIds(step.approverIds ?? [], "Identity", [...at, "approverIds"]),
      groupId: decodeOptionalId(step.groupId, "Group", [...at, "groupId"]),
    };
  });
}

builder.mutationFields((t) => ({
  createSystem: t.field({
    type: SystemPayload,
    args: { input: t.arg({ type: CreateSystemInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      mutate(ctx, (viewer) =>
        ctx.db.transact((work) =>
          createSystem(work, viewer, {
            name: input.name,
            description: input.description ?? null,
            connector: input.connector,
            connectorConfig: input.connectorConfig,
            fulfillersGroupId: decodeOptionalId(input.fulfillersGroupId, "Group", ["input", "fulfillersGroupId"]),
            ticketSlaHours: input.ticketSlaHours ?? null,
          }),
        ),
      ),
  }),
  createResource: t.field({
    type: ResourcePayload,
    args: { input: t.arg({ type: CreateResourceInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      mutate(ctx, (viewer) =>
        ctx.db.transact((work) =>
          createResource(work, viewer, {
            systemId: decodeId(input.systemId, "System", ["input", "systemId"]),
            name: input.name,
            description: input.description ?? null,
            sensitivity: input.sensitivity,
            requestable: input.requestable ?? null,
            approvalSteps: decodeSteps(input.approvalSteps),
            requiresFulfillmentEvidence: input.requiresFulfillmentEvidence ?? null,
            connectorTarget: input.connectorTarget,
            maxGrantDuration: input.maxGrantDuration ?? null,
            ticketSlaHours: input.ticketSlaHours ?? null,
          }),
        ),
      ),
  }),
  updateResource: t.field({
    type: ResourcePayload,
    args: { input: t.arg({ type: UpdateResourceInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      mutate(ctx, (viewer) =>
        ctx.db.transact((work) =>
          updateResource(work, viewer, {
            resourceId: decodeId(input.resourceId, "Resource", ["input", "resourceId"]),
            name: input.name ?? null,
            ...(input.description !== undefined ? { description: input.description } : {}),
            sensitivity: input.sensitivity ?? null,
            requestable: input.requestable ?? null,
            approvalSteps: decodeSteps(input.approvalSteps),
            requiresFulfillmentEvidence: input.requiresFulfillmentEvidence ?? null,
            ...(input.connectorTarget !== undefined ? { connectorTarget: input.connectorTarget } : {}),
            ...(input.maxGrantDuration !== undefined ? { maxGrantDuration: input.maxGrantDuration } : {}),
            ...(input.ticketSlaHours !== undefined ? { ticketSlaHours: input.ticketSlaHours } : {}),
          }),
        ),
      ),
  }),
}));
