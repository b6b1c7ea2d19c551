// The OpenID Connect relying party (openid-client): the authorization code flow with PKCE, state
// and nonce against the provider OIDC_ISSUER names. `start` makes the provider's URL and the
// checks the callback needs; `finish` exchanges the code, verifies the ID token (signature,
// issuer, audience, nonce) and answers the person the provider vouches for: a verified email
// and a name. The checks travel in a short-lived httpOnly cookie (cookies.ts), so any instance
// can finish a sign-in another started. Discovery runs on first use and again after a failure,
// so the product starts while the provider is away.
import * as client from "openid-client";
import type { OidcConfig } from "../config.ts";
import type { VerifiedPerson } from "../domain/sessions/sign-in.ts";

/** What the callback checks: the state, the nonce, the PKCE verifier, and where to go after. */
export interface SignInChecks {
  state: string;
  nonce: string;
  verifier: string;
  next: string;
}

/** The sign-in failed for a reason the person is told (they may try again). */
export class SignInFailed extends Error {
  constructor(
    message: string,
    /** 400: the flow's checks failed; 403: the provider does not vouch for a verified email; 502: provider trouble. */
    readonly status: 400 | 403 | 502,
  ) {
    super(message);
    this.name = "SignInFailed";
  }
}

/** The scopes asked for: the email and name come with them. */
const OIDC_SCOPES = "openid email profile";

/** The longest `next` kept: its cookie (base64 of the checks) stays far below the decode limit. */
const MAX_NEXT = 1_000;

export function encodeChecks(checks: SignInChecks): string {
  return Buffer.from(JSON.stringify(checks), "utf8").toString("base64url");
}

export function decodeChecks(value: string | null): SignInChecks | null {
  if (!value || value.length > 2_000) return null;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, "base64url").toString("utf8"));
    if (typeof parsed !== "object" || parsed === null) return null;
    const { state, nonce, verifier, next } = parsed as Record<string, unknown>;
    if ([state, nonce, verifier, next].some((v) => typeof v !== "string")) return null;
    // The cookie is the browser's to change: where to land is checked again as it is read.
    return { state, nonce, verifier, next: safeNext(next as string) } as SignInChecks;
  } catch {
    return null;
  }
}

/**
 * Where to land after signing in: a path on this site only (no scheme, no host, not `//…`), so
 * the sign-in cannot be turned into a redirect to another site.
 */
export function safeNext(raw: string | null): string {
  if (!raw || raw.length > MAX_NEXT || !raw.startsWith("/") || raw.startsWith("//") || raw.startsWith("/\\")) {
    return "/";
  }
  const base = "http://next.invalid";
  try {
    const url = new URL(raw, base);
    const next = `${url.pathname}${url.search}${url.hash}`;
    // Normalising can make a path that starts like another site's address (`/.//evil.example`
    // becomes `//evil.example`): check the result, not only what came in.
    if (url.origin !== base || next.startsWith("//") || next.startsWith("/\\") || next.length > MAX_NEXT) return "/";
    return next;
  } catch {
    return "/";
  }
}

/** The provider did not answer: fetch's own failure (a TypeError without a code), or a timeout. */
const unreachable = (error: unknown): boolean =>
  (error instanceof TypeError && !("code" in error)) ||
  (error instanceof client.ClientError && (error.code === "OAUTH_TIMEOUT" || error.code === "OAUTH_ABORT"));

const stringClaim = (value: unknown): string | null => (typeof value === "string" && value.trim() ? value : null);

export class OidcRelyingParty {
  private discovered: Promise<client.Configuration> | null = null;

  constructor(readonly settings: OidcConfig) {}

  private configuration(): Promise<client.Configuration> {
    const { issuer, clientId, clientSecret } = this.settings;
    this.discovered ??= client
      .discovery(issuer, clientId, undefined, client.ClientSecretBasic(clientSecret), {
        // config.ts allows plain http only on a loopback address.
        execute: issuer.protocol === "http:" ? [client.allowInsecureRequests] : [],
        timeout: 10,
      })
      .catch((error: unknown) => {
        this.discovered = null;
        throw error;
      });
    return this.discovered;
  }

  /** The provider's authorization URL and the checks to keep for the callback. */
  async start(next: string, prompt?: "login"): Promise<{ url: URL; checks: SignInChecks }> {
    let configuration: client.Configuration;
    try {
      configuration = await this.configuration();
    } catch {
      throw new SignInFailed("The identity provider cannot be reached. Try again in a moment.", 502);
    }
    const checks: SignInChecks = {
      state: client.randomState(),
      nonce: client.randomNonce(),
      verifier: client.randomPKCECodeVerifier(),
      next: safeNext(next),
    };
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: this.settings.redirectUri,
      scope: OIDC_SCOPES,
      response_type: "code",
      code_challenge: await client.calculatePKCECodeChallenge(checks.verifier),
      code_challenge_method: "S256",
      state: checks.state,
      nonce: checks.nonce,
      ...(prompt ? { prompt } : {}),
    });
    return { url, checks };
  }

  /**
   * Completes the flow from the callback's query string: the code exchanged with the checks, the
   * ID token verified, the email and its verification read from the ID token or, when it does
   * not carry them (providers put them in UserInfo for the code flow), from UserInfo.
   */
  async finish(search: string, checks: SignInChecks): Promise<VerifiedPerson> {
    const configuration = await this.configuration().catch(() => {
      throw new SignInFailed("The identity provider cannot be reached. Try again in a moment.", 502);
    });
    const callback = new URL(this.settings.redirectUri);
    callback.search = search;
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(configuration, callback, {
        pkceCodeVerifier: checks.verifier,
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      if (error instanceof client.AuthorizationResponseError) {
        throw new SignInFailed(`The identity provider did not sign you in (${error.error}).`, 400);
      }
      if (unreachable(error)) {
        throw new SignInFailed("The identity provider cannot be reached. Try again in a moment.", 502);
      }
      throw new SignInFailed("The sign-in could not be completed: its checks failed. Start again.", 400);
    }
    const idToken = tokens.claims();
    if (!idToken) throw new SignInFailed("The identity provider sent no ID token.", 400);
    let claims: Record<string, unknown> = { ...idToken };
    if (claims.email === undefined || claims.email_verified === undefined) {
      try {
        const userInfo = await client.fetchUserInfo(configuration, tokens.access_token, idToken.sub);
        claims = { ...userInfo, ...claims };
      } catch {
        throw new SignInFailed("The identity provider's user information could not be read.", 502);
      }
    }
    const email = stringClaim(claims.email);
    if (!email) throw new SignInFailed("The identity provider sent no email address for you.", 403);
    if (claims.email_verified !== true) {
      throw new SignInFailed("The identity provider does not vouch for your email address (email_verified).", 403);
    }
    return { email, name: stringClaim(claims.name) };
  }
}
