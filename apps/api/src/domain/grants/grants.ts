// Grants: access an identity holds because a request item was fulfilled. The only writer of
// grant rows; `activeKey` is unique while a grant is ACTIVE, so one identity never holds the
// same resource twice. A fulfilled extension moves the end of the grant it extends instead of
// granting again.
import { newId } from "../../db/statements.ts";
import { toGlobalId } from "../global-id.ts";
import type { Work } from "../work.ts";
import { grantEndFor } from "./grant-ends.ts";

export const activeGrantKey = (identityId: string, resourceId: string) => `${identityId}:${resourceId}`;

export async function activateGrant(
  work: Work,
  grant: { identityId: string; resourceId: string; requestId: string; itemId: string },
  actorId: string | null,
): Promise<void> {
  const item = await work.tx.requestItem.findUniqueOrThrow({
    where: { id: grant.itemId },
    select: {
      grantExpiresAt: true,
      extendsGrantId: true,
      resource: { select: { maxGrantDuration: true, sensitivity: true } },
    },
  });
  const grantedAt = new Date();
  const expiresAt = grantEndFor(grantedAt, item.grantExpiresAt, item.resource);
  const ids = {
    identityId: toGlobalId("Identity", grant.identityId),
    resourceId: toGlobalId("Resource", grant.resourceId),
  };
  if (item.extendsGrantId && (await extendGrant(work, item.extendsGrantId, grant, expiresAt, actorId))) return;
  const created = { id: newId() };
  await work.sql.insertGrant({
    ...grant,
    id: created.id,
    status: "ACTIVE",
    activeKey: activeGrantKey(grant.identityId, grant.resourceId),
    grantedAt,
    expiresAt,
  });
  work.audit.append({
    action: "GRANT_ACTIVATED",
    actorId,
    requestId: grant.requestId,
    data: { grantId: toGlobalId("Grant", created.id), ...ids, expiresAt: expiresAt?.toISOString() ?? null },
  });
}

/**
 * Moves the end of the extended grant while it is still ACTIVE (a conditional update); false when
 * it ended meanwhile, and the caller grants afresh.
 */
async function extendGrant(
  work: Work,
  grantId: string,
  by: { identityId: string; resourceId: string; requestId: string; itemId: string },
  expiresAt: Date | null,
  actorId: string | null,
): Promise<boolean> {
  const before = await work.tx.grant.findUnique({ where: { id: grantId }, select: { expiresAt: true } });
  const { count } = await work.tx.grant.updateMany({
    where: { id: grantId, status: "ACTIVE", identityId: by.identityId, resourceId: by.resourceId },
    data: { expiresAt },
  });
  if (count !== 1) return false;
  work.audit.append({
    action: "GRANT_EXTENDED",
    actorId,
    requestId: by.requestId,
    data: {
      grantId: toGlobalId("Grant", grantId),
      identityId: toGlobalId("Identity", by.identityId),
      resourceId: toGlobalId("Resource", by.resourceId),
      itemId: toGlobalId("RequestItem", by.itemId),
      previousExpiresAt: before?.expiresAt?.toISOString() ?? null,
      expiresAt: expiresAt?.toISOString() ?? null,
    },
  });
  return true;
}
