// Ending a grant: the grant is REVOKED at once (its `activeKey` freed, so the access may be
// requested again) and the access itself is taken away in the system — by a REVOKE job on
// connector systems, by a person working a revocation ticket on MANUAL ones. Both revokeGrant
// and the deactivation of the holder (directory/leavers.ts) end grants here.
import type { Prisma } from "../../generated/prisma/client.ts";
import { toGlobalId } from "../global-id.ts";
import { enqueueJob } from "../jobs.ts";
import { LifecycleError } from "../lifecycle.ts";
import { openRevocationTicket } from "../tickets/open-ticket.ts";
import type { Work } from "../work.ts";

/** What ending a grant reads of it (one relation: the resource's system). */
export const revocableGrantSelect = {
  id: true,
  status: true,
  identityId: true,
  resourceId: true,
  requestId: true,
  itemId: true,
  resource: { select: { system: { select: { id: true, connector: true, fulfillersGroupId: true } } } },
} satisfies Prisma.GrantSelect;

export type RevocableGrant = Prisma.GrantGetPayload<{ select: typeof revocableGrantSelect }>;

/**
 * Revokes an ACTIVE grant (conditional update) with its GRANT_REVOKED event, then queues the
 * removal in its system. False when the grant was no longer ACTIVE: nothing is written.
 */
export async function endGrant(
  work: Work,
  grant: RevocableGrant,
  actorId: string | null,
  reason: string | null,
): Promise<boolean> {
  const { count } = await work.tx.grant.updateMany({
    where: { id: grant.id, status: "ACTIVE" },
    data: { status: "REVOKED", revokedAt: new Date(), activeKey: null },
  });
  if (count !== 1) return false;
  work.audit.append({
    action: "GRANT_REVOKED",
    actorId,
    requestId: grant.requestId,
    comment: reason,
    data: {
      grantId: toGlobalId("Grant", grant.id),
      identityId: toGlobalId("Identity", grant.identityId),
      resourceId: toGlobalId("Resource", grant.resourceId),
    },
  });
  const system = grant.resource.system;
  if (system.connector !== "MANUAL") {
    await enqueueJob(work, {
      kind: "REVOKE",
      systemId: system.id,
      ticketId: null,
      identityId: grant.identityId,
      resourceId: grant.resourceId,
    });
    return true;
  }
  // Every grant comes from a fulfilled item (grants.ts); the ticket belongs to its request.
  if (!grant.requestId || !grant.itemId) throw new LifecycleError(`Grant ${grant.id} has no request item.`);
  const request = await work.tx.request.findUniqueOrThrow({
    where: { id: grant.requestId },
    select: { requesterId: true, targetId: true },
  });
  await openRevocationTicket(
    work,
    {
      id: grant.id,
      fulfillersGroupId: system.fulfillersGroupId,
      item: {
        itemId: grant.itemId,
        requestId: grant.requestId,
        resourceId: grant.resourceId,
        requesterId: request.requesterId,
        targetId: request.targetId,
      },
    },
    actorId,
  );
  return true;
}
