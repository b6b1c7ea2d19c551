// Sign-in through a real OpenID provider (oidc-provider, started here) and browser sessions, over
// real HTTP and WebSocket: the whole code flow with PKCE, state and nonce walked with a cookie jar
// (no browser), every check that must refuse, the session cookie's flags, idle and absolute
// expiry (on a clock the test moves), sign-out, revocation, deactivation and role changes ending
// sessions and live connections, the same-origin rule for cookie-authenticated requests and
// WebSockets, and API tokens as before. On SQLite, and on PostgreSQL under test:scale.
import { createHash } from "node:crypto";
import {
  AuditEvents,
  RevokeSession,
  Sessions,
  type TadaDocumentNode,
  TicketStatusSignal,
  UpdateIdentity,
  Viewer,
} from "@access/contract";
import { createClient } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { ConfigError, loadConfig } from "../src/config.ts";
import { safeNext } from "../src/http/oidc.ts";
import {
  accepted,
  codes,
  dataOf,
  documentText,
  gid,
  type GraphQLResponse,
  present,
  startTestServer,
  type TestServer,
} from "./harness.ts";
import { freePort } from "./instances.ts";
import { type OidcPeer, SignInAgent, startOidcPeer } from "./oidc-peer.ts";

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

/** A server that signs people in through `peer`, on a clock the test can move. */
interface SignInServer {
  t: TestServer;
  /** Where browsers reach it (PUBLIC_URL). */
  publicUrl: string;
  callback: string;
  /** Moves the sessions' clock forward. */
  advance(ms: number): void;
}

/** `publicUrl`: where browsers reach it, when not at its own address (a proxy in front). */
async function startSignInServer(
  peer: OidcPeer,
  port: number,
  publicUrl: string | null,
  env: Record<string, string> = {},
) {
  const origin = publicUrl ?? `http://127.0.0.1:${port}`;
  let offset = 0;
  const t = await startTestServer({
    clock: () => new Date(Date.now() + offset),
    env: {
      PORT: String(port),
      PUBLIC_URL: origin,
      OIDC_ISSUER: peer.issuer,
      OIDC_CLIENT_ID: peer.clientId,
      OIDC_CLIENT_SECRET: "env:ACCESS_SECRET_OIDC",
      ACCESS_SECRET_OIDC: peer.clientSecret,
      OIDC_PROVIDER_NAME: "Test IdP",
      ...env,
    },
  });
  return {
    t,
    publicUrl: origin,
    callback: `${origin}/auth/callback`,
    advance: (ms: number) => {
      offset += ms;
    },
  } satisfies SignInServer;
}

let peer: OidcPeer;
let plain: SignInServer;
/** PUBLIC_URL https (cookies Secure, `__Host-`), identities created on first sign-in. */
let secure: SignInServer;

beforeAll(async () => {
  const plainPort = await freePort();
  peer = await startOidcPeer([
    `http://127.0.0.1:${plainPort}/auth/callback`,
    "https://access.example.test/auth/callback",
  ]);
  for (const [login, email] of [
    ["alice", "alice@example.com"],
    ["bob", "Bob.Manager@example.com"],
    ["erin", "erin.admin@example.com"],
    ["carol", "carol.security@example.com"],
    ["dave", "dave.it@example.com"],
    ["stranger", "stranger@example.com"],
  ] as const) {
    peer.accounts.set(login, { email, email_verified: true, name: `${login} from the IdP` });
  }
  peer.accounts.set("unverified", { email: "alice@example.com", email_verified: false, name: "Not Alice" });
  peer.accounts.set("no-email", { email: null, email_verified: null, name: "No Email" });
  plain = await startSignInServer(peer, plainPort, null, {
    SESSION_IDLE_MINUTES: "30",
    SESSION_MAX_HOURS: "2",
  });
  secure = await startSignInServer(peer, await freePort(), "https://access.example.test", {
    OIDC_CREATE_IDENTITIES: "true",
  });
});

afterAll(async () => {
  await plain?.t.close();
  await secure?.t.close();
  await peer?.close();
});

/** The API's own address for a URL under PUBLIC_URL (the https one is not served here). */
const served = (server: SignInServer, url: string) => url.replace(server.publicUrl, server.t.url);

/** Starts a sign-in at /auth/login and walks the provider's pages as `login`: the callback URL it sends back to. */
async function toCallback(server: SignInServer, agent: SignInAgent, login: string, next = "/") {
  const start = await agent.request(`${server.t.url}/auth/login?next=${encodeURIComponent(next)}`);
  expect(start.status).toBe(302);
  const authorization = present(start.location, "the provider's URL");
  expect(authorization.startsWith(peer.issuer)).toBe(true);
  const back = await agent.atProvider(authorization, login, server.callback);
  return served(server, present(back.location, "the callback URL"));
}

/** The whole sign-in; answers the callback's response and the session cookie's value. */
async function signIn(server: SignInServer, login: string, agent = new SignInAgent(), next = "/") {
  const res = await agent.request(await toCallback(server, agent, login, next));
  const host = new URL(server.t.url).host;
  const name = server.publicUrl.startsWith("https:") ? "__Host-access_session" : "access_session";
  return { res, agent, secret: agent.cookie(host, name) };
}

/** A GraphQL operation as the dashboard sends it: the session cookie, from the product's origin. */
async function asBrowser<Result, Variables>(
  server: SignInServer,
  agent: SignInAgent,
  document: TadaDocumentNode<Result, Variables>,
  variables?: Variables,
  headers: Record<string, string> = { origin: server.publicUrl },
): Promise<GraphQLResponse<Result>> {
  const res = await fetch(`${server.t.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", cookie: agent.cookieHeader(server.t.url), ...headers },
    body: JSON.stringify({ query: documentText(document), variables }),
  });
  const body = (await res.json()) as Omit<GraphQLResponse<Result>, "status">;
  return { ...body, status: res.status };
}

const sessionRows = (server: SignInServer, email: string) =>
  server.t.server.db.read.session.findMany({ where: { identity: { email } }, orderBy: { createdAt: "asc" } });

const auditOf = async (server: SignInServer, action: "SESSION_STARTED" | "SESSION_ENDED") => {
  const { auditEvents } = await dataOf(
    server.t.gql(server.t.org.tokens.admin, AuditEvents, { first: 100, filter: { action: [action] } }),
  );
  return auditEvents.edges.map((edge) => edge.node);
};

/** A graphql-ws connection as a browser opens it: the cookie and Origin on the upgrade, no token. */
function cookieSocket(server: SignInServer, agent: SignInAgent, origin: string) {
  const headers = { cookie: agent.cookieHeader(server.t.url), origin };
  class BrowserSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers });
    }
  }
  let closed: (event: { code: number; reason: string }) => void = () => undefined;
  const closing = new Promise<{ code: number; reason: string }>((resolve) => (closed = resolve));
  let connected: () => void = () => undefined;
  const open = new Promise<void>((resolve) => (connected = resolve));
  const client = createClient({
    url: `${server.t.url.replace("http", "ws")}/graphql`,
    webSocketImpl: BrowserSocket,
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => undefined,
    on: {
      connected: () => connected(),
      closed: (event) => closed(event as { code: number; reason: string }),
    },
  });
  return { client, open, closing };
}

describe("signing in through the identity provider", () => {
  it("says whether sign-in through a provider is set up, and with which", async () => {
    const res = await fetch(`${plain.t.url}/auth/config`);
    expect(await res.json()).toEqual({ oidc: true, providerName: "Test IdP" });
  });

  it("walks the code flow with PKCE, state and nonce, and lands where it was asked with a session cookie", async () => {
    const agent = new SignInAgent({ "user-agent": "Test Browser 1.0" });
    const start = await agent.request(`${plain.t.url}/auth/login?next=${encodeURIComponent("/?section=tickets")}`);
    const authorization = new URL(present(start.location, "the provider's URL"));
    expect(authorization.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorization.searchParams.get("code_challenge")).toMatch(/^[\w-]{43}$/);
    expect(authorization.searchParams.get("state")).toBeTruthy();
    expect(authorization.searchParams.get("nonce")).toBeTruthy();
    expect(authorization.searchParams.get("scope")).toBe("openid email profile");
    expect(authorization.searchParams.get("redirect_uri")).toBe(plain.callback);
    const back = await agent.atProvider(authorization.href, "alice", plain.callback);
    const res = await agent.request(present(back.location, "the callback"));

    expect(res.status).toBe(303);
    expect(res.location).toBe(`${plain.t.url}/?section=tickets`);
    const cookie = present(
      res.setCookies.find((c) => c.startsWith("access_session=")),
      "the session cookie",
    );
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Lax/);
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).toMatch(/; Max-Age=7200/);
    expect(cookie).not.toMatch(/Secure/);
    // The sign-in cookie (state, nonce, verifier) is used once.
    expect(res.setCookies.some((c) => /^access_sign_in=;.*Max-Age=0/.test(c))).toBe(true);

    const { viewer } = await dataOf(asBrowser(plain, agent, Viewer));
    expect(viewer.email).toBe("alice@example.com");
    const secret = present(agent.cookie(new URL(plain.t.url).host, "access_session"), "the cookie's value");
    const rows = await sessionRows(plain, "alice@example.com");
    expect(rows.map((r) => r.secretHash)).toContain(sha256(secret));
    expect(JSON.stringify(rows)).not.toContain(secret);
    expect(rows.at(-1)?.userAgent).toBe("Test Browser 1.0");
    const started = await auditOf(plain, "SESSION_STARTED");
    expect(started.at(-1)?.actor?.id).toBe(gid("Identity", plain.t.org.ids.alice));
  });

  it("matches the verified email whatever its case", async () => {
    const { res } = await signIn(plain, "bob");
    expect(res.status).toBe(303);
  });

  it("sends people only to paths on this site after signing in", async () => {
    expect(safeNext("/request?x=1#y")).toBe("/request?x=1#y");
    for (const hostile of [
      "//evil.example/x",
      "https://evil.example/",
      "/\\evil.example",
      "/\t/evil.example",
      "evil",
      // Paths that only become another site's address once normalised.
      "/.//evil.example",
      "/%2e//evil.example",
      "/a/..//evil.example",
      `/${"x".repeat(1_001)}`,
    ]) {
      expect(safeNext(hostile), hostile).toBe("/");
    }
    const { res } = await signIn(plain, "alice", new SignInAgent(), "//evil.example/steal");
    expect(res.location).toBe(`${plain.t.url}/`);
    const normalised = await signIn(plain, "alice", new SignInAgent(), "/.//evil.example/steal");
    expect(normalised.res.location).toBe(`${plain.t.url}/`);
    // The longest path kept still survives the round trip through the sign-in cookie.
    const long = `/request?q=${"x".repeat(980)}`;
    const kept = await signIn(plain, "alice", new SignInAgent(), long);
    expect(kept.res.location).toBe(`${plain.t.url}${long}`);
  });

  it("refuses a callback whose state is not the one it sent", async () => {
    const agent = new SignInAgent();
    const callback = new URL(await toCallback(plain, agent, "alice"));
    callback.searchParams.set("state", "a-state-this-browser-never-got");
    const res = await agent.request(callback.href);
    expect(res.status).toBe(400);
    expect(res.body).toContain("Sign-in failed");
    expect(agent.cookie(new URL(plain.t.url).host, "access_session")).toBeUndefined();
  });

  /** Walks to the callback, changes one of the checks the browser keeps, and answers the callback. */
  async function callbackWithChecks(change: Record<string, string>) {
    const agent = new SignInAgent();
    const callback = await toCallback(plain, agent, "alice");
    const host = new URL(plain.t.url).host;
    const kept = Buffer.from(present(agent.cookie(host, "access_sign_in"), "the checks"), "base64url").toString();
    const checks = Buffer.from(JSON.stringify({ ...JSON.parse(kept), ...change })).toString("base64url");
    agent.setCookie(host, "access_sign_in", checks);
    return { res: await agent.request(callback), session: agent.cookie(host, "access_session") };
  }

  it("refuses an ID token whose nonce is not the one it sent", async () => {
    const { res, session } = await callbackWithChecks({ nonce: "another-nonce" });
    expect(res.status).toBe(400);
    expect(session).toBeUndefined();
  });

  it("refuses a code redeemed without its PKCE verifier", async () => {
    const { res, session } = await callbackWithChecks({ verifier: "x".repeat(43) });
    expect(res.status).toBe(400);
    expect(session).toBeUndefined();
  });

  it("refuses a callback in a browser that did not start the sign-in (login CSRF)", async () => {
    const callback = await toCallback(plain, new SignInAgent(), "alice");
    const victim = new SignInAgent();
    const res = await victim.request(callback);
    expect(res.status).toBe(400);
    expect(res.body).toContain("Sign-in expired");
    expect(victim.cookie(new URL(plain.t.url).host, "access_session")).toBeUndefined();
  });

  it("tells a person nobody knows here that they cannot sign in, and starts no session", async () => {
    const before = await plain.t.server.db.read.session.count();
    const { res, secret } = await signIn(plain, "stranger");
    expect(res.status).toBe(403);
    expect(res.body).toContain("nobody with your email address is known here");
    // Trying again would sign the same person in: the way out asks the provider for another account.
    expect(res.body).toContain('<a href="/auth/login?prompt=login">Sign in with another account</a>');
    const another = await new SignInAgent({}).request(`${plain.t.url}/auth/login?prompt=login`);
    expect(new URL(present(another.location, "the provider's URL")).searchParams.get("prompt")).toBe("login");
    const anything = await new SignInAgent({}).request(`${plain.t.url}/auth/login?prompt=none`);
    expect(new URL(present(anything.location, "the provider's URL")).searchParams.get("prompt")).toBeNull();
    expect(secret).toBeUndefined();
    expect(await plain.t.server.db.read.session.count()).toBe(before);
    expect(await plain.t.server.db.read.identity.count({ where: { email: "stranger@example.com" } })).toBe(0);
  });

  it("refuses an email the provider does not vouch for, or none", async () => {
    for (const login of ["unverified", "no-email"]) {
      const { res, secret } = await signIn(plain, login);
      expect(res.status, login).toBe(403);
      expect(secret, login).toBeUndefined();
    }
  });

  it("refuses a deactivated person", async () => {
    const { identity } = (
      await dataOf(
        plain.t.gql(plain.t.org.tokens.admin, UpdateIdentity, {
          input: { identityId: gid("Identity", plain.t.org.ids.carol), active: false },
        }),
      )
    ).updateIdentity;
    expect(identity?.active).toBe(false);
    const { res, secret } = await signIn(plain, "carol");
    expect(res.status).toBe(403);
    expect(res.body).toContain("deactivated");
    expect(secret).toBeUndefined();
  });

  it("creates the identity on first sign-in when OIDC_CREATE_IDENTITIES is on", async () => {
    const { res, agent } = await signIn(secure, "stranger");
    expect(res.status).toBe(303);
    const { viewer } = await dataOf(asBrowser(secure, agent, Viewer));
    expect(viewer).toMatchObject({
      email: "stranger@example.com",
      role: "END_USER",
      displayName: "stranger from the IdP",
    });
  });

  it("over https: a Secure, __Host- cookie", async () => {
    const { res } = await signIn(secure, "alice");
    const cookie = present(
      res.setCookies.find((c) => c.startsWith("__Host-access_session=")),
      "the session cookie",
    );
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Lax/);
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).not.toMatch(/Domain=/);
  });
});

describe("cookie-authenticated requests come from the product's own origin", () => {
  let agent: SignInAgent;
  beforeAll(async () => {
    agent = (await signIn(plain, "alice")).agent;
  });

  it("answers a POST from its own origin, or that the browser says is same-origin", async () => {
    expect((await asBrowser(plain, agent, Viewer)).status).toBe(200);
    expect((await asBrowser(plain, agent, Viewer, undefined, { "sec-fetch-site": "same-origin" })).status).toBe(200);
  });

  it("refuses a POST from another origin, or one that names none (403, nothing runs)", async () => {
    const crossSite: Record<string, string>[] = [
      { origin: "http://evil.example" },
      { origin: "null" },
      {},
      { origin: "http://evil.example", "sec-fetch-site": "cross-site" },
    ];
    for (const headers of crossSite) {
      const res = await asBrowser(plain, agent, RevokeSession, { input: { sessionId: gid("Session", "x") } }, headers);
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(res.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    }
  });

  it("answers queries over GET with a cookie, and never runs a mutation over GET", async () => {
    const cookie = agent.cookieHeader(plain.t.url);
    const query = await fetch(`${plain.t.url}/graphql?query=${encodeURIComponent("{ viewer { email } }")}`, {
      headers: { cookie, accept: "application/json" },
    });
    expect(query.status).toBe(200);
    const before = await plain.t.server.db.read.auditEvent.count();
    const mutation = await fetch(
      `${plain.t.url}/graphql?query=${encodeURIComponent(
        `mutation { revokeSession(input: { sessionId: "${gid("Session", "x")}" }) { errors { code } } }`,
      )}`,
      { headers: { cookie, accept: "application/json" } },
    );
    expect(mutation.status).toBe(405);
    expect(await plain.t.server.db.read.auditEvent.count()).toBe(before);
  });

  it("refuses a cross-site WebSocket (4403) and accepts one from its own origin", async () => {
    const evil = cookieSocket(plain, agent, "http://evil.example");
    expect((await evil.closing).code).toBe(4403);
    const own = cookieSocket(plain, agent, plain.publicUrl);
    await own.open;
    await own.client.dispose();
  });

  it("refuses a cross-site sign-out and keeps the session", async () => {
    const res = await fetch(`${plain.t.url}/auth/logout`, {
      method: "POST",
      headers: { cookie: agent.cookieHeader(plain.t.url), origin: "http://evil.example" },
    });
    expect(res.status).toBe(403);
    expect((await asBrowser(plain, agent, Viewer)).status).toBe(200);
  });

  it("keeps API tokens as they were: a bearer token needs no origin, and a bad one is not rescued by a cookie", async () => {
    const token = plain.t.org.tokens.alice;
    const res = await fetch(`${plain.t.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}`, origin: "http://evil.example" },
      body: JSON.stringify({ query: "{ viewer { email } }" }),
    });
    expect(res.status).toBe(200);
    const bad = await fetch(`${plain.t.url}/graphql`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: "Bearer art_not-a-token",
        cookie: agent.cookieHeader(plain.t.url),
        origin: plain.publicUrl,
      },
      body: JSON.stringify({ query: "{ viewer { email } }" }),
    });
    expect(bad.status).toBe(401);
    const anonymous = await fetch(`${plain.t.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: plain.publicUrl },
      body: JSON.stringify({ query: "{ viewer { email } }" }),
    });
    expect(anonymous.status).toBe(401);
  });
});

describe("sessions end", () => {
  it("at sign-out: the cookie is cleared, the session refused, the end audited", async () => {
    const { agent } = await signIn(plain, "alice");
    const cookie = agent.cookieHeader(plain.t.url);
    const res = await fetch(`${plain.t.url}/auth/logout`, {
      method: "POST",
      headers: { cookie, origin: plain.publicUrl },
    });
    expect(res.status).toBe(204);
    expect(res.headers.getSetCookie().some((c) => /^access_session=;.*Max-Age=0/.test(c))).toBe(true);
    const after = await fetch(`${plain.t.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie, origin: plain.publicUrl },
      body: JSON.stringify({ query: "{ viewer { email } }" }),
    });
    expect(after.status).toBe(401);
    const ended = await auditOf(plain, "SESSION_ENDED");
    expect(ended.at(-1)?.data).toMatchObject({ reason: "signed out" });
  });

  it("when idle longer than SESSION_IDLE_MINUTES, counted from the last use", async () => {
    const { agent } = await signIn(plain, "dave");
    const [row] = await sessionRows(plain, "dave.it@example.com");
    const signedInAt = present(row, "Dave's session").lastSeenAt.getTime();
    plain.advance(20 * 60_000);
    expect((await asBrowser(plain, agent, Viewer)).status).toBe(200);
    // That use moved the idle expiry on (written after the response).
    for (;;) {
      const [seen] = await sessionRows(plain, "dave.it@example.com");
      if ((seen?.lastSeenAt.getTime() ?? 0) > signedInAt) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    plain.advance(20 * 60_000); // 40 minutes after sign-in, 20 after the last use
    expect((await asBrowser(plain, agent, Viewer)).status).toBe(200);
    plain.advance(31 * 60_000);
    expect((await asBrowser(plain, agent, Viewer)).status).toBe(401);
  });

  it("SESSION_MAX_HOURS after sign-in, however much it is used", async () => {
    const { agent } = await signIn(plain, "bob");
    for (let minutes = 0; minutes < 120; minutes += 25) {
      expect((await asBrowser(plain, agent, Viewer)).status, `${minutes} minutes`).toBe(200);
      const before = (await sessionRows(plain, "bob.manager@example.com")).at(-1)?.lastSeenAt.getTime();
      plain.advance(25 * 60_000);
      expect((await asBrowser(plain, agent, Viewer)).status).toBe(minutes + 25 < 120 ? 200 : 401);
      if (minutes + 25 >= 120) return;
      for (;;) {
        const seen = (await sessionRows(plain, "bob.manager@example.com")).at(-1)?.lastSeenAt.getTime();
        if ((seen ?? 0) > (before ?? 0)) break;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  });

  it("when revoked: people list and revoke their own sessions, not others'; admins any", async () => {
    const first = await signIn(plain, "alice", new SignInAgent({ "user-agent": "Laptop" }));
    const second = await signIn(plain, "alice", new SignInAgent({ "user-agent": "Phone" }));
    const alice = gid("Identity", plain.t.org.ids.alice);
    const listed = await dataOf(asBrowser(plain, first.agent, Sessions, { id: alice }));
    const sessions = listed.node?.__typename === "Identity" ? (listed.node.sessions ?? []) : [];
    const mine = present(
      sessions.find((s) => s.current),
      "the current session",
    );
    expect(mine.userAgent).toBe("Laptop");
    const phone = present(
      sessions.find((s) => s.userAgent === "Phone"),
      "the other session",
    );
    expect(phone.current).toBe(false);

    // Bob may not see or end Alice's sessions.
    const bob = await signIn(plain, "bob");
    const refused = await dataOf(asBrowser(plain, bob.agent, RevokeSession, { input: { sessionId: phone.id } }));
    expect(codes(refused.revokeSession.errors)).toEqual(["NOT_FOUND"]);
    const peek = await asBrowser(plain, bob.agent, Sessions, { id: alice });
    expect(peek.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");

    const revoked = await dataOf(
      asBrowser(plain, first.agent, RevokeSession, { input: { sessionId: phone.id, reason: "lost it" } }),
    );
    accepted(revoked.revokeSession, "revokeSession");
    expect((await asBrowser(plain, second.agent, Viewer)).status).toBe(401);
    expect((await asBrowser(plain, first.agent, Viewer)).status).toBe(200);
    const again = await dataOf(asBrowser(plain, first.agent, RevokeSession, { input: { sessionId: phone.id } }));
    expect(codes(again.revokeSession.errors)).toEqual(["INVALID_STATE"]);

    const byAdmin = await dataOf(
      plain.t.gql(plain.t.org.tokens.admin, RevokeSession, { input: { sessionId: mine.id } }),
    );
    accepted(byAdmin.revokeSession, "revokeSession by an admin");
    expect((await asBrowser(plain, first.agent, Viewer)).status).toBe(401);
    const ended = await auditOf(plain, "SESSION_ENDED");
    expect(ended.at(-1)).toMatchObject({
      actor: { id: gid("Identity", plain.t.org.ids.admin) },
      data: { reason: "revoked" },
    });
    expect(ended.at(-2)).toMatchObject({ comment: "lost it" });
  });

  it("when the identity is deactivated, live connections too", async () => {
    const { agent } = await signIn(plain, "dave");
    const socket = cookieSocket(plain, agent, plain.publicUrl);
    await socket.open;
    socket.client.subscribe(
      { query: documentText(TicketStatusSignal) },
      { next: () => undefined, error: () => undefined, complete: () => undefined },
    );
    accepted(
      (
        await dataOf(
          plain.t.gql(plain.t.org.tokens.admin, UpdateIdentity, {
            input: { identityId: gid("Identity", plain.t.org.ids.dave), active: false },
          }),
        )
      ).updateIdentity,
      "deactivating Dave",
    );
    const closed = await socket.closing;
    expect(closed.code).toBe(4403);
    expect(closed.reason).toBe("The identity was deactivated.");
    expect((await asBrowser(plain, agent, Viewer)).status).toBe(401);
    const rows = await sessionRows(plain, "dave.it@example.com");
    expect(rows.every((r) => r.endedAt !== null)).toBe(true);
    const ended = await auditOf(plain, "SESSION_ENDED");
    expect(ended.at(-1)?.data).toMatchObject({ reason: "identity deactivated" });
    // Reactivated, the old sessions stay ended: the person signs in again.
    await dataOf(
      plain.t.gql(plain.t.org.tokens.admin, UpdateIdentity, {
        input: { identityId: gid("Identity", plain.t.org.ids.dave), active: true },
      }),
    );
    expect((await asBrowser(plain, agent, Viewer)).status).toBe(401);
  });

  it("when the identity's role changes, live connections too", async () => {
    const erin = await signIn(plain, "erin");
    const bob = await signIn(plain, "bob");
    const socket = cookieSocket(plain, bob.agent, plain.publicUrl);
    await socket.open;
    const promote = await dataOf(
      asBrowser(plain, erin.agent, UpdateIdentity, {
        input: { identityId: gid("Identity", plain.t.org.ids.bob), role: "ADMIN" },
      }),
    );
    accepted(promote.updateIdentity, "promoting Bob");
    expect((await socket.closing).code).toBe(4403);
    expect((await asBrowser(plain, bob.agent, Viewer)).status).toBe(401);
    // Bob's API token still works, with his new role.
    const { viewer } = await dataOf(plain.t.gql(plain.t.org.tokens.bob, Viewer));
    expect(viewer.role).toBe("ADMIN");
    expect((await signIn(plain, "bob")).res.status).toBe(303);
  });
});

describe("a provider that does not answer", () => {
  it("does not keep the product from starting, and tells people sign-in is unavailable", async () => {
    const away = { ...peer, issuer: `http://127.0.0.1:${await freePort()}` };
    const server = await startSignInServer(away, await freePort(), null);
    try {
      const res = await new SignInAgent().request(`${server.t.url}/auth/login`);
      expect(res.status).toBe(502);
      expect(res.body).toContain("cannot be reached");
      const { viewer } = await dataOf(server.t.gql(server.t.org.tokens.alice, Viewer));
      expect(viewer.email).toBe("alice@example.com");
    } finally {
      await server.t.close();
    }
  });
});

describe("configuration", () => {
  const base = {
    OIDC_ISSUER: "https://login.example.com",
    OIDC_CLIENT_ID: "x",
    OIDC_CLIENT_SECRET: "s",
    PUBLIC_URL: "https://a.example.com",
  };
  const refusal = (env: Record<string, string>) => {
    try {
      loadConfig(env);
    } catch (error) {
      return error instanceof ConfigError ? error.variable : String(error);
    }
    return null;
  };

  it("leaves sign-in to API tokens without OIDC_ISSUER", () => {
    expect(loadConfig({}).oidc).toBeUndefined();
    expect(refusal({ OIDC_CLIENT_ID: "x" })).toBe("OIDC_CLIENT_ID");
  });

  it("needs the client, its secret and PUBLIC_URL with OIDC_ISSUER", () => {
    expect(loadConfig(base).oidc?.redirectUri).toBe("https://a.example.com/auth/callback");
    for (const name of ["OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "PUBLIC_URL"] as const) {
      const { [name]: _left, ...rest } = base;
      expect(refusal(rest), name).toBe(name);
    }
  });

  it("takes plain http only for a loopback issuer", () => {
    expect(refusal({ ...base, OIDC_ISSUER: "http://login.example.com" })).toBe("OIDC_ISSUER");
    for (const issuer of ["http://127.0.0.1:8080", "http://localhost:8080", "http://[::1]:8080"]) {
      expect(refusal({ ...base, OIDC_ISSUER: issuer }), issuer).toBeNull();
    }
  });

  it("resolves a secret reference, and names one that is not set", () => {
    const env = { ...base, OIDC_CLIENT_SECRET: "env:ACCESS_SECRET_IDP", ACCESS_SECRET_IDP: "from-the-env" };
    expect(loadConfig(env).oidc?.clientSecret).toBe("from-the-env");
    expect(refusal({ ...base, OIDC_CLIENT_SECRET: "env:ACCESS_SECRET_MISSING" })).toBe("OIDC_CLIENT_SECRET");
  });

  it("refuses a PUBLIC_URL with a path, and bad session lifetimes", () => {
    expect(refusal({ PUBLIC_URL: "https://a.example.com/access" })).toBe("PUBLIC_URL");
    expect(refusal({ SESSION_IDLE_MINUTES: "0" })).toBe("SESSION_IDLE_MINUTES");
    expect(refusal({ SESSION_MAX_HOURS: "forever" })).toBe("SESSION_MAX_HOURS");
  });
});
