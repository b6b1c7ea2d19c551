// Revoking a grant (admins): the grant becomes REVOKED at once and, for connector systems, a
// revocation job takes the access away in the connected system (audited per attempt).
import { forbidden, invalidState, notFound } from "../errors.ts";
import { toGlobalId } from "../global-id.ts";
import { enqueueJob } from "../jobs.ts";
import { LIMITS, optionalText } from "../validate.ts";
import { type Actor, isAdmin, type Work } from "../work.ts";

export async function revokeGrant(
  work: Work,
  actor: Actor,
  input: { grantId: string; reason?: string | null },
): Promise<string> {
  if (!isAdmin(actor)) throw forbidden("Only admins may revoke access.");
  const reason = optionalText(input.reason, LIMITS.reason, ["input", "reason"]);
  const grant = await work.tx.grant.findUnique({
    where: { id: input.grantId },
    select: {
      id: true,
      status: true,
      identityId: true,
      resourceId: true,
      requestId: true,
      resource: { select: { systemId: true, system: { select: { connector: true } } } },
    },
  });
  if (!grant) throw notFound("Grant", ["input", "grantId"]);
  if (grant.status !== "ACTIVE") throw invalidState(`The grant is ${grant.status}, not ACTIVE.`);
  const { count } = await work.tx.grant.updateMany({
    where: { id: grant.id, status: "ACTIVE" },
    data: { status: "REVOKED", revokedAt: new Date(), activeKey: null },
  });
  if (count !== 1) throw invalidState("The grant was revoked already.");
  work.audit.append({
    action: "GRANT_REVOKED",
    actorId: actor.id,
    requestId: grant.requestId,
    comment: reason,
    data: {
      grantId: toGlobalId("Grant", grant.id),
      identityId: toGlobalId("Identity", grant.identityId),
      resourceId: toGlobalId("Resource", grant.resourceId),
    },
  });
  if (grant.resource.system.connector !== "MANUAL") {
    await enqueueJob(work, {
      kind: "REVOKE",
      systemId: grant.resource.systemId,
      ticketId: null,
      identityId: grant.identityId,
      resourceId: grant.resourceId,
    });
  }
  return grant.id;
}
