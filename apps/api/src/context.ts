// The per-operation context: who asks, the read client, the live feed, and small per-operation
// caches (the viewer's groups, the admins) so resolvers never load them twice.
import type { Logger } from "pino";
import type { Client, Database } from "./db/database.ts";
import type { Actor } from "./domain/work.ts";
import type { Identity } from "./generated/prisma/client.ts";
import type { LiveFeed } from "./pubsub.ts";

export interface Services {
  db: Database;
  feed: LiveFeed;
  log: Logger;
}

export interface Context {
  db: Database;
  prisma: Client;
  feed: LiveFeed;
  log: Logger;
  requestId: string;
  viewer: Actor | null;
  /** The viewer's identity row when authentication just read it (HTTP requests), else null. */
  viewerIdentity: Identity | null;
  viewerGroupIds(): Promise<ReadonlySet<string>>;
  /** Active admins: who works tickets that fell back to the admins. */
  activeAdmins(): Promise<readonly Identity[]>;
}

function once<T>(load: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | null = null;
  return () => (value ??= load());
}

export function createContext(services: Services, viewer: Actor | null, requestId: string, viewerIdentity?: Identity): Context {
  const prisma = services.db.read;
  return {
    db: services.db,
    prisma,
    feed: services.feed,
    log: services.log.child({ requestId }),
    requestId,
    viewer,
    viewerIdentity: viewerIdentity ?? null,
    viewerGroupIds: once(async () => {
      if (!viewer) return new Set<string>();
      const groups = await prisma.group.findMany({ where: { members: { some: { id: viewer.id } } }, select: { id: true } });
      return new Set(groups.map((g) => g.id));
    }),
    activeAdmins: once(() => prisma.identity.findMany({ where: { role: "ADMIN", active: true }, orderBy: { displayName: "asc" } })),
  };
}

/** The authenticated viewer; resolvers behind the `authenticated` scope may rely on it. */
export function viewerOf(ctx: Context): Actor {
  if (!ctx.viewer) throw new Error("viewerOf: no viewer behind the authenticated scope");
  return ctx.viewer;
}
