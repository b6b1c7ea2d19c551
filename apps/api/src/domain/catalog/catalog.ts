// Systems and resources (admins only), with their approval steps. A resource's steps are stored
// as configured: omitted steps become the defaults for its sensitivity at creation, an explicit
// empty list means auto-approval (STANDARD only).
import { MAX_GRANT_DURATION_LIMIT } from "../grants/grant-ends.ts";
import type { JsonValue } from "@access/audit-chain";
import type { ApproverKind, ConnectorKind, Sensitivity } from "../../generated/prisma/client.ts";
import { toGlobalId } from "../global-id.ts";
import { DomainError, invalid, notFound } from "../errors.ts";
import { auditConfig, requireAdmin } from "../admin-only.ts";
import { defaultSteps, type StepSpec } from "../policy/routing.ts";
import { LIMITS, distinct, listSize, optionalText, requiredText } from "../validate.ts";
import type { Actor, Tx, Work } from "../work.ts";
import { parseConnectorConfig, parseConnectorTarget, storedConfig } from "../../connectors/settings.ts";
import { optionalSlaHours } from "../settings/settings.ts";

export const MAX_STEPS = 10;
const MAX_APPROVERS_PER_STEP = 20;

export interface CreateSystemInput {
  name: string;
  description?: string | null;
  connector: ConnectorKind;
  connectorConfig?: unknown;
  fulfillersGroupId?: string | null;
  /** Hours; null: the organisation's default. */
  ticketSlaHours?: number | null;
}

async function requireGroup(tx: Tx, id: string, field: readonly string[]): Promise<void> {
  if (!(await tx.group.findUnique({ where: { id }, select: { id: true } }))) throw notFound("Group", field);
}

/**
 * CONFLICT when another system has this name, whatever its case: "Wiki" and "wiki" would read
 * as one system in every list, filter and audit row. (Systems are few: they are compared here
 * rather than through a case-folded index, which SQLite and PostgreSQL spell differently.)
 */
async function requireFreeSystemName(tx: Tx, name: string, exceptId: string | null): Promise<void> {
  const folded = name.toLowerCase();
  const systems = await tx.system.findMany({ select: { id: true, name: true } });
  const clash = systems.find((s) => s.id !== exceptId && s.name.toLowerCase() === folded);
  if (clash) throw new DomainError("CONFLICT", `A system named ${clash.name} exists already.`, ["input", "name"]);
}

export async function createSystem(work: Work, actor: Actor | null, input: CreateSystemInput): Promise<string> {
  if (actor) requireAdmin(actor);
  const name = requiredText(input.name, LIMITS.name, ["input", "name"]);
  const description = optionalText(input.description, LIMITS.description, ["input", "description"]);
  const connectorConfig = storedConfig(parseConnectorConfig(input.connector, input.connectorConfig));
  const ticketSlaHours = optionalSlaHours(input.ticketSlaHours, ["input", "ticketSlaHours"]);
  if (input.fulfillersGroupId) await requireGroup(work.tx, input.fulfillersGroupId, ["input", "fulfillersGroupId"]);
  await requireFreeSystemName(work.tx, name, null);
  const system = await work.tx.system.create({
    data: {
      name,
      description,
      connector: input.connector,
      connectorConfig,
      fulfillersGroupId: input.fulfillersGroupId ?? null,
      ticketSlaHours,
    },
    select: { id: true },
  });
  auditConfig(work, actor, "System", toGlobalId("System", system.id), "created", {
    name,
    connector: input.connector,
    fulfillersGroupId: input.fulfillersGroupId ? toGlobalId("Group", input.fulfillersGroupId) : null,
    ...(ticketSlaHours !== null ? { ticketSlaHours } : {}),
  });
  return system.id;
}

export interface UpdateSystemInput {
  systemId: string;
  /** Absent or null: unchanged. */
  name?: string | null;
  /** Absent: unchanged; null clears it. */
  description?: string | null;
  /** Absent: unchanged; replaces the settings, checked for the system's connector kind. */
  connectorConfig?: unknown;
  /** Absent: unchanged; null: the admins work its MANUAL tickets. */
  fulfillersGroupId?: string | null;
  /** Absent: unchanged; null: the organisation's default. */
  ticketSlaHours?: number | null;
}

/**
 * Changes a system (admins only), audited as CONFIG_CHANGED with what it is now. The connector
 * kind stays: resources' targets and queued calls were made for it. Open tickets keep their
 * assignment (an admin reassigns them); new tickets and the next connector call use the change.
 */
export async function updateSystem(work: Work, actor: Actor, input: UpdateSystemInput): Promise<string> {
  requireAdmin(actor);
  const current = await work.tx.system.findUnique({ where: { id: input.systemId } });
  if (!current) throw notFound("System", ["input", "systemId"]);
  const name = input.name != null ? requiredText(input.name, LIMITS.name, ["input", "name"]) : current.name;
  const description =
    input.description !== undefined
      ? optionalText(input.description, LIMITS.description, ["input", "description"])
      : current.description;
  const connectorConfig =
    input.connectorConfig !== undefined
      ? storedConfig(parseConnectorConfig(current.connector, input.connectorConfig))
      : current.connectorConfig;
  const ticketSlaHours =
    input.ticketSlaHours !== undefined
      ? optionalSlaHours(input.ticketSlaHours, ["input", "ticketSlaHours"])
      : current.ticketSlaHours;
  const fulfillersGroupId = input.fulfillersGroupId !== undefined ? input.fulfillersGroupId : current.fulfillersGroupId;
  if (fulfillersGroupId && fulfillersGroupId !== current.fulfillersGroupId) {
    await requireGroup(work.tx, fulfillersGroupId, ["input", "fulfillersGroupId"]);
  }
  if (name !== current.name) await requireFreeSystemName(work.tx, name, current.id);
  const after = { name, description, connectorConfig, fulfillersGroupId, ticketSlaHours };
  await work.tx.system.update({ where: { id: current.id }, data: after });
  auditConfig(work, actor, "System", toGlobalId("System", current.id), "updated", {
    // Which of its settings changed (the rest of the data is what the system is now).
    changed: (Object.keys(after) as (keyof typeof after)[]).filter((key) => after[key] !== current[key]),
    name,
    description,
    fulfillersGroupId: fulfillersGroupId ? toGlobalId("Group", fulfillersGroupId) : null,
    ticketSlaHours,
    // Settings hold secrets only as references (env:ACCESS_SECRET_…), so they can be kept here.
    ...(connectorConfig !== current.connectorConfig
      ? { connectorConfig: connectorConfig ? (JSON.parse(connectorConfig) as JsonValue) : null }
      : {}),
  });
  return current.id;
}

export interface StepInput {
  kind: ApproverKind;
  approverIds?: readonly string[] | null;
  groupId?: string | null;
}

async function validateSteps(tx: Tx, steps: readonly StepInput[], field: readonly string[]): Promise<StepSpec[]> {
  listSize(steps, 0, MAX_STEPS, field);
  const specs: StepSpec[] = [];
  for (const [index, step] of steps.entries()) {
    const at = [...field, String(index)];
    const approverIds = step.approverIds ?? [];
    if (step.kind === "EXPLICIT") {
      listSize(approverIds, 1, MAX_APPROVERS_PER_STEP, [...at, "approverIds"]);
      distinct(approverIds, [...at, "approverIds"]);
      const found = new Set(
        (await tx.identity.findMany({ where: { id: { in: [...approverIds] } }, select: { id: true } })).map(
          (i) => i.id,
        ),
      );
      approverIds.forEach((id, i) => {
        if (!found.has(id)) throw notFound("Identity", [...at, "approverIds", String(i)]);
      });
    } else if (approverIds.length > 0) {
      throw invalid(`${step.kind} steps take no approverIds.`, [...at, "approverIds"]);
    }
    if (step.kind === "GROUP") {
      if (!step.groupId) throw invalid("GROUP steps need a groupId.", [...at, "groupId"]);
      await requireGroup(tx, step.groupId, [...at, "groupId"]);
    } else if (step.groupId) {
      throw invalid(`${step.kind} steps take no groupId.`, [...at, "groupId"]);
    }
    specs.push({ kind: step.kind, approverIds: [...approverIds], groupId: step.groupId ?? null });
  }
  return specs;
}

function checkStepsFitSensitivity(
  sensitivity: Sensitivity,
  steps: readonly StepSpec[],
  field: readonly string[],
): void {
  if (steps.length === 0 && sensitivity !== "STANDARD") {
    throw invalid("Only STANDARD resources may be approved automatically (no steps).", field);
  }
  if (sensitivity === "PRIVILEGED" && !steps.some((s) => s.kind === "EXPLICIT" || s.kind === "GROUP")) {
    throw invalid("PRIVILEGED resources need a step with named approvers or a group.", field);
  }
}

async function writeSteps(tx: Tx, resourceId: string, steps: readonly StepSpec[]): Promise<void> {
  await tx.approvalStep.deleteMany({ where: { resourceId } });
  for (const [index, step] of steps.entries()) {
    await tx.approvalStep.create({
      data: {
        resourceId,
        order: index + 1,
        kind: step.kind,
        groupId: step.groupId,
        approvers: { connect: step.approverIds.map((id) => ({ id })) },
      },
    });
  }
}

const stepsForAudit = (steps: readonly StepSpec[]): JsonValue =>
  steps.map((s, index) => ({
    order: index + 1,
    kind: s.kind,
    approverIds: s.approverIds.map((id) => toGlobalId("Identity", id)),
    groupId: s.groupId ? toGlobalId("Group", s.groupId) : null,
  }));

export interface CreateResourceInput {
  systemId: string;
  name: string;
  description?: string | null;
  sensitivity: Sensitivity;
  requestable?: boolean | null;
  approvalSteps?: readonly StepInput[] | null;
  requiresFulfillmentEvidence?: boolean | null;
  connectorTarget?: unknown;
  /** Seconds; null for no maximum of its own (an update: absent keeps it). */
  maxGrantDuration?: number | null;
  /** Hours; null for no SLA of its own (an update: absent keeps it). */
  ticketSlaHours?: number | null;
}

/** A resource's maximum grant duration: whole seconds from a minute to MAX_GRANT_DURATION_LIMIT, or null. */
function grantDuration(value: number | null | undefined): number | null {
  if (value == null) return null;
  if (!Number.isInteger(value) || value < 60 || value > MAX_GRANT_DURATION_LIMIT) {
    throw invalid(`Max grant duration must be whole seconds from 60 to ${MAX_GRANT_DURATION_LIMIT}.`, [
      "input",
      "maxGrantDuration",
    ]);
  }
  return value;
}

export async function createResource(work: Work, actor: Actor | null, input: CreateResourceInput): Promise<string> {
  if (actor) requireAdmin(actor);
  const name = requiredText(input.name, LIMITS.name, ["input", "name"]);
  const description = optionalText(input.description, LIMITS.description, ["input", "description"]);
  const maxGrantDuration = grantDuration(input.maxGrantDuration);
  const ticketSlaHours = optionalSlaHours(input.ticketSlaHours, ["input", "ticketSlaHours"]);
  const stepsField = ["input", "approvalSteps"];
  const system = await work.tx.system.findUnique({ where: { id: input.systemId }, select: { connector: true } });
  if (!system) throw notFound("System", ["input", "systemId"]);
  const connectorTarget = parseConnectorTarget(system.connector, input.connectorTarget);
  let steps: StepSpec[];
  if (input.approvalSteps == null) {
    const defaults = defaultSteps(input.sensitivity);
    if (!defaults)
      throw invalid("PRIVILEGED resources need approval steps with named approvers or a group.", stepsField);
    steps = defaults;
  } else {
    steps = await validateSteps(work.tx, input.approvalSteps, stepsField);
  }
  checkStepsFitSensitivity(input.sensitivity, steps, stepsField);
  if (await work.tx.resource.findFirst({ where: { systemId: input.systemId, name }, select: { id: true } })) {
    throw new DomainError("CONFLICT", `The system has a resource named ${name} already.`, ["input", "name"]);
  }
  const resource = await work.tx.resource.create({
    data: {
      systemId: input.systemId,
      name,
      description,
      sensitivity: input.sensitivity,
      requestable: input.requestable ?? true,
      requiresFulfillmentEvidence: input.requiresFulfillmentEvidence ?? input.sensitivity === "PRIVILEGED",
      connectorTarget,
      maxGrantDuration,
      ticketSlaHours,
    },
    select: { id: true, requestable: true, requiresFulfillmentEvidence: true },
  });
  await writeSteps(work.tx, resource.id, steps);
  auditConfig(work, actor, "Resource", toGlobalId("Resource", resource.id), "created", {
    systemId: toGlobalId("System", input.systemId),
    name,
    sensitivity: input.sensitivity,
    requestable: resource.requestable,
    requiresFulfillmentEvidence: resource.requiresFulfillmentEvidence,
    maxGrantDuration,
    ...(ticketSlaHours !== null ? { ticketSlaHours } : {}),
    approvalSteps: stepsForAudit(steps),
    defaultSteps: input.approvalSteps == null,
    connectorTarget: connectorTarget ? (JSON.parse(connectorTarget) as JsonValue) : null,
  });
  return resource.id;
}

export interface UpdateResourceInput {
  resourceId: string;
  name?: string | null;
  description?: string | null;
  sensitivity?: Sensitivity | null;
  requestable?: boolean | null;
  approvalSteps?: readonly StepInput[] | null;
  requiresFulfillmentEvidence?: boolean | null;
  connectorTarget?: unknown;
  /** Seconds; null for no maximum of its own (an update: absent keeps it). */
  maxGrantDuration?: number | null;
  /** Hours; null for no SLA of its own (an update: absent keeps it). */
  ticketSlaHours?: number | null;
}

export async function updateResource(work: Work, actor: Actor, input: UpdateResourceInput): Promise<string> {
  requireAdmin(actor);
  // One relation per read: Prisma runs sibling relation reads concurrently, which on the
  // transaction's one connection only queues them (and PostgreSQL's driver deprecates it).
  const found = await work.tx.resource.findUnique({
    where: { id: input.resourceId },
    include: { approvalSteps: { orderBy: { order: "asc" }, include: { approvers: { select: { id: true } } } } },
  });
  if (!found) throw notFound("Resource", ["input", "resourceId"]);
  const system = await work.tx.system.findUniqueOrThrow({ where: { id: found.systemId }, select: { connector: true } });
  const current = { ...found, system };
  const name = input.name != null ? requiredText(input.name, LIMITS.name, ["input", "name"]) : current.name;
  const description =
    input.description !== undefined
      ? optionalText(input.description, LIMITS.description, ["input", "description"])
      : current.description;
  const sensitivity = input.sensitivity ?? current.sensitivity;
  const maxGrantDuration =
    input.maxGrantDuration !== undefined ? grantDuration(input.maxGrantDuration) : current.maxGrantDuration;
  const ticketSlaHours =
    input.ticketSlaHours !== undefined
      ? optionalSlaHours(input.ticketSlaHours, ["input", "ticketSlaHours"])
      : current.ticketSlaHours;
  const connectorTarget =
    input.connectorTarget !== undefined
      ? parseConnectorTarget(current.system.connector, input.connectorTarget)
      : current.connectorTarget;
  const stepsField = ["input", "approvalSteps"];
  const steps =
    input.approvalSteps != null
      ? await validateSteps(work.tx, input.approvalSteps, stepsField)
      : current.approvalSteps.map((s) => ({
          kind: s.kind,
          approverIds: s.approvers.map((a) => a.id),
          groupId: s.groupId,
        }));
  checkStepsFitSensitivity(sensitivity, steps, stepsField);
  if (name !== current.name) {
    const clash = await work.tx.resource.findFirst({
      where: { systemId: current.systemId, name },
      select: { id: true },
    });
    if (clash) throw new DomainError("CONFLICT", `The system has a resource named ${name} already.`, ["input", "name"]);
  }
  const updated = await work.tx.resource.update({
    where: { id: current.id },
    data: {
      name,
      description,
      sensitivity,
      requestable: input.requestable ?? current.requestable,
      requiresFulfillmentEvidence: input.requiresFulfillmentEvidence ?? current.requiresFulfillmentEvidence,
      connectorTarget,
      maxGrantDuration,
      ticketSlaHours,
    },
    select: { requestable: true, requiresFulfillmentEvidence: true },
  });
  if (input.approvalSteps != null) await writeSteps(work.tx, current.id, steps);
  auditConfig(work, actor, "Resource", toGlobalId("Resource", current.id), "updated", {
    name,
    description,
    sensitivity,
    requestable: updated.requestable,
    requiresFulfillmentEvidence: updated.requiresFulfillmentEvidence,
    maxGrantDuration,
    ...(ticketSlaHours !== current.ticketSlaHours ? { ticketSlaHours } : {}),
    approvalSteps: stepsForAudit(steps),
    connectorTarget: connectorTarget ? (JSON.parse(connectorTarget) as JsonValue) : null,
  });
  return current.id;
}
