// Revoking a grant: admins take access away; a holder may give up their own. The grant becomes
// REVOKED at once and the access is removed in its system — a revocation job on connector
// systems (audited per attempt), a revocation ticket for the fulfillers on MANUAL ones
// (grants/revocation.ts).
import { forbidden, invalidState, notFound } from "../errors.ts";
import { heldGrantWhere } from "../policy/visibility.ts";
import { LIMITS, optionalText } from "../validate.ts";
import { type Actor, isAdmin, type Work } from "../work.ts";
import { endGrant, revocableGrantSelect } from "./revocation.ts";

export async function revokeGrant(
  work: Work,
  actor: Actor,
  input: { grantId: string; reason?: string | null },
): Promise<string> {
  const reason = optionalText(input.reason, LIMITS.reason, ["input", "reason"]);
  const grant = await work.tx.grant.findFirst({
    where: { id: input.grantId, ...heldGrantWhere(actor) },
    select: revocableGrantSelect,
  });
  if (!grant) throw notFound("Grant", ["input", "grantId"]);
  if (!isAdmin(actor) && grant.identityId !== actor.id)
    throw forbidden("Only admins may revoke someone else's access.");
  if (grant.status !== "ACTIVE") throw invalidState(`The grant is ${grant.status}, not ACTIVE.`);
  if (!(await endGrant(work, grant, { status: "REVOKED", actorId: actor.id, reason }))) {
    throw invalidState("The grant ended already.");
  }
  return grant.id;
}
