// Housekeeping of operational logs that grow with use and prove nothing the audit trail does not:
// each event endpoint's delivery log and the emails already sent. Rows older than the retention
// are deleted in batches (short transactions, whatever the backlog). The audit trail, grants,
// tickets, jobs, failed emails and notifications are never pruned here. Not audited: the trail
// records changes to access, and a prune changes none (it is logged instead).
import type { Database } from "../db/database.ts";

const BATCH = 1_000;
const DAY_MS = 86_400_000;

/** Deletes the rows `find` names, a batch at a time, until none is left; answers how many. */
async function inBatches(find: () => Promise<string[]>, remove: (ids: string[]) => Promise<number>): Promise<number> {
  let removed = 0;
  for (;;) {
    const ids = await find();
    if (ids.length === 0) return removed;
    removed += await remove(ids);
    if (ids.length < BATCH) return removed;
  }
}

/**
 * Prunes delivery log entries and sent emails older than `retentionDays` (0: keeps everything).
 * Answers how many rows went. Safe on several instances at once (deleting twice deletes nothing).
 */
export async function pruneLogs(db: Database, now: Date, retentionDays: number): Promise<number> {
  if (retentionDays === 0) return 0;
  const before = new Date(now.getTime() - retentionDays * DAY_MS);
  let removed = 0;
  // Per endpoint, so each delete walks the (endpointId, at) index.
  const endpoints = await db.read.eventEndpoint.findMany({ select: { id: true } });
  for (const endpoint of endpoints) {
    const where = { endpointId: endpoint.id, at: { lt: before } };
    removed += await inBatches(
      async () => (await db.read.eventDelivery.findMany({ where, select: { id: true }, take: BATCH })).map((d) => d.id),
      async (ids) => (await db.transact(({ tx }) => tx.eventDelivery.deleteMany({ where: { id: { in: ids } } }))).count,
    );
  }
  // Sent emails: due (runAt) and sent before the cutoff; the (status, runAt) index finds them.
  const sent = { status: "SENT" as const, runAt: { lt: before }, sentAt: { lt: before } };
  removed += await inBatches(
    async () =>
      (await db.read.emailMessage.findMany({ where: sent, select: { id: true }, take: BATCH })).map((m) => m.id),
    async (ids) => (await db.transact(({ tx }) => tx.emailMessage.deleteMany({ where: { id: { in: ids } } }))).count,
  );
  return removed;
}
