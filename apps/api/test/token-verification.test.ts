// Authentication from the instance's verified tokens: a known token costs no statement, an
// expired one is refused without a read, unknown ones are never kept, and a revocation, a
// deactivation or a role change applies at once on the instance that made it and within
// LIVE_RECHECK_MS on another instance sharing the database.
import {
  CreateIdentity,
  Identities,
  IssueApiToken,
  RequestStatusSignal,
  RevokeApiToken,
  UpdateIdentity,
  type VariablesOf,
  Viewer,
} from "@access/contract";
import { createClient } from "graphql-ws";
import pino from "pino";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../src/db/database.ts";
import { loadDemoOrganisation, type DemoOrganisation } from "../src/demo/demo-organisation.ts";
import { authenticateToken, hashToken } from "../src/domain/tokens/tokens.ts";
import { VerifiedTokens } from "../src/domain/tokens/verified-tokens.ts";
import { type RunningServer, startServer } from "../src/server.ts";
import { freshDatabase, type TestDatabase } from "./databases.ts";
import { dataOf, documentText, gid, graphqlAt, present, testConfig } from "./harness.ts";

const VIEWER_ID = "{ viewer { id } }";
/** Statements that authentication (or `viewer`) would make: any read of a token or an identity. */
const AUTH_STATEMENT = /ApiToken|Identity/;

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** What `action` answers, and the token and identity statements `db` ran meanwhile. */
async function measured<T>(db: Database, action: () => Promise<T>): Promise<{ answer: T; statements: string[] }> {
  const statements: string[] = [];
  const stop = db.onQuery((sql) => {
    if (AUTH_STATEMENT.test(sql)) statements.push(sql);
  });
  try {
    return { answer: await action(), statements };
  } finally {
    stop();
  }
}

/** Waits until the token's first use is written, so that write is not counted as a read later. */
const useRecorded = (db: Database, token: string) =>
  until("the token's last use recorded", async () => {
    const row = await db.read.apiToken.findUnique({ where: { tokenHash: hashToken(token) } });
    return row?.lastUsedAt != null;
  });

/** The admin's calls on one instance: tokens, identities, and what a token may do. */
function adminOn(url: string, adminToken: string) {
  const gql = graphqlAt(url);
  return {
    gql,
    async issue(identityId: string, expiresAt?: Date) {
      const { issueApiToken } = await dataOf(
        gql(adminToken, IssueApiToken, {
          input: { identityId, name: "verified", ...(expiresAt ? { expiresAt: expiresAt.toISOString() } : {}) },
        }),
      );
      expect(issueApiToken.errors).toEqual([]);
      return {
        token: present(issueApiToken.token, "the token"),
        id: present(issueApiToken.apiToken, "its metadata").id,
      };
    },
    async revoke(tokenId: string) {
      const { revokeApiToken } = await dataOf(gql(adminToken, RevokeApiToken, { input: { tokenId } }));
      expect(revokeApiToken.errors).toEqual([]);
    },
    async updateIdentity(input: VariablesOf<typeof UpdateIdentity>["input"]) {
      const { updateIdentity } = await dataOf(gql(adminToken, UpdateIdentity, { input }));
      expect(updateIdentity.errors).toEqual([]);
    },
    async createIdentity(email: string, role: "ADMIN" | "END_USER" = "END_USER") {
      const { createIdentity } = await dataOf(
        gql(adminToken, CreateIdentity, { input: { email, displayName: email, role } }),
      );
      return present(createIdentity.identity, "the identity").id;
    },
  };
}

interface Instances {
  servers: RunningServer[];
  org: DemoOrganisation;
  /** The admin's calls on the first instance. */
  admin: ReturnType<typeof adminOn>;
}

/**
 * API instances in this process, one per `envs` entry, sharing a fresh database that holds the
 * demo organisation; started before the suite's tests, closed after them.
 */
function instancesOnOneDatabase(...envs: Record<string, string>[]): () => Instances {
  let database: TestDatabase | undefined;
  let fixture: Instances | undefined;
  beforeAll(async () => {
    database = await freshDatabase();
    const servers: RunningServer[] = [];
    for (const env of envs)
      servers.push(await startServer(testConfig(database.url, env), { logger: pino({ level: "silent" }) }));
    const first = present(servers[0], "the first instance");
    const org = await loadDemoOrganisation(first.db);
    fixture = { servers, org, admin: adminOn(first.url, org.tokens.admin) };
  });
  afterAll(async () => {
    for (const server of fixture?.servers ?? []) await server.close();
    await database?.drop();
  });
  return () => present(fixture, "the instances");
}

let unique = 0;
const email = () => `verified-${process.pid}-${(unique += 1)}@example.com`;

describe("one instance", () => {
  // A minute: every refusal below comes from the local change, not from a verification lapsing.
  const fx = instancesOnOneDatabase({ LIVE_RECHECK_MS: "60000" });
  const server = () => present(fx().servers[0], "the instance");

  it("answers `{ viewer { id } }` and the dashboard's Viewer with a verified token without any statement", async () => {
    const { token } = await fx().admin.issue(gid("Identity", fx().org.ids.alice));
    expect((await fx().admin.gql(token, VIEWER_ID)).status).toBe(200);
    await useRecorded(server().db, token);
    const viewerId = await measured(server().db, () => fx().admin.gql(token, VIEWER_ID));
    expect(viewerId.statements).toEqual([]);
    expect(viewerId.answer.data).toEqual({ viewer: { id: gid("Identity", fx().org.ids.alice) } });
    const viewer = await measured(server().db, () => fx().admin.gql(token, Viewer));
    expect(viewer.statements).toEqual([]);
    expect(viewer.answer.data?.viewer.email).toBe("alice@example.com");
  });

  it("opens a WebSocket and subscribes with a verified token without reading the token", async () => {
    const { token } = await fx().admin.issue(gid("Identity", fx().org.ids.alice));
    expect((await fx().admin.gql(token, VIEWER_ID)).status).toBe(200);
    await useRecorded(server().db, token);
    const feed = server().feed;
    const subscribersBefore = feed.subscriberCount;
    const client = createClient({
      url: `${server().url.replace("http", "ws")}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
    });
    try {
      const { statements } = await measured(server().db, async () => {
        client.subscribe(
          { query: documentText(RequestStatusSignal) },
          { next: () => undefined, error: () => undefined, complete: () => undefined },
        );
        await until("the subscription runs", () => feed.subscriberCount > subscribersBefore);
      });
      expect(statements.filter((sql) => sql.includes("ApiToken"))).toEqual([]);
    } finally {
      await client.dispose();
    }
  });

  it("refuses a revoked token on the next request", async () => {
    const issued = await fx().admin.issue(gid("Identity", fx().org.ids.bob));
    expect((await fx().admin.gql(issued.token, VIEWER_ID)).status).toBe(200);
    await fx().admin.revoke(issued.id);
    const refused = await fx().admin.gql(issued.token, VIEWER_ID);
    expect(refused.status).toBe(401);
    expect(refused.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("refuses a deactivated identity's token on the next request, and takes it back on reactivation", async () => {
    const id = await fx().admin.createIdentity(email());
    const { token } = await fx().admin.issue(id);
    expect((await fx().admin.gql(token, VIEWER_ID)).status).toBe(200);
    await fx().admin.updateIdentity({ identityId: id, active: false });
    expect((await fx().admin.gql(token, VIEWER_ID)).status).toBe(401);
    await fx().admin.updateIdentity({ identityId: id, active: true });
    expect((await fx().admin.gql(token, VIEWER_ID)).status).toBe(200);
  });

  it("applies a role change and a new display name to the next request", async () => {
    const id = await fx().admin.createIdentity(email());
    const { token } = await fx().admin.issue(id);
    expect((await fx().admin.gql(token, Identities, {})).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    await fx().admin.updateIdentity({ identityId: id, role: "ADMIN", displayName: "Promoted" });
    const promoted = await fx().admin.gql(token, Identities, {});
    expect(promoted.errors).toBeUndefined();
    expect((await fx().admin.gql(token, Viewer)).data?.viewer).toMatchObject({
      role: "ADMIN",
      displayName: "Promoted",
    });
    await fx().admin.updateIdentity({ identityId: id, role: "END_USER" });
    expect((await fx().admin.gql(token, Identities, {})).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });

  it("refuses a verified token once it expires, without reading the database", async () => {
    const expiresAt = new Date(Date.now() + 1_500);
    const { token } = await fx().admin.issue(gid("Identity", fx().org.ids.carol), expiresAt);
    expect((await fx().admin.gql(token, VIEWER_ID)).status).toBe(200);
    await useRecorded(server().db, token);
    await until("the expiry", () => Date.now() > expiresAt.getTime());
    const refused = await measured(server().db, () => fx().admin.gql(token, VIEWER_ID));
    expect(refused.statements).toEqual([]);
    expect(refused.answer.status).toBe(401);
  });

  it("reads an unknown token every time it is presented", async () => {
    const garbage = "art_not-a-token-anyone-issued";
    const first = await measured(server().db, () => fx().admin.gql(garbage, VIEWER_ID));
    const second = await measured(server().db, () => fx().admin.gql(garbage, VIEWER_ID));
    expect([first.statements.length, second.statements.length]).toEqual([1, 1]);
    expect(second.answer.status).toBe(401);
  });
});

describe("verified tokens", () => {
  const fx = instancesOnOneDatabase({});
  const server = () => present(fx().servers[0], "the instance");

  /** Verified tokens over the real database, counting the token reads they make. */
  function verifiedTokens(maxEntries = 100) {
    let reads = 0;
    const tokens = new VerifiedTokens(
      (token) => {
        reads += 1;
        return authenticateToken(server().db.read, token);
      },
      { maxAgeMs: 60_000, maxEntries },
    );
    return { tokens, reads: () => reads };
  }

  it("keeps no unknown token", async () => {
    const { tokens, reads } = verifiedTokens();
    for (let i = 0; i < 20; i += 1) expect(await tokens.authenticate(`art_garbage_${i}`)).toBeNull();
    expect(reads()).toBe(20);
    expect(tokens.size).toBe(0);
  });

  it("makes one read for concurrent requests with the same unverified token", async () => {
    const { tokens, reads } = verifiedTokens();
    const viewers = await Promise.all(Array.from({ length: 10 }, () => tokens.authenticate(fx().org.tokens.alice)));
    expect(viewers.map((v) => v?.id)).toEqual(Array.from({ length: 10 }, () => fx().org.ids.alice));
    expect(reads()).toBe(1);
  });

  it("keeps at most maxEntries tokens, dropping the least recently used", async () => {
    const { tokens, reads } = verifiedTokens(2);
    await tokens.authenticate(fx().org.tokens.alice);
    await tokens.authenticate(fx().org.tokens.bob);
    await tokens.authenticate(fx().org.tokens.alice);
    await tokens.authenticate(fx().org.tokens.carol);
    expect([tokens.size, reads()]).toEqual([2, 3]);
    await tokens.authenticate(fx().org.tokens.alice);
    expect(reads()).toBe(3);
    await tokens.authenticate(fx().org.tokens.bob);
    expect(reads()).toBe(4);
  });

  it("does not keep a read that began before forgetAll", async () => {
    const { tokens, reads } = verifiedTokens();
    const before = tokens.authenticate(fx().org.tokens.dave);
    tokens.forgetAll();
    expect((await before)?.id).toBe(fx().org.ids.dave);
    expect(tokens.size).toBe(0);
    await tokens.authenticate(fx().org.tokens.dave);
    expect(reads()).toBe(2);
  });
});

describe("two instances on one database", () => {
  // B trusts a verification for a second: A's changes reach it within that.
  const fx = instancesOnOneDatabase({}, { LIVE_RECHECK_MS: "1000" });
  const b = () => present(fx().servers[1], "instance B");
  const onB = (token: string) => graphqlAt(b().url)(token, VIEWER_ID);
  const identitiesOnB = (token: string) => graphqlAt(b().url)(token, Identities, {});

  /** Uses the token on B until B answers it from its verification (one of three uses reads nothing). */
  async function verifiedOnB(token: string): Promise<void> {
    expect((await onB(token)).status).toBe(200);
    await useRecorded(b().db, token);
    const counts = [];
    for (let i = 0; i < 3; i += 1) counts.push((await measured(b().db, () => onB(token))).statements.length);
    expect(Math.min(...counts)).toBe(0);
  }

  it("refuses on B a token revoked on A, within B's recheck interval", async () => {
    const issued = await fx().admin.issue(gid("Identity", fx().org.ids.alice));
    await verifiedOnB(issued.token);
    await fx().admin.revoke(issued.id);
    expect((await fx().admin.gql(issued.token, VIEWER_ID)).status).toBe(401);
    await until("B refuses the revoked token", async () => (await onB(issued.token)).status === 401);
  });

  it("refuses on B the token of an identity deactivated on A, within B's recheck interval", async () => {
    const id = await fx().admin.createIdentity(email());
    const { token } = await fx().admin.issue(id);
    await verifiedOnB(token);
    await fx().admin.updateIdentity({ identityId: id, active: false });
    await until("B refuses the deactivated identity", async () => (await onB(token)).status === 401);
  });

  it("applies on B a role changed on A, within B's recheck interval", async () => {
    const id = await fx().admin.createIdentity(email(), "ADMIN");
    const { token } = await fx().admin.issue(id);
    await verifiedOnB(token);
    expect((await identitiesOnB(token)).errors).toBeUndefined();
    await fx().admin.updateIdentity({ identityId: id, role: "END_USER" });
    await until(
      "B refuses the demoted admin",
      async () => (await identitiesOnB(token)).errors?.[0]?.extensions?.code === "FORBIDDEN",
    );
  });
});
