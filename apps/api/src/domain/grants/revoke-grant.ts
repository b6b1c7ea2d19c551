// Revoking a grant (admins): the grant becomes REVOKED at once and the access is removed in its
// system — a revocation job on connector systems (audited per attempt), a revocation ticket for
// the fulfillers on MANUAL ones (grants/revocation.ts).
import { forbidden, invalidState, notFound } from "../errors.ts";
import { LIMITS, optionalText } from "../validate.ts";
import { type Actor, isAdmin, type Work } from "../work.ts";
import { endGrant, revocableGrantSelect } from "./revocation.ts";

export async function revokeGrant(
  work: Work,
  actor: Actor,
  input: { grantId: string; reason?: string | null },
): Promise<string> {
  if (!isAdmin(actor)) throw forbidden("Only admins may revoke access.");
  const reason = optionalText(input.reason, LIMITS.reason, ["input", "reason"]);
  const grant = await work.tx.grant.findUnique({ where: { id: input.grantId }, select: revocableGrantSelect });
  if (!grant) throw notFound("Grant", ["input", "grantId"]);
  if (grant.status !== "ACTIVE") throw invalidState(`The grant is ${grant.status}, not ACTIVE.`);
  if (!(await endGrant(work, grant, actor.id, reason))) throw invalidState("The grant was revoked already.");
  return grant.id;
}
