// API tokens: issued by admins (or BOOTSTRAP_ADMIN_TOKEN), stored only as SHA-256, checked on
// every request (against the instance's verified tokens, verified-tokens.ts). A token stops
// working when it is revoked, when it expires or when its identity is deactivated: at once on
// the instance that made the change, within LIVE_RECHECK_MS on the others (live connections
// using it are closed too: live/sessions.ts).
import { createHash, randomBytes } from "node:crypto";
import type { Identity, Prisma, TokenScope } from "../../generated/prisma/client.ts";
import { toGlobalId } from "../global-id.ts";
import { invalid, invalidState, notFound } from "../errors.ts";
import { requireAdmin } from "../admin-only.ts";
import type { AuditData } from "../audit/events.ts";
import { LIMITS, optionalText, requiredText } from "../validate.ts";
import { type Actor, isAdmin, type Tx, type Work } from "../work.ts";

export const hashToken = (token: string): string => createHash("sha256").update(token, "utf8").digest("hex");

/** 256 random bits, URL-safe, with a prefix that secret scanners can recognise. */
export const newToken = (): string => `art_${randomBytes(32).toString("base64url")}`;

/** How far ahead an expiry may be set (two years): long-lived secrets should be rotated. */
export const MAX_TOKEN_LIFETIME_MS = 2 * 366 * 24 * 3600 * 1000;

export interface IssuedToken {
  token: string;
  tokenId: string;
}

function validExpiry(expiresAt: Date | null): Date | null {
  if (expiresAt) {
    const ahead = expiresAt.getTime() - Date.now();
    if (!(ahead > 0)) throw invalid("The expiry must be in the future.", ["input", "expiresAt"]);
    if (ahead > MAX_TOKEN_LIFETIME_MS)
      throw invalid("The expiry may be at most two years ahead.", ["input", "expiresAt"]);
  }
  return expiresAt;
}

export async function issueApiToken(
  work: Work,
  actor: Actor | null,
  input: { identityId: string; name: string; expiresAt?: Date | null },
): Promise<IssuedToken> {
  if (actor) requireAdmin(actor);
  const name = requiredText(input.name, LIMITS.name, ["input", "name"]);
  const expiresAt = validExpiry(input.expiresAt ?? null);
  const identity = await work.tx.identity.findUnique({ where: { id: input.identityId }, select: { active: true } });
  if (!identity) throw notFound("Identity", ["input", "identityId"]);
  if (!identity.active) throw invalid("Tokens cannot be issued to an inactive identity.", ["input", "identityId"]);
  const token = newToken();
  const tokenId = await storeToken(
    work,
    actor?.id ?? null,
    input.identityId,
    name,
    token,
    actor ? "issued" : "system",
    expiresAt,
  );
  return { token, tokenId };
}

/**
 * Issues a SCIM token: a token of the issuing admin that works only on /scim/v2 (the identity
 * provider's credential), and whose changes are audited as that admin's, marked as SCIM's. It
 * stops working when it is revoked (revokeApiToken), when it expires, and when the admin is
 * deactivated or is no longer an admin.
 */
export async function issueScimToken(
  work: Work,
  actor: Actor,
  input: { name: string; expiresAt?: Date | null },
): Promise<IssuedToken> {
  requireAdmin(actor);
  const name = requiredText(input.name, LIMITS.name, ["input", "name"]);
  const expiresAt = validExpiry(input.expiresAt ?? null);
  const token = newToken();
  const tokenId = await storeToken(work, actor.id, actor.id, name, token, "issued", expiresAt, "SCIM");
  return { token, tokenId };
}

/**
 * Revokes a token: admins any token, everyone else their own (an employee who leaked one should
 * not have to wait for an admin). Requests using it are refused from the commit on.
 */
export async function revokeApiToken(
  work: Work,
  actor: Actor,
  input: { tokenId: string; reason?: string | null },
): Promise<string> {
  const reason = optionalText(input.reason, LIMITS.reason, ["input", "reason"]);
  const token = await work.tx.apiToken.findUnique({
    where: { id: input.tokenId },
    select: { id: true, identityId: true, name: true, revokedAt: true },
  });
  // Someone else's token is "not found" for an end user: its existence is not their business.
  if (!token || (!isAdmin(actor) && token.identityId !== actor.id)) throw notFound("ApiToken", ["input", "tokenId"]);
  if (token.revokedAt) throw invalidState("The token is already revoked.");
  const { count } = await work.tx.apiToken.updateMany({
    where: { id: token.id, revokedAt: null },
    data: { revokedAt: new Date() },
  });
  if (count !== 1) throw invalidState("The token is already revoked.");
  work.audit.append({
    action: "TOKEN_REVOKED",
    actorId: actor.id,
    comment: reason,
    data: {
      tokenId: toGlobalId("ApiToken", token.id),
      identityId: toGlobalId("Identity", token.identityId),
      name: token.name,
    },
  });
  work.effects.credentialsChanged = true;
  return token.id;
}

/** Writes `lastUsedAt` at most once a minute per token: usage metadata, not an audited change. */
export const TOKEN_USE_RESOLUTION_MS = 60_000;

export async function recordTokenUse(tx: Tx, tokenId: string, at: Date): Promise<void> {
  await tx.apiToken.updateMany({
    where: {
      id: tokenId,
      OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: new Date(at.getTime() - TOKEN_USE_RESOLUTION_MS) } }],
    },
    data: { lastUsedAt: at },
  });
}

async function storeToken(
  work: Work,
  actorId: string | null,
  identityId: string,
  name: string,
  token: string,
  source: AuditData["TOKEN_ISSUED"]["source"],
  expiresAt: Date | null = null,
  scope: TokenScope = "API",
): Promise<string> {
  const created = await work.tx.apiToken.create({
    data: { identityId, name, tokenHash: hashToken(token), expiresAt, scope },
    select: { id: true },
  });
  work.audit.append({
    action: "TOKEN_ISSUED",
    actorId,
    data: {
      tokenId: toGlobalId("ApiToken", created.id),
      identityId: toGlobalId("Identity", identityId),
      name,
      source,
      expiresAt: expiresAt ? expiresAt.toISOString() : null,
      // Only SCIM tokens say so: the events of API tokens keep the shape they always had.
      ...(scope === "SCIM" ? { scope } : {}),
    },
  });
  return created.id;
}

export const BOOTSTRAP_ADMIN_EMAIL = "admin@localhost";

/**
 * Makes sure an active ADMIN `admin@localhost` exists and that `token` is one of its tokens.
 * Idempotent: a second start with the same token changes nothing (and audits nothing).
 */
export async function ensureBootstrapAdmin(work: Work, token: string): Promise<"ready" | "revoked"> {
  const tokenHash = hashToken(token);
  // Revoking the bootstrap token is how it is retired: it stays revoked, and nothing else is
  // touched (its admin may have been deactivated on purpose). The start goes on without it.
  const revoked = await work.tx.apiToken.findFirst({
    where: { tokenHash, revokedAt: { not: null }, identity: { email: BOOTSTRAP_ADMIN_EMAIL } },
    select: { id: true },
  });
  if (revoked) return "revoked";
  let admin = await work.tx.identity.findUnique({ where: { email: BOOTSTRAP_ADMIN_EMAIL } });
  if (!admin) {
    admin = await work.tx.identity.create({
      data: { email: BOOTSTRAP_ADMIN_EMAIL, displayName: "Bootstrap admin", role: "ADMIN" },
    });
    work.audit.append({
      action: "CONFIG_CHANGED",
      actorId: null,
      data: {
        entity: "Identity",
        entityId: toGlobalId("Identity", admin.id),
        change: "created",
        source: "BOOTSTRAP_ADMIN_TOKEN",
      },
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
  if (existing && existing.identityId === admin.id && !existing.revokedAt) return "ready";
  if (existing) throw invalid("BOOTSTRAP_ADMIN_TOKEN is already a token of another identity.");
  await storeToken(work, null, admin.id, "bootstrap", token, "BOOTSTRAP_ADMIN_TOKEN");
  return "ready";
}

interface TokenRow {
  id: string;
  email: string;
  displayName: string;
  role: string;
  active: unknown;
  givenName: string | null;
  familyName: string | null;
  externalId: string | null;
  managerId: string | null;
  mutedEmailKinds: string;
  createdAt: unknown;
  updatedAt: unknown;
  tokenId: string;
  scope: string;
  lastUsedAt: unknown;
  revokedAt: unknown;
  expiresAt: unknown;
}

const truthy = (value: unknown) => value === true || value === 1 || value === 1n;
const instant = (value: unknown) => (value == null ? null : new Date(value as string | number | Date));

/**
 * The one rule for a token that still works: not revoked, not expired (its identity must also be
 * active). As a predicate over a row, and as the same filter for queries.
 */
export function isUsableToken(token: { revokedAt: Date | null; expiresAt: Date | null }, now = new Date()): boolean {
  return token.revokedAt === null && (token.expiresAt === null || token.expiresAt > now);
}

export function usableTokenWhere(now = new Date()): Prisma.ApiTokenWhereInput {
  return { revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }], identity: { active: true } };
}

/** An authenticated caller: the actor the domain checks, its identity row as read, its token. */
export interface AuthenticatedIdentity extends Actor {
  identity: Identity;
  tokenId: string;
  /** What the token may be used for: each entrance accepts only its own scope (http/auth.ts). */
  tokenScope: TokenScope;
  tokenLastUsedAt: Date | null;
  /** Checked again on every use of a verification kept in memory (verified-tokens.ts). */
  tokenExpiresAt: Date | null;
}

/** Longer strings are not tokens this product issued or accepts: refused before any hashing. */
export const plausibleToken = (token: string): boolean => token.length > 0 && token.length <= 512;

/**
 * The identity a bearer token authenticates, or null. Reads only. It runs on every request, so
 * it is one raw statement (portable: quoted identifiers only) instead of a query the ORM would
 * plan each time; it reads the whole identity row so that `viewer` needs no second statement.
 */
export async function authenticateToken(
  client: Pick<Tx, "$queryRaw">,
  token: string,
): Promise<AuthenticatedIdentity | null> {
  if (!plausibleToken(token)) return null;
  const rows = await client.$queryRaw<TokenRow[]>`
    SELECT i."id" AS "id", i."email" AS "email", i."displayName" AS "displayName", i."role" AS "role",
           i."active" AS "active", i."givenName" AS "givenName", i."familyName" AS "familyName",
           i."externalId" AS "externalId", i."managerId" AS "managerId", i."mutedEmailKinds" AS "mutedEmailKinds", i."createdAt" AS "createdAt", i."updatedAt" AS "updatedAt",
           t."id" AS "tokenId", t."scope" AS "scope", t."lastUsedAt" AS "lastUsedAt", t."revokedAt" AS "revokedAt", t."expiresAt" AS "expiresAt"
    FROM "ApiToken" t JOIN "Identity" i ON i."id" = t."identityId"
    WHERE t."tokenHash" = ${hashToken(token)}`;
  const row = rows[0];
  const expiresAt = row ? instant(row.expiresAt) : null;
  if (!row || !truthy(row.active) || !isUsableToken({ revokedAt: instant(row.revokedAt), expiresAt })) return null;
  const role = row.role === "ADMIN" ? "ADMIN" : "END_USER";
  const identity: Identity = {
    id: row.id,
    email: row.email,
    displayName: row.displayName,
    role,
    active: true,
    givenName: row.givenName,
    familyName: row.familyName,
    externalId: row.externalId,
    managerId: row.managerId,
    mutedEmailKinds: row.mutedEmailKinds,
    createdAt: instant(row.createdAt) ?? new Date(0),
    updatedAt: instant(row.updatedAt) ?? new Date(0),
  };
  return {
    id: row.id,
    role,
    identity,
    tokenId: row.tokenId,
    tokenScope: row.scope === "SCIM" ? "SCIM" : "API",
    tokenLastUsedAt: instant(row.lastUsedAt),
    tokenExpiresAt: expiresAt,
  };
}
