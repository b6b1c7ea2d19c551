// Response headers that keep browsers from being turned against the product: every response
// gets the common ones; pages get a Content-Security-Policy that allows only our own files
// (the dashboard; GraphiQL's page carries its own, http/graphiql.ts). API answers get a policy
// that allows nothing at all.
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

/** The common headers and the API policy; pages replace the policy with their own. */
export function setSecurityHeaders(res: ServerResponse): void {
  for (const [name, value] of Object.entries(COMMON)) res.setHeader(name, value);
  res.setHeader("content-security-policy", API_CSP);
}
