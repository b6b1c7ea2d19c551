// The organisation's notification and routing settings: one row (id 1), read with defaults when
// no admin has saved any yet. Written only by the settings mutation (its own domain function).
import type { NotificationKind } from "../../generated/prisma/client.ts";
import { NotificationKind as NotificationKinds } from "../../generated/prisma/enums.ts";
import type { Tx } from "../work.ts";

export const SETTINGS_ID = 1;
export const DEFAULT_TICKET_SLA_HOURS = 24;

export interface OrganisationSettings {
  /** Who gets steps that resolve to nobody, and escalations (null: the admins). */
  fallbackGroupId: string | null;
  ticketSlaHours: number;
  mandatoryEmailKinds: NotificationKind[];
}

const KINDS = new Set<string>(Object.values(NotificationKinds));

/** A stored JSON list of notification kinds, keeping only known kinds (never throws). */
export function parseKinds(text: string | null | undefined): NotificationKind[] {
  try {
    const value: unknown = JSON.parse(text ?? "[]");
    return Array.isArray(value)
      ? value.filter((k): k is NotificationKind => typeof k === "string" && KINDS.has(k))
      : [];
  } catch {
    return [];
  }
}

export async function readSettings(tx: Pick<Tx, "settings">): Promise<OrganisationSettings> {
  const row = await tx.settings.findUnique({ where: { id: SETTINGS_ID } });
  return {
    fallbackGroupId: row?.fallbackGroupId ?? null,
    ticketSlaHours: row?.ticketSlaHours ?? DEFAULT_TICKET_SLA_HOURS,
    mandatoryEmailKinds: parseKinds(row?.mandatoryEmailKinds),
  };
}
