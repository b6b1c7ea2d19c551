// The organisation's notification and routing settings: one row (id 1), read with defaults when
// no admin has saved any yet. Written only by the settings mutation (its own domain function).
import type { JsonValue } from "@access/audit-chain";
import type { NotificationKind } from "../../generated/prisma/client.ts";
import { NotificationKind as NotificationKinds } from "../../generated/prisma/enums.ts";
import { auditConfig, requireAdmin } from "../admin-only.ts";
import { invalid, notFound } from "../errors.ts";
import { toGlobalId } from "../global-id.ts";
import { fieldLabel } from "../validate.ts";
import type { Actor, Tx, Work } from "../work.ts";

export const SETTINGS_ID = 1;
export const DEFAULT_TICKET_SLA_HOURS = 24;

export interface OrganisationSettings {
  /** Who gets steps that resolve to nobody, and escalations (null: the admins). */
  fallbackGroupId: string | null;
  ticketSlaHours: number;
  mandatoryEmailKinds: NotificationKind[];
  /** When an admin last saved them (null: never, the defaults apply). */
  updatedAt: Date | null;
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
    updatedAt: row?.updatedAt ?? null,
  };
}

export const MAX_SLA_HOURS = 8760;

/** A ticket SLA in whole hours, 1 to a year; `field` names the input that carried it. */
export function slaHours(value: number, field: readonly string[]): number {
  if (!Number.isInteger(value) || value < 1 || value > MAX_SLA_HOURS) {
    throw invalid(`${fieldLabel(field)} must be whole hours from 1 to ${MAX_SLA_HOURS}.`, field);
  }
  return value;
}

/** An optional SLA (systems, resources): null for "none of its own". */
export const optionalSlaHours = (value: number | null | undefined, field: readonly string[]): number | null =>
  value == null ? null : slaHours(value, field);

export interface UpdateSettingsInput {
  /** undefined: unchanged; null: no fallback group (the admins). */
  fallbackGroupId?: string | null;
  ticketSlaHours?: number | null;
  mandatoryEmailKinds?: readonly NotificationKind[] | null;
}

/**
 * Changes the organisation's settings (admins): fields left out stay as they are. Audited as
 * CONFIG_CHANGED with what changed; nothing is written when nothing changes.
 */
export async function updateSettings(work: Work, actor: Actor, input: UpdateSettingsInput): Promise<void> {
  requireAdmin(actor);
  const current = await readSettings(work.tx);
  const next: OrganisationSettings = { ...current };
  if (input.fallbackGroupId !== undefined) {
    const field = ["input", "fallbackGroupId"];
    if (input.fallbackGroupId !== null) {
      const group = await work.tx.group.findUnique({ where: { id: input.fallbackGroupId }, select: { id: true } });
      if (!group) throw notFound("Group", field);
    }
    next.fallbackGroupId = input.fallbackGroupId;
  }
  if (input.ticketSlaHours != null) next.ticketSlaHours = slaHours(input.ticketSlaHours, ["input", "ticketSlaHours"]);
  if (input.mandatoryEmailKinds != null) {
    next.mandatoryEmailKinds = [...new Set(input.mandatoryEmailKinds)].filter((k) => KINDS.has(k)).sort();
  }
  const changed: { [key: string]: JsonValue } = {};
  if (next.fallbackGroupId !== current.fallbackGroupId) {
    changed.fallbackGroupId = next.fallbackGroupId ? toGlobalId("Group", next.fallbackGroupId) : null;
  }
  if (next.ticketSlaHours !== current.ticketSlaHours) changed.ticketSlaHours = next.ticketSlaHours;
  if ([...current.mandatoryEmailKinds].sort().join() !== next.mandatoryEmailKinds.join()) {
    changed.mandatoryEmailKinds = next.mandatoryEmailKinds;
  }
  if (Object.keys(changed).length === 0) return;
  const data = {
    fallbackGroupId: next.fallbackGroupId,
    ticketSlaHours: next.ticketSlaHours,
    mandatoryEmailKinds: JSON.stringify(next.mandatoryEmailKinds),
  };
  await work.tx.settings.upsert({
    where: { id: SETTINGS_ID },
    create: { id: SETTINGS_ID, ...data },
    update: data,
    select: { id: true },
  });
  auditConfig(work, actor, "Settings", toGlobalId("Settings", String(SETTINGS_ID)), "updated", changed);
}
