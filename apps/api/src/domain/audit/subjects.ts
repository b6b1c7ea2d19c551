// Whom and what an audit event is about, read from its recorded data: the person whose access,
// token, session, delegation, settings or group membership changed; the resource, the system and
// the group concerned. The data keeps ids only (it is hashed and never rewritten), so names are
// looked up when the trail is read, and a renamed thing reads with today's name.
import { fromGlobalId } from "../global-id.ts";

export interface AuditSubject {
  /** The database id of the person the event is about, when it names one. */
  identityId: string | null;
  /** The database id of the resource the event is about, when it names one. */
  resourceId: string | null;
  /** The database id of the system the event is about, when it names one. */
  systemId: string | null;
  /** The database id of the group the event is about, when it names one. */
  groupId: string | null;
}

type SubjectType = "Identity" | "Resource" | "System" | "Group";

function idOf(value: unknown, type: SubjectType): string | null {
  if (typeof value !== "string") return null;
  const decoded = fromGlobalId(value);
  return decoded?.type === type ? decoded.id : null;
}

/**
 * The subject of an event with `action` and recorded `data` (JSON text). A configuration change
 * names the identity, resource, system or group it changed (and the member a group gained or
 * lost); other events name what their data's `identityId` (or `delegatorId`), `resourceId` and
 * `systemId` point at. Request and ticket events have their own `request` and `ticket` besides.
 */
export function auditSubjectOf(action: string, data: string): AuditSubject {
  const record = JSON.parse(data) as Record<string, unknown>;
  const changed = (type: SubjectType) =>
    action === "CONFIG_CHANGED" && record.entity === type ? idOf(record.entityId, type) : null;
  return {
    identityId: changed("Identity") ?? idOf(record.identityId, "Identity") ?? idOf(record.delegatorId, "Identity"),
    resourceId: changed("Resource") ?? idOf(record.resourceId, "Resource"),
    systemId: changed("System") ?? idOf(record.systemId, "System"),
    groupId: changed("Group"),
  };
}
