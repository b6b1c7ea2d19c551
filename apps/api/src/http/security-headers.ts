// Response headers that keep browsers from being turned against the product: every response
// gets the common ones; pages get a Content-Security-Policy that allows only our own files
// (the dashboard) or only the inline scripts we wrote this very response for (GraphiQL, with a
// per-response nonce). API answers get a policy that allows nothing at all.
import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";

const COMMON: Record<string, string> = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
};

/** JSON, exports and anything that is not a page: nothing may load or frame it. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** The dashboard: Vite's built files only (no inline script or style, no eval). */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/**
 * GraphiQL is one self-contained page with inline scripts (no CDN): they run only with this
 * response's nonce. Its editor injects styles and starts workers from blob: URLs.
 */
export function graphiqlCsp(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
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

export const newNonce = (): string => randomBytes(16).toString("base64");

/**
 * Marks every script element of a page with the nonce. Scans element by element: the text of an
 * inline script may itself contain "<script" (GraphiQL's bundle does), and must stay untouched.
 */
export function withNonce(html: string, nonce: string): string {
  let out = "";
  let at = 0;
  for (;;) {
    const open = html.indexOf("<script", at);
    if (open < 0) return out + html.slice(at);
    const tagEnd = html.indexOf(">", open);
    if (tagEnd < 0) return out + html.slice(at);
    const close = html.indexOf("</script", tagEnd);
    const end = close < 0 ? html.length : close;
    out += `${html.slice(at, open)}<script nonce="${nonce}"${html.slice(open + "<script".length, end)}`;
    at = end;
  }
}

/** The common headers and the API policy; pages replace the policy with their own. */
export function setSecurityHeaders(res: ServerResponse): void {
  for (const [name, value] of Object.entries(COMMON)) res.setHeader(name, value);
  res.setHeader("content-security-policy", API_CSP);
}
