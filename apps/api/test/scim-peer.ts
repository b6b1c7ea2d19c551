// A real SCIM 2.0 service provider for the SCIM connector's tests, built on scimmy and
// scimmy-routers (Express), with users and groups held in Maps. It can be stopped and started
// again on the same port (peer down, then up) and can drop PATCHes silently (a peer that says OK
// but does not change anything).
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import SCIMMY from "scimmy";
import SCIMMYRouters from "scimmy-routers";

export const SCIM_TOKEN = "scim-test-token-0123456789";

type Member = { value: string; display?: string };
interface Stored {
  id: string;
  [key: string]: unknown;
}

export interface ScimPeer {
  baseUrl: string;
  users: Map<string, Stored>;
  groups: Map<string, Stored & { members?: Member[] }>;
  /** When true, PATCHes are answered but not applied (verification must catch it). */
  ignoreWrites: boolean;
  /** When set, every write is refused with 400 and this `detail` (a peer that says too much). */
  refuseWith: string | null;
  addUser(userName: string): string;
  addGroup(displayName: string): string;
  memberIds(groupId: string): string[];
  stop(): Promise<void>;
  start(): Promise<void>;
}

function handlers<T extends Stored>(
  store: Map<string, T>,
  peer: { ignoreWrites: boolean; refuseWith: string | null },
  dedupeMembers: boolean,
) {
  return {
    ingress: (resource: { id?: string }, data: Record<string, unknown>) => {
      if (peer.refuseWith) throw new SCIMMY.Types.Error(400, "invalidValue", peer.refuseWith);
      const id = resource.id ?? randomUUID();
      const existing = store.get(id);
      if (resource.id && !existing) throw new SCIMMY.Types.Error(404, "noTarget", `Resource ${id} not found`);
      if (existing && peer.ignoreWrites) return existing;
      const next = { ...data, id } as unknown as T & { members?: Member[] };
      if (dedupeMembers && Array.isArray(next.members)) {
        next.members = [...new Map(next.members.map((m) => [m.value, m])).values()];
      }
      store.set(id, next);
      return next;
    },
    egress: (resource: { id?: string; filter?: { match(values: unknown[]): unknown[] } }) => {
      if (resource.id) {
        const found = store.get(resource.id);
        if (!found) throw new SCIMMY.Types.Error(404, "noTarget", `Resource ${resource.id} not found`);
        return found;
      }
      const all = [...store.values()];
      return resource.filter ? resource.filter.match(all) : all;
    },
    degress: (resource: { id?: string }) => {
      if (resource.id) store.delete(resource.id);
    },
  };
}

export async function startScimPeer(): Promise<ScimPeer> {
  const users = new Map<string, Stored>();
  const groups = new Map<string, Stored & { members?: Member[] }>();
  const peer: { ignoreWrites: boolean; refuseWith: string | null } = { ignoreWrites: false, refuseWith: null };
  const userHandlers = handlers(users, peer, false);
  const groupHandlers = handlers(groups, peer, true);
  // The handlers work on plain stored objects; scimmy's own types are stricter than a Map needs.
  SCIMMY.Resources.declare(SCIMMY.Resources.User)
    .ingress(userHandlers.ingress as never)
    .egress(userHandlers.egress as never)
    .degress(userHandlers.degress as never);
  SCIMMY.Resources.declare(SCIMMY.Resources.Group)
    .ingress(groupHandlers.ingress as never)
    .egress(groupHandlers.egress as never)
    .degress(groupHandlers.degress as never);

  const app = express();
  app.use(
    "/scim/v2",
    new SCIMMYRouters({
      type: "bearer",
      docUri: "https://example.com/scim-auth",
      handler: (request: express.Request) => {
        if (request.header("authorization") !== `Bearer ${SCIM_TOKEN}`) throw new Error("Bad token");
        return "connector";
      },
    }),
  );

  let server: Server | null = null;
  let port = 0;
  const start = async () => {
    server = createServer(app);
    await new Promise<void>((resolve) => server?.listen(port, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  };
  await start();
  return {
    get baseUrl() {
      return `http://127.0.0.1:${port}/scim/v2`;
    },
    users,
    groups,
    get ignoreWrites() {
      return peer.ignoreWrites;
    },
    set ignoreWrites(value: boolean) {
      peer.ignoreWrites = value;
    },
    get refuseWith() {
      return peer.refuseWith;
    },
    set refuseWith(value: string | null) {
      peer.refuseWith = value;
    },
    addUser(userName) {
      const id = randomUUID();
      users.set(id, { id, schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName, active: true });
      return id;
    },
    addGroup(displayName) {
      const id = randomUUID();
      groups.set(id, { id, schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"], displayName, members: [] });
      return id;
    },
    memberIds: (groupId) => (groups.get(groupId)?.members ?? []).map((m) => m.value),
    stop: () =>
      new Promise<void>((resolve) => {
        server?.closeAllConnections();
        server?.close(() => resolve());
      }),
    start,
  };
}
