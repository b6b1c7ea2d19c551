// Sign-in with an API token, kept in this tab's session storage until sign-out.
const KEY = "access.token";

class Auth {
  token = $state<string | null>(sessionStorage.getItem(KEY));
  /** Why the tab signed out by itself (shown on the sign-in form), or null. */
  notice = $state<string | null>(null);

  signIn(token: string): void {
    const trimmed = token.trim();
    sessionStorage.setItem(KEY, trimmed);
    this.notice = null;
    this.token = trimmed;
  }

  /** `reason`: the tab signs out because the server refused the token, not because it was asked to. */
  signOut(reason: string | null = null): void {
    sessionStorage.removeItem(KEY);
    this.notice = reason;
    this.token = null;
  }
}

export const auth = new Auth();
