// What every domain transition receives: the open transaction, the audit writer bound to it,
// and the actor. Domain functions never open transactions themselves; Database.transact does.
import type { Prisma, Role } from "../generated/prisma/client.ts";
import type { Statements } from "../db/statements.ts";
import type { AuditWriter } from "./audit/writer.ts";

export type Tx = Prisma.TransactionClient;

export interface Work {
  tx: Tx;
  audit: AuditWriter;
  /** The hottest statements as raw SQL on this transaction's connection (db/statements.ts). */
  sql: Statements;
  /** What the transaction left for after its commit (set by the domain, read by `transact`). */
  effects: WorkEffects;
}

export interface WorkEffects {
  /** Connector jobs were queued (the job runner looks at once). */
  jobsQueued: boolean;
  /**
   * A token was revoked or an identity changed: the instance forgets the tokens it verified and
   * re-checks its live connections at once.
   */
  credentialsChanged: boolean;
}

/** Who acts: an authenticated identity. The system itself acts with `null` where allowed. */
export interface Actor {
  id: string;
  role: Role;
}

export const isAdmin = (actor: Actor): boolean => actor.role === "ADMIN";
