// What a person does with their notifications: which emails they get (audited as
// NOTIFICATION_SETTINGS_CHANGED), marking notifications read (not audited: a read mark is no state
// of the access domain), and the admins' retry of a FAILED email (not audited either: it changes
// no access, and the outbox row itself shows its attempts and outcome).
import type { NotificationKind } from "../../generated/prisma/client.ts";
import { NotificationKind as NotificationKinds } from "../../generated/prisma/enums.ts";
import { DomainError, invalid, invalidState, notFound } from "../errors.ts";
import { toGlobalId } from "../global-id.ts";
import { parseKinds, readSettings } from "../settings/settings.ts";
import { requireAdmin } from "../admin-only.ts";
import type { Actor, Tx, Work } from "../work.ts";

export const ALL_KINDS = Object.values(NotificationKinds) as NotificationKind[];
/** The most notifications one call marks by id. */
export const MAX_MARK_IDS = 100;

export interface NotificationSetting {
  kind: NotificationKind;
  /** The person gets this kind's email (mandatory kinds always). */
  email: boolean;
  mandatory: boolean;
}

/** Every kind with whether its email reaches the person, and whether they may turn it off. */
export async function notificationSettingsOf(
  tx: Pick<Tx, "identity" | "settings">,
  identityId: string,
): Promise<NotificationSetting[]> {
  const [identity, organisation] = await Promise.all([
    tx.identity.findUnique({ where: { id: identityId }, select: { mutedEmailKinds: true } }),
    readSettings(tx),
  ]);
  const muted = new Set(parseKinds(identity?.mutedEmailKinds));
  const mandatory = new Set(organisation.mandatoryEmailKinds);
  return ALL_KINDS.map((kind) => ({
    kind,
    mandatory: mandatory.has(kind),
    email: mandatory.has(kind) || !muted.has(kind),
  }));
}

/** Sets which kinds' emails the actor turns off; a mandatory kind is refused, naming it. */
export async function updateNotificationSettings(
  work: Work,
  actor: Actor,
  input: { mutedEmailKinds: readonly NotificationKind[] },
): Promise<NotificationSetting[]> {
  const field = ["input", "mutedEmailKinds"];
  const muted = [...new Set(input.mutedEmailKinds)].sort();
  const unknown = muted.filter((kind) => !ALL_KINDS.includes(kind));
  if (unknown.length > 0) throw invalid(`Unknown notification kind: ${unknown.join(", ")}.`, field);
  const { mandatoryEmailKinds } = await readSettings(work.tx);
  const refused = muted.filter((kind) => mandatoryEmailKinds.includes(kind));
  if (refused.length > 0) {
    throw new DomainError(
      "VALIDATION",
      `Your organisation made these emails mandatory; they cannot be turned off: ${refused.join(", ")}.`,
      field,
    );
  }
  const current = await work.tx.identity.findUnique({ where: { id: actor.id }, select: { mutedEmailKinds: true } });
  if (!current) throw notFound("Identity");
  const text = JSON.stringify(muted);
  if (JSON.stringify([...parseKinds(current.mutedEmailKinds)].sort()) !== text) {
    await work.tx.identity.update({ where: { id: actor.id }, data: { mutedEmailKinds: text } });
    work.audit.append({
      action: "NOTIFICATION_SETTINGS_CHANGED",
      actorId: actor.id,
      data: { identityId: toGlobalId("Identity", actor.id), mutedEmailKinds: muted },
    });
  }
  return notificationSettingsOf(work.tx, actor.id);
}

/**
 * Marks the actor's notifications read: the ones named (all must be the actor's: an unknown or
 * foreign id is NOT_FOUND on its place in the list, and nothing changes), or all unread ones. Answers how many changed.
 */
export async function markNotificationsRead(
  work: Work,
  actor: Actor,
  input: { ids: readonly string[] | null; all: boolean },
  now: Date,
): Promise<number> {
  if (input.all) {
    const { count } = await work.tx.notification.updateMany({
      where: { identityId: actor.id, readAt: null },
      data: { readAt: now },
    });
    return count;
  }
  const named = input.ids ?? [];
  const ids = [...new Set(named)];
  if (ids.length === 0) throw invalid("Name the notifications to mark read, or ask for all.", ["input", "ids"]);
  if (ids.length > MAX_MARK_IDS) throw invalid(`At most ${MAX_MARK_IDS} ids at once.`, ["input", "ids"]);
  const own = await work.tx.notification.findMany({
    where: { id: { in: ids }, identityId: actor.id },
    select: { id: true },
  });
  if (own.length !== ids.length) {
    // Points at the first id (by its place in the input) that is not one of the actor's.
    const ownIds = new Set(own.map((n) => n.id));
    const index = named.findIndex((id) => !ownIds.has(id));
    throw notFound("A notification", ["input", "ids", String(index)]);
  }
  const { count } = await work.tx.notification.updateMany({
    where: { id: { in: ids }, identityId: actor.id, readAt: null },
    data: { readAt: now },
  });
  return count;
}

/** Admins: a FAILED email goes back to PENDING, due now, with a fresh set of attempts. */
export async function retryEmail(work: Work, actor: Actor, emailId: string, now: Date): Promise<string> {
  requireAdmin(actor);
  const email = await work.tx.emailMessage.findUnique({ where: { id: emailId }, select: { status: true } });
  if (!email) throw notFound("The email", ["input", "id"]);
  if (email.status !== "FAILED") throw invalidState("Only a FAILED email can be retried.");
  await work.tx.emailMessage.update({
    where: { id: emailId },
    data: { status: "PENDING", runAt: now, attempts: 0, lockedBy: null, lockedUntil: null },
  });
  return emailId;
}
