// The filter of the `grants` query, also the admin access export's (http/access-export.ts): the
// viewer's own grants (admins: everyone's; domain/policy/visibility.ts) that match every condition given.
import type { GrantStatus, Prisma } from "../generated/prisma/client.ts";
import { heldGrantWhere } from "../domain/policy/visibility.ts";
import { listSize } from "../domain/validate.ts";
import type { Actor } from "../domain/work.ts";
import { decodeOptionalId } from "./ids.ts";

export type GrantFilterArg = {
  status?: readonly GrantStatus[] | null;
  identityId?: string | null;
  resourceId?: string | null;
  systemId?: string | null;
  expiresBefore?: Date | null;
};

/** The grants the viewer may see that match the filter (also the admin export's rows). */
export function grantsWhere(viewer: Actor, filter: GrantFilterArg | null | undefined): Prisma.GrantWhereInput {
  const and: Prisma.GrantWhereInput[] = [heldGrantWhere(viewer)];
  if (filter?.status) {
    listSize(filter.status, 0, 10, ["filter", "status"]);
    and.push({ status: { in: [...filter.status] } });
  }
  const identityId = decodeOptionalId(filter?.identityId, "Identity", ["filter", "identityId"]);
  if (identityId) and.push({ identityId });
  const resourceId = decodeOptionalId(filter?.resourceId, "Resource", ["filter", "resourceId"]);
  if (resourceId) and.push({ resourceId });
  const systemId = decodeOptionalId(filter?.systemId, "System", ["filter", "systemId"]);
  if (systemId) and.push({ resource: { systemId } });
  if (filter?.expiresBefore) and.push({ expiresAt: { lt: filter.expiresBefore } });
  return { AND: and };
}
