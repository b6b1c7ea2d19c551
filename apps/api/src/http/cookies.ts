// The browser's side of a session: the session cookie (httpOnly, SameSite=Lax, Secure and
// `__Host-` prefixed when PUBLIC_URL is https), the short-lived sign-in cookie that carries
// state, nonce and PKCE verifier from /auth/login to /auth/callback, and the same-origin rule
// that cookie-authenticated requests must keep (cross-site request forgery, cross-site
// WebSocket hijacking).

export interface CookieNames {
  session: string;
  signIn: string;
  /** Secure cookies (PUBLIC_URL is https). */
  secure: boolean;
}

/** The cookies' names: `__Host-` (Secure, host-only, path /: no sibling domain can set it) over https. */
export function cookieNames(publicUrl: URL | undefined): CookieNames {
  const secure = publicUrl?.protocol === "https:";
  const prefix = secure ? "__Host-" : "";
  return { session: `${prefix}access_session`, signIn: `${prefix}access_sign_in`, secure };
}

/** The value of cookie `name` in a Cookie header, or null. */
export function readCookie(header: unknown, name: string): string | null {
  if (typeof header !== "string" || header.length > 16_384) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    return value.length > 0 ? value : null;
  }
  return null;
}

/** A Set-Cookie value; `maxAgeSeconds` 0 removes the cookie. */
export function setCookie(names: CookieNames, name: string, value: string, maxAgeSeconds: number): string {
  return [
    `${name}=${value}`,
    "Path=/",
    "HttpOnly",
    "SameSite=Lax",
    ...(names.secure ? ["Secure"] : []),
    `Max-Age=${maxAgeSeconds}`,
  ].join("; ");
}

interface OriginHeaders {
  origin?: string | null;
  "sec-fetch-site"?: string | null;
  host?: string | null;
}

/**
 * Whether a request comes from the product's own pages: the browser says so (`Sec-Fetch-Site:
 * same-origin`) or its `Origin` is PUBLIC_URL's origin (unset: the request's own Host). A
 * request without either is refused: every browser sends `Origin` on POSTs and WebSocket
 * upgrades, so only a non-browser client lacks it, and such a client uses a token.
 */
export function fromOwnOrigin(headers: OriginHeaders, publicUrl: URL | undefined): boolean {
  if (headers["sec-fetch-site"] === "same-origin") return true;
  const origin = headers.origin;
  if (!origin || origin === "null") return false;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (publicUrl) return url.origin === publicUrl.origin;
  return typeof headers.host === "string" && url.host === headers.host.toLowerCase();
}
