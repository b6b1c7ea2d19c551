// Sign-in with an API token, kept in this tab's session storage until sign-out.
const KEY = "access.token";

class Auth {
  token = $state<string | null>(sessionStorage.getItem(KEY));

  signIn(token: string): void {
    const trimmed = token.trim();
    sessionStorage.setItem(KEY, trimmed);
    this.token = trimmed;
  }

  signOut(): void {
    sessionStorage.removeItem(KEY);
    this.token = null;
  }
}

export const auth = new Auth();
