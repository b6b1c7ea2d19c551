// Live sessions: every open WebSocket connection and every running subscription (WebSocket or
// SSE), with the API token it authenticated with. Two jobs:
// - limits: connections and subscriptions per token;
// - credentials that change under a live session: a revoked or expired token, a deactivated
//   identity, a changed role. Sessions are checked again every LIVE_RECHECK_MS and right after a
//   local commit that changed credentials; a session that no longer holds is ended (a WebSocket
//   closes with graphql-ws's Forbidden, 4403). Other instances learn of the change by their own
//   periodic check.
// A WebSocket operation asks whether its token still holds: the instance's verified tokens answer
// while their verification stands (same interval, emptied by a local change), else one read.
import type { Logger } from "pino";
import type { Database } from "../db/database.ts";
import { CoalescedTask } from "./coalesced-task.ts";
import type { Role } from "../generated/prisma/client.ts";
import { usableTokenWhere } from "../domain/tokens/tokens.ts";
import type { VerifiedTokens } from "../domain/tokens/verified-tokens.ts";

export type SessionKind = "connection" | "subscription";

export interface LiveSession {
  kind: SessionKind;
  tokenId: string;
  identityId: string;
  role: Role;
  end(reason: string): void;
}

const countKey = (kind: SessionKind, tokenId: string) => `${kind}\n${tokenId}`;

export class LiveSessions {
  private readonly sessions = new Set<LiveSession>();
  private readonly counts = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private readonly checking: CoalescedTask;

  constructor(
    private readonly db: Database,
    private readonly log: Logger,
    private readonly tokens: VerifiedTokens,
  ) {
    this.checking = new CoalescedTask(
      () => this.check(),
      (err) => this.log.warn({ err }, "live session check failed"),
    );
  }

  /** Registers a session; the returned function removes it (call it when the session ends). */
  add(session: LiveSession): () => void {
    this.sessions.add(session);
    const key = countKey(session.kind, session.tokenId);
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    return () => this.remove(session);
  }

  count(kind: SessionKind, tokenId: string): number {
    return this.counts.get(countKey(kind, tokenId)) ?? 0;
  }

  private remove(session: LiveSession): void {
    if (!this.sessions.delete(session)) return;
    const key = countKey(session.kind, session.tokenId);
    const left = (this.counts.get(key) ?? 1) - 1;
    if (left > 0) this.counts.set(key, left);
    else this.counts.delete(key);
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => this.recheck(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Checks every session's token again (coalesced); ends those that no longer hold. */
  recheck(): void {
    if (this.sessions.size > 0) this.checking.trigger();
  }

  /** Whether a token still authenticates with this role (each operation on a WebSocket asks). */
  async holds(tokenId: string, role: Role): Promise<boolean> {
    const verified = this.tokens.verifiedRole(tokenId);
    if (verified !== undefined) return verified === role;
    const valid = await this.validRoles([tokenId]);
    return valid.get(tokenId) === role;
  }

  private async validRoles(tokenIds: readonly string[]): Promise<Map<string, Role>> {
    const usable = usableTokenWhere();
    const valid = new Map<string, Role>();
    for (let i = 0; i < tokenIds.length; i += 500) {
      const rows = await this.db.read.apiToken.findMany({
        where: { id: { in: tokenIds.slice(i, i + 500) }, ...usable },
        select: { id: true, identity: { select: { role: true } } },
      });
      for (const row of rows) valid.set(row.id, row.identity.role);
    }
    return valid;
  }

  /**
   * Why a token no longer holds, in words a person can act on (sent as the WebSocket's close
   * reason). Read only for sessions being ended, which are rare.
   */
  private async whyEnded(tokenId: string): Promise<string> {
    const token = await this.db.read.apiToken.findUnique({
      where: { id: tokenId },
      select: { revokedAt: true, expiresAt: true, identity: { select: { active: true } } },
    });
    if (!token || token.revokedAt) return "The token was revoked.";
    if (!token.identity.active) return "The identity was deactivated.";
    if (token.expiresAt && token.expiresAt.getTime() <= Date.now()) return "The token expired.";
    return "The identity's role changed.";
  }

  private async check(): Promise<void> {
    // Only the sessions that exist now are judged: one opened during the read below has a token
    // the read did not look at.
    const judged = [...this.sessions];
    const valid = await this.validRoles([...new Set(judged.map((s) => s.tokenId))]);
    const reasons = new Map<string, Promise<string>>();
    for (const session of judged) {
      const role = valid.get(session.tokenId);
      if (role === session.role || !this.sessions.has(session)) continue;
      this.remove(session);
      // Requests with it need not wait for the verification to lapse on this instance.
      this.tokens.forgetToken(session.tokenId);
      if (!reasons.has(session.tokenId)) reasons.set(session.tokenId, this.whyEnded(session.tokenId));
      const reason = await (reasons.get(session.tokenId) ?? "");
      this.log.info({ identityId: session.identityId, kind: session.kind, reason }, "live session ended");
      session.end(reason);
    }
  }
}
