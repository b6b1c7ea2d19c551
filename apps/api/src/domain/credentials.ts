// What a caller authenticated with: an API token (integrators, and the dashboard's token
// sign-in) or a browser session (sign-in through the identity provider, sessions/sessions.ts).
// Live connections, their limits and their re-checks are kept per credential.

export interface Credential {
  kind: "token" | "session";
  /** The ApiToken's or the Session's database id. */
  id: string;
}

/** One string per credential (map keys, rate-limit buckets): ids of the two kinds never collide. */
export const credentialKey = (credential: Credential): string => `${credential.kind}:${credential.id}`;
