// Authentication for HTTP, SSE, WebSocket, the audit export and SCIM, in one place: an API token
// (`Authorization: Bearer`, looked up through the instance's verified tokens, which a local
// commit that changes credentials empties at once) or, without one, the browser's session
// cookie (read on every request, so an ended session stops at once on every instance). Each
// entrance accepts one token scope: API tokens everywhere but /scim/v2, SCIM tokens there only
// (and no cookie). A request the cookie authenticates must come from the product's own origin
// unless it only reads (GET): see `refusesCrossSite`.
import type { Database } from "../db/database.ts";
import type { Credential } from "../domain/credentials.ts";
import {
  authenticateSession,
  recordSessionSeen,
  SESSION_SEEN_RESOLUTION_MS,
  type SessionIdentity,
  type SessionRules,
} from "../domain/sessions/sessions.ts";
import {
  type AuthenticatedIdentity,
  authenticateToken,
  recordTokenUse,
  TOKEN_USE_RESOLUTION_MS,
} from "../domain/tokens/tokens.ts";
import { VerifiedTokens, type VerifiedTokensOptions } from "../domain/tokens/verified-tokens.ts";
import type { TokenScope } from "../generated/prisma/client.ts";
import type { Actor } from "../domain/work.ts";
import type { Identity } from "../generated/prisma/client.ts";
import { type CookieNames, fromOwnOrigin, readCookie } from "./cookies.ts";

export function bearerToken(header: unknown): string | null {
  if (typeof header !== "string") return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

/** What a request presents: its headers as node:http or fetch hands them. */
export interface PresentedHeaders {
  authorization?: string | null;
  cookie?: string | null;
  origin?: string | null;
  "sec-fetch-site"?: string | null;
  host?: string | null;
}

/** A caller, the credential it authenticated with and how it presented it. */
export interface Authentication {
  viewer: Actor;
  /** The identity row as authentication read it (a copy the caller may keep). */
  identity: Identity;
  credential: Credential;
  /** "cookie": a browser session; such a request is held to the same-origin rule. */
  via: "bearer" | "cookie";
}

const fromToken = (viewer: AuthenticatedIdentity): Authentication => ({
  viewer: { id: viewer.id, role: viewer.role },
  // A copy: the verified row is shared by every request with this token.
  identity: { ...viewer.identity },
  credential: { kind: "token", id: viewer.tokenId },
  via: "bearer",
});

const fromSession = (viewer: SessionIdentity): Authentication => ({
  viewer: { id: viewer.id, role: viewer.role },
  identity: viewer.identity,
  credential: { kind: "session", id: viewer.sessionId },
  via: "cookie",
});

/** The secret a request presents (bearer token, else session cookie): what its rate limit is kept by. */
export function presentedSecret(headers: PresentedHeaders, cookies: CookieNames): string | null {
  if (headers.authorization) return bearerToken(headers.authorization);
  return readCookie(headers.cookie, cookies.session);
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
    readonly sessionRules: SessionRules,
    readonly cookies: CookieNames,
    private readonly publicUrl: URL | undefined,
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

  /** The caller a session cookie's secret authenticates, or null (one read). */
  private async authenticateSession(secret: string | null): Promise<SessionIdentity | null> {
    if (!secret) return null;
    const viewer = await authenticateSession(this.db.read, this.sessionRules, secret);
    if (viewer) noteSessionUse(this.db, viewer, this.sessionRules.now());
    return viewer;
  }

  /**
   * The caller of a request: by its bearer token when it sends an Authorization header (a bad
   * one is not made good by a cookie), else by its session cookie. Null: not authenticated.
   */
  async authenticateRequest(headers: PresentedHeaders): Promise<Authentication | null> {
    if (headers.authorization) {
      const viewer = await this.authenticate(headers.authorization);
      return viewer ? fromToken(viewer) : null;
    }
    const viewer = await this.authenticateSession(readCookie(headers.cookie, this.cookies.session));
    return viewer ? fromSession(viewer) : null;
  }

  /**
   * Cookies go along with requests that other sites' pages make (a form post, a script's fetch
   * to a same-site origin, a WebSocket): a cookie-authenticated request that may change state
   * (anything but GET and HEAD) or opens a WebSocket (method "WEBSOCKET") must come from the
   * product's own origin.
   */
  refusesCrossSite(authentication: Authentication, method: string | undefined, headers: PresentedHeaders): boolean {
    if (authentication.via !== "cookie") return false;
    if (method === "GET" || method === "HEAD") return false;
    return !fromOwnOrigin(headers, this.publicUrl);
  }

  /** The same-origin rule alone (sign-out, which has no authentication of its own to check). */
  fromOwnOrigin(headers: PresentedHeaders): boolean {
    return fromOwnOrigin(headers, this.publicUrl);
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

/** Sessions whose `lastSeenAt` is being written: the dashboard's parallel requests write it once. */
const seenWrites = new Set<string>();

/** The same for sessions: `lastSeenAt` moves the idle expiry on, at most once a minute. */
function noteSessionUse(db: Database, viewer: SessionIdentity, now: Date): void {
  if (now.getTime() - viewer.lastSeenAt.getTime() < SESSION_SEEN_RESOLUTION_MS) return;
  if (seenWrites.has(viewer.sessionId)) return;
  seenWrites.add(viewer.sessionId);
  void db
    .transact(({ tx }) => recordSessionSeen(tx, viewer.sessionId, now))
    .catch(() => undefined)
    .finally(() => seenWrites.delete(viewer.sessionId));
}

export const crossSiteBody = (): string =>
  JSON.stringify({
    errors: [
      {
        message: "Refused: a request signed in by cookie must come from this product's own pages (Origin).",
        extensions: { code: "FORBIDDEN" },
      },
    ],
  });

/**
 * The `WWW-Authenticate` value of a 401 (RFC 6750): `Bearer`, and `error="invalid_token"` when the
 * request did send an Authorization header (a token that is unknown, revoked, expired or of
 * another scope), so a client knows to get a new token rather than to add one. `realm` names the
 * entrance where it has its own tokens (SCIM).
 */
export function bearerChallenge(authorization: unknown, realm?: string): string {
  const params = [
    ...(realm ? [`realm="${realm}"`] : []),
    ...(typeof authorization === "string" && authorization !== ""
      ? ['error="invalid_token"', 'error_description="The access token is unknown, expired or revoked"']
      : []),
  ];
  return params.length > 0 ? `Bearer ${params.join(", ")}` : "Bearer";
}

/** The headers of every 401 answer besides its body's: the challenge, for the Authorization presented. */
export const unauthenticatedHeaders = (authorization: unknown): Record<string, string> => ({
  "www-authenticate": bearerChallenge(authorization),
});

export function unauthenticatedBody(
  message = "A valid API token is required (Authorization: Bearer <token>).",
): string {
  return JSON.stringify({ errors: [{ message, extensions: { code: "UNAUTHENTICATED" } }] });
}
