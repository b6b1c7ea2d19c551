// A live subscription as a live session: counted against its credential's limit, and ended when
// the token, the browser session or the identity stops being valid (sessions.ts), with the reason
// kept for the transport to tell the client. The schema's subscription fields call
// this with their decoded arguments.
import type { Context } from "../context.ts";
import { DomainError } from "../domain/errors.ts";
import type { Actor } from "../domain/work.ts";
import type { ChangeKind, StatusChange } from "./changes.ts";
import type { SubscribeOptions } from "./feed.ts";

type ChangeOf<K extends ChangeKind> = Extract<StatusChange, { kind: K }>;

type Subscribing = Pick<Context, "feed" | "sessions" | "maxSubscriptionsPerToken" | "credential">;

/** The viewer's changes of one kind (see LiveFeed.subscribe), as a live session of the caller's credential. */
export function subscribeLive<K extends ChangeKind>(
  ctx: Subscribing,
  viewer: Actor,
  options: SubscribeOptions & { kind: K },
): AsyncGenerator<ChangeOf<K>> {
  // The feed hands a subscriber only changes of the kind it asked for.
  return asLiveSession(ctx, viewer, (onEnd) => ctx.feed.subscribe(viewer, options, onEnd)) as AsyncGenerator<
    ChangeOf<K>
  >;
}

/**
 * A stream as a live session of the caller's credential: refused past MAX_SUBSCRIPTIONS_PER_TOKEN,
 * ended when the credential or identity stops being valid. `open` calls its onEnd when the stream ends.
 */
export function asLiveSession<T>(
  ctx: Pick<Context, "sessions" | "maxSubscriptionsPerToken" | "credential">,
  viewer: Actor,
  open: (onEnd: () => void) => AsyncGenerator<T>,
): AsyncGenerator<T> {
  const credential = ctx.credential;
  if (!credential) return open(() => undefined);
  if (ctx.sessions.count("subscription", credential) >= ctx.maxSubscriptionsPerToken) {
    throw new DomainError(
      "RATE_LIMITED",
      `At most ${ctx.maxSubscriptionsPerToken} live subscriptions per token; end one first.`,
    );
  }
  let unregister = () => {};
  const stream = open(() => unregister());
  unregister = ctx.sessions.add({
    kind: "subscription",
    credential,
    identityId: viewer.id,
    role: viewer.role,
    end: (reason) => {
      // Kept before the stream ends, so whoever sees it end can tell it was refused (not completed).
      endedReasons.set(ctx, reason);
      void stream.return(undefined);
    },
  });
  return stream;
}

/**
 * Why the live sessions of an operation's context were ended because their credentials stopped
 * holding, by context: the operation's transport tells its client (graphql/plugins.ts sends SSE
 * clients an UNAUTHENTICATED error; a WebSocket closes with 4403 and the reason).
 */
const endedReasons = new WeakMap<object, string>();

/** The reason the operation's subscription was ended for its credentials, or undefined (it was not). */
export const credentialsEndedReason = (ctx: object): string | undefined => endedReasons.get(ctx);
