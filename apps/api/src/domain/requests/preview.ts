// What a person already has or has asked for, per resource, and what a request would go through
// before it is made: the request form marks what cannot be asked for again and shows each picked
// resource's approval chain as routing would assign it now. Reads only; nothing is written.
import type { Client } from "../../db/database.ts";
import { DomainError, invalid, notFound } from "../errors.ts";
import { activeGrantKey } from "../grants/grants.ts";
import { applyDelegations, routeApprovalStep, type Routing } from "../policy/routing.ts";
import { visibleResourceWhere } from "../policy/visibility.ts";
import { TickBatch } from "../tick-batch.ts";
import { distinct, LIMITS, listSize } from "../validate.ts";
import { type Actor, isAdmin, type Tx } from "../work.ts";
import { openItemKey } from "./request-actions.ts";

/** A person's standing on one resource: their active grant, and their request that has it open. */
export interface ResourceStanding {
  grantId: string | null;
  openRequestId: string | null;
}

/**
 * Whose standing `actor` may read: their own, and anyone's for admins (the same rule as grants).
 * Throws FORBIDDEN otherwise, naming the argument.
 */
export function standingSubject(actor: Actor, identityId: string | null, field: readonly string[]): string {
  if (identityId === null || identityId === actor.id) return actor.id;
  if (!isAdmin(actor)) {
    throw new DomainError("FORBIDDEN", "Only admins may look at what someone else has or has asked for.", field);
  }
  return identityId;
}

/** The standings of one identity on many resources: two statements for the whole list. */
export async function standingsOf(
  db: Client | Tx,
  identityId: string,
  resourceIds: readonly string[],
): Promise<Map<string, ResourceStanding>> {
  const standings = new Map<string, ResourceStanding>(
    resourceIds.map((id) => [id, { grantId: null, openRequestId: null }]),
  );
  if (resourceIds.length === 0) return standings;
  const grants = await db.grant.findMany({
    where: { activeKey: { in: resourceIds.map((id) => activeGrantKey(identityId, id)) } },
    select: { id: true, resourceId: true },
  });
  const items = await db.requestItem.findMany({
    where: { openKey: { in: resourceIds.map((id) => openItemKey(identityId, id)) } },
    select: { resourceId: true, requestId: true },
  });
  for (const grant of grants) {
    const standing = standings.get(grant.resourceId);
    if (standing) standing.grantId = grant.id;
  }
  for (const item of items) {
    const standing = standings.get(item.resourceId);
    if (standing) standing.openRequestId = item.requestId;
  }
  return standings;
}

/**
 * Batches `standingsOf` for the resources of one page asked about in the same tick, per identity:
 * a list of 100 resources reads two statements, not two hundred.
 */
export class StandingLoader {
  private readonly batch: TickBatch<
    { identityId: string; resourceId: string },
    Map<string, Map<string, ResourceStanding>>
  >;

  constructor(db: Client) {
    this.batch = new TickBatch(async (asked) => {
      const byIdentity = new Map<string, string[]>();
      for (const { identityId, resourceId } of asked) {
        byIdentity.set(identityId, [...(byIdentity.get(identityId) ?? []), resourceId]);
      }
      const standings = new Map<string, Map<string, ResourceStanding>>();
      for (const [identityId, resourceIds] of byIdentity) {
        standings.set(identityId, await standingsOf(db, identityId, [...new Set(resourceIds)]));
      }
      return standings;
    });
  }

  async load(identityId: string, resourceId: string): Promise<ResourceStanding> {
    const standing = (await this.batch.load({ identityId, resourceId })).get(identityId)?.get(resourceId);
    return standing ?? { grantId: null, openRequestId: null };
  }
}

export interface StepPreview {
  order: number;
  kind: "MANAGER" | "EXPLICIT" | "GROUP";
  routing: Routing;
}

export interface ResourcePreview {
  resourceId: string;
  standing: ResourceStanding;
  /** Empty: the resource is approved automatically. */
  steps: StepPreview[];
}

/**
 * What a request for `resourceIds` by `actor` (for `targetId`, admins only) would go through now:
 * each resource's standing and its approval steps routed as a new ticket would be (fallbacks and
 * delegations included). Later steps are routed as if opened now; they open when the step before
 * is approved, and are routed again then.
 */
export async function previewRequest(
  tx: Tx,
  actor: Actor,
  input: { resourceIds: readonly string[]; targetId: string | null },
): Promise<ResourcePreview[]> {
  listSize(input.resourceIds, 1, LIMITS.resourcesPerRequest, ["resourceIds"]);
  distinct(input.resourceIds, ["resourceIds"]);
  const targetId = standingSubject(actor, input.targetId, ["targetIdentityId"]);
  if (targetId !== actor.id) {
    const target = await tx.identity.findUnique({ where: { id: targetId }, select: { active: true } });
    if (!target) throw notFound("Identity", ["targetIdentityId"]);
    if (!target.active)
      throw invalid("This person is inactive: access cannot be requested for them.", ["targetIdentityId"]);
  }
  const resources = await tx.resource.findMany({
    where: { AND: [{ id: { in: [...input.resourceIds] } }, visibleResourceWhere(actor)] },
    select: {
      id: true,
      approvalSteps: { orderBy: { order: "asc" }, select: { id: true, order: true, kind: true, groupId: true } },
    },
  });
  const byId = new Map(resources.map((r) => [r.id, r]));
  input.resourceIds.forEach((id, index) => {
    if (!byId.has(id)) throw notFound("Resource", ["resourceIds", String(index)]);
  });
  const standings = await standingsOf(tx, targetId, input.resourceIds);
  const parties = { requesterId: actor.id, targetId };
  const now = new Date();
  const previews: ResourcePreview[] = [];
  for (const id of input.resourceIds) {
    const resource = byId.get(id);
    if (!resource) continue;
    const steps: StepPreview[] = [];
    for (const step of resource.approvalSteps) {
      const routing = await applyDelegations(tx, await routeApprovalStep(tx, step, parties), parties, now);
      steps.push({ order: step.order, kind: step.kind, routing });
    }
    previews.push({
      resourceId: id,
      standing: standings.get(id) ?? { grantId: null, openRequestId: null },
      steps,
    });
  }
  return previews;
}
