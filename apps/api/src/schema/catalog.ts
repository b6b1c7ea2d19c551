// Systems, resources and their approval steps: the catalogue people request from.
import { maxGrantSeconds, PRIVILEGED_MAX_GRANT_SECONDS } from "../domain/grants/grant-ends.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import {
  createResource,
  createSystem,
  updateResource,
  updateSystem,
  type StepInput,
} from "../domain/catalog/catalog.ts";
import { visibleResourceWhere } from "../domain/policy/visibility.ts";
import { type Context, viewerOf } from "../context.ts";
import { containsText, searchTerm } from "./text-search.ts";
import { isAdmin } from "../domain/work.ts";
import { builder } from "./builder.ts";
import { entityPayload, mutate, MUTATION_INPUT } from "./errors.ts";
import { decodeId, decodeIds, decodeOptionalId } from "./ids.ts";
import { ApproverKindEnum, ConnectorKindEnum, HealthStatusEnum, SensitivityEnum } from "./scalars.ts";

const ConnectorHealth = builder
  .objectRef<{ status: "UNKNOWN" | "HEALTHY" | "DEGRADED" | "DOWN"; checkedAt: Date | null; message: string | null }>(
    "ConnectorHealth",
  )
  .implement({
    description: "A system's connector health as last checked (every HEALTH_CHECK_INTERVAL_MS, and after each call).",
    fields: (t) => ({
      status: t.field({ type: HealthStatusEnum, description: "The verdict.", resolve: (h) => h.status }),
      checkedAt: t.field({
        type: "DateTime",
        nullable: true,
        description: "When it was last checked; null when never.",
        resolve: (h) => h.checkedAt,
      }),
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
    name: t.exposeString("name", { description: "Unique." }),
    description: t.exposeString("description", { nullable: true, description: "What the system is; null if unset." }),
    connector: t.expose("connector", { type: ConnectorKindEnum, description: "How its access is provisioned." }),
    health: t.field({
      type: ConnectorHealth,
      description: "Whether its connector answers. Everyone sees the status; only admins the message.",
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
    connectorConfig: t.field({
      type: "JSON",
      nullable: true,
      description:
        "Admins only (FORBIDDEN otherwise): the connector settings as stored, the shape `updateSystem` takes. Secrets\n" +
        "appear only as references (env:ACCESS_SECRET_…), never as values. Null for MANUAL systems.",
      authScopes: { admin: true },
      select: { connectorConfig: true },
      resolve: (system) => (system.connectorConfig ? (JSON.parse(system.connectorConfig) as unknown) : null),
    }),
  }),
});

export const SystemConnection = builder.connectionObject(
  { type: System, name: "SystemConnection" },
  { name: "SystemEdge" },
);

const ApprovalStep = builder.prismaObject("ApprovalStep", {
  description: "One approval a request for a resource needs; each step is one APPROVAL ticket, in order.",
  fields: (t) => ({
    order: t.exposeInt("order", { description: "1-based position; steps run in order." }),
    kind: t.expose("kind", { type: ApproverKindEnum, description: "Who decides it." }),
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
    name: t.exposeString("name", { description: "Unique within its system." }),
    description: t.exposeString("description", {
      nullable: true,
      description: "What the access gives, for requesters; null if unset.",
    }),
    system: t.relation("system", { description: "The system where the access lives." }),
    sensitivity: t.expose("sensitivity", {
      type: SensitivityEnum,
      description: "How much it matters; picks the default approval steps.",
    }),
    requestable: t.exposeBoolean("requestable", {
      description: "Whether people may request it; non-requestable resources are visible to admins only.",
    }),
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
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it was added to the catalogue." }),
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
      description: "The system's resources the viewer may see (admins: all), by name.",
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
      description: "Every connected system, by name. Anyone signed in.",
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
      description: "Requestable resources by name (admins also see the others). Anyone signed in.",
      args: {
        search: t.arg.string({
          description: "Only resources whose name or system's name contains this, whatever the case (at most 200).",
        }),
        systemId: t.arg.id({ description: "Only this system's resources; a malformed id is NOT_FOUND." }),
      },
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
  description: "A new connected system.",
  fields: (t) => ({
    name: t.string({ required: true, description: "1 to 200 characters; unique (CONFLICT otherwise)." }),
    description: t.string({ description: "At most 2000 characters." }),
    connector: t.field({ type: ConnectorKindEnum, required: true, description: "How access is provisioned." }),
    connectorConfig: t.field({
      type: "JSON",
      description: "Connector settings (URL, credentials reference, group mapping); validated per connector kind.",
    }),
    fulfillersGroupId: t.id({
      description: "The group that works MANUAL fulfillment tickets (and PRIVILEGED default approvals).",
    }),
    ticketSlaHours: t.int({ description: "The system's ticket SLA, whole hours from 1 to 8760 (omit: the default)." }),
  }),
});

const ApprovalStepInput = builder.inputType("ApprovalStepInput", {
  description: "One approval step, in the order given.",
  fields: (t) => ({
    kind: t.field({ type: ApproverKindEnum, required: true, description: "Who decides it." }),
    approverIds: t.idList({ description: "EXPLICIT steps only (required then): the named approvers." }),
    groupId: t.id({ description: "GROUP steps only (required then): the approving group." }),
  }),
});

const CreateResourceInput = builder.inputType("CreateResourceInput", {
  description: "A new resource in a system's catalogue.",
  fields: (t) => ({
    systemId: t.id({ required: true, description: "The system it lives in." }),
    name: t.string({ required: true, description: "1 to 200 characters; unique within the system." }),
    description: t.string({ description: "At most 2000 characters." }),
    sensitivity: t.field({ type: SensitivityEnum, required: true, description: "Picks the default approval steps." }),
    requestable: t.boolean({ description: "Default true." }),
    approvalSteps: t.field({ type: [ApprovalStepInput], description: "Omit to use the defaults for the sensitivity." }),
    requiresFulfillmentEvidence: t.boolean({
      description: "Default false: when true, fulfilling by hand needs a comment as evidence.",
    }),
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
  description: "Changes to a resource; absent fields stay as they are. Requests already made keep their steps.",
  fields: (t) => ({
    resourceId: t.id({ required: true, description: "The resource to change." }),
    name: t.string({ description: "1 to 200 characters." }),
    description: t.string({ description: "At most 2000 characters; null clears it." }),
    sensitivity: t.field({ type: SensitivityEnum, description: "The new sensitivity." }),
    requestable: t.boolean({ description: "False stops new requests; open ones go on." }),
    approvalSteps: t.field({
      type: [ApprovalStepInput],
      description: "Replaces the steps; an empty list means policy approves (STANDARD only, VALIDATION otherwise).",
    }),
    requiresFulfillmentEvidence: t.boolean({ description: "Whether fulfilling by hand needs a comment." }),
    maxGrantDuration: t.int({ description: "Seconds; null removes the resource's own maximum, absent keeps it." }),
    connectorTarget: t.field({
      type: "JSON",
      description: "Replaces where the resource lives in the connector's system; null clears it.",
    }),
    ticketSlaHours: t.int({
      description: "Whole hours from 1 to 8760; null removes the resource's own SLA, absent keeps it.",
    }),
  }),
});

const UpdateSystemInput = builder.inputType("UpdateSystemInput", {
  description:
    "Changes to a system; absent fields stay as they are. The connector kind cannot change (its resources' targets\n" +
    "and queued calls were made for it): create another system instead.",
  fields: (t) => ({
    systemId: t.id({ required: true, description: "The system to change." }),
    name: t.string({ description: "1 to 200 characters; unique (CONFLICT otherwise)." }),
    description: t.string({ description: "At most 2000 characters; null clears it." }),
    connectorConfig: t.field({
      type: "JSON",
      description:
        "Replaces the connector settings, checked for the system's connector kind as in `createSystem`. The next\n" +
        "call and health check use them.",
    }),
    fulfillersGroupId: t.id({
      description: "The group that works its MANUAL tickets from now on; null: the admins. Open tickets keep theirs.",
    }),
    ticketSlaHours: t.int({
      description: "Whole hours from 1 to 8760; null: the organisation's default; absent keeps it.",
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
    description: "Adds a connected system; its connector settings are checked first. Admins only.",
    args: { input: t.arg({ type: CreateSystemInput, required: true, description: MUTATION_INPUT }) },
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
  updateSystem: t.field({
    type: SystemPayload,
    description:
      "Changes a system (audited as CONFIG_CHANGED with what it is now and, in `changed`, which settings changed).\n" +
      "Admins only.",
    args: { input: t.arg({ type: UpdateSystemInput, required: true, description: MUTATION_INPUT }) },
    resolve: (_root, { input }, ctx) =>
      mutate(ctx, (viewer) =>
        ctx.db.transact((work) =>
          updateSystem(work, viewer, {
            systemId: decodeId(input.systemId, "System", ["input", "systemId"]),
            name: input.name ?? null,
            ...(input.description !== undefined ? { description: input.description } : {}),
            ...(input.connectorConfig !== undefined ? { connectorConfig: input.connectorConfig } : {}),
            ...(input.fulfillersGroupId !== undefined
              ? {
                  fulfillersGroupId: decodeOptionalId(input.fulfillersGroupId, "Group", ["input", "fulfillersGroupId"]),
                }
              : {}),
            ...(input.ticketSlaHours !== undefined ? { ticketSlaHours: input.ticketSlaHours } : {}),
          }),
        ),
      ),
  }),
  createResource: t.field({
    type: ResourcePayload,
    description: "Adds a resource to a system's catalogue. Admins only.",
    args: { input: t.arg({ type: CreateResourceInput, required: true, description: MUTATION_INPUT }) },
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
    description: "Changes a resource (audited as CONFIG_CHANGED with what changed). Admins only.",
    args: { input: t.arg({ type: UpdateResourceInput, required: true, description: MUTATION_INPUT }) },
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
