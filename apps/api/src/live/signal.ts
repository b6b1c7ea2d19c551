// How instances tell each other that something committed. The live feed reads the changes
// themselves from the audit trail; the signal only says "look now". Unset REDIS_URL: in-process
// only (one instance). Set: through Redis pub/sub (@graphql-yoga/redis-event-target), so a change
// committed on instance B reaches the subscribers of instance A at once. If Redis is away, the
// feed's own 1 s poll keeps delivering (nothing is lost; it is only slower) and readiness says
// "degraded".
import { createRedisEventTarget } from "@graphql-yoga/redis-event-target";
import { Redis } from "ioredis";
import type { Logger } from "pino";

export interface CommitSignal {
  /** Tell every instance (this one included) that something committed. */
  publish(): void;
  onSignal(handler: () => void): void;
  /** null when there is no shared transport to check. */
  status(): "ok" | "unreachable" | null;
  close(): Promise<void>;
}

export function localSignal(): CommitSignal {
  const handlers: (() => void)[] = [];
  return {
    publish: () => handlers.forEach((h) => h()),
    onSignal: (handler) => void handlers.push(handler),
    status: () => null,
    close: async () => undefined,
  };
}

const TOPIC = "access:committed";

export function redisSignal(url: string, log: Logger): CommitSignal {
  const options = { connectTimeout: 2_000, retryStrategy: (attempt: number) => Math.min(attempt * 200, 2_000) };
  // PUBLISH fails fast while Redis is away (the poll covers); SUBSCRIBE waits in the offline
  // queue for as long as it takes, so it never rejects (the event target would not catch it).
  const publishClient = new Redis(url, { ...options, maxRetriesPerRequest: 1, enableOfflineQueue: false });
  const subscribeClient = new Redis(url, { ...options, maxRetriesPerRequest: null, enableOfflineQueue: true });
  let reported = false;
  for (const client of [publishClient, subscribeClient]) {
    client.on("error", (err: Error) => {
      if (!reported) log.warn({ err: err.message }, "redis unreachable; live updates fall back to polling");
      reported = true;
    });
    client.on("ready", () => {
      if (reported) log.info("redis reachable again");
      reported = false;
    });
  }
  // The event target does not handle a failed PUBLISH (an unhandled rejection would end the
  // process while Redis is down): it gets a publisher that reports and swallows the failure.
  const publisher = {
    publish: (channel: string, message: string) =>
      publishClient.publish(channel, message).catch((err: unknown) => log.debug({ err }, "redis publish failed")),
  } as unknown as Redis;
  const target = createRedisEventTarget<CustomEvent>({ publishClient: publisher, subscribeClient });
  const handlers: (() => void)[] = [];
  target.addEventListener(TOPIC, () => handlers.forEach((h) => h()));
  return {
    publish() {
      // Local subscribers must not wait for Redis (nor miss the change when it is down).
      handlers.forEach((h) => h());
      if (publishClient.status === "ready") target.dispatchEvent(new CustomEvent(TOPIC, { detail: Date.now() }));
    },
    onSignal: (handler) => void handlers.push(handler),
    status: () => (publishClient.status === "ready" && subscribeClient.status === "ready" ? "ok" : "unreachable"),
    async close() {
      publishClient.disconnect();
      subscribeClient.disconnect();
    },
  };
}
