// Live notifications (Subscription.notificationAdded): each instance keeps one watcher that reads
// the notifications written after the last one it saw and hands each to its person's subscribers.
// The projector writes notifications in audit-sequence order, one batch per transaction after the
// one before, so "sequence greater than the last seen" misses nothing and repeats nothing. It
// looks on the commit signal (the projector publishes one after writing), and every second while
// anyone listens (a safety net for a missed signal).
import type { Logger } from "pino";
import type { Client } from "../db/database.ts";
import type { Actor } from "../domain/work.ts";
import { CoalescedTask } from "./coalesced-task.ts";

const BATCH = 500;
const POLL_MS = 1000;
/** Notifications a slow subscriber may have queued before its stream ends (it can list them). */
const MAX_QUEUE = 1_000;

interface Subscriber {
  push(notificationId: string): void;
}

export class NotificationWatcher {
  private lastSequence = 0;
  /** The last id handed out within lastSequence ("" before any: ids sort after it). */
  private lastId = "";
  private readonly subscribers = new Map<string, Set<Subscriber>>();
  private readonly task: CoalescedTask;
  private timer: NodeJS.Timeout | null = null;
  private started = false;

  constructor(
    private readonly db: Client,
    log: Logger,
  ) {
    this.task = new CoalescedTask(
      () => this.drain(),
      (err) => log.error({ err }, "notification watcher failed"),
    );
  }

  async start(): Promise<void> {
    const latest = await this.db.notification.findFirst({
      orderBy: [{ sequence: "desc" }, { id: "desc" }],
      select: { sequence: true, id: true },
    });
    this.lastSequence = latest?.sequence ?? 0;
    this.lastId = latest?.id ?? "";
    this.started = true;
    this.timer = setInterval(() => {
      if (this.subscribers.size > 0) this.poke();
    }, POLL_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.started = false;
  }

  /** People with a live subscription here. */
  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** Notifications may have been written: read and hand out what is new (coalesced). */
  poke(): void {
    if (this.started) this.task.trigger();
  }

  settle(): Promise<void> {
    return this.task.settle();
  }

  private async drain(): Promise<void> {
    for (;;) {
      // (sequence, id): one event's notifications commit together, so the pair is a stable order.
      const rows = await this.db.notification.findMany({
        where: {
          OR: [{ sequence: { gt: this.lastSequence } }, { sequence: this.lastSequence, id: { gt: this.lastId } }],
        },
        orderBy: [{ sequence: "asc" }, { id: "asc" }],
        take: BATCH,
        select: { id: true, identityId: true, sequence: true },
      });
      for (const row of rows) {
        for (const subscriber of this.subscribers.get(row.identityId) ?? []) subscriber.push(row.id);
        this.lastSequence = row.sequence;
        this.lastId = row.id;
      }
      if (rows.length < BATCH) return;
    }
  }

  /** The ids of the viewer's new notifications, as they are written. */
  subscribe(viewer: Actor, onEnd?: () => void): AsyncGenerator<string> {
    const queue: string[] = [];
    let wake: (() => void) | null = null;
    let overflowed = false;
    let closed = false;
    const subscriber: Subscriber = {
      push(id) {
        if (queue.length >= MAX_QUEUE) overflowed = true;
        else queue.push(id);
        wake?.();
      },
    };
    const own = this.subscribers.get(viewer.id) ?? new Set<Subscriber>();
    own.add(subscriber);
    this.subscribers.set(viewer.id, own);
    const remove = () => {
      own.delete(subscriber);
      if (own.size === 0 && this.subscribers.get(viewer.id) === own) this.subscribers.delete(viewer.id);
    };
    const stream = (async function* stream() {
      try {
        for (;;) {
          while (queue.length > 0) yield queue.shift() as string;
          if (overflowed || closed) return;
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = null;
        }
      } finally {
        remove();
        onEnd?.();
      }
    })();
    // As in the live feed: wake a waiting generator so an unsubscribe ends it at once.
    const finish = stream.return.bind(stream);
    stream.return = (value?: unknown) => {
      closed = true;
      remove();
      onEnd?.();
      wake?.();
      return finish(value as undefined);
    };
    return stream;
  }
}
