// Sign-in through the identity provider, on the domain's side: the person the provider vouched
// for (a verified email) becomes a session of the matching active identity (http/oidc.ts does
// the OpenID Connect part). One transaction: the identity (when created) and the session.
import { createIdentity } from "../directory/directory.ts";
import { isDomainError, LIMITS } from "../validate.ts";
import type { Work } from "../work.ts";
import { type SessionRules, type StartedSession, startSession } from "./sessions.ts";

/** What the identity provider vouched for: a verified email and the person's name. */
export interface VerifiedPerson {
  email: string;
  name: string | null;
}

export type SignInOutcome =
  | { ok: true; session: StartedSession; identityId: string }
  | { ok: false; reason: "unknown" | "inactive" | "invalid email" };

/**
 * Signs in the active identity whose email is the verified one. Nobody has it: refused, or with
 * `createIdentities` a new END_USER identity (audited as created by the system, no manager, no
 * group: an admin or the directory sync completes it). A deactivated identity is refused.
 */
export async function signIn(
  work: Work,
  rules: SessionRules,
  person: VerifiedPerson,
  options: { createIdentities: boolean; userAgent: string | null },
): Promise<SignInOutcome> {
  const email = person.email.trim().toLowerCase();
  let identity = await work.tx.identity.findUnique({ where: { email }, select: { id: true, active: true } });
  if (identity && !identity.active) return { ok: false, reason: "inactive" };
  if (!identity) {
    if (!options.createIdentities) return { ok: false, reason: "unknown" };
    try {
      const id = await createIdentity(work, null, {
        email,
        displayName: (person.name?.trim() || email).slice(0, LIMITS.name),
      });
      identity = { id, active: true };
    } catch (error) {
      // An address this product cannot store (too long, malformed) is refused like a stranger.
      if (isDomainError(error) && error.code === "VALIDATION") return { ok: false, reason: "invalid email" };
      throw error;
    }
  }
  const session = await startSession(work, rules, { identityId: identity.id, userAgent: options.userAgent });
  return { ok: true, session, identityId: identity.id };
}
