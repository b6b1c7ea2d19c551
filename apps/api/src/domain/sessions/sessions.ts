// Browser sessions: started when someone signs in through the identity provider (http/oidc.ts),
// held by the browser as a random secret in a cookie, stored only as the secret's SHA-256. A
// session works while it is not ended, not older than its absolute expiry, used within its idle
// time and its identity is active. It ends at sign-out, when revoked (by its owner or an admin),
// and when its identity is deactivated or changes role (directory.ts); each end is audited, and
// the commit ends the live connections that use it at once (credentialsChanged).
import { randomBytes } from "node:crypto";
import type { Identity, Prisma } from "../../generated/prisma/client.ts";
import type { SessionEndReason } from "../audit/events.ts";
import { invalidState, notFound } from "../errors.ts";
import { toGlobalId } from "../global-id.ts";
import { hashToken } from "../tokens/tokens.ts";
import { LIMITS, optionalText } from "../validate.ts";
import { type Actor, isAdmin, type Tx, type Work } from "../work.ts";

/** How long sessions last (SESSION_IDLE_MINUTES, SESSION_MAX_HOURS) and the clock they run on. */
export interface SessionRules {
  idleMs: number;
  maxMs: number;
  /** The time now; tests move it to reach the expiries without waiting. */
  now(): Date;
}

/** 256 random bits, URL-safe (the cookie's value). */
const newSessionSecret = (): string => randomBytes(32).toString("base64url");

/** Longer values are not secrets this product issued: refused before any hashing. */
const plausibleSecret = (secret: string): boolean => /^[A-Za-z0-9_-]{20,100}$/.test(secret);

/** `lastSeenAt` is written at most once a minute per session: the idle expiry's resolution. */
export const SESSION_SEEN_RESOLUTION_MS = 60_000;

/** A user agent is kept to tell sessions apart in the list, not as evidence: cut, never refused. */
const MAX_USER_AGENT = 300;

/** The one rule for a session that works, as a filter (its identity must be active too). */
export function workingSessionWhere(rules: SessionRules): Prisma.SessionWhereInput {
  const now = rules.now();
  return {
    endedAt: null,
    expiresAt: { gt: now },
    lastSeenAt: { gt: new Date(now.getTime() - rules.idleMs) },
    identity: { active: true },
  };
}

/** The same rule over a row read with its identity. */
function isWorkingSession(
  session: { endedAt: Date | null; expiresAt: Date; lastSeenAt: Date; identity: { active: boolean } },
  rules: SessionRules,
): boolean {
  const now = rules.now().getTime();
  return (
    session.endedAt === null &&
    session.expiresAt.getTime() > now &&
    session.lastSeenAt.getTime() > now - rules.idleMs &&
    session.identity.active
  );
}

export interface StartedSession {
  secret: string;
  sessionId: string;
}

/** Signs an identity in (the identity provider vouched for it): a new session, audited. */
export async function startSession(
  work: Work,
  rules: SessionRules,
  input: { identityId: string; userAgent: string | null },
): Promise<StartedSession> {
  const identity = await work.tx.identity.findUnique({ where: { id: input.identityId }, select: { active: true } });
  if (!identity) throw notFound("Identity");
  if (!identity.active) throw invalidState("An inactive identity cannot sign in.");
  const now = rules.now();
  const secret = newSessionSecret();
  const expiresAt = new Date(now.getTime() + rules.maxMs);
  const created = await work.tx.session.create({
    data: {
      identityId: input.identityId,
      secretHash: hashToken(secret),
      userAgent: input.userAgent ? input.userAgent.slice(0, MAX_USER_AGENT) : null,
      createdAt: now,
      lastSeenAt: now,
      expiresAt,
    },
    select: { id: true },
  });
  work.audit.append({
    action: "SESSION_STARTED",
    actorId: input.identityId,
    data: {
      sessionId: toGlobalId("Session", created.id),
      identityId: toGlobalId("Identity", input.identityId),
      via: "oidc",
      expiresAt: expiresAt.toISOString(),
    },
  });
  return { secret, sessionId: created.id };
}

/**
 * Ends a session: its owner (sign-out, or revoking another of their sessions) or an admin (any).
 * Someone else's session is "not found" for an end user.
 */
export async function endSession(
  work: Work,
  actor: Actor,
  input: { sessionId: string; reason: "signed out" | "revoked"; comment?: string | null },
): Promise<string> {
  const comment = optionalText(input.comment, LIMITS.reason, ["input", "reason"]);
  const session = await work.tx.session.findUnique({
    where: { id: input.sessionId },
    select: { id: true, identityId: true, endedAt: true },
  });
  if (!session || (!isAdmin(actor) && session.identityId !== actor.id)) {
    throw notFound("Session", ["input", "sessionId"]);
  }
  const { count } = await work.tx.session.updateMany({
    where: { id: session.id, endedAt: null },
    data: { endedAt: new Date() },
  });
  if (count !== 1) throw invalidState("The session has ended already.");
  work.audit.append({
    action: "SESSION_ENDED",
    actorId: actor.id,
    comment,
    data: {
      sessionId: toGlobalId("Session", session.id),
      identityId: toGlobalId("Identity", session.identityId),
      reason: input.reason,
    },
  });
  work.effects.credentialsChanged = true;
  return session.id;
}

/**
 * Ends every session of an identity that was deactivated or changed role (in the transaction
 * that made the change): one audited end per session that had not ended or expired.
 */
export async function endSessionsOfIdentity(
  work: Work,
  actor: Actor | null,
  identityId: string,
  reason: Extract<SessionEndReason, "identity deactivated" | "role changed">,
): Promise<void> {
  // Sessions past their absolute expiry ended on their own (nothing marks them): only the ones
  // that could still be used are ended and audited, so the events stay bounded by SESSION_MAX_HOURS.
  const open = await work.tx.session.findMany({
    where: { identityId, endedAt: null, expiresAt: { gt: new Date() } },
    select: { id: true },
  });
  if (open.length === 0) return;
  await work.tx.session.updateMany({
    where: { id: { in: open.map((s) => s.id) }, endedAt: null },
    data: { endedAt: new Date() },
  });
  for (const session of open) {
    work.audit.append({
      action: "SESSION_ENDED",
      actorId: actor?.id ?? null,
      data: {
        sessionId: toGlobalId("Session", session.id),
        identityId: toGlobalId("Identity", identityId),
        reason,
      },
    });
  }
  work.effects.credentialsChanged = true;
}

/** A caller authenticated by a session cookie. */
export interface SessionIdentity extends Actor {
  identity: Identity;
  sessionId: string;
  lastSeenAt: Date;
}

/** The identity a session secret authenticates, or null. Reads only. */
export async function authenticateSession(
  client: Pick<Tx, "session">,
  rules: SessionRules,
  secret: string,
): Promise<SessionIdentity | null> {
  if (!plausibleSecret(secret)) return null;
  const session = await client.session.findUnique({
    where: { secretHash: hashToken(secret) },
    select: { id: true, endedAt: true, expiresAt: true, lastSeenAt: true, identity: true },
  });
  if (!session || !isWorkingSession(session, rules)) return null;
  const { identity } = session;
  return { id: identity.id, role: identity.role, identity, sessionId: session.id, lastSeenAt: session.lastSeenAt };
}

/** Usage metadata (not audited): moves the idle expiry on, at most once a minute. */
export async function recordSessionSeen(tx: Tx, sessionId: string, at: Date): Promise<void> {
  await tx.session.updateMany({
    where: { id: sessionId, endedAt: null, lastSeenAt: { lt: new Date(at.getTime() - SESSION_SEEN_RESOLUTION_MS) } },
    data: { lastSeenAt: at },
  });
}
