// What an HTTP integrator meets at the edges of the API, through the real server: the
// `WWW-Authenticate` challenge of every 401 (RFC 6750), graphql-ws's two shapes of credentials,
// an SSE subscription whose credentials are revoked mid-stream, and compressed, cached files.
import { IssueApiToken, RequestStatusChanged, RevokeApiToken, Viewer } from "@access/contract";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accepted, dataOf, documentText, gid, present, startTestServer, type TestServer } from "./harness.ts";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

const INVALID_TOKEN = /^Bearer error="invalid_token", error_description="[^"]+"$/;

describe("401 answers carry WWW-Authenticate: Bearer (RFC 6750)", () => {
  const post = (headers: Record<string, string>) =>
    fetch(`${t.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ query: documentText(Viewer) }),
    });

  it("on GraphQL over HTTP: a bare challenge without a token, invalid_token with a refused one", async () => {
    const none = await post({});
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toBe("Bearer");
    const bad = await post({ authorization: "Bearer art_not-a-real-token" });
    expect(bad.status).toBe(401);
    expect(bad.headers.get("www-authenticate")).toMatch(INVALID_TOKEN);
    expect(((await bad.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe(
      "UNAUTHENTICATED",
    );
  });

  it("on SSE subscriptions", async () => {
    for (const [authorization, challenge] of [
      [undefined, /^Bearer$/],
      ["Bearer art_not-a-real-token", INVALID_TOKEN],
    ] as const) {
      const res = await fetch(`${t.url}/graphql`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "text/event-stream",
          ...(authorization ? { authorization } : {}),
        },
        body: JSON.stringify({ query: documentText(RequestStatusChanged) }),
      });
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(challenge);
      await res.body?.cancel();
    }
  });

  it("on the exports and on SCIM", async () => {
    for (const path of ["/audit/export.csv", "/access/export.jsonl"]) {
      const none = await fetch(`${t.url}${path}`);
      expect(none.status).toBe(401);
      expect(none.headers.get("www-authenticate")).toBe("Bearer");
      const bad = await fetch(`${t.url}${path}`, { headers: { authorization: "Bearer art_nope" } });
      expect(bad.status).toBe(401);
      expect(bad.headers.get("www-authenticate")).toMatch(INVALID_TOKEN);
    }
    const scim = await fetch(`${t.url}/scim/v2/Users`, { headers: { authorization: "Bearer art_nope" } });
    expect(scim.status).toBe(401);
    expect(scim.headers.get("www-authenticate")).toMatch(/^Bearer realm="SCIM", error="invalid_token"/);
    // A valid token is not challenged.
    const ok = await post({ authorization: `Bearer ${t.org.tokens.alice}` });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("www-authenticate")).toBeNull();
  });
});

describe("graphql-ws credentials", () => {
  /** A viewer query over a real WebSocket whose connection_init payload is `connectionParams`. */
  async function viewerOver(connectionParams: Record<string, unknown>) {
    const client = createClient({
      url: `${t.url.replace("http", "ws")}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams,
      retryAttempts: 0,
      lazy: true,
    });
    try {
      return await new Promise<{ name?: string; closeCode?: number }>((resolve) => {
        client.on("closed", (event) => resolve({ closeCode: (event as { code?: number }).code }));
        client.subscribe<{ viewer: { displayName: string } }>(
          { query: documentText(Viewer) },
          {
            next: (value) => resolve({ name: value.data?.viewer.displayName }),
            error: () => undefined,
            complete: () => undefined,
          },
        );
      });
    } finally {
      await client.dispose();
    }
  }

  it("accepts Apollo's { headers: { Authorization } } besides { authorization }", async () => {
    const bearer = `Bearer ${t.org.tokens.alice}`;
    expect(await viewerOver({ authorization: bearer })).toEqual({ name: "Alice Employee" });
    expect(await viewerOver({ headers: { Authorization: bearer } })).toEqual({ name: "Alice Employee" });
    expect(await viewerOver({ headers: { authorization: bearer } })).toEqual({ name: "Alice Employee" });
  });

  it("refuses a bad token in either shape with 4403", async () => {
    expect(await viewerOver({ headers: { Authorization: "Bearer art_nope" } })).toEqual({ closeCode: 4403 });
    expect(await viewerOver({ authorization: "Bearer art_nope" })).toEqual({ closeCode: 4403 });
  });
});

/** The events of a text/event-stream body, in order (comments, the keep-alive pings, left out). */
function sseEvents(text: string): { event: string; data: string }[] {
  return text
    .split("\n\n")
    .map((block) => block.split("\n").filter((line) => line !== "" && !line.startsWith(":")))
    .filter((lines) => lines.length > 0)
    .map((lines) => ({
      event:
        lines
          .find((l) => l.startsWith("event:"))
          ?.slice(6)
          .trim() ?? "message",
      data: lines
        .filter((l) => l.startsWith("data:"))
        .map((l) => l.slice(5).trim())
        .join("\n"),
    }));
}

describe("SSE subscriptions whose credentials end", () => {
  it("send an UNAUTHENTICATED error event, then complete, when the token is revoked mid-stream", async () => {
    const admin = t.org.tokens.admin;
    const { issueApiToken } = await dataOf(
      t.gql(admin, IssueApiToken, { input: { identityId: gid("Identity", t.org.ids.alice), name: "sse" } }),
    );
    const token = present(accepted(issueApiToken, "issueApiToken").token, "the new token");
    const res = await fetch(`${t.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: documentText(RequestStatusChanged) }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    // The subscription is registered before the answer's headers are sent: revoke it now.
    const tokenId = present(issueApiToken.apiToken, "the token's record").id;
    accepted((await dataOf(t.gql(admin, RevokeApiToken, { input: { tokenId } }))).revokeApiToken, "revokeApiToken");
    // The stream ends on its own (no abort here): read it to its end.
    const text = await res.text();
    const events = sseEvents(text);
    expect(events.map((e) => e.event)).toEqual(["next", "complete"]);
    const payload = JSON.parse(present(events[0], "the error event").data) as {
      data?: unknown;
      errors: { message: string; extensions: { code: string } }[];
    };
    expect(payload.data).toBeUndefined();
    expect(payload.errors).toHaveLength(1);
    expect(payload.errors[0]?.extensions.code).toBe("UNAUTHENTICATED");
    expect(payload.errors[0]?.message).toContain("The token was revoked.");
    // And the token is refused from now on.
    expect((await t.gql(token, Viewer)).status).toBe(401);
  });
});
