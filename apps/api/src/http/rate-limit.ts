// Rate limits per API token and per client address: token buckets that hold one minute's
// allowance and refill continuously, so a client may burst up to its per-minute limit and then
// goes on at limit/60 requests a second. Kept in memory per instance (several instances behind a
// load balancer each allow the limit: size it per instance). A refused request is told when to
// come back (Retry-After, in whole seconds).
import { createHash } from "node:crypto";

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export interface Decision {
  ok: boolean;
  /** Seconds until one more request is allowed (when refused). */
  retryAfterSeconds: number;
}

const ALLOWED: Decision = { ok: true, retryAfterSeconds: 0 };
/** Buckets idle long enough to be full again are forgotten, so memory follows active clients. */
const SWEEP_MS = 60_000;
/**
 * At most this many clients are tracked: a flood of made-up tokens from many addresses evicts
 * the oldest buckets (whose clients then start afresh) instead of growing memory without end.
 */
const MAX_KEYS = 100_000;

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly timer: NodeJS.Timeout;

  /** `perMinute` 0 turns the limit off. */
  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    this.timer = setInterval(() => this.sweep(), SWEEP_MS);
    this.timer.unref();
  }

  take(key: string): Decision {
    if (this.perMinute === 0) return ALLOWED;
    const now = this.now();
    const rate = this.perMinute / 60_000;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { tokens: this.perMinute, updatedAt: now };
      this.buckets.set(key, bucket);
      if (this.buckets.size > MAX_KEYS) {
        const oldest = this.buckets.keys().next().value;
        if (oldest !== undefined) this.buckets.delete(oldest);
      }
    }
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.updatedAt) * rate);
    bucket.updatedAt = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return ALLOWED;
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / rate / 1000)) };
  }

  get size(): number {
    return this.buckets.size;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private sweep(): void {
    const now = this.now();
    const rate = this.perMinute / 60_000;
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.updatedAt) * rate >= this.perMinute) this.buckets.delete(key);
    }
  }
}

/** The key of a presented bearer token: its hash, so the limiter never holds a secret. */
export const tokenKey = (token: string): string => createHash("sha256").update(token, "utf8").digest("base64url");

/** The contract's RATE_LIMITED error, over HTTP (as the body) and WebSocket (as a GraphQL error). */
export const rateLimitedError = (retryAfterSeconds: number) => ({
  message: `Too many requests; try again in ${retryAfterSeconds} s.`,
  extensions: { code: "RATE_LIMITED", retryAfterSeconds },
});

export const rateLimitedBody = (retryAfterSeconds: number): string =>
  JSON.stringify({ errors: [rateLimitedError(retryAfterSeconds)] });

/**
 * The limits of one instance: a bucket per client address and one per presented token (or
 * session cookie). An HTTP
 * request counts against both, a WebSocket upgrade against its address, and every operation sent
 * on an open WebSocket against the token it connected with.
 */
export class ClientLimits {
  private readonly perToken: RateLimiter;
  private readonly perAddress: RateLimiter;

  constructor(settings: { rateLimitPerToken: number; rateLimitPerIp: number }) {
    this.perToken = new RateLimiter(settings.rateLimitPerToken);
    this.perAddress = new RateLimiter(settings.rateLimitPerIp);
  }

  /**
   * Counts one request from `address` presenting `secret` (its bearer token or session cookie,
   * http/auth.ts presentedSecret): null when allowed, else seconds to wait.
   */
  request(address: string | undefined, secret: string | null): number | null {
    const byAddress = this.perAddress.take(`ip:${address ?? "unknown"}`);
    if (!byAddress.ok) return byAddress.retryAfterSeconds;
    const token = secret;
    const byToken = token ? this.perToken.take(tokenKey(token)) : null;
    return byToken && !byToken.ok ? byToken.retryAfterSeconds : null;
  }

  /** Counts one operation of a WebSocket whose token has key `key`: null when allowed, else seconds to wait. */
  operation(key: string): number | null {
    const decision = this.perToken.take(key);
    return decision.ok ? null : decision.retryAfterSeconds;
  }

  stop(): void {
    this.perToken.stop();
    this.perAddress.stop();
  }
}
