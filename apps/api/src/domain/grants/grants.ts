// Grants: access an identity holds because a request item was fulfilled. The only writer of
// grant rows; `activeKey` is unique while a grant is ACTIVE, so one identity never holds the
// same resource twice.
import { newId } from "../../db/statements.ts";
import { toGlobalId } from "../global-id.ts";
import type { Work } from "../work.ts";

export const activeGrantKey = (identityId: string, resourceId: string) => `${identityId}:${resourceId}`;

export async function activateGrant(
  work: Work,
  grant: { identityId: string; resourceId: string; requestId: string; itemId: string },
  actorId: string | null,
): Promise<void> {
  const created = { id: newId() };
  await work.sql.insertGrant({
    ...grant,
    id: created.id,
    status: "ACTIVE",
    activeKey: activeGrantKey(grant.identityId, grant.resourceId),
  });
  work.audit.append({
    action: "GRANT_ACTIVATED",
    actorId,
    requestId: grant.requestId,
    data: {
      grantId: toGlobalId("Grant", created.id),
      identityId: toGlobalId("Identity", grant.identityId),
      resourceId: toGlobalId("Resource", grant.resourceId),
    },
  });
}
