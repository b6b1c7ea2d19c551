// A live subscription as a live session: counted against its credential's limit, and ended when
// the token, the browser session or the identity stops being valid (sessions.ts). The schema's subscription fields call
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
  const typed = (stream: AsyncGenerator<StatusChange>) => stream as AsyncGenerator<ChangeOf<K>>;
  const credential = ctx.credential;
  if (!credential) return typed(ctx.feed.subscribe(viewer, options));
  if (ctx.sessions.count("subscription", credential) >= ctx.maxSubscriptionsPerToken) {
    throw new DomainError(
      "RATE_LIMITED",
      `At most ${ctx.maxSubscriptionsPerToken} live subscriptions per token; end one first.`,
    );
  }
  let unregister = () => {};
  const stream = ctx.feed.subscribe(viewer, options, () => unregister());
  unregister = ctx.sessions.add({
    kind: "subscription",
    credential,
    identityId: viewer.id,
    role: viewer.role,
    end: () => void stream.return(undefined),
  });
  return typed(stream);
}
