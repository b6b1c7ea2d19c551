// The tokens this instance verified lately, so that a request with a known token reads nothing.
// Keyed by the token's SHA-256 (never the secret), each verification holds the caller as read
// (identity row, role, token id, expiry, last use) and stands for `maxAgeMs` from the moment its
// read began; a token presented after that is read again. The rules it keeps:
// - expiry is checked on every use against the expiry read, so an expired token needs no read;
// - only tokens that authenticate are kept: unknown, revoked or inactive ones are read each time
//   (garbage tokens can neither fill memory nor plant an answer);
// - concurrent requests with the same unverified token share one read;
// - `forgetAll` (a local commit changed credentials) drops everything at once, and a read that
//   began before it is not kept, so nothing from before the change is served after it;
// - at most `maxEntries` verifications, the least recently used dropped first.
import type { Role } from "../../generated/prisma/client.ts";
import { type AuthenticatedIdentity, hashToken, isUsableToken, plausibleToken } from "./tokens.ts";

/**
 * How many verified tokens an instance keeps. Each holds an identity row and a few ids (about a
 * kilobyte), so at most ~10 MB; a deployment with more tokens in active use than this only reads
 * the least recent ones again.
 */
export const VERIFIED_TOKENS_MAX_ENTRIES = 10_000;

export interface VerifiedTokensOptions {
  /** How long a verification stands (LIVE_RECHECK_MS: other instances' changes arrive within it). */
  maxAgeMs: number;
  maxEntries: number;
}

interface Verification {
  hash: string;
  viewer: AuthenticatedIdentity;
  /** When the read that produced it began (Date.now()): a change committed later is not in it. */
  readAt: number;
}

const stillUnexpired = (viewer: AuthenticatedIdentity) =>
  isUsableToken({ revokedAt: null, expiresAt: viewer.tokenExpiresAt });

export class VerifiedTokens {
  /** In least-recently-used order: a hit moves its entry to the end, eviction takes the first. */
  private readonly byHash = new Map<string, Verification>();
  private readonly hashByTokenId = new Map<string, string>();
  private readonly reading = new Map<string, Promise<AuthenticatedIdentity | null>>();
  /** Bumped by `forgetAll`: a read begun under an older generation is answered but not kept. */
  private generation = 0;

  constructor(
    private readonly lookup: (token: string) => Promise<AuthenticatedIdentity | null>,
    private readonly options: VerifiedTokensOptions,
  ) {}

  get size(): number {
    return this.byHash.size;
  }

  /** The caller a bearer token authenticates, or null; reads the database only when not verified. */
  async authenticate(token: string): Promise<AuthenticatedIdentity | null> {
    if (!plausibleToken(token)) return null;
    const hash = hashToken(token);
    const viewer = this.fresh(hash)?.viewer ?? (await this.read(token, hash));
    if (!viewer) return null;
    if (!stillUnexpired(viewer)) {
      this.forgetHash(hash);
      return null;
    }
    return viewer;
  }

  /**
   * What this instance knows of a token by its id: its role while a fresh verification holds,
   * null if that verification's token has expired since, undefined if it has none.
   */
  verifiedRole(tokenId: string): Role | null | undefined {
    const hash = this.hashByTokenId.get(tokenId);
    const verification = hash === undefined ? undefined : this.fresh(hash);
    if (!verification) return undefined;
    return stillUnexpired(verification.viewer) ? verification.viewer.role : null;
  }

  /** Drops every verification (a local commit revoked a token or changed an identity). */
  forgetAll(): void {
    this.generation += 1;
    this.byHash.clear();
    this.hashByTokenId.clear();
    this.reading.clear();
  }

  /** Drops one token's verification (found no longer valid by another check). */
  forgetToken(tokenId: string): void {
    const hash = this.hashByTokenId.get(tokenId);
    if (hash !== undefined) this.forgetHash(hash);
  }

  private fresh(hash: string): Verification | undefined {
    const verification = this.byHash.get(hash);
    if (!verification) return undefined;
    this.byHash.delete(hash);
    if (Date.now() - verification.readAt >= this.options.maxAgeMs) {
      this.hashByTokenId.delete(verification.viewer.tokenId);
      return undefined;
    }
    this.byHash.set(hash, verification);
    return verification;
  }

  private read(token: string, hash: string): Promise<AuthenticatedIdentity | null> {
    const pending = this.reading.get(hash);
    if (pending) return pending;
    const generation = this.generation;
    const readAt = Date.now();
    const reading = this.lookup(token)
      .then((viewer) => {
        if (viewer && generation === this.generation) this.keep({ hash, viewer, readAt });
        return viewer;
      })
      .finally(() => {
        if (this.reading.get(hash) === reading) this.reading.delete(hash);
      });
    this.reading.set(hash, reading);
    return reading;
  }

  private keep(verification: Verification): void {
    this.forgetHash(verification.hash);
    this.byHash.set(verification.hash, verification);
    this.hashByTokenId.set(verification.viewer.tokenId, verification.hash);
    while (this.byHash.size > this.options.maxEntries) {
      const oldest = this.byHash.keys().next();
      if (oldest.done) break;
      this.forgetHash(oldest.value);
    }
  }

  private forgetHash(hash: string): void {
    const verification = this.byHash.get(hash);
    if (!verification) return;
    this.byHash.delete(hash);
    if (this.hashByTokenId.get(verification.viewer.tokenId) === hash) {
      this.hashByTokenId.delete(verification.viewer.tokenId);
    }
  }
}
