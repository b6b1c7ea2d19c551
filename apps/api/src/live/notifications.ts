// Live notifications (Subscription.notificationAdded): each instance keeps one watcher that reads
// the notifications written for the people subscribed here, after the last one it handed each of
// them, and hands them out. The projector writes notifications in audit-sequence order, one batch
// per transaction after the one before, so "after (sequence, id) of the last handed out" misses
// nothing and repeats nothing. A person's first subscription starts after their newest
// notification at that moment. It looks on the commit signal (the projector publishes one after
// writing) and every second while anyone listens; with nobody subscribed it reads nothing. Reads
// go by identity, so they use the (identityId, sequence) index.
import type { Logger } from "pino";
import type { Client } from "../db/database.ts";
import type { Actor } from "../domain/work.ts";
import { CoalescedTask } from "./coalesced-task.ts";

const BATCH = 500;
const POLL_MS = 1000;
/** Notifications a slow subscriber may have queued before its stream ends (it can list them). */
const MAX_QUEUE = 1_000;

interface Position {
  sequence: number;
  /** The last id handed out within `sequence` ("" before any: every id sorts after it). */
  id: string;
}

interface Subscriber {
  push(notificationId: string): void;
}

interface Listeners {
  after: Position;
  subscribers: Set<Subscriber>;
}

const isAfter = (row: Position, position: Position) =>
  row.sequence > position.sequence || (row.sequence === position.sequence && row.id > position.id);

export class NotificationWatcher {
  private readonly people = new Map<string, Listeners>();
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

  start(): void {
    this.started = true;
    this.timer = setInterval(() => {
      if (this.people.size > 0) this.poke();
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
    return this.people.size;
  }

  /** Notifications may have been written: read and hand out what is new (coalesced). */
  poke(): void {
    if (this.started && this.people.size > 0) this.task.trigger();
  }

  settle(): Promise<void> {
    return this.task.settle();
  }

  private async drain(): Promise<void> {
    if (this.people.size === 0) return;
    const start = Math.min(...[...this.people.values()].map((p) => p.after.sequence));
    let page: Position = { sequence: start, id: "" };
    for (;;) {
      const rows = await this.db.notification.findMany({
        where: {
          identityId: { in: [...this.people.keys()] },
          OR: [{ sequence: { gt: page.sequence } }, { sequence: page.sequence, id: { gt: page.id } }],
        },
        orderBy: [{ sequence: "asc" }, { id: "asc" }],
        take: BATCH,
        select: { id: true, identityId: true, sequence: true },
      });
      for (const row of rows) {
        const listeners = this.people.get(row.identityId);
        if (listeners && isAfter(row, listeners.after)) {
          listeners.after = { sequence: row.sequence, id: row.id };
          for (const subscriber of listeners.subscribers) subscriber.push(row.id);
        }
        page = { sequence: row.sequence, id: row.id };
      }
      if (rows.length < BATCH) return;
    }
  }

  /** Where a person's first subscription starts: after their newest notification now. */
  private async listenersOf(identityId: string): Promise<Listeners> {
    const existing = this.people.get(identityId);
    if (existing) return existing;
    const newest = await this.db.notification.findFirst({
      where: { identityId },
      orderBy: [{ sequence: "desc" }, { id: "desc" }],
      select: { sequence: true, id: true },
    });
    const listeners = this.people.get(identityId) ?? {
      after: newest ?? { sequence: 0, id: "" },
      subscribers: new Set<Subscriber>(),
    };
    this.people.set(identityId, listeners);
    return listeners;
  }

  /** The ids of the viewer's new notifications, as they are written. */
  subscribe(viewer: Actor, onEnd?: () => void): AsyncGenerator<string> {
    const queue: string[] = [];
    let wake: (() => void) | null = null;
    let overflowed = false;
    let closed = false;
    let listeners: Listeners | null = null;
    const subscriber: Subscriber = {
      push(id) {
        if (queue.length >= MAX_QUEUE) overflowed = true;
        else queue.push(id);
        wake?.();
      },
    };
    const remove = () => {
      if (!listeners) return;
      listeners.subscribers.delete(subscriber);
      if (listeners.subscribers.size === 0 && this.people.get(viewer.id) === listeners) this.people.delete(viewer.id);
    };
    const join = async () => {
      listeners = await this.listenersOf(viewer.id);
      if (closed) return;
      // The last subscriber of the person may have left meanwhile: put the position back.
      if (!this.people.has(viewer.id)) this.people.set(viewer.id, listeners);
      listeners.subscribers.add(subscriber);
      this.poke();
    };
    const stream = (async function* stream() {
      try {
        await join();
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
