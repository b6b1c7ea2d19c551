// Bearer-token authentication for HTTP, SSE, WebSocket and the audit export: one parser, one
// lookup through the instance's verified tokens (domain/tokens/verified-tokens.ts), which a
// local commit that changes credentials empties at once.
import type { Database } from "../db/database.ts";
import {
  type AuthenticatedIdentity,
  authenticateToken,
  recordTokenUse,
  TOKEN_USE_RESOLUTION_MS,
} from "../domain/tokens/tokens.ts";
import { VerifiedTokens, type VerifiedTokensOptions } from "../domain/tokens/verified-tokens.ts";

export function bearerToken(header: unknown): string | null {
  if (typeof header !== "string") return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

/**
 * The verified tokens of each instance, found by its database handle: every entrance that
 * authenticates (yoga's plugin, the WebSocket server, the audit export) already holds that
 * handle, and all of them must share one set of verifications and its invalidation.
 */
const verifiedTokensOf = new WeakMap<Database, VerifiedTokens>();

/**
 * Gives the instance on `db` its verified tokens (once, at start-up, before it listens), emptied
 * by every commit on `db` that revoked a token or changed an identity.
 */
export function attachVerifiedTokens(db: Database, options: VerifiedTokensOptions): VerifiedTokens {
  const tokens = new VerifiedTokens((token) => authenticateToken(db.read, token), options);
  verifiedTokensOf.set(db, tokens);
  db.onCommit((info) => {
    if (info.effects.credentialsChanged) tokens.forgetAll();
  });
  return tokens;
}

export async function authenticate(db: Database, header: unknown): Promise<AuthenticatedIdentity | null> {
  const tokens = verifiedTokensOf.get(db);
  if (!tokens) throw new Error("authenticate: attachVerifiedTokens was not called for this database");
  const token = bearerToken(header);
  const viewer = token ? await tokens.authenticate(token) : null;
  if (viewer) noteTokenUse(db, viewer);
  return viewer;
}

/**
 * Keeps `lastUsedAt` current to the minute without a write per request: only when the time last
 * read or written is older, and after the response (a failed write costs a stale time, nothing
 * else). The viewer is the verification every request with this token shares until the token is
 * read again, so marking it here is what keeps this instance to one write a minute per token.
 */
function noteTokenUse(db: Database, viewer: AuthenticatedIdentity): void {
  const now = new Date();
  if (viewer.tokenLastUsedAt && now.getTime() - viewer.tokenLastUsedAt.getTime() < TOKEN_USE_RESOLUTION_MS) return;
  viewer.tokenLastUsedAt = now;
  void db.transact(({ tx }) => recordTokenUse(tx, viewer.tokenId, now)).catch(() => undefined);
}

export function unauthenticatedBody(
  message = "A valid API token is required (Authorization: Bearer <token>).",
): string {
  return JSON.stringify({ errors: [{ message, extensions: { code: "UNAUTHENTICATED" } }] });
}
