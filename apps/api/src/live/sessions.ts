// Live sessions: every open WebSocket connection and every running subscription (WebSocket or
// SSE), with the credential it authenticated with (an API token or a browser session). Two jobs:
// - limits: connections and subscriptions per credential;
// - credentials that change under a live session: a revoked or expired token, an ended or
//   expired browser session, a deactivated identity, a changed role. Sessions are checked again every LIVE_RECHECK_MS and right after a
//   local commit that changed credentials; a session that no longer holds is ended (a WebSocket
//   closes with graphql-ws's Forbidden, 4403). Other instances learn of the change by their own
//   periodic check.
// A WebSocket operation asks whether its token still holds: the instance's verified tokens answer
// while their verification stands (same interval, emptied by a local change), else one read.
import type { Logger } from "pino";
import type { Database } from "../db/database.ts";
import { CoalescedTask } from "./coalesced-task.ts";
import type { Role } from "../generated/prisma/client.ts";
import { type Credential, credentialKey } from "../domain/credentials.ts";
import { type SessionRules, workingSessionWhere } from "../domain/sessions/sessions.ts";
import { usableTokenWhere } from "../domain/tokens/tokens.ts";
import type { VerifiedTokens } from "../domain/tokens/verified-tokens.ts";

export type SessionKind = "connection" | "subscription";

export interface LiveSession {
  kind: SessionKind;
  credential: Credential;
  identityId: string;
  role: Role;
  end(reason: string): void;
}

const countKey = (kind: SessionKind, credential: Credential) => `${kind}\n${credentialKey(credential)}`;

/** Reads per statement when re-checking many credentials. */
const BATCH = 500;

export class LiveSessions {
  private readonly sessions = new Set<LiveSession>();
  private readonly counts = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private readonly checking: CoalescedTask;

  constructor(
    private readonly db: Database,
    private readonly log: Logger,
    private readonly tokens: VerifiedTokens,
    private readonly sessionRules: SessionRules,
  ) {
    this.checking = new CoalescedTask(
      () => this.check(),
      (err) => this.log.warn({ err }, "live session check failed"),
    );
  }

  /** Registers a session; the returned function removes it (call it when the session ends). */
  add(session: LiveSession): () => void {
    this.sessions.add(session);
    const key = countKey(session.kind, session.credential);
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    return () => this.remove(session);
  }

  count(kind: SessionKind, credential: Credential): number {
    return this.counts.get(countKey(kind, credential)) ?? 0;
  }

  /** Every live session of a kind on this instance (metrics read it at each scrape). */
  total(kind: SessionKind): number {
    let total = 0;
    for (const session of this.sessions) if (session.kind === kind) total += 1;
    return total;
  }

  private remove(session: LiveSession): void {
    if (!this.sessions.delete(session)) return;
    const key = countKey(session.kind, session.credential);
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

  /** Checks every session's credential again (coalesced); ends those that no longer hold. */
  recheck(): void {
    if (this.sessions.size > 0) this.checking.trigger();
  }

  /** Whether a credential still authenticates with this role (each operation on a WebSocket asks). */
  async holds(credential: Credential, role: Role): Promise<boolean> {
    if (credential.kind === "token") {
      const verified = this.tokens.verifiedRole(credential.id);
      if (verified !== undefined) return verified === role;
    }
    const valid = await this.validRoles([credential]);
    return valid.get(credentialKey(credential)) === role;
  }

  /** The current role of each credential that still works, by credentialKey. */
  private async validRoles(credentials: readonly Credential[]): Promise<Map<string, Role>> {
    const valid = new Map<string, Role>();
    const ids = (kind: Credential["kind"]) => credentials.filter((c) => c.kind === kind).map((c) => c.id);
    const tokenIds = ids("token");
    const sessionIds = ids("session");
    for (let i = 0; i < tokenIds.length; i += BATCH) {
      const rows = await this.db.read.apiToken.findMany({
        where: { id: { in: tokenIds.slice(i, i + BATCH) }, ...usableTokenWhere() },
        select: { id: true, identity: { select: { role: true } } },
      });
      for (const row of rows) valid.set(credentialKey({ kind: "token", id: row.id }), row.identity.role);
    }
    for (let i = 0; i < sessionIds.length; i += BATCH) {
      const rows = await this.db.read.session.findMany({
        where: { id: { in: sessionIds.slice(i, i + BATCH) }, ...workingSessionWhere(this.sessionRules) },
        select: { id: true, identity: { select: { role: true } } },
      });
      for (const row of rows) valid.set(credentialKey({ kind: "session", id: row.id }), row.identity.role);
    }
    return valid;
  }

  /**
   * Why a credential no longer holds, in words a person can act on (sent as the WebSocket's close
   * reason). Read only for sessions being ended, which are rare.
   */
  private async whyEnded(credential: Credential): Promise<string> {
    if (credential.kind === "session") {
      const session = await this.db.read.session.findUnique({
        where: { id: credential.id },
        select: { endedAt: true, identity: { select: { active: true } } },
      });
      if (session && !session.identity.active) return "The identity was deactivated.";
      if (!session || session.endedAt) return "The session ended (signed out, revoked, or the role changed).";
      return "The session expired.";
    }
    const token = await this.db.read.apiToken.findUnique({
      where: { id: credential.id },
      select: { revokedAt: true, expiresAt: true, identity: { select: { active: true } } },
    });
    if (!token || token.revokedAt) return "The token was revoked.";
    if (!token.identity.active) return "The identity was deactivated.";
    if (token.expiresAt && token.expiresAt.getTime() <= Date.now()) return "The token expired.";
    return "The identity's role changed.";
  }

  private async check(): Promise<void> {
    // Only the sessions that exist now are judged: one opened during the read below has a
    // credential the read did not look at.
    const judged = [...this.sessions];
    const credentials = new Map(judged.map((s) => [credentialKey(s.credential), s.credential]));
    const valid = await this.validRoles([...credentials.values()]);
    const reasons = new Map<string, Promise<string>>();
    for (const session of judged) {
      const key = credentialKey(session.credential);
      const role = valid.get(key);
      if (role === session.role || !this.sessions.has(session)) continue;
      this.remove(session);
      // Requests with it need not wait for the verification to lapse on this instance.
      if (session.credential.kind === "token") this.tokens.forgetToken(session.credential.id);
      if (!reasons.has(key)) reasons.set(key, this.whyEnded(session.credential));
      const reason = await (reasons.get(key) ?? "");
      this.log.info({ identityId: session.identityId, kind: session.kind, reason }, "live session ended");
      session.end(reason);
    }
  }
}
