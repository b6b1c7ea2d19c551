// Decoding the global ids that clients send as input. An id that does not name a thing of the
// expected type — malformed, of another type, or (the domain's check) unknown — is NOT_FOUND on
// its field (DESIGN.md, "Limits and bad input"): to the caller all three are "no such thing", and
// telling them apart would only describe the id encoding. Nullable lookups answer null instead.
import { DomainError } from "../domain/errors.ts";
import { fromGlobalId, type NodeType } from "../domain/global-id.ts";
import { fieldLabel, LIMITS } from "../domain/validate.ts";

/**
 * The database id inside a global id of this type; null when it is malformed or of another type.
 * Like every string input, an id has a maximum length: longer is VALIDATION, not a lookup.
 */
export function lookupId(globalId: string, type: NodeType, field: readonly string[]): string | null {
  if (globalId.length > LIMITS.id) {
    throw new DomainError("VALIDATION", `${fieldLabel(field)} must be at most ${LIMITS.id} characters.`, field);
  }
  const decoded = fromGlobalId(globalId);
  return decoded?.type === type ? decoded.id : null;
}

export function decodeId(globalId: string, type: NodeType, field: readonly string[]): string {
  const id = lookupId(globalId, type, field);
  if (id === null) throw new DomainError("NOT_FOUND", `${fieldLabel(field)}: there is no ${type} with this id.`, field);
  return id;
}

export function decodeOptionalId(
  globalId: string | null | undefined,
  type: NodeType,
  field: readonly string[],
): string | null {
  return globalId == null ? null : decodeId(globalId, type, field);
}

export function decodeIds(globalIds: readonly string[], type: NodeType, field: readonly string[]): string[] {
  return globalIds.map((id, index) => decodeId(id, type, [...field, String(index)]));
}
