// The SLA field of the settings forms (the organisation's, a system's): whole hours from 1 to
// 8760, as the API checks them; a system's may be left empty for the organisation's default.

export const MAX_SLA_HOURS = 8760;

/** The hours typed, null for an empty optional field, or what is wrong with them in words. */
export function readSlaHours(text: string, optional: boolean): { hours: number | null } | { problem: string } {
  const typed = text.trim();
  if (typed === "" && optional) return { hours: null };
  const hours = Number(typed);
  if (!/^\d+$/.test(typed) || hours < 1 || hours > MAX_SLA_HOURS) {
    const problem = `Give a whole number of hours from 1 to ${MAX_SLA_HOURS}`;
    return { problem: optional ? `${problem}, or leave it empty for the default.` : `${problem}.` };
  }
  return { hours };
}
