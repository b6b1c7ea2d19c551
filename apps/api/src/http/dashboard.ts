// Serves the built dashboard (apps/dashboard/dist): its files, and index.html for every
// dashboard route so the single-page app can route on the client.
import { createReadStream, existsSync, statSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import { repoRoot } from "../paths.ts";
import { DASHBOARD_CSP } from "./security-headers.ts";

const DIST = path.join(repoRoot, "apps", "dashboard", "dist");

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json; charset=utf-8",
};

function sendFile(res: ServerResponse, file: string, cache: string): void {
  res.writeHead(200, {
    "content-type": TYPES[path.extname(file)] ?? "application/octet-stream",
    "cache-control": cache,
    "content-security-policy": DASHBOARD_CSP,
  });
  createReadStream(file).pipe(res);
}

export async function serveDashboard(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
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
  const file = path.join(DIST, relative);
  if (relative && file.startsWith(DIST + path.sep) && existsSync(file) && statSync(file).isFile()) {
    sendFile(res, file, relative.startsWith("assets/") ? "public, max-age=31536000, immutable" : "no-cache");
    return;
  }
  const index = path.join(DIST, "index.html");
  if (path.extname(relative) === "" && existsSync(index)) {
    sendFile(res, index, "no-cache");
    return;
  }
  res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("Not found\n");
}
