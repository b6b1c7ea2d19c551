// A real OpenID provider for tests: panva's certified `oidc-provider` in-process on 127.0.0.1,
// with one confidential client (code flow, PKCE required) and accounts whose claims a test sets
// (email, email_verified, name). Its development login page accepts any password for a known
// login; a consent page follows. `SignInAgent` walks the whole flow over HTTP with a cookie jar,
// as a browser would, without one.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";

export interface OidcAccount {
  email: string | null;
  email_verified: boolean | null;
  name: string;
}

export interface OidcPeer {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The accounts by login; tests add and change them. */
  accounts: Map<string, OidcAccount>;
  close(): Promise<void>;
}

export const OIDC_CLIENT_ID = "access-requests";
export const OIDC_CLIENT_SECRET = "a-client-secret-for-tests-only-0123456789";

/** Starts a provider that sends people back to `redirectUris` (the API's `<PUBLIC_URL>/auth/callback`). */
export async function startOidcPeer(redirectUris: string[]): Promise<OidcPeer> {
  const accounts = new Map<string, OidcAccount>();
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: OIDC_CLIENT_ID,
        client_secret: OIDC_CLIENT_SECRET,
        redirect_uris: redirectUris,
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_basic",
      },
    ],
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    cookies: { keys: ["oidc-peer-cookie-key-for-tests"] },
    findAccount: (_ctx, login) => {
      const account = accounts.get(login);
      if (!account) return undefined;
      return {
        accountId: login,
        claims: () => ({
          sub: login,
          name: account.name,
          ...(account.email === null ? {} : { email: account.email }),
          ...(account.email_verified === null ? {} : { email_verified: account.email_verified }),
        }),
      };
    },
  });
  // Quiet: the provider reports every refused request (the failure tests make some on purpose).
  provider.on("server_error", () => undefined);
  server.on("request", provider.callback());
  return {
    issuer,
    clientId: OIDC_CLIENT_ID,
    clientSecret: OIDC_CLIENT_SECRET,
    accounts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A response as the agent saw it (body read). */
export interface AgentResponse {
  status: number;
  url: string;
  location: string | null;
  setCookies: string[];
  body: string;
}

/**
 * A browser's part of the flow over HTTP: a cookie jar per host (path ignored: the flow's
 * cookies have distinct names), redirects followed by hand so each hop can be inspected, the
 * provider's login and consent forms posted.
 */
export class SignInAgent {
  private readonly jar = new Map<string, Map<string, string>>();
  /** Headers sent with every request to the API (e.g. a user agent). */
  constructor(private readonly headers: Record<string, string> = {}) {}

  cookie(host: string, name: string): string | undefined {
    return this.jar.get(host)?.get(name);
  }

  setCookie(host: string, name: string, value: string): void {
    const cookies = this.jar.get(host) ?? new Map<string, string>();
    cookies.set(name, value);
    this.jar.set(host, cookies);
  }

  /** The Cookie header this agent sends to `url`'s host. */
  cookieHeader(url: string): string {
    const cookies = this.jar.get(new URL(url).host);
    return cookies ? [...cookies].map(([name, value]) => `${name}=${value}`).join("; ") : "";
  }

  async request(
    url: string,
    init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {},
  ): Promise<AgentResponse> {
    const cookie = this.cookieHeader(url);
    const res = await fetch(url, {
      method: init.method ?? (init.form ? "POST" : "GET"),
      redirect: "manual",
      headers: {
        ...this.headers,
        ...(cookie ? { cookie } : {}),
        ...(init.form ? { "content-type": "application/x-www-form-urlencoded" } : {}),
        ...init.headers,
      },
      body: init.form ? new URLSearchParams(init.form).toString() : undefined,
    });
    const setCookies = res.headers.getSetCookie();
    const host = new URL(url).host;
    for (const line of setCookies) {
      const [pair = "", ...attributes] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const removed = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=thu, 01 jan 1970/i.test(a));
      const cookies = this.jar.get(host) ?? new Map<string, string>();
      if (removed || value === "") cookies.delete(name);
      else cookies.set(name, value);
      this.jar.set(host, cookies);
    }
    const location = res.headers.get("location");
    return {
      status: res.status,
      url,
      location: location ? new URL(location, url).href : null,
      setCookies,
      body: await res.text(),
    };
  }

  /** Follows redirects from `url` until a response that is not one (or one to `stopAt`'s origin+path). */
  async follow(url: string, stopAt?: string): Promise<AgentResponse> {
    let res = await this.request(url);
    for (let hops = 0; res.location && hops < 20; hops += 1) {
      if (stopAt && res.location.startsWith(stopAt)) return res;
      res = await this.request(res.location);
    }
    return res;
  }

  /**
   * Signs in at the provider as `login`: from the provider's authorization URL through its
   * login and consent forms, up to the redirect back to `callbackPrefix` (not followed).
   */
  async atProvider(authorizationUrl: string, login: string, callbackPrefix: string): Promise<AgentResponse> {
    let res = await this.follow(authorizationUrl, callbackPrefix);
    for (let step = 0; step < 4 && !res.location?.startsWith(callbackPrefix); step += 1) {
      const action = /<form[^>]*action="([^"]+)"/.exec(res.body)?.[1];
      if (!action) throw new Error(`no form on the provider's page (${res.status}): ${res.body.slice(0, 300)}`);
      const target = new URL(action.replace(/&amp;/g, "&"), res.url).href;
      const form: Record<string, string> = /name="login"/.test(res.body)
        ? { prompt: "login", login, password: "any" }
        : { prompt: "consent" };
      res = await this.request(target, { form });
      if (res.location && !res.location.startsWith(callbackPrefix))
        res = await this.follow(res.location, callbackPrefix);
    }
    if (!res.location?.startsWith(callbackPrefix)) throw new Error(`the provider did not send back (${res.status})`);
    return res;
  }
}
