// Abuse limits and credentials: rate limits per token and per address (RATE_LIMITED with
// Retry-After), WebSocket connection and subscription limits per token, token expiry and
// revocation, last-used times, live connections that end when their credentials do, and the
// security headers and CORS policy of every response.
import {
  ApiTokens,
  AuditEvents,
  CreateIdentity,
  CreateRequest,
  CreateResource,
  IssueApiToken,
  RequestStatusSignal,
  RevokeApiToken,
  SystemHealthSignal,
  TicketStatusSignal,
  UpdateIdentity,
  type VariablesOf,
  Viewer,
} from "@access/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import {
  codes,
  collect,
  codesAndFields,
  dataOf,
  documentText,
  gid,
  jsonObject,
  present,
  startTestServer,
  type TestServer,
} from "./harness.ts";

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
  const subscribe = (id: string, document: Parameters<typeof documentText>[0]) =>
    socket.send(JSON.stringify({ id, type: "subscribe", payload: { query: documentText(document) } }));
  return { socket, messages, closed, closedWith, acked, subscribe };
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The viewer query as a plain POST, for what the HTTP answer says (status, headers). */
const postViewer = (url: string, token: string | null) =>
  fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query: documentText(Viewer) }),
  });

describe("rate limits", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ env: { RATE_LIMIT_PER_TOKEN: "5", RATE_LIMIT_PER_IP: "12" } });
  });
  afterAll(() => t.close());

  it("refuses a token over its limit with 429 RATE_LIMITED and Retry-After; other tokens and health go on", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) statuses.push((await postViewer(t.url, t.org.tokens.alice)).status);
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    const refused = await postViewer(t.url, t.org.tokens.alice);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    const body = (await refused.json()) as { errors: { extensions: { code: string; retryAfterSeconds: number } }[] };
    expect(body.errors[0]?.extensions.code).toBe("RATE_LIMITED");
    expect(body.errors[0]?.extensions.retryAfterSeconds).toBe(Number(refused.headers.get("retry-after")));
    expect((await postViewer(t.url, t.org.tokens.bob)).status).toBe(200);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${t.url}/readyz`)).status).toBe(200);
  });

  it("counts every request from one address, authenticated or not, and refuses WebSocket upgrades over it", async () => {
    let status = 0;
    for (let i = 0; i < 20 && status !== 429; i += 1) status = (await postViewer(t.url, null)).status;
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
    const changes = collect(client, RequestStatusSignal, { afterSequence: head.sequence }, 1, 15_000);
    await until(() => closeCodes.includes(1013));
    expect(connected).toBe(false);
    first.socket.close();
    await first.closed;
    await until(() => connected, 10_000);
    const created = await dataOf(
      t.gql(t.org.tokens.alice, CreateRequest, {
        input: { resourceIds: [gid("Resource", t.org.resources.writeAccess)], justification: "after a retry" },
      }),
    );
    expect(created.createRequest.errors).toEqual([]);
    expect((await changes.done).map((change) => change.requestStatusChanged.status)).toEqual(["PENDING_APPROVAL"]);
    expect(changes.errors).toEqual([]);
    await client.dispose();
    second.socket.close();
  });

  it("refuses a subscription beyond the limit with RATE_LIMITED, and frees the slot when one completes", async () => {
    const c = connect(t.url, t.org.tokens.bob);
    expect(await c.acked).toBe("open");
    c.subscribe("1", TicketStatusSignal);
    c.subscribe("2", RequestStatusSignal);
    await until(() => t.server.feed.subscriberCount >= 2);
    c.subscribe("3", TicketStatusSignal);
    await until(() => c.messages.some((m) => m.id === "3"));
    const refused = c.messages.find((m) => m.id === "3");
    expect(JSON.stringify(refused?.payload)).toContain("RATE_LIMITED");
    await until(() => c.messages.some((m) => m.id === "3" && (m.type === "complete" || m.type === "error")));
    c.socket.send(JSON.stringify({ id: "1", type: "complete" }));
    await until(() => t.server.feed.subscriberCount === 1);
    c.subscribe("4", TicketStatusSignal);
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
      await dataOf(
        t.gql(t.org.tokens.admin, IssueApiToken, {
          input: { identityId: gid("Identity", identity), name: "test", ...(expiresAt ? { expiresAt } : {}) },
        }),
      )
    ).issueApiToken;
  /** A token that was issued: its secret and its id. */
  const issued = async (identity: string, expiresAt?: string) => {
    const payload = await issue(identity, expiresAt);
    expect(payload.errors).toEqual([]);
    return {
      token: present(payload.token, "the token"),
      apiToken: present(payload.apiToken, "the token's metadata"),
    };
  };

  it("refuses expiries in the past or more than two years ahead, and stops a token at its expiry", async () => {
    expect(codesAndFields((await issue(t.org.ids.alice, new Date(Date.now() - 1000).toISOString())).errors)).toEqual([
      { code: "VALIDATION", field: ["input", "expiresAt"] },
    ]);
    expect(
      codes((await issue(t.org.ids.alice, new Date(Date.now() + 3 * 366 * 86_400_000).toISOString())).errors),
    ).toEqual(["VALIDATION"]);
    const soon = await issued(t.org.ids.alice, new Date(Date.now() + 1500).toISOString());
    expect(soon.apiToken.usable).toBe(true);
    expect((await t.gql(soon.token, Viewer)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1600));
    const expired = await t.gql(soon.token, Viewer);
    expect(expired.status).toBe(401);
    expect(expired.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("lets the owner and admins revoke a token (audited), hides it from others, and refuses it at once", async () => {
    const daves = await issued(t.org.ids.dave);
    const revoke = async (token: string) =>
      (
        await dataOf(
          t.gql(token, RevokeApiToken, { input: { tokenId: daves.apiToken.id, reason: "left on a laptop" } }),
        )
      ).revokeApiToken;
    expect(codes((await revoke(t.org.tokens.carol)).errors)).toEqual(["NOT_FOUND"]);
    expect((await t.gql(daves.token, Viewer)).status).toBe(200);
    const done = await revoke(daves.token);
    expect(done.errors).toEqual([]);
    expect(done.apiToken?.usable).toBe(false);
    expect((await t.gql(daves.token, Viewer)).status).toBe(401);
    expect(codes((await revoke(t.org.tokens.admin)).errors)).toEqual(["INVALID_STATE"]);
    const events = await dataOf(t.gql(t.org.tokens.admin, AuditEvents, { filter: { action: ["TOKEN_REVOKED"] } }));
    const event = present(events.auditEvents.edges.at(-1), "the TOKEN_REVOKED event").node;
    expect(event.actor?.id).toBe(gid("Identity", t.org.ids.dave));
    expect(event.comment).toBe("left on a laptop");
    expect(jsonObject(event.data, "the event's data").tokenId).toBe(daves.apiToken.id);
    expect(JSON.stringify(events)).not.toContain(daves.token);
  });

  it("lists tokens (never the secret) to the identity itself and admins, with the last use, and to nobody else", async () => {
    const bob = gid("Identity", t.org.ids.bob);
    /** Bob's tokens as `token` reads them: the answer, and the list (null when refused). */
    const tokensOfBob = async (token: string) => {
      const answer = await t.gql(token, ApiTokens, { id: bob });
      const node = answer.data?.node;
      return { answer, tokens: node?.__typename === "Identity" ? node.apiTokens : undefined };
    };
    await t.gql(t.org.tokens.bob, Viewer);
    await until(async () => {
      const { tokens } = await tokensOfBob(t.org.tokens.bob);
      return tokens?.some((token) => token.lastUsedAt !== null) ?? false;
    });
    const asAdmin = await tokensOfBob(t.org.tokens.admin);
    expect(asAdmin.tokens?.length).toBeGreaterThan(0);
    expect(JSON.stringify(asAdmin.answer)).not.toContain(t.org.tokens.bob);
    const asOther = await tokensOfBob(t.org.tokens.alice);
    expect(asOther.tokens).toBeNull();
    expect(asOther.answer.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });
});

describe("live connections follow their credentials", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ env: { LIVE_RECHECK_MS: "60000" } });
  });
  afterAll(() => t.close());

  /** A fresh token of the identity (a global id): its secret and its id. */
  const token = async (identityId: string) => {
    const { issueApiToken } = await dataOf(
      t.gql(t.org.tokens.admin, IssueApiToken, { input: { identityId, name: "live" } }),
    );
    return { token: present(issueApiToken.token, "the token"), id: present(issueApiToken.apiToken, "its metadata").id };
  };
  const revoke = (tokenId: string) => dataOf(t.gql(t.org.tokens.admin, RevokeApiToken, { input: { tokenId } }));
  const updateIdentity = (input: VariablesOf<typeof UpdateIdentity>["input"]) =>
    dataOf(t.gql(t.org.tokens.admin, UpdateIdentity, { input }));
  const createIdentity = async (input: VariablesOf<typeof CreateIdentity>["input"]) =>
    present(
      (await dataOf(t.gql(t.org.tokens.admin, CreateIdentity, { input }))).createIdentity.identity,
      "the identity",
    ).id;

  it("closes a WebSocket with 4403 as soon as its token is revoked, saying so", async () => {
    const issued = await token(gid("Identity", t.org.ids.carol));
    const c = connect(t.url, issued.token);
    expect(await c.acked).toBe("open");
    c.subscribe("1", RequestStatusSignal);
    await until(() => t.server.feed.subscriberCount === 1);
    await revoke(issued.id);
    expect(await c.closedWith).toEqual({ code: 4403, reason: "The token was revoked." });
    await until(() => t.server.feed.subscriberCount === 0);
  });

  it("runs no operation on a WebSocket once its token is revoked, even before the socket is closed", async () => {
    const issued = await token(gid("Identity", t.org.ids.carol));
    const c = connect(t.url, issued.token);
    expect(await c.acked).toBe("open");
    await revoke(issued.id);
    const justification = `after revocation ${Date.now()}`;
    const { createResource } = await dataOf(
      t.gql(t.org.tokens.admin, CreateResource, {
        input: {
          systemId: gid("System", t.org.githubSystemId),
          name: `Revoked ${Date.now()}`,
          sensitivity: "STANDARD",
        },
      }),
    );
    const resource = present(createResource.resource, "the resource").id;
    if (c.socket.readyState === WebSocket.OPEN) {
      const variables: VariablesOf<typeof CreateRequest> = { input: { resourceIds: [resource], justification } };
      c.socket.send(
        JSON.stringify({ id: "m", type: "subscribe", payload: { query: documentText(CreateRequest), variables } }),
      );
    }
    expect(await c.closed).toBe(4403);
    const answer = c.messages.find((m) => m.id === "m");
    if (answer) expect(JSON.stringify(answer.payload)).toContain("UNAUTHENTICATED");
    expect(await t.server.db.read.request.count({ where: { justification } })).toBe(0);
  });

  it("ends an SSE subscription when its identity is deactivated", async () => {
    const identityId = await createIdentity({ email: "temp@example.com", displayName: "Temp" });
    const issued = await token(identityId);
    const res = await fetch(`${t.url}/graphql`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "text/event-stream",
        authorization: `Bearer ${issued.token}`,
      },
      body: JSON.stringify({ query: documentText(RequestStatusSignal) }),
    });
    expect(res.status).toBe(200);
    const reading = res.text();
    await until(() => t.server.feed.subscriberCount === 1);
    await updateIdentity({ identityId, active: false });
    await expect(reading).resolves.toContain("complete");
    expect(t.server.feed.subscriberCount).toBe(0);
  });

  it("closes an admin's WebSocket when the admin is demoted (admin-only feeds must not outlive the role)", async () => {
    const identityId = await createIdentity({
      email: "second-admin@example.com",
      displayName: "Second admin",
      role: "ADMIN",
    });
    const issued = await token(identityId);
    const c = connect(t.url, issued.token);
    expect(await c.acked).toBe("open");
    c.subscribe("1", SystemHealthSignal);
    await until(() => t.server.feed.subscriberCount === 1);
    await updateIdentity({ identityId, role: "END_USER" });
    expect(await c.closedWith).toEqual({ code: 4403, reason: "The identity's role changed." });
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
    const res = await postViewer(t.url, t.org.tokens.alice);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    const health = await fetch(`${t.url}/healthz`);
    expect(health.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
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
      body: JSON.stringify({ query: documentText(Viewer) }),
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
