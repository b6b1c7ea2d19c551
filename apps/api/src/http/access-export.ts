// GET /access/export.csv and /access/export.jsonl (admins): who has (or had) what, one row per
// grant (with how its removal went once it ended), with the `grants` query's filter as query parameters: status (comma-separated),
// identityId, resourceId, systemId (global ids), expiresBefore (ISO-8601).
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Client } from "../db/database.ts";
import { invalid } from "../domain/errors.ts";
import { toGlobalId } from "../domain/global-id.ts";
import { GrantStatus, type Prisma } from "../generated/prisma/client.ts";
import { grantsWhere } from "../schema/grant-filter.ts";
import { removalsOf } from "../domain/grants/removal.ts";
import type { Authenticator } from "./auth.ts";
import { admitAdminExport, streamRows } from "./audit-export.ts";

const PAGE = 500;

export const ACCESS_COLUMNS = [
  "grantId",
  "status",
  "holderEmail",
  "holderName",
  "holderActive",
  "system",
  "resource",
  "sensitivity",
  "grantedAt",
  "expiresAt",
  "revokedAt",
  "endReason",
  "removal",
  "request",
] as const;

type AccessRow = Record<(typeof ACCESS_COLUMNS)[number], string | boolean | null>;

/** The filter from query parameters, as the GraphQL filter would have it (refusing what it would). */
function filterOf(params: URLSearchParams, actor: { id: string; role: "ADMIN" }): Prisma.GrantWhereInput {
  const text = (name: string) => params.get(name) || null;
  const statuses = text("status")?.split(",") ?? null;
  const unknown = statuses?.find((s) => !(s in GrantStatus));
  if (unknown !== undefined) throw invalid(`status must be among ${Object.keys(GrantStatus).join(", ")}.`);
  const expires = text("expiresBefore");
  const expiresBefore = expires === null ? null : new Date(expires);
  if (expiresBefore && Number.isNaN(expiresBefore.getTime())) {
    throw invalid("expiresBefore must be an ISO-8601 date-time.");
  }
  return grantsWhere(actor, {
    status: statuses as GrantStatus[] | null,
    identityId: text("identityId"),
    resourceId: text("resourceId"),
    systemId: text("systemId"),
    expiresBefore,
  });
}

async function* accessRows(db: Client, where: Prisma.GrantWhereInput): AsyncGenerator<AccessRow> {
  let after = "";
  for (;;) {
    const page = await db.grant.findMany({
      where: { AND: [where, { id: { gt: after } }] },
      orderBy: { id: "asc" },
      take: PAGE,
      select: {
        id: true,
        itemId: true,
        status: true,
        grantedAt: true,
        expiresAt: true,
        revokedAt: true,
        endReason: true,
        identity: { select: { email: true, displayName: true, active: true } },
        resource: { select: { name: true, sensitivity: true, system: { select: { name: true } } } },
        request: { select: { number: true } },
      },
    });
    const removals = await removalsOf(
      db,
      page.filter((g) => g.status !== "ACTIVE"),
    );
    for (const g of page) {
      yield {
        grantId: toGlobalId("Grant", g.id),
        status: g.status,
        holderEmail: g.identity.email,
        holderName: g.identity.displayName,
        holderActive: g.identity.active,
        system: g.resource.system.name,
        resource: g.resource.name,
        sensitivity: g.resource.sensitivity,
        grantedAt: g.grantedAt.toISOString(),
        expiresAt: g.expiresAt?.toISOString() ?? null,
        revokedAt: g.revokedAt?.toISOString() ?? null,
        endReason: g.endReason,
        removal: removals.get(g.id) ?? null,
        request: g.request ? `REQ-${g.request.number}` : null,
      };
    }
    if (page.length < PAGE) return;
    after = page.at(-1)?.id ?? after;
  }
}

export async function serveAccessExport(
  db: Client,
  authenticator: Authenticator,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  format: "jsonl" | "csv",
): Promise<void> {
  // Admitted: an admin sees every grant, so the filter is all there is to apply.
  const where = await admitAdminExport(authenticator, req, res, "who has access", () =>
    filterOf(url.searchParams, { id: "", role: "ADMIN" }),
  );
  if (where) await streamRows(res, format, "access", ACCESS_COLUMNS, accessRows(db, where));
}
