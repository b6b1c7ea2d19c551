// Decoding the global ids that clients send as input. A malformed id, or one of another type,
// is a VALIDATION error naming the field; whether it exists is the domain's question.
import { DomainError } from "../domain/errors.ts";
import { fromGlobalId, type NodeType } from "../domain/global-id.ts";
import { fieldLabel } from "../domain/validate.ts";

export function decodeId(globalId: string, type: NodeType, field: readonly string[]): string {
  const decoded = fromGlobalId(globalId);
  if (!decoded) throw new DomainError("VALIDATION", `${fieldLabel(field)} is not a valid id.`, field);
  if (decoded.type !== type)
    throw new DomainError("VALIDATION", `${fieldLabel(field)} must be the id of a ${type}.`, field);
  return decoded.id;
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
