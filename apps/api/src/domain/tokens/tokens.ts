// API tokens: issued by admins (or BOOTSTRAP_ADMIN_TOKEN), stored only as SHA-256, checked on
// every request. A token of a deactivated identity stops working at once.
import { createHash, randomBytes } from "node:crypto";
import type { Identity } from "../../generated/prisma/client.ts";
import { toGlobalId } from "../global-id.ts";
import { invalid, notFound } from "../errors.ts";
import { requireAdmin } from "../admin-only.ts";
import { LIMITS, requiredText } from "../validate.ts";
import type { Actor, Tx, Work } from "../work.ts";

export const hashToken = (token: string): string => createHash("sha256").update(token, "utf8").digest("hex");

/** 256 random bits, URL-safe, with a prefix that secret scanners can recognise. */
export const newToken = (): string => `art_${randomBytes(32).toString("base64url")}`;

export async function issueApiToken(
  work: Work,
  actor: Actor | null,
  input: { identityId: string; name: string },
): Promise<string> {
  if (actor) requireAdmin(actor);
  const name = requiredText(input.name, LIMITS.name, ["input", "name"]);
  const identity = await work.tx.identity.findUnique({ where: { id: input.identityId }, select: { active: true } });
  if (!identity) throw notFound("Identity", ["input", "identityId"]);
  if (!identity.active) throw invalid("Tokens cannot be issued to an inactive identity.", ["input", "identityId"]);
  const token = newToken();
  await storeToken(work, actor?.id ?? null, input.identityId, name, token, actor ? "issued" : "system");
  return token;
}

async function storeToken(
  work: Work,
  actorId: string | null,
  identityId: string,
  name: string,
  token: string,
  source: string,
): Promise<void> {
  const created = await work.tx.apiToken.create({
    data: { identityId, name, tokenHash: hashToken(token) },
    select: { id: true },
  });
  work.audit.append({
    action: "TOKEN_ISSUED",
    actorId,
    data: { tokenId: created.id, identityId: toGlobalId("Identity", identityId), name, source },
  });
}

export const BOOTSTRAP_ADMIN_EMAIL = "admin@localhost";

/**
 * Makes sure an active ADMIN `admin@localhost` exists and that `token` is one of its tokens.
 * Idempotent: a second start with the same token changes nothing (and audits nothing).
 */
export async function ensureBootstrapAdmin(work: Work, token: string): Promise<void> {
  const tokenHash = hashToken(token);
  let admin = await work.tx.identity.findUnique({ where: { email: BOOTSTRAP_ADMIN_EMAIL } });
  if (!admin) {
    admin = await work.tx.identity.create({
      data: { email: BOOTSTRAP_ADMIN_EMAIL, displayName: "Bootstrap admin", role: "ADMIN" },
    });
    work.audit.append({
      action: "CONFIG_CHANGED",
      actorId: null,
      data: { entity: "Identity", entityId: toGlobalId("Identity", admin.id), change: "created", source: "BOOTSTRAP_ADMIN_TOKEN" },
    });
  } else if (!admin.active || admin.role !== "ADMIN") {
    await work.tx.identity.update({ where: { id: admin.id }, data: { active: true, role: "ADMIN" } });
    work.audit.append({
      action: "CONFIG_CHANGED",
      actorId: null,
      data: {
        entity: "Identity",
        entityId: toGlobalId("Identity", admin.id),
        change: "updated",
        active: true,
        role: "ADMIN",
        source: "BOOTSTRAP_ADMIN_TOKEN",
      },
    });
  }
  const existing = await work.tx.apiToken.findUnique({ where: { tokenHash } });
  if (existing && existing.identityId === admin.id && !existing.revokedAt) return;
  if (existing) {
    throw invalid("BOOTSTRAP_ADMIN_TOKEN is already a token of another identity or revoked.");
  }
  await storeToken(work, null, admin.id, "bootstrap", token, "BOOTSTRAP_ADMIN_TOKEN");
}

interface TokenRow {
  id: string;
  email: string;
  displayName: string;
  role: string;
  active: unknown;
  managerId: string | null;
  createdAt: unknown;
  updatedAt: unknown;
  revokedAt: unknown;
  expiresAt: unknown;
}

const truthy = (value: unknown) => value === true || value === 1 || value === 1n;
const instant = (value: unknown) => (value == null ? null : new Date(value as string | number | Date));

/** An authenticated caller: the actor the domain checks, and its identity row as read. */
export interface AuthenticatedIdentity extends Actor {
  identity: Identity;
}

/**
 * The identity a bearer token authenticates, or null. Reads only. It runs on every request, so
 * it is one raw statement (portable: quoted identifiers only) instead of a query the ORM would
 * plan each time; it reads the whole identity row so that `viewer` needs no second statement.
 */
export async function authenticateToken(client: Pick<Tx, "$queryRaw">, token: string): Promise<AuthenticatedIdentity | null> {
  if (token.length === 0 || token.length > 512) return null;
  const rows = await client.$queryRaw<TokenRow[]>`
    SELECT i."id" AS "id", i."email" AS "email", i."displayName" AS "displayName", i."role" AS "role",
           i."active" AS "active", i."managerId" AS "managerId", i."createdAt" AS "createdAt", i."updatedAt" AS "updatedAt",
           t."revokedAt" AS "revokedAt", t."expiresAt" AS "expiresAt"
    FROM "ApiToken" t JOIN "Identity" i ON i."id" = t."identityId"
    WHERE t."tokenHash" = ${hashToken(token)}`;
  const row = rows[0];
  if (!row || !truthy(row.active) || row.revokedAt != null) return null;
  const expiresAt = instant(row.expiresAt);
  if (expiresAt && expiresAt <= new Date()) return null;
  const role = row.role === "ADMIN" ? "ADMIN" : "END_USER";
  const identity: Identity = {
    id: row.id,
    email: row.email,
    displayName: row.displayName,
    role,
    active: true,
    managerId: row.managerId,
    createdAt: instant(row.createdAt) ?? new Date(0),
    updatedAt: instant(row.updatedAt) ?? new Date(0),
  };
  return { id: row.id, role, identity };
}
