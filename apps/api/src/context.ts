// The per-operation context: who asks, the read client, the live feed, and small per-operation
// caches (the viewer's groups, the admins) so resolvers never load them twice.
import type { Logger } from "pino";
import type { Authenticator } from "./http/auth.ts";
import type { Client, Database } from "./db/database.ts";
import type { Credential } from "./domain/credentials.ts";
import type { EventDeliveryWorker } from "./jobs/event-delivery.ts";
import type { SessionRules } from "./domain/sessions/sessions.ts";
import type { Actor } from "./domain/work.ts";
import type { Identity } from "./generated/prisma/client.ts";
import type { LiveSessions } from "./live/sessions.ts";
import type { LiveFeed } from "./live/feed.ts";
import type { NotificationWatcher } from "./live/notifications.ts";

export interface Services {
  db: Database;
  authenticator: Authenticator;
  feed: LiveFeed;
  /** Live notifications (Subscription.notificationAdded). */
  notifications: NotificationWatcher;
  log: Logger;
  sessions: LiveSessions;
  /** Outbound event delivery (secret references are checked against it; test events go through it). */
  events: EventDeliveryWorker;
  maxSubscriptionsPerToken: number;
}

/**
 * Who is calling: the actor, the credential it presented (API token or browser session) and
 * (HTTP only) the identity row authentication read (a token's: at most LIVE_RECHECK_MS ago, and
 * again after any local change to it).
 */
export interface Caller {
  viewer: Actor;
  credential: Credential;
  identity?: Identity;
}

export interface Context {
  db: Database;
  prisma: Client;
  feed: LiveFeed;
  notifications: NotificationWatcher;
  log: Logger;
  requestId: string;
  viewer: Actor | null;
  /** The viewer's identity row as authentication verified it (HTTP requests), else null. */
  viewerIdentity: Identity | null;
  /** The API token or browser session the viewer authenticated with. */
  credential: Credential | null;
  sessions: LiveSessions;
  events: EventDeliveryWorker;
  maxSubscriptionsPerToken: number;
  sessionRules: SessionRules;
  viewerGroupIds(): Promise<ReadonlySet<string>>;
  /** Active admins: who works tickets that fell back to the admins. */
  activeAdmins(): Promise<readonly Identity[]>;
}

function once<T>(load: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | null = null;
  return () => (value ??= load());
}

export function createContext(services: Services, caller: Caller | null, requestId: string): Context {
  const prisma = services.db.read;
  const viewer = caller?.viewer ?? null;
  // Made on first use: most operations never log, and a pino child (bindings, redaction) costs
  // a measurable share of a small query (docs/performance.md, figure 1b).
  let log: Logger | null = null;
  return {
    db: services.db,
    prisma,
    feed: services.feed,
    notifications: services.notifications,
    get log() {
      return (log ??= services.log.child({ requestId }));
    },
    requestId,
    viewer,
    viewerIdentity: caller?.identity ?? null,
    credential: caller?.credential ?? null,
    sessions: services.sessions,
    events: services.events,
    maxSubscriptionsPerToken: services.maxSubscriptionsPerToken,
    // Browser sessions' expiries and clock: the authenticator's, which checks them on every request.
    sessionRules: services.authenticator.sessionRules,
    viewerGroupIds: once(async () => {
      if (!viewer) return new Set<string>();
      const groups = await prisma.group.findMany({
        where: { members: { some: { id: viewer.id } } },
        select: { id: true },
      });
      return new Set(groups.map((g) => g.id));
    }),
    activeAdmins: once(() =>
      prisma.identity.findMany({ where: { role: "ADMIN", active: true }, orderBy: { displayName: "asc" } }),
    ),
  };
}

/** The authenticated viewer; resolvers behind the `authenticated` scope may rely on it. */
export function viewerOf(ctx: Context): Actor {
  if (!ctx.viewer) throw new Error("viewerOf: no viewer behind the authenticated scope");
  return ctx.viewer;
}
