// Whom and what an audit event is about, read from its recorded data: the person whose access,
// token, session, delegation or settings changed, and the resource concerned. The data keeps ids
// only (it is hashed and never rewritten), so names are looked up when the trail is read, and a
// renamed person or resource reads with today's name.
import { fromGlobalId } from "../global-id.ts";

export interface AuditSubject {
  /** The database id of the person the event is about, when it names one. */
  identityId: string | null;
  /** The database id of the resource the event is about, when it names one. */
  resourceId: string | null;
}

/** The data keys that name the person an event is about, in the order they are looked for. */
const IDENTITY_KEYS = ["identityId", "delegatorId"] as const;

function idOf(value: unknown, type: string): string | null {
  if (typeof value !== "string") return null;
  const decoded = fromGlobalId(value);
  return decoded?.type === type ? decoded.id : null;
}

/**
 * The subject of an event with `action` and recorded `data` (JSON text). Request and ticket
 * events have their own `request` and `ticket`, and name no subject here; a configuration change
 * names the identity or resource it changed.
 */
export function auditSubjectOf(action: string, data: string): AuditSubject {
  const record = JSON.parse(data) as Record<string, unknown>;
  if (action === "CONFIG_CHANGED") {
    return {
      identityId: record.entity === "Identity" ? idOf(record.entityId, "Identity") : null,
      resourceId: record.entity === "Resource" ? idOf(record.entityId, "Resource") : null,
    };
  }
  let identityId: string | null = null;
  for (const key of IDENTITY_KEYS) identityId ??= idOf(record[key], "Identity");
  return { identityId, resourceId: idOf(record.resourceId, "Resource") };
}
