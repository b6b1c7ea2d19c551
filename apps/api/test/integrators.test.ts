// What an HTTP integrator meets at the edges of the API, through the real server: the
// `WWW-Authenticate` challenge of every 401 (RFC 6750), graphql-ws's two shapes of credentials,
// an SSE subscription whose credentials are revoked mid-stream, and compressed, cached files.
import { IssueApiToken, RequestStatusChanged, RevokeApiToken, Viewer } from "@access/contract";
import { createClient } from "graphql-ws";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { get } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accepted, dataOf, documentText, gid, present, startTestServer, type TestServer } from "./harness.ts";

/** A dashboard build of our own: an index, a hashed script and stylesheet, an image. */
const dist = mkdtempSync(path.join(tmpdir(), "access-dist-"));
const files = {
  "index.html": Buffer.from(
    `<!doctype html><html><head><title>Access requests</title><script type="module" src="/assets/index-C0ffee12.js"></script></head><body><div id="app"></div></body></html>\n`.repeat(
      20,
    ),
  ),
  "assets/index-C0ffee12.js": Buffer.from(
    Array.from({ length: 4000 }, (_, i) => `export const value${i} = "${"abcdefghij".repeat(i % 7)}";`).join("\n"),
  ),
  "assets/index-Bead5678.css": Buffer.from(".card { display: flex; gap: 8px; }\n".repeat(500)),
  "assets/logo-Face9abc.png": Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]),
};

let t: TestServer;
beforeAll(async () => {
  mkdirSync(path.join(dist, "assets"));
  for (const [name, bytes] of Object.entries(files)) writeFileSync(path.join(dist, name), bytes);
  t = await startTestServer({ dashboardDist: dist });
});
afterAll(async () => {
  await t.close();
  rmSync(dist, { recursive: true, force: true });
});

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

/** A GET as it comes off the wire (fetch would decompress): status, headers and the body's bytes. */
function raw(pathname: string, headers: Record<string, string>) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>(
    (resolve, reject) => {
      get(`${t.url}${pathname}`, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on("error", reject);
      }).on("error", reject);
    },
  );
}

describe("the dashboard's files, compressed and cached", () => {
  const IMMUTABLE = "public, max-age=31536000, immutable";

  it("serves hashed assets with brotli or gzip as accepted, immutable for a year, the same bytes decompressed", async () => {
    for (const name of ["assets/index-C0ffee12.js", "assets/index-Bead5678.css"] as const) {
      const original = files[name];
      const br = await raw(`/${name}`, { "accept-encoding": "gzip, deflate, br" });
      expect(br.status).toBe(200);
      expect(br.headers["content-encoding"]).toBe("br");
      expect(br.headers.vary).toBe("accept-encoding");
      expect(br.headers["cache-control"]).toBe(IMMUTABLE);
      expect(Number(br.headers["content-length"])).toBe(br.body.length);
      expect(br.body.length).toBeLessThan(original.length / 4);
      expect(brotliDecompressSync(br.body).equals(original)).toBe(true);

      const gz = await raw(`/${name}`, { "accept-encoding": "gzip" });
      expect(gz.headers["content-encoding"]).toBe("gzip");
      expect(gz.headers.vary).toBe("accept-encoding");
      expect(gunzipSync(gz.body).equals(original)).toBe(true);

      const plain = await raw(`/${name}`, { "accept-encoding": "br;q=0, gzip;q=0" });
      expect(plain.headers["content-encoding"]).toBeUndefined();
      expect(plain.headers.vary).toBe("accept-encoding");
      expect(plain.body.equals(original)).toBe(true);
    }
  });

  it("serves index.html (for every dashboard route) compressed and revalidated, answering 304 to its ETag", async () => {
    for (const route of ["/", "/requests/REQ-1", "/index.html"]) {
      const page = await raw(route, { "accept-encoding": "br" });
      expect(page.status).toBe(200);
      expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
      expect(page.headers["cache-control"]).toBe("no-cache");
      expect(page.headers["content-encoding"]).toBe("br");
      expect(brotliDecompressSync(page.body).equals(files["index.html"])).toBe(true);
      const etag = String(page.headers.etag);
      const again = await raw(route, { "accept-encoding": "br", "if-none-match": etag });
      expect(again.status).toBe(304);
      expect(again.body.length).toBe(0);
    }
  });

  it("sends images as they are, still immutable when hashed", async () => {
    const image = await raw("/assets/logo-Face9abc.png", { "accept-encoding": "br, gzip" });
    expect(image.headers["content-encoding"]).toBeUndefined();
    expect(image.headers["content-type"]).toBe("image/png");
    expect(image.headers["cache-control"]).toBe(IMMUTABLE);
    expect(image.body.equals(files["assets/logo-Face9abc.png"])).toBe(true);
  });

  it("serves GraphiQL's ~9 MB page compressed as well, varying by Accept-Encoding", async () => {
    const page = await raw("/graphql", { accept: "text/html", "accept-encoding": "br" });
    expect(page.status).toBe(200);
    expect(page.headers["content-encoding"]).toBe("br");
    expect(page.headers.vary).toBe("accept-encoding");
    const html = brotliDecompressSync(page.body);
    expect(html.length).toBeGreaterThan(1_000_000);
    expect(page.body.length).toBeLessThan(html.length / 3);
    expect(html.toString("utf8")).toContain("GraphiQL");
  });
});
