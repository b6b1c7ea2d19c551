// Expiry: grants whose end has passed become EXPIRED and their access is removed (grants/
// revocation.ts: a REVOKE job on connector systems, a revocation ticket on MANUAL ones). Each
// grant ends in its own transaction through a conditional update, so with several instances
// sweeping at once each grant expires exactly once, and one grant's failure stops no other.
import type { Database } from "../../db/database.ts";
import { endGrant, revocableGrantSelect } from "./revocation.ts";

/** Grants read per round; a sweep goes on until none is due. */
const BATCH = 100;

/** Expires every ACTIVE grant whose end is at or before `now`; returns how many this call ended. */
export async function expireDueGrants(db: Database, now: Date): Promise<number> {
  let ended = 0;
  let after = "";
  for (;;) {
    const due = await db.read.grant.findMany({
      where: { status: "ACTIVE", expiresAt: { lte: now }, id: { gt: after } },
      orderBy: { id: "asc" },
      take: BATCH,
      select: { id: true },
    });
    for (const { id } of due) {
      const expired = await db.transact(async (work) => {
        const grant = await work.tx.grant.findUnique({ where: { id }, select: revocableGrantSelect });
        return grant !== null && (await endGrant(work, grant, { status: "EXPIRED", now }));
      });
      if (expired) ended += 1;
    }
    if (due.length < BATCH) return ended;
    after = due.at(-1)?.id ?? after;
  }
}
