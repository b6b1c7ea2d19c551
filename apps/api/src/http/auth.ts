// Bearer-token authentication for HTTP, SSE, WebSocket, the audit export and SCIM: one parser,
// one lookup through the instance's verified tokens (domain/tokens/verified-tokens.ts), which a
// local commit that changes credentials empties at once. Each entrance accepts one token scope:
// API tokens everywhere but /scim/v2, SCIM tokens there only.
import type { Database } from "../db/database.ts";
import {
  type AuthenticatedIdentity,
  authenticateToken,
  recordTokenUse,
  TOKEN_USE_RESOLUTION_MS,
} from "../domain/tokens/tokens.ts";
import { VerifiedTokens, type VerifiedTokensOptions } from "../domain/tokens/verified-tokens.ts";
import type { TokenScope } from "../generated/prisma/client.ts";

export function bearerToken(header: unknown): string | null {
  if (typeof header !== "string") return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

/**
 * One instance's authentication: its verified tokens, emptied by every commit on `db` that
 * revoked a token or changed an identity. Every entrance that authenticates (yoga's plugin, the
 * WebSocket server, the audit export) is handed the same one, so they share its verifications
 * and its invalidation.
 */
export class Authenticator {
  readonly tokens: VerifiedTokens;

  constructor(
    private readonly db: Database,
    options: VerifiedTokensOptions,
  ) {
    const tokens = new VerifiedTokens((token) => authenticateToken(db.read, token), options);
    db.onCommit((info) => {
      if (info.effects.credentialsChanged) tokens.forgetAll();
    });
    this.tokens = tokens;
  }

  /**
   * The caller an Authorization value (`Bearer <token>`) authenticates, or null: also null for a
   * valid token of another scope (a SCIM token on /graphql, an API token on /scim/v2).
   */
  async authenticate(header: unknown, scope: TokenScope = "API"): Promise<AuthenticatedIdentity | null> {
    const token = bearerToken(header);
    const viewer = token ? await this.tokens.authenticate(token) : null;
    if (!viewer || viewer.tokenScope !== scope) return null;
    noteTokenUse(this.db, viewer);
    return viewer;
  }
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
