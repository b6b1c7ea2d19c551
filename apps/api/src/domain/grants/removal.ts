// How taking ended access away goes (Grant.removal, and the access export's column): from the
// grant's latest REVOKE job on connector systems, else from the revocation ticket of the item that
// granted it on MANUAL systems. Read in one batch for a page of grants.
import type { Client } from "../../db/database.ts";
import { TickBatch } from "../tick-batch.ts";

export type GrantRemoval = "PENDING" | "DONE" | "FAILED";

interface EndedGrant {
  id: string;
  itemId: string | null;
}

/** The removal of each ended grant, by grant id (two statements for the whole batch). */
export async function removalsOf(db: Client, grants: readonly EndedGrant[]): Promise<Map<string, GrantRemoval>> {
  const removals = new Map<string, GrantRemoval>();
  if (grants.length === 0) return removals;
  const jobs = await db.job.findMany({
    where: { grantId: { in: grants.map((g) => g.id) }, kind: "REVOKE" },
    orderBy: { createdAt: "asc" },
    select: { grantId: true, status: true },
  });
  // Oldest first: the latest job of each grant is the one left in the map.
  for (const job of jobs) {
    if (job.grantId) {
      removals.set(job.grantId, job.status === "DONE" ? "DONE" : job.status === "PENDING" ? "PENDING" : "FAILED");
    }
  }
  const byTicket = grants.filter((g) => !removals.has(g.id) && g.itemId !== null);
  const tickets = byTicket.length
    ? await db.ticket.findMany({
        where: { itemId: { in: byTicket.map((g) => g.itemId as string) }, kind: "REVOCATION" },
        orderBy: { number: "asc" },
        select: { itemId: true, status: true },
      })
    : [];
  const ticketOf = new Map(tickets.map((t) => [t.itemId, t.status]));
  for (const grant of grants) {
    if (removals.has(grant.id)) continue;
    const status = grant.itemId ? ticketOf.get(grant.itemId) : undefined;
    // No job and no ticket: nothing was left to take away (a cancelled provisioning, say).
    removals.set(
      grant.id,
      status === undefined || status === "FULFILLED" ? "DONE" : status === "FAILED" ? "FAILED" : "PENDING",
    );
  }
  return removals;
}

/**
 * Batches `removalsOf` for the grants asked about in the same tick (a page of grants resolving
 * its `removal` fields): one batch per tick instead of two statements per grant.
 */
export class RemovalLoader {
  private readonly batch: TickBatch<EndedGrant, Map<string, GrantRemoval>>;

  constructor(db: Client) {
    this.batch = new TickBatch((grants) => removalsOf(db, grants));
  }

  async load(grant: EndedGrant): Promise<GrantRemoval | null> {
    return (await this.batch.load(grant)).get(grant.id) ?? null;
  }
}
