// GraphiQL's page at GET /graphql (Accept: text/html). The page is ~9 MB of inline script, so it
// is built once per process and kind (render, the CSP hashes of its scripts, gzip and brotli)
// and then served from memory: a page load costs a buffer write, not a render (rendering with a
// fresh nonce per load made it a CPU amplifier for anonymous callers). Its scripts are allowed
// by their SHA-256 hashes instead of a nonce, so the policy is as fixed as the page.
//
// The page opens with a document that walks the product's story, and a line that says who the
// page is signed in as: its own small script asks `viewer` with the browser's session (the
// dashboard's sign-in); without one it says how to sign in or where to put a token. GRAPHIQL=false
// turns the page off (the API is unchanged).
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { renderGraphiQL } from "@graphql-yoga/render-graphiql";
import { bodyFor, compress, type Encoded } from "./compression.ts";
import { escapeHtml } from "./json.ts";

/** How the page opens: six operations, one per step of the story, each runnable by name. */
export const GRAPHIQL_DEFAULT_DOCUMENT = `# Access requests: the API in six steps. Run one operation at a time with ▶ (it asks which).
# The Docs pane (book icon, top left) describes every type and field.
# Mutations never throw for bad input: they answer \`errors { code message field }\`.

# 1. Who am I?
query Me {
  viewer { id displayName email role }
}

# 2. What can I ask for? Copy a resource's id.
query Catalog {
  resources(first: 10) {
    edges { node { id name description requestable system { name } approvalSteps { kind } } }
  }
}

# 3. Ask for access: paste the id, say why.
mutation Ask {
  createRequest(input: { resourceIds: ["<resource id>"], justification: "Why I need it" }) {
    errors { code message field }
    request { id number status tickets { id kind status assignees { displayName } } }
  }
}

# 4. What waits on me (approvers and fulfillers)?
query WaitingOnMe {
  tickets(first: 20, filter: { actionableByViewer: true }) {
    edges { node { id number kind status resource { name } request { number justification requester { displayName } } } }
  }
}

# 5. Decide: paste a ticket id from step 4.
mutation Approve {
  approveTicket(input: { ticketId: "<ticket id>", comment: "Approved for the project" }) {
    errors { code message }
    ticket { id status request { status } }
  }
}

# 6. Watch tickets change live: keep it running and act in another tab.
subscription Live {
  ticketStatusChanged { sequence at status previousStatus ticket { number kind } actor { displayName } }
}
`;

export interface GraphiQLOptions {
  /** GRAPHIQL=false: no page. */
  enabled: boolean;
  /** People sign in with the identity provider (OIDC): the page links to its sign-in. */
  signInWithProvider: boolean;
}

interface Page {
  encoded: Encoded;
  csp: string;
  etag: string;
}

/**
 * Says who the page is signed in as, with the browser's session: when it loads and whenever the
 * tab comes back into view (a sign-out in another tab must not leave it saying "signed in").
 */
const SIGNED_IN_SCRIPT = `(function () {
  var line = document.getElementById("access-signin");
  if (!line) return;
  var signedOut = line.innerHTML;
  function show(viewer) {
    if (viewer) {
      line.textContent = "Signed in as " + viewer.displayName + " (" + viewer.role + "): operations run with your session.";
      line.setAttribute("data-state", "signed-in");
    } else {
      line.innerHTML = signedOut;
      line.removeAttribute("data-state");
    }
  }
  function check() {
    fetch("/graphql", {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ query: "{ viewer { displayName role } }" }),
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) { show(body && body.data && body.data.viewer); })
      .catch(function () {});
  }
  check();
  window.addEventListener("focus", check);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) check(); });
})();`;

function signedOutLine(options: GraphiQLOptions): string {
  const header = `<code>${escapeHtml('{"Authorization": "Bearer <token>"}')}</code>`;
  const reload = "then reload the schema (⟳ at the bottom left)";
  return options.signInWithProvider
    ? `Not signed in. <a href="/auth/login?next=%2Fgraphql">Sign in</a> and come back, or put ${header} in the Headers tab below, ${reload}.`
    : `Not signed in. Put ${header} in the Headers tab below (API tokens are issued in <a href="/">the dashboard</a>), ${reload}.`;
}

/** The page's own parts around GraphiQL: the sign-in line and the layout that makes room for it. */
function pageParts(options: GraphiQLOptions): { head: string; body: string } {
  const head = `<style>
  body { margin: 0; height: 100vh; display: flex; flex-direction: column; }
  #root { flex: 1; min-height: 0; height: auto; }
  #access-signin { font: 13px/1.4 system-ui, sans-serif; padding: 6px 12px; background: #fff7e0; color: #3d3000; border-bottom: 1px solid #e6d9a8; }
  #access-signin[data-state="signed-in"] { background: #e8f5e9; color: #0f3d14; border-color: #b9dcbc; }
  #access-signin code { font-size: 12px; }
</style>`;
  const body = `<div id="access-signin" role="status">${signedOutLine(options)}</div>`;
  return { head, body };
}

/** The SHA-256 hash of every inline script, as a CSP source list. */
function scriptHashes(html: string): string[] {
  const hashes: string[] = [];
  let at = 0;
  for (;;) {
    const open = html.indexOf("<script", at);
    if (open < 0) return hashes;
    const tagEnd = html.indexOf(">", open);
    const close = html.indexOf("</script", tagEnd);
    if (tagEnd < 0 || close < 0) return hashes;
    hashes.push(
      `'sha256-${createHash("sha256")
        .update(html.slice(tagEnd + 1, close))
        .digest("base64")}'`,
    );
    at = close;
  }
}

function graphiqlCsp(hashes: readonly string[]): string {
  return [
    "default-src 'none'",
    `script-src ${hashes.join(" ")}`,
    // GraphiQL's editor injects styles and starts its workers from blob: URLs.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

let builds = 0;
/** How many pages this process has built (tests: concurrent loads must not build it again). */
export const graphiqlBuilds = (): number => builds;

async function buildPage(options: GraphiQLOptions): Promise<Page> {
  builds += 1;
  // `query` as well as `defaultQuery`: GraphiQL keeps its tabs in the browser and, on a later
  // visit (back from signing in, say), opens the tab holding this document when one still does;
  // with `defaultQuery` alone it would add an empty "<untitled>" tab on every visit.
  const graphiqlOptions: Parameters<typeof renderGraphiQL>[0] & { query: string } = {
    query: GRAPHIQL_DEFAULT_DOCUMENT,
    title: "Access requests — GraphiQL",
    defaultQuery: GRAPHIQL_DEFAULT_DOCUMENT,
    // With a session the browser's cookie authenticates; the placeholder is for token users.
    headers: options.signInWithProvider ? "{}" : '{\n  "Authorization": "Bearer <paste a token>"\n}',
    defaultEditorToolsVisibility: options.signInWithProvider ? false : "headers",
    credentials: "same-origin",
  };
  const rendered = renderGraphiQL(graphiqlOptions);
  const parts = pageParts(options);
  // The page's own </head> and <body> come before any script; its </body> is the last one (the
  // bundle's text contains the same tags).
  const bodyEnd = rendered.lastIndexOf("</body>");
  const html = `${rendered.slice(0, bodyEnd)}<script>${SIGNED_IN_SCRIPT}</script>\n${rendered.slice(bodyEnd)}`
    .replace("</head>", `${parts.head}\n</head>`)
    .replace(/<body[^>]*>/, (tag) => `${tag}\n${parts.body}`);
  const bytes = Buffer.from(html, "utf8");
  return {
    // Brotli's top quality takes seconds on 9 MB for a few percent: 5 makes ~1.5 MB in a fraction.
    encoded: await compress(bytes, { brotliQuality: 5, gzipLevel: 6 }),
    csp: graphiqlCsp(scriptHashes(html)),
    etag: `"${createHash("sha256").update(bytes).digest("base64url").slice(0, 27)}"`,
  };
}

/** Built pages, by kind: the same for every instance of the process with the same options. */
const pages = new Map<string, Promise<Page>>();

function pageFor(options: GraphiQLOptions): Promise<Page> {
  const key = JSON.stringify(options);
  let page = pages.get(key);
  if (!page) {
    page = buildPage(options);
    // A failed build is tried again on the next load.
    page.catch(() => pages.delete(key));
    pages.set(key, page);
  }
  return page;
}

/** Whether a request to /graphql asks for the page (a browser's GET). */
export const wantsGraphiQL = (req: IncomingMessage): boolean =>
  req.method === "GET" && String(req.headers.accept ?? "").includes("text/html");

export async function serveGraphiQL(
  req: IncomingMessage,
  res: ServerResponse,
  options: GraphiQLOptions,
): Promise<void> {
  if (!options.enabled) {
    res.writeHead(404, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" });
    res.end("GraphiQL is turned off on this server (GRAPHIQL=false). The API answers POST /graphql.\n");
    return;
  }
  const page = await pageFor(options);
  const headers: Record<string, string> = {
    "content-type": "text/html; charset=utf-8",
    "content-security-policy": page.csp,
    // Revalidated on every load (the page changes with the server's version), usually a 304.
    "cache-control": "no-cache",
    etag: page.etag,
    vary: "accept-encoding",
  };
  if (req.headers["if-none-match"] === page.etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  const { body, encoding } = bodyFor(req, page.encoded);
  if (encoding) headers["content-encoding"] = encoding;
  headers["content-length"] = String(body.length);
  res.writeHead(200, headers);
  res.end(body);
}
