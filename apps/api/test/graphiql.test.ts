// GraphiQL's page (http/graphiql.ts): built once and served from memory, its scripts allowed by
// their hashes and nothing else, compressed when the browser accepts it, a document that walks
// the story and validates against the served schema, and turned off by GRAPHIQL=false. That it
// runs in a browser without a policy violation is test:browser's part.
import { createHash } from "node:crypto";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { parse, validate } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GRAPHIQL_DEFAULT_DOCUMENT, graphiqlBuilds } from "../src/http/graphiql.ts";
import { schema } from "../src/schema/index.ts";
import { startTestServer, type TestServer } from "./harness.ts";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

/** The page as a browser that accepts no compression gets it. */
const page = (headers: Record<string, string> = {}) =>
  fetch(`${t.url}/graphql`, { headers: { accept: "text/html", "accept-encoding": "identity", ...headers } });

/** One operation of the page's default document, run by name with Alice's token. */
async function runStep(server: TestServer, operationName: string): Promise<unknown> {
  const res = await fetch(`${server.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${server.org.tokens.alice}` },
    body: JSON.stringify({ query: GRAPHIQL_DEFAULT_DOCUMENT, operationName }),
  });
  return res.json();
}

/** The text of each inline script: from the end of its tag to the next "</script". */
function inlineScripts(html: string): string[] {
  const scripts: string[] = [];
  for (let at = html.indexOf("<script"); at >= 0; at = html.indexOf("<script", at)) {
    const tagEnd = html.indexOf(">", at);
    const close = html.indexOf("</script", tagEnd);
    scripts.push(html.slice(tagEnd + 1, close));
    at = close;
  }
  return scripts;
}

describe("GraphiQL's page", () => {
  it("allows exactly its own inline scripts, by hash, and no other script source", async () => {
    const res = await page();
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    const policy = res.headers.get("content-security-policy") ?? "";
    const scriptSrc = /script-src ([^;]+)/.exec(policy)?.[1]?.trim().split(/\s+/) ?? [];
    const html = await res.text();
    const hashes = inlineScripts(html).map((text) => `'sha256-${createHash("sha256").update(text).digest("base64")}'`);
    expect(hashes.length).toBeGreaterThanOrEqual(2);
    expect(scriptSrc.sort()).toEqual([...new Set(hashes)].sort());
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(html).not.toMatch(/<script[^>]+src=/);
  });

  it("is built once however many anonymous browsers load it at the same time", async () => {
    const before = graphiqlBuilds();
    const loads = await Promise.all(Array.from({ length: 8 }, () => page({ "accept-encoding": "gzip, br" })));
    expect(loads.map((res) => res.status)).toEqual(Array(8).fill(200));
    expect(new Set(loads.map((res) => res.headers.get("etag"))).size).toBe(1);
    // At most the first load of this process builds it; the other seven are served from memory.
    expect(graphiqlBuilds() - before).toBeLessThanOrEqual(1);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  });

  it("is the same page on every load, revalidated by its ETag", async () => {
    const first = await page();
    const second = await page();
    const etag = first.headers.get("etag") ?? "";
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(second.headers.get("etag")).toBe(etag);
    expect(await second.text()).toBe(await first.text());
    const again = await page({ "if-none-match": etag });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
    expect(first.headers.get("cache-control")).toBe("no-cache");
  });

  it("comes compressed with brotli or gzip when the browser takes it, the same page either way", async () => {
    const plain = Buffer.from(await (await page()).arrayBuffer());
    const raw = async (encoding: string) => {
      // node's fetch decompresses on its own: read the bytes as sent through a raw request.
      const { request } = await import("node:http");
      return new Promise<{ encoding: string | undefined; body: Buffer; length: number }>((resolve, reject) => {
        const req = request(
          `${t.url}/graphql`,
          { headers: { accept: "text/html", "accept-encoding": encoding } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (chunk: Buffer) => chunks.push(chunk));
            res.on("end", () =>
              resolve({
                encoding: res.headers["content-encoding"],
                body: Buffer.concat(chunks),
                length: Number(res.headers["content-length"]),
              }),
            );
          },
        );
        req.on("error", reject);
        req.end();
      });
    };
    const br = await raw("gzip, deflate, br");
    expect(br.encoding).toBe("br");
    expect(br.length).toBe(br.body.length);
    expect(brotliDecompressSync(br.body).equals(plain)).toBe(true);
    expect(br.body.length).toBeLessThan(plain.length / 3);
    const gz = await raw("gzip");
    expect(gz.encoding).toBe("gzip");
    expect(gunzipSync(gz.body).equals(plain)).toBe(true);
    const none = await raw("br;q=0, gzip;q=0");
    expect(none.encoding).toBeUndefined();
    expect(none.body.equals(plain)).toBe(true);
  });

  it("opens with a document that walks the story and is valid against the served schema", async () => {
    const html = await (await page()).text();
    expect(html).toContain(JSON.stringify(GRAPHIQL_DEFAULT_DOCUMENT).slice(1, 60));
    const document = parse(GRAPHIQL_DEFAULT_DOCUMENT);
    expect(validate(schema, document)).toEqual([]);
    const operations = document.definitions.flatMap((d) =>
      d.kind === "OperationDefinition" ? [`${d.operation} ${d.name?.value}`] : [],
    );
    expect(operations).toEqual([
      "query Me",
      "query Catalog",
      "mutation Ask",
      "query WaitingOnMe",
      "mutation Approve",
      "subscription Live",
    ]);
    // The reading steps answer as written, with a token.
    const me = await runStep(t, "Me");
    expect(me).toMatchObject({ data: { viewer: { displayName: "Alice Employee" } } });
    const catalog = (await runStep(t, "Catalog")) as { data?: { resources: { edges: unknown[] } } };
    expect(catalog.data?.resources.edges.length).toBeGreaterThan(0);
  });

  it("tells a visitor without a session how to sign in or where to put a token", async () => {
    const html = await (await page()).text();
    expect(html).toContain('id="access-signin"');
    expect(html).toContain("Not signed in.");
    expect(html).toContain("Headers tab");
  });
});

describe("GRAPHIQL=false", () => {
  let off: TestServer;
  beforeAll(async () => {
    off = await startTestServer({ env: { GRAPHIQL: "false" } });
  });
  afterAll(() => off.close());

  it("answers 404 where the page was, and the API is unchanged", async () => {
    const res = await fetch(`${off.url}/graphql`, { headers: { accept: "text/html" } });
    expect(res.status).toBe(404);
    expect(await res.text()).toContain("GRAPHIQL=false");
    expect(await runStep(off, "Me")).toMatchObject({ data: { viewer: { displayName: "Alice Employee" } } });
  });
});
