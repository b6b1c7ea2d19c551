// Serves the built dashboard (apps/dashboard/dist): its files, and index.html for every
// dashboard route so the single-page app can route on the client.
//
// Compression and caching: text files (HTML, scripts, styles, SVG, JSON) are compressed with
// brotli and gzip once per process, on their first request, and kept in memory with
// their ETag; the build is a few hundred kilobytes, so this costs little memory and no build step
// of its own, and a rebuilt file (new mtime or size) is compressed again. Vite names everything
// under assets/ by its content's hash: those are cached for a year as immutable; index.html and
// the other files are revalidated on every load (no-cache, then 304 by ETag).
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import { repoRoot } from "../paths.ts";
import { bodyFor, compress, type Encoded } from "./compression.ts";
import { DASHBOARD_CSP } from "./security-headers.ts";

export const DASHBOARD_DIST = path.join(repoRoot, "apps", "dashboard", "dist");

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json; charset=utf-8",
};

/** Types worth compressing (images are compressed already). */
const COMPRESSIBLE = new Set([".html", ".js", ".css", ".svg", ".json"]);
/** Files larger than this are streamed as they are, not held in memory. */
const MAX_KEPT_BYTES = 8 * 1024 * 1024;

export const IMMUTABLE = "public, max-age=31536000, immutable";

interface KeptFile {
  /** The file's mtime and size when it was read: a rebuilt file is read again. */
  version: string;
  encoded: Promise<Encoded & { etag: string }>;
}

/** Compressed files by path, for the process's life (the build's files, a bounded set). */
const kept = new Map<string, KeptFile>();

function keptFile(file: string, version: string): KeptFile["encoded"] {
  const current = kept.get(file);
  if (current?.version === version) return current.encoded;
  const encoded = readFile(file).then(async (bytes) => ({
    ...(await compress(bytes)),
    etag: `"${createHash("sha256").update(bytes).digest("base64url").slice(0, 27)}"`,
  }));
  // A failed read or compression is tried again on the next request.
  encoded.catch(() => kept.delete(file));
  kept.set(file, { version, encoded });
  return encoded;
}

async function sendFile(
  req: IncomingMessage,
  res: ServerResponse,
  file: string,
  size: number,
  version: string,
  cache: string,
): Promise<void> {
  const extension = path.extname(file);
  const headers: Record<string, string> = {
    "content-type": TYPES[extension] ?? "application/octet-stream",
    "cache-control": cache,
    "content-security-policy": DASHBOARD_CSP,
  };
  if (!COMPRESSIBLE.has(extension) || size > MAX_KEPT_BYTES) {
    headers["content-length"] = String(size);
    res.writeHead(200, headers);
    if (req.method === "HEAD") res.end();
    else createReadStream(file).pipe(res);
    return;
  }
  const encoded = await keptFile(file, version);
  headers.etag = encoded.etag;
  // Caches keep one copy per encoding.
  headers.vary = "accept-encoding";
  if (req.headers["if-none-match"] === encoded.etag) {
    res.writeHead(304, headers).end();
    return;
  }
  const { body, encoding } = bodyFor(req, encoded);
  if (encoding) headers["content-encoding"] = encoding;
  headers["content-length"] = String(body.length);
  res.writeHead(200, headers);
  res.end(req.method === "HEAD" ? undefined : body);
}

/** The file's size and version when it is a regular file, else null. */
async function fileAt(file: string): Promise<{ size: number; version: string } | null> {
  try {
    const info = await stat(file);
    return info.isFile() ? { size: info.size, version: `${info.mtimeMs}:${info.size}` } : null;
  } catch {
    return null;
  }
}

export async function serveDashboard(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  dist: string = DASHBOARD_DIST,
): Promise<void> {
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, { allow: "GET, HEAD" }).end();
    return;
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(url.pathname);
  } catch {
    res.writeHead(400, { "content-type": "text/plain; charset=utf-8" }).end("Malformed path\n");
    return;
  }
  const relative = path.normalize(decoded).replace(/^([/\\])+/, "");
  const file = path.join(dist, relative);
  const found = relative && file.startsWith(dist + path.sep) ? await fileAt(file) : null;
  if (found) {
    const cache = relative.startsWith(`assets${path.sep}`) ? IMMUTABLE : "no-cache";
    await sendFile(req, res, file, found.size, found.version, cache);
    return;
  }
  const index = path.join(dist, "index.html");
  const indexFound = path.extname(relative) === "" ? await fileAt(index) : null;
  if (indexFound) {
    await sendFile(req, res, index, indexFound.size, indexFound.version, "no-cache");
    return;
  }
  res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("Not found\n");
}
