// Delegations: a person names a delegate for their approvals while away (from startsAt to
// endsAt); new MANAGER and EXPLICIT approval tickets naming them go to the delegate instead
// (policy/routing.ts applyDelegations). One current or upcoming delegation per person: a new one
// ends the previous. Admins may set and end anyone's.
import type { Prisma } from "../../generated/prisma/client.ts";
import { DomainError, forbidden, invalid, invalidState, notFound } from "../errors.ts";
import { toGlobalId } from "../global-id.ts";
import { LIMITS, optionalText } from "../validate.ts";
import { type Actor, isAdmin, type Work } from "../work.ts";

const YEAR_MS = 365 * 24 * 3_600_000;

/** Delegations not over at `now`: running, or still to start. */
export const currentDelegationWhere = (now: Date): Prisma.DelegationWhereInput => ({
  endedAt: null,
  endsAt: { gt: now },
});

/** Whether a delegation is running at `at`. */
export const isActiveDelegation = (
  delegation: { startsAt: Date; endsAt: Date; endedAt: Date | null },
  at: Date,
): boolean => delegation.endedAt === null && delegation.startsAt <= at && at < delegation.endsAt;

/** Who sees a delegation: its delegator, its delegate, admins. */
export function visibleDelegationWhere(viewer: Actor): Prisma.DelegationWhereInput {
  return isAdmin(viewer) ? {} : { OR: [{ delegatorId: viewer.id }, { delegateId: viewer.id }] };
}

export interface SetDelegationInput {
  /** Whose approvals are delegated (absent: the actor's own; someone else's: admins only). */
  delegatorId?: string | null;
  delegateId: string;
  startsAt?: Date | null;
  endsAt: Date;
  reason?: string | null;
}

async function endDelegationRow(
  work: Work,
  actorId: string,
  delegation: { id: string; delegatorId: string; delegateId: string },
  now: Date,
): Promise<boolean> {
  const { count } = await work.tx.delegation.updateMany({
    where: { id: delegation.id, endedAt: null },
    data: { endedAt: now },
  });
  if (count !== 1) return false;
  work.audit.append({
    action: "DELEGATION_ENDED",
    actorId,
    data: {
      delegationId: toGlobalId("Delegation", delegation.id),
      delegatorId: toGlobalId("Identity", delegation.delegatorId),
      delegateId: toGlobalId("Identity", delegation.delegateId),
    },
  });
  return true;
}

/** Names a delegate (see the header); returns the new delegation's id. */
export async function setDelegation(work: Work, actor: Actor, input: SetDelegationInput, now: Date): Promise<string> {
  const delegatorId = input.delegatorId ?? actor.id;
  if (delegatorId !== actor.id && !isAdmin(actor)) {
    throw forbidden("Only admins may name a delegate for someone else.");
  }
  const reason = optionalText(input.reason, LIMITS.reason, ["input", "reason"]);
  const startsAt = input.startsAt ?? now;
  if (input.endsAt.getTime() <= Math.max(startsAt.getTime(), now.getTime())) {
    throw invalid("The delegation must end in the future, after it starts.", ["input", "endsAt"]);
  }
  if (input.endsAt.getTime() - now.getTime() > YEAR_MS) {
    throw invalid("A delegation ends within a year.", ["input", "endsAt"]);
  }
  const { tx } = work;
  if (delegatorId !== actor.id) {
    const delegator = await tx.identity.findUnique({ where: { id: delegatorId }, select: { id: true } });
    if (!delegator) throw notFound("Identity", ["input", "delegatorId"]);
  }
  const delegateField = ["input", "delegateId"];
  if (input.delegateId === delegatorId) throw invalid("Nobody is their own delegate.", delegateField);
  const delegate = await tx.identity.findUnique({ where: { id: input.delegateId }, select: { active: true } });
  if (!delegate) throw notFound("Identity", delegateField);
  if (!delegate.active) throw invalid("The delegate is not active.", delegateField);

  const previous = await tx.delegation.findMany({
    where: { delegatorId, ...currentDelegationWhere(now) },
    select: { id: true, delegatorId: true, delegateId: true },
    orderBy: { startsAt: "asc" },
  });
  for (const delegation of previous) await endDelegationRow(work, actor.id, delegation, now);
  const created = await tx.delegation.create({
    data: { delegatorId, delegateId: input.delegateId, startsAt, endsAt: input.endsAt, reason },
    select: { id: true },
  });
  work.audit.append({
    action: "DELEGATION_SET",
    actorId: actor.id,
    comment: reason,
    data: {
      delegationId: toGlobalId("Delegation", created.id),
      delegatorId: toGlobalId("Identity", delegatorId),
      delegateId: toGlobalId("Identity", input.delegateId),
      startsAt: startsAt.toISOString(),
      endsAt: input.endsAt.toISOString(),
    },
  });
  return created.id;
}

/** Ends a delegation now (its delegator or an admin); tickets its delegate got stay with them. */
export async function endDelegation(work: Work, actor: Actor, input: { id: string }, now: Date): Promise<void> {
  const delegation = await work.tx.delegation.findFirst({
    where: { id: input.id, ...visibleDelegationWhere(actor) },
    select: { id: true, delegatorId: true, delegateId: true, endsAt: true, endedAt: true },
  });
  if (!delegation) throw notFound("Delegation", ["input", "id"]);
  if (delegation.delegatorId !== actor.id && !isAdmin(actor)) {
    throw new DomainError("FORBIDDEN", "Only the person who named the delegate, or an admin, ends a delegation.");
  }
  if (delegation.endedAt !== null || delegation.endsAt <= now) throw invalidState("The delegation is over already.");
  if (!(await endDelegationRow(work, actor.id, delegation, now))) throw invalidState("The delegation is over already.");
}
