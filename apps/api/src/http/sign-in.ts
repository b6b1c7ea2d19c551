// The sign-in routes of the dashboard: GET /auth/config (whether the identity provider is
// configured, for the sign-in form), GET /auth/login (to the provider), GET /auth/callback (back
// from it: a session and its cookie, or a page that says why not), POST /auth/logout (ends the
// session; from the product's own origin only). Without OIDC_ISSUER only /auth/config and
// /auth/logout answer: sign-in is by API token.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { OidcConfig } from "../config.ts";
import type { Database } from "../db/database.ts";
import { DomainError } from "../domain/errors.ts";
import { authenticateSession, endSession } from "../domain/sessions/sessions.ts";
import { signIn, type SignInOutcome } from "../domain/sessions/sign-in.ts";
import type { Authenticator } from "./auth.ts";
import { readCookie, setCookie } from "./cookies.ts";
import { errorBody, escapeHtml, sendJson } from "./json.ts";
import { decodeChecks, encodeChecks, OidcRelyingParty, SignInFailed } from "./oidc.ts";

/** How long a started sign-in may take at the provider (the sign-in cookie's lifetime). */
const SIGN_IN_SECONDS = 600;

export interface SignInDeps {
  db: Database;
  authenticator: Authenticator;
  oidc: OidcConfig | undefined;
  log: Logger;
}

/** A plain page for a person whose sign-in did not work: what happened and what to do. */
function sendPage(
  res: ServerResponse,
  status: number,
  title: string,
  message: string,
  headers: Record<string, string | string[]> = {},
  retry: "again" | "another account" = "again",
): void {
  // Refused as the person the provider vouched for: trying again would sign the same person in
  // (the provider keeps its own session), so the way out is to choose another account.
  const retryLink =
    retry === "again"
      ? `<a href="/auth/login">Try again</a>`
      : `<a href="/auth/login?prompt=login">Sign in with another account</a>`;
  res.writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", ...headers });
  res.end(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>` +
      `<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>` +
      `<p>${retryLink} · <a href="/">Back to the dashboard</a></p></body></html>`,
  );
}

const REFUSALS: Record<Exclude<SignInOutcome, { ok: true }>["reason"], string> = {
  unknown:
    "Your identity provider signed you in, but nobody with your email address is known here. Ask an administrator to add you.",
  inactive: "Your account here is deactivated. Ask an administrator if you think this is a mistake.",
  "invalid email": "Your identity provider sent an email address this product cannot use.",
};

export class SignInRoutes {
  private readonly party: OidcRelyingParty | null;

  constructor(private readonly deps: SignInDeps) {
    this.party = deps.oidc ? new OidcRelyingParty(deps.oidc) : null;
  }

  /** Answers a path under /auth/, or returns false when it is none of these routes. */
  async serve(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    switch (`${req.method} ${url.pathname}`) {
      case "GET /auth/config":
        sendJson(
          res,
          200,
          this.deps.oidc ? { oidc: true, providerName: this.deps.oidc.providerName } : { oidc: false },
        );
        return true;
      case "GET /auth/login":
        await this.login(res, url);
        return true;
      case "GET /auth/callback":
        await this.callback(req, res, url);
        return true;
      case "POST /auth/logout":
        await this.logout(req, res);
        return true;
      default:
        return false;
    }
  }

  private get cookies() {
    return this.deps.authenticator.cookies;
  }

  private async login(res: ServerResponse, url: URL): Promise<void> {
    if (!this.party) {
      sendPage(res, 404, "Sign-in through an identity provider is not set up", "Sign in with an API token instead.");
      return;
    }
    try {
      const { url: providerUrl, checks } = await this.party.start(
        url.searchParams.get("next") ?? "/",
        // Only "login" (the provider asks who signs in, even with a session of its own).
        url.searchParams.get("prompt") === "login" ? "login" : undefined,
      );
      res.writeHead(302, {
        location: providerUrl.href,
        "cache-control": "no-store",
        "set-cookie": setCookie(this.cookies, this.cookies.signIn, encodeChecks(checks), SIGN_IN_SECONDS),
      });
      res.end();
    } catch (error) {
      if (!(error instanceof SignInFailed)) throw error;
      this.deps.log.warn({ status: error.status }, "sign-in could not start");
      sendPage(res, error.status, "Sign-in is not available", error.message);
    }
  }

  private async callback(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    // The sign-in cookie is used once, whatever happens next.
    const clearSignIn = setCookie(this.cookies, this.cookies.signIn, "", 0);
    if (!this.party) {
      sendPage(res, 404, "Sign-in through an identity provider is not set up", "Sign in with an API token instead.");
      return;
    }
    const checks = decodeChecks(readCookie(req.headers.cookie, this.cookies.signIn));
    if (!checks) {
      sendPage(res, 400, "Sign-in expired", "This sign-in took too long or began in another browser. Start again.", {
        "set-cookie": clearSignIn,
      });
      return;
    }
    let outcome: SignInOutcome;
    try {
      const person = await this.party.finish(url.search, checks);
      const { oidc } = this.deps;
      const userAgent = typeof req.headers["user-agent"] === "string" ? req.headers["user-agent"] : null;
      outcome = await this.deps.db.transact((work) =>
        signIn(work, this.deps.authenticator.sessionRules, person, {
          createIdentities: oidc?.createIdentities ?? false,
          userAgent,
        }),
      );
    } catch (error) {
      if (!(error instanceof SignInFailed)) throw error;
      this.deps.log.info({ status: error.status, reason: error.message }, "sign-in refused");
      sendPage(res, error.status, "Sign-in failed", error.message, { "set-cookie": clearSignIn });
      return;
    }
    if (!outcome.ok) {
      this.deps.log.info({ reason: outcome.reason }, "sign-in refused");
      sendPage(
        res,
        403,
        "You cannot sign in here",
        REFUSALS[outcome.reason],
        { "set-cookie": clearSignIn },
        "another account",
      );
      return;
    }
    const maxAge = Math.floor(this.deps.authenticator.sessionRules.maxMs / 1000);
    res.writeHead(303, {
      location: checks.next,
      "cache-control": "no-store",
      "set-cookie": [clearSignIn, setCookie(this.cookies, this.cookies.session, outcome.session.secret, maxAge)],
    });
    res.end();
  }

  private async logout(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const secret = readCookie(req.headers.cookie, this.cookies.session);
    if (secret && !this.deps.authenticator.fromOwnOrigin(req.headers)) {
      sendJson(res, 403, errorBody("FORBIDDEN", "Sign out from this product's own pages."));
      return;
    }
    // Read only: a session about to end needs no "last seen" write first.
    const viewer = secret
      ? await authenticateSession(this.deps.db.read, this.deps.authenticator.sessionRules, secret)
      : null;
    if (viewer) {
      const { sessionId } = viewer;
      await this.deps.db
        .transact((work) => endSession(work, viewer, { sessionId, reason: "signed out" }))
        .catch((error: unknown) => {
          // Ended a moment ago (revoked, or signed out in another tab): signed out all the same.
          if (!(error instanceof DomainError)) throw error;
        });
    }
    res.writeHead(204, {
      "cache-control": "no-store",
      "set-cookie": setCookie(this.cookies, this.cookies.session, "", 0),
    });
    res.end();
  }
}
