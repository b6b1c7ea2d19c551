// Ending a grant: the grant is REVOKED (or EXPIRED) at once, its `activeKey` freed so the access
// may be requested again, and the access itself is taken away in the system — by a REVOKE job on
// connector systems, by a person working a revocation ticket on MANUAL ones. revokeGrant, the
// deactivation of the holder (directory/leavers.ts), the expiry sweeper (grants/expiry.ts) and
// access reviews all end grants here.
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
  expiresAt: true,
  resource: { select: { system: { select: { id: true, connector: true, fulfillersGroupId: true } } } },
} satisfies Prisma.GrantSelect;

export type RevocableGrant = Prisma.GrantGetPayload<{ select: typeof revocableGrantSelect }>;

/** How a grant ends: revoked by a person (or a leaver's deactivation), or expired by the sweeper. */
export type GrantEnding =
  { status: "REVOKED"; actorId: string | null; reason: string | null } | { status: "EXPIRED"; now: Date };

/**
 * Ends an ACTIVE grant (a conditional update) with its GRANT_REVOKED or GRANT_EXPIRED event, then
 * queues the removal in its system. False when the grant was no longer ACTIVE (or, expiring, its
 * end was moved past `now` meanwhile): nothing is written, so of two instances ending the same
 * grant exactly one does.
 */
export async function endGrant(work: Work, grant: RevocableGrant, ending: GrantEnding): Promise<boolean> {
  const expiring = ending.status === "EXPIRED";
  const at = expiring ? ending.now : new Date();
  const { count } = await work.tx.grant.updateMany({
    where: { id: grant.id, status: "ACTIVE", ...(expiring ? { expiresAt: { lte: ending.now } } : {}) },
    data: expiring
      ? { status: "EXPIRED", activeKey: null }
      : { status: "REVOKED", revokedAt: at, activeKey: null, endReason: ending.reason },
  });
  if (count !== 1) return false;
  const ids = {
    grantId: toGlobalId("Grant", grant.id),
    identityId: toGlobalId("Identity", grant.identityId),
    resourceId: toGlobalId("Resource", grant.resourceId),
  };
  const actorId = expiring ? null : ending.actorId;
  if (expiring) {
    work.audit.append({
      action: "GRANT_EXPIRED",
      actorId,
      requestId: grant.requestId,
      data: { ...ids, expiresAt: (grant.expiresAt ?? ending.now).toISOString() },
    });
  } else {
    work.audit.append({
      action: "GRANT_REVOKED",
      actorId,
      requestId: grant.requestId,
      comment: ending.reason,
      data: ids,
    });
  }
  const system = grant.resource.system;
  if (system.connector !== "MANUAL") {
    await enqueueJob(work, {
      kind: "REVOKE",
      systemId: system.id,
      ticketId: null,
      grantId: grant.id,
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
