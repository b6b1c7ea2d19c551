// How this tab is signed in: through the identity provider (the server's session cookie, shared
// by every tab of the browser, which the page cannot read: it asks the server), or with an API
// token pasted into the sign-in form's advanced part (kept in this tab's session storage).
// Sign-out ends the server's session (POST /auth/logout) and forgets the token.
import { stringifyDocument } from "@urql/core";
import { Viewer } from "@access/contract";

const KEY = "access.token";

/** What GET /auth/config answers: whether sign-in through an identity provider is set up. */
export type SignInOptions = { oidc: false } | { oidc: true; providerName: string };

class Auth {
  token = $state<string | null>(sessionStorage.getItem(KEY));
  /** The browser holds a working session cookie (sign-in through the identity provider). */
  cookie = $state(false);
  /** Still asking the server how this tab is signed in. */
  checking = $state(true);
  options = $state<SignInOptions>({ oidc: false });
  /** Why the tab signed out by itself (shown on the sign-in form), or null. */
  notice = $state<string | null>(null);

  get signedIn(): boolean {
    return this.token !== null || this.cookie;
  }

  /** At start: how the server lets people sign in, and whether this browser already is. */
  async check(): Promise<void> {
    try {
      const config = await fetch("/auth/config");
      if (config.ok) this.options = (await config.json()) as SignInOptions;
      if (this.token === null && this.options.oidc) {
        const res = await fetch("/graphql", {
          method: "POST",
          credentials: "same-origin",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ query: stringifyDocument(Viewer) }),
        });
        this.cookie = res.ok;
      }
    } catch {
      // The server cannot be reached: the sign-in form says so when it is used.
    } finally {
      this.checking = false;
    }
  }

  signIn(token: string): void {
    const trimmed = token.trim();
    sessionStorage.setItem(KEY, trimmed);
    this.notice = null;
    this.token = trimmed;
  }

  /** `reason`: the tab signs out because the server refused its credentials, not because it was asked to. */
  signOut(reason: string | null = null): void {
    sessionStorage.removeItem(KEY);
    if (this.cookie) {
      void fetch("/auth/logout", { method: "POST", credentials: "same-origin" }).catch(() => undefined);
    }
    this.notice = reason;
    this.token = null;
    this.cookie = false;
  }
}

export const auth = new Auth();
void auth.check();
