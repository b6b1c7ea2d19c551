// What a tab the server signed out tells its person (session.svelte.ts shows it).

/** What a tab signed out by the server says: the server's reason when it gave one. */
export function refusedNotice(reason: string | undefined): string {
  // Signing in again cannot help someone whose account was deactivated: say whom to ask.
  if (reason && /deactivated/i.test(reason)) {
    return "You were signed out: your account was deactivated. Ask an administrator if you think this is a mistake.";
  }
  const why =
    reason && reason !== "Forbidden"
      ? reason
      : "The server refused this sign-in (it was revoked or expired, or its identity was deactivated or changed role).";
  return `You were signed out. ${why} Sign in again.`;
}
