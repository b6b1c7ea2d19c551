// Abuse limits and credentials: rate limits per token and per address (RATE_LIMITED with
// Retry-After), WebSocket connection and subscription limits per token, token expiry and
// revocation, last-used times, live connections that end when their credentials do, and the
// security headers and CORS policy of every response.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { collect, gid, startTestServer, type TestServer } from "./harness.ts";

/** A raw graphql-ws connection: resolves with the close code, or "open" once acknowledged. */
function connect(url: string, token: string) {
  const socket = new WebSocket(`${url.replace("http", "ws")}/graphql`, "graphql-transport-ws");
  const messages: { type: string; id?: string; payload?: unknown }[] = [];
  const closedWith = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on("close", (code, reason) => resolve({ code, reason: String(reason) })),
  );
  const closed = closedWith.then(({ code }) => code);
  const acked = new Promise<"open" | number>((resolve) => {
    socket.on("open", () =>
      socket.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${token}` } })),
    );
    socket.on("message", (data) => {
      const message = JSON.parse(String(data)) as { type: string; id?: string; payload?: unknown };
      messages.push(message);
      if (message.type === "connection_ack") resolve("open");
    });
    void closed.then(resolve);
  });
  const subscribe = (id: string, query: string) =>
    socket.send(JSON.stringify({ id, type: "subscribe", payload: { query } }));
  return { socket, messages, closed, closedWith, acked, subscribe };
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

const post = (url: string, token: string | null, query: string) =>
  fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query }),
  });

describe("rate limits", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ env: { RATE_LIMIT_PER_TOKEN: "5", RATE_LIMIT_PER_IP: "12" } });
  });
  afterAll(() => t.close());

  it("refuses a token over its limit with 429 RATE_LIMITED and Retry-After; other tokens and health go on", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) statuses.push((await post(t.url, t.org.tokens.alice, "{ viewer { id } }")).status);
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    const refused = await post(t.url, t.org.tokens.alice, "{ viewer { id } }");
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    const body = (await refused.json()) as { errors: { extensions: { code: string; retryAfterSeconds: number } }[] };
    expect(body.errors[0]?.extensions.code).toBe("RATE_LIMITED");
    expect(body.errors[0]?.extensions.retryAfterSeconds).toBe(Number(refused.headers.get("retry-after")));
    expect((await post(t.url, t.org.tokens.bob, "{ viewer { id } }")).status).toBe(200);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${t.url}/readyz`)).status).toBe(200);
  });

  it("counts every request from one address, authenticated or not, and refuses WebSocket upgrades over it", async () => {
    let status = 0;
    for (let i = 0; i < 20 && status !== 429; i += 1) status = (await post(t.url, null, "{ viewer { id } }")).status;
    expect(status).toBe(429);
    const upgrade = await new Promise<number>((resolve) => {
      const socket = new WebSocket(`${t.url.replace("http", "ws")}/graphql`, "graphql-transport-ws");
      socket.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
      socket.on("open", () => resolve(101));
      socket.on("error", () => undefined);
    });
    expect(upgrade).toBe(429);
  });
});

describe("WebSocket limits per token", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ env: { WS_MAX_CONNECTIONS_PER_TOKEN: "2", MAX_SUBSCRIPTIONS_PER_TOKEN: "2" } });
  });
  afterAll(() => t.close());

  it("closes a connection beyond the limit with 1013 (try again later) and accepts one again after another closed", async () => {
    const first = connect(t.url, t.org.tokens.carol);
    const second = connect(t.url, t.org.tokens.carol);
    expect(await first.acked).toBe("open");
    expect(await second.acked).toBe("open");
    const third = connect(t.url, t.org.tokens.carol);
    expect(await third.closedWith).toEqual({
      code: 1013,
      reason: "Too many live connections for this token (at most 2)",
    });
    expect(await connect(t.url, t.org.tokens.dave).acked).toBe("open");
    first.socket.close();
    await first.closed;
    const again = connect(t.url, t.org.tokens.carol);
    await until(
      async () => (await Promise.race([again.acked, new Promise((r) => setTimeout(() => r("wait"), 50))])) === "open",
    );
    for (const c of [second, again]) c.socket.close();
  });

  it("lets a graphql-ws client past the limit retry and subscribe once another connection of its token closes", async () => {
    const first = connect(t.url, t.org.tokens.alice);
    const second = connect(t.url, t.org.tokens.alice);
    expect(await first.acked).toBe("open");
    expect(await second.acked).toBe("open");
    const closeCodes: number[] = [];
    let connected = false;
    const client = createClient({
      url: `${t.url.replace("http", "ws")}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${t.org.tokens.alice}` },
      retryAttempts: 100,
      retryWait: () => new Promise((resolve) => setTimeout(resolve, 50)),
      on: {
        closed: (event) => closeCodes.push((event as { code: number }).code),
        connected: () => (connected = true),
      },
    });
    // Resuming from the current head, the subscription gets the request below even if it
    // registers only after the request committed.
    const head = await t.server.db.read.auditHead.findUniqueOrThrow({ where: { id: 1 } });
    const changes = collect<{ requestStatusChanged: { status: string } }>(
      client,
      "subscription($after: Int) { requestStatusChanged(afterSequence: $after) { status } }",
      { after: head.sequence },
      1,
      15_000,
    );
    await until(() => closeCodes.includes(1013));
    expect(connected).toBe(false);
    first.socket.close();
    await first.closed;
    await until(() => connected, 10_000);
    const created = await t.gql(
      t.org.tokens.alice,
      `mutation($input: CreateRequestInput!) { createRequest(input: $input) { errors { code } } }`,
      { input: { resourceIds: [gid("Resource", t.org.resources.writeAccess)], justification: "after a retry" } },
    );
    expect(created.data?.createRequest.errors).toEqual([]);
    expect(await changes.done).toEqual([{ requestStatusChanged: { status: "PENDING_APPROVAL" } }]);
    expect(changes.errors).toEqual([]);
    await client.dispose();
    second.socket.close();
  });

  it("refuses a subscription beyond the limit with RATE_LIMITED, and frees the slot when one completes", async () => {
    const c = connect(t.url, t.org.tokens.bob);
    expect(await c.acked).toBe("open");
    c.subscribe("1", "subscription { ticketStatusChanged { sequence } }");
    c.subscribe("2", "subscription { requestStatusChanged { sequence } }");
    await until(() => t.server.feed.subscriberCount >= 2);
    c.subscribe("3", "subscription { ticketStatusChanged { sequence } }");
    await until(() => c.messages.some((m) => m.id === "3"));
    const refused = c.messages.find((m) => m.id === "3");
    expect(JSON.stringify(refused?.payload)).toContain("RATE_LIMITED");
    await until(() => c.messages.some((m) => m.id === "3" && (m.type === "complete" || m.type === "error")));
    c.socket.send(JSON.stringify({ id: "1", type: "complete" }));
    await until(() => t.server.feed.subscriberCount === 1);
    c.subscribe("4", "subscription { ticketStatusChanged { sequence } }");
    await until(() => t.server.feed.subscriberCount === 2);
    expect(c.messages.some((m) => m.id === "4" && m.type === "error")).toBe(false);
    c.socket.close();
  });
});

describe("API tokens", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  const issue = async (identity: string, expiresAt?: string) =>
    (
      await t.gql(
        t.org.tokens.admin,
        `mutation($i: IssueApiTokenInput!) { issueApiToken(input: $i) { token apiToken { id name expiresAt usable } errors { code field } } }`,
        { i: { identityId: gid("Identity", identity), name: "test", ...(expiresAt ? { expiresAt } : {}) } },
      )
    ).data?.issueApiToken;

  it("refuses expiries in the past or more than two years ahead, and stops a token at its expiry", async () => {
    expect((await issue(t.org.ids.alice, new Date(Date.now() - 1000).toISOString())).errors[0]).toEqual({
      code: "VALIDATION",
      field: ["input", "expiresAt"],
    });
    expect(
      (await issue(t.org.ids.alice, new Date(Date.now() + 3 * 366 * 86_400_000).toISOString())).errors[0]?.code,
    ).toBe("VALIDATION");
    const soon = await issue(t.org.ids.alice, new Date(Date.now() + 1500).toISOString());
    expect(soon.apiToken.usable).toBe(true);
    expect((await t.gql(soon.token, "{ viewer { id } }")).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1600));
    const expired = await t.gql(soon.token, "{ viewer { id } }");
    expect(expired.status).toBe(401);
    expect(expired.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("lets the owner and admins revoke a token (audited), hides it from others, and refuses it at once", async () => {
    const issued = await issue(t.org.ids.dave);
    const revoke = (token: string, tokenId: string) =>
      t.gql(
        token,
        `mutation($id: ID!) { revokeApiToken(input: { tokenId: $id, reason: "left on a laptop" }) { apiToken { revokedAt usable } errors { code } } }`,
        { id: tokenId },
      );
    expect((await revoke(t.org.tokens.carol, issued.apiToken.id)).data?.revokeApiToken.errors[0]?.code).toBe(
      "NOT_FOUND",
    );
    expect((await t.gql(issued.token, "{ viewer { id } }")).status).toBe(200);
    const done = (await revoke(issued.token, issued.apiToken.id)).data?.revokeApiToken;
    expect(done.errors).toEqual([]);
    expect(done.apiToken.usable).toBe(false);
    expect((await t.gql(issued.token, "{ viewer { id } }")).status).toBe(401);
    expect((await revoke(t.org.tokens.admin, issued.apiToken.id)).data?.revokeApiToken.errors[0]?.code).toBe(
      "INVALID_STATE",
    );
    const events = await t.gql(
      t.org.tokens.admin,
      `{ auditEvents(filter: { action: [TOKEN_REVOKED] }) { edges { node { actor { id } comment data } } } }`,
    );
    const event = events.data?.auditEvents.edges.at(-1)?.node;
    expect(event.actor.id).toBe(gid("Identity", t.org.ids.dave));
    expect(event.comment).toBe("left on a laptop");
    expect(event.data.tokenId).toBe(issued.apiToken.id);
    expect(JSON.stringify(events)).not.toContain(issued.token);
  });

  it("lists tokens (never the secret) to the identity itself and admins, with the last use, and to nobody else", async () => {
    await t.gql(t.org.tokens.bob, "{ viewer { id } }");
    await until(async () => {
      const own = await t.gql(t.org.tokens.bob, "{ viewer { apiTokens { name lastUsedAt usable } } }");
      return own.data?.viewer.apiTokens.some((token: { lastUsedAt: string | null }) => token.lastUsedAt !== null);
    });
    const asAdmin = await t.gql(
      t.org.tokens.admin,
      `query($id: ID!) { node(id: $id) { ... on Identity { apiTokens { id name } } } }`,
      { id: gid("Identity", t.org.ids.bob) },
    );
    expect(asAdmin.data?.node.apiTokens.length).toBeGreaterThan(0);
    expect(JSON.stringify(asAdmin)).not.toContain(t.org.tokens.bob);
    const asOther = await t.gql(t.org.tokens.alice, `{ viewer { manager { displayName apiTokens { id } } } }`);
    expect(asOther.data?.viewer.manager.apiTokens).toBeNull();
    expect(asOther.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });
});

describe("live connections follow their credentials", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ env: { LIVE_RECHECK_MS: "60000" } });
  });
  afterAll(() => t.close());

  const token = async (identity: string) =>
    (
      await t.gql(
        t.org.tokens.admin,
        `mutation($id: ID!) { issueApiToken(input: { identityId: $id, name: "live" }) { token apiToken { id } } }`,
        {
          id: gid("Identity", identity),
        },
      )
    ).data?.issueApiToken;

  it("closes a WebSocket with 4403 as soon as its token is revoked", async () => {
    const issued = await token(t.org.ids.carol);
    const c = connect(t.url, issued.token);
    expect(await c.acked).toBe("open");
    c.subscribe("1", "subscription { requestStatusChanged { sequence } }");
    await until(() => t.server.feed.subscriberCount === 1);
    await t.gql(
      t.org.tokens.admin,
      `mutation($id: ID!) { revokeApiToken(input: { tokenId: $id }) { errors { code } } }`,
      { id: issued.apiToken.id },
    );
    expect(await c.closed).toBe(4403);
    await until(() => t.server.feed.subscriberCount === 0);
  });

  it("runs no operation on a WebSocket once its token is revoked, even before the socket is closed", async () => {
    const issued = await token(t.org.ids.carol);
    const c = connect(t.url, issued.token);
    expect(await c.acked).toBe("open");
    await t.gql(
      t.org.tokens.admin,
      `mutation($id: ID!) { revokeApiToken(input: { tokenId: $id }) { errors { code } } }`,
      { id: issued.apiToken.id },
    );
    const justification = `after revocation ${Date.now()}`;
    const resource = (
      await t.gql(
        t.org.tokens.admin,
        `mutation($i: CreateResourceInput!) { createResource(input: $i) { resource { id } } }`,
        {
          i: { systemId: gid("System", t.org.githubSystemId), name: `Revoked ${Date.now()}`, sensitivity: "STANDARD" },
        },
      )
    ).data?.createResource.resource.id;
    if (c.socket.readyState === WebSocket.OPEN) {
      c.socket.send(
        JSON.stringify({
          id: "m",
          type: "subscribe",
          payload: {
            query: `mutation($i: CreateRequestInput!) { createRequest(input: $i) { request { id } errors { code } } }`,
            variables: { i: { resourceIds: [resource], justification } },
          },
        }),
      );
    }
    expect(await c.closed).toBe(4403);
    const answer = c.messages.find((m) => m.id === "m");
    if (answer) expect(JSON.stringify(answer.payload)).toContain("UNAUTHENTICATED");
    expect(await t.server.db.read.request.count({ where: { justification } })).toBe(0);
  });

  it("ends an SSE subscription when its identity is deactivated", async () => {
    const created = await t.gql(
      t.org.tokens.admin,
      `mutation { createIdentity(input: { email: "temp@example.com", displayName: "Temp" }) { identity { id } errors { code } } }`,
    );
    const identityId = created.data?.createIdentity.identity.id as string;
    const issued = (
      await t.gql(
        t.org.tokens.admin,
        `mutation($id: ID!) { issueApiToken(input: { identityId: $id, name: "sse" }) { token } }`,
        { id: identityId },
      )
    ).data?.issueApiToken;
    const res = await fetch(`${t.url}/graphql`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "text/event-stream",
        authorization: `Bearer ${issued.token}`,
      },
      body: JSON.stringify({ query: "subscription { requestStatusChanged { sequence } }" }),
    });
    expect(res.status).toBe(200);
    const reading = res.text();
    await until(() => t.server.feed.subscriberCount === 1);
    await t.gql(
      t.org.tokens.admin,
      `mutation($id: ID!) { updateIdentity(input: { identityId: $id, active: false }) { errors { code } } }`,
      { id: identityId },
    );
    await expect(reading).resolves.toContain("complete");
    expect(t.server.feed.subscriberCount).toBe(0);
  });

  it("closes an admin's WebSocket when the admin is demoted (admin-only feeds must not outlive the role)", async () => {
    const created = await t.gql(
      t.org.tokens.admin,
      `mutation { createIdentity(input: { email: "second-admin@example.com", displayName: "Second admin", role: ADMIN }) { identity { id } } }`,
    );
    const identityId = created.data?.createIdentity.identity.id as string;
    const issued = (
      await t.gql(
        t.org.tokens.admin,
        `mutation($id: ID!) { issueApiToken(input: { identityId: $id, name: "ws" }) { token } }`,
        { id: identityId },
      )
    ).data?.issueApiToken;
    const c = connect(t.url, issued.token);
    expect(await c.acked).toBe("open");
    c.subscribe("1", "subscription { systemHealthChanged { sequence } }");
    await until(() => t.server.feed.subscriberCount === 1);
    await t.gql(
      t.org.tokens.admin,
      `mutation($id: ID!) { updateIdentity(input: { identityId: $id, role: END_USER }) { errors { code } } }`,
      { id: identityId },
    );
    expect(await c.closed).toBe(4403);
  });
});

describe("security headers and CORS", () => {
  let t: TestServer;
  let open: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
    open = await startTestServer({ env: { CORS_ORIGINS: "https://dashboard.example.com" } });
  });
  afterAll(async () => {
    await t.close();
    await open.close();
  });

  it("sends the common headers and a deny-all policy with API answers", async () => {
    const res = await post(t.url, t.org.tokens.alice, "{ viewer { id } }");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    const health = await fetch(`${t.url}/healthz`);
    expect(health.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
  });

  // The dashboard's own policy is checked in Chromium (test:browser), where it must cause no violation.
  it("serves GraphiQL with a fresh nonce on every inline script and no other script source", async () => {
    const nonces: string[] = [];
    for (let i = 0; i < 2; i += 1) {
      const res = await fetch(`${t.url}/graphql`, { headers: { accept: "text/html" } });
      const policy = res.headers.get("content-security-policy") ?? "";
      const nonce = /'nonce-([^']+)'/.exec(policy)?.[1] ?? "";
      expect(policy).toMatch(/script-src 'nonce-[^']+'(;|$)/);
      expect(nonce.length).toBeGreaterThan(10);
      const html = await res.text();
      // Each script element is the first "<script" after the previous element's end (its text
      // may contain that string too).
      const scripts = html
        .split("</script>")
        .slice(0, -1)
        .map((part) => /<script\b[^>]*>/.exec(part)?.[0] ?? "");
      expect(scripts.length).toBeGreaterThan(0);
      for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
      nonces.push(nonce);
    }
    expect(nonces[0]).not.toBe(nonces[1]);
  });

  it("allows no cross-origin browser calls by default", async () => {
    const preflight = await fetch(`${t.url}/graphql`, {
      method: "OPTIONS",
      headers: {
        origin: "https://evil.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type",
      },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    const call = await fetch(`${t.url}/graphql`, {
      method: "POST",
      headers: {
        origin: "https://evil.example",
        "content-type": "application/json",
        authorization: `Bearer ${t.org.tokens.alice}`,
      },
      body: JSON.stringify({ query: "{ viewer { id } }" }),
    });
    expect(call.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("allows exactly the configured origins when CORS_ORIGINS is set", async () => {
    const ask = (origin: string) =>
      fetch(`${open.url}/graphql`, {
        method: "OPTIONS",
        headers: {
          origin,
          "access-control-request-method": "POST",
          "access-control-request-headers": "authorization, content-type",
        },
      });
    const allowed = await ask("https://dashboard.example.com");
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://dashboard.example.com");
    expect(allowed.headers.get("access-control-allow-credentials")).not.toBe("true");
    const other = await ask("https://evil.example");
    expect(other.headers.get("access-control-allow-origin")).not.toBe("https://evil.example");
  });
});
