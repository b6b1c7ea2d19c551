// The only writer of audit events. A transaction collects its events here and flushes them just
// before it commits: one locking update of the chain head (so sequences stay gapless and every
// hash links to the event committed before it, even with several writers), then the inserts.
import { canonicalize, chainHash } from "@access/audit-chain";
import { newId, type AuditRow, type Statements } from "../../db/statements.ts";
import type { AuditAction } from "../../generated/prisma/client.ts";
import { toGlobalIdOrNull } from "../global-id.ts";
import type { AuditEntry } from "./events.ts";

export class AuditWriter {
  private readonly pending: AuditEntry[] = [];

  /** Writes through the transaction's raw statements (db/statements.ts): the hottest path of every change. */
  constructor(private readonly sql: Pick<Statements, "advanceAuditHead" | "insertAuditEvents" | "setAuditHeadHash">) {}

  /** Collects an event; its data must have its action's shape (audit/events.ts). */
  append<A extends AuditAction>(entry: AuditEntry<A>): void {
    this.pending.push(entry);
  }

  get size(): number {
    return this.pending.length;
  }

  /** Writes the collected events; returns the sequences they got. */
  async flush(): Promise<{ first: number; last: number } | null> {
    const count = this.pending.length;
    if (count === 0) return null;
    // The increment takes the row lock first; the hash it returns is the committed chain's tip.
    const head = await this.sql.advanceAuditHead(count);
    const at = new Date();
    const atIso = at.toISOString();
    let prevHash = head.hash;
    let sequence = head.sequence - count;
    const rows: AuditRow[] = [];
    for (const entry of this.pending) {
      sequence += 1;
      const data = entry.data;
      const content = {
        sequence,
        at: atIso,
        actorId: toGlobalIdOrNull("Identity", entry.actorId),
        action: entry.action,
        requestId: toGlobalIdOrNull("Request", entry.requestId),
        ticketId: toGlobalIdOrNull("Ticket", entry.ticketId),
        comment: entry.comment ?? null,
        data,
      };
      const hash = chainHash(prevHash, content);
      rows.push({
        id: newId(),
        sequence,
        at,
        actorId: entry.actorId,
        action: entry.action,
        requestId: entry.requestId ?? null,
        ticketId: entry.ticketId ?? null,
        comment: entry.comment ?? null,
        data: canonicalize(data),
        prevHash,
        hash,
      });
      prevHash = hash;
    }
    await this.sql.insertAuditEvents(rows);
    await this.sql.setAuditHeadHash(prevHash);
    this.pending.length = 0;
    return { first: head.sequence - count + 1, last: head.sequence };
  }
}
