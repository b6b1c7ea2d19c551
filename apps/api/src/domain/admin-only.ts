// Configuration changes are for admins; each one is audited as CONFIG_CHANGED with what changed.
import type { JsonValue } from "@access/audit-chain";
import { forbidden } from "./errors.ts";
import type { AuditData } from "./audit/events.ts";
import { type Actor, isAdmin, type Work } from "./work.ts";

export function requireAdmin(actor: Actor): void {
  if (!isAdmin(actor)) throw forbidden("Only admins may do this.");
}

export function auditConfig(
  work: Work,
  actor: Actor | null,
  entity: AuditData["CONFIG_CHANGED"]["entity"],
  entityId: string,
  change: AuditData["CONFIG_CHANGED"]["change"],
  details: { [key: string]: JsonValue } = {},
): void {
  work.audit.append({
    action: "CONFIG_CHANGED",
    actorId: actor?.id ?? null,
    data: { entity, entityId, change, ...details },
  });
}
