// Live updates, driven by the audit trail. After a transaction commits, the feed reads the new
// status-change events from the database in sequence order and hands each one to the
// subscribers that may see its request (or, for access reviews, its campaign's item). Because the trail is the source, a subscriber can resume
// from any sequence (`afterSequence`): first the stored changes, then the live ones, with no gap
// and no duplicate at the seam. Nothing is published for a transaction that rolled back, since
// its events never exist.
import type { Logger } from "pino";
import type { Client } from "../db/database.ts";
import {
  audienceSelect,
  canSeeRequest,
  canSeeReviewChange,
  type RequestAudience,
  type ReviewAudience,
  reviewAudienceSelect,
  toAudience,
  toReviewAudience,
  visibleRequestWhere,
} from "../domain/policy/visibility.ts";
import { type Actor, isAdmin } from "../domain/work.ts";
import {
  ACTIONS_OF,
  CHANGE_ACTIONS,
  type ChangeKind,
  decodeChange,
  type StatusChange,
  type StoredEvent,
} from "./changes.ts";
import { CoalescedTask } from "./coalesced-task.ts";

const BATCH = 500;
/** Safety net for writers that cannot tell this process (another process on the same file). */
const POLL_MS = 1000;
/** Messages a slow subscriber may have queued before it is cut off (it can resume). */
const MAX_QUEUE = 10_000;

export interface SubscribeOptions {
  kind: ChangeKind;
  requestId?: string | null;
  afterSequence?: number | null;
}

interface Subscriber {
  viewer: Actor;
  options: SubscribeOptions;
  push(change: StatusChange): void;
}

const eventSelect = {
  sequence: true,
  at: true,
  action: true,
  actorId: true,
  requestId: true,
  ticketId: true,
  data: true,
} as const;

export class LiveFeed {
  private cursor = 0;
  private readonly subscribers = new Set<Subscriber>();
  private readonly draining: CoalescedTask;
  private timer: NodeJS.Timeout | null = null;
  private started = false;

  constructor(
    private readonly db: Client,
    private readonly log: Logger,
    /**
     * Told, for each event handed to subscribers, the seconds since its timestamp (taken in its
     * transaction, just before commit): the fan-out lag metrics report.
     */
    private readonly onFanout: ((seconds: number) => void) | null = null,
  ) {
    this.draining = new CoalescedTask(
      () => this.drain(),
      (err) => log.error({ err }, "live feed failed"),
    );
  }

  async start(): Promise<void> {
    const head = await this.db.auditHead.findUnique({ where: { id: 1 } });
    this.cursor = head?.sequence ?? 0;
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

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** Something committed: read and dispatch what is new (coalesced). */
  poke(): void {
    if (this.started) this.draining.trigger();
  }

  /** Resolves once everything committed so far has been dispatched (tests, shutdown). */
  settle(): Promise<void> {
    return this.draining.settle();
  }

  private async drain(): Promise<void> {
    for (;;) {
      const events = await this.db.auditEvent.findMany({
        where: { sequence: { gt: this.cursor }, action: { in: [...CHANGE_ACTIONS] } },
        orderBy: { sequence: "asc" },
        take: BATCH,
        select: eventSelect,
      });
      if (events.length === 0) return;
      const changes = events.flatMap((event) => this.decode(event));
      const audiences = this.subscribers.size > 0 ? await this.loadAudiences(changes) : NO_AUDIENCES;
      for (const change of changes) {
        for (const subscriber of this.subscribers) {
          if (matches(subscriber.options, change) && maySee(subscriber.viewer, change, audiences))
            subscriber.push(change);
        }
      }
      if (this.onFanout && this.subscribers.size > 0) {
        const now = Date.now();
        for (const event of events) this.onFanout((now - event.at.getTime()) / 1000);
      }
      this.cursor = events.at(-1)?.sequence ?? this.cursor;
      if (events.length < BATCH) return;
    }
  }

  /**
   * The change an event records (none when it records no change). An event whose data does not
   * decode is a writer's bug or a damaged row: it is logged with what is wrong, and the feed goes
   * on with the next one.
   */
  private decode(event: StoredEvent): StatusChange[] {
    const decoded = decodeChange(event);
    if (decoded.ok) return decoded.change ? [decoded.change] : [];
    this.log.error(
      { sequence: event.sequence, action: event.action, problem: decoded.problem },
      "live feed: an audit event's data does not decode; its change is not delivered",
    );
    return [];
  }

  private async loadAudiences(changes: StatusChange[]): Promise<Audiences> {
    const ids = [
      ...new Set(changes.flatMap((c) => (c.kind === "ticket" || c.kind === "request" ? [c.requestId] : []))),
    ];
    const requests =
      ids.length === 0
        ? []
        : await this.db.request.findMany({ where: { id: { in: ids } }, select: { id: true, ...audienceSelect } });
    return {
      requests: new Map(requests.map((r) => [r.id, toAudience(r)])),
      reviews: await this.loadReviewAudiences(changes),
    };
  }

  /** The reviewers of the campaigns the changes are about, read once per batch. */
  private async loadReviewAudiences(changes: StatusChange[]): Promise<Map<string, ReviewAudience>> {
    const ids = [...new Set(changes.flatMap((c) => (c.kind === "review" ? [c.reviewId] : [])))];
    if (ids.length === 0) return new Map();
    const reviews = await this.db.accessReview.findMany({
      where: { id: { in: ids } },
      select: { id: true, ...reviewAudienceSelect },
    });
    return new Map(reviews.map((r) => [r.id, toReviewAudience(r)]));
  }

  /**
   * The viewer's changes, in sequence order: with `afterSequence`, first the stored ones after
   * it, then live ones. Ends (for the client to resume) if the consumer falls too far behind.
   */
  subscribe(viewer: Actor, options: SubscribeOptions, onEnd?: () => void): AsyncGenerator<StatusChange> {
    const queue: StatusChange[] = [];
    let wake: (() => void) | null = null;
    let overflowed = false;
    const subscriber: Subscriber = {
      viewer,
      options,
      push(change) {
        if (queue.length >= MAX_QUEUE) overflowed = true;
        else queue.push(change);
        wake?.();
      },
    };
    // Registering first and snapshotting the cursor in the same tick makes the seam exact:
    // everything up to `seam` comes from the replay, everything after it from the feed.
    this.subscribers.add(subscriber);
    const seam = this.cursor;
    const after = options.afterSequence;
    const replay = after != null && after < seam ? this.replay(viewer, options, after, seam) : null;
    const subscribers = this.subscribers;
    let closed = false;

    const stream = (async function* stream() {
      let last = options.afterSequence ?? -1;
      try {
        if (replay) {
          for await (const change of replay) {
            last = change.sequence;
            yield change;
          }
        }
        for (;;) {
          while (queue.length > 0) {
            const change = queue.shift() as StatusChange;
            if (change.sequence <= last) continue;
            last = change.sequence;
            yield change;
          }
          if (overflowed || closed) return;
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = null;
        }
      } finally {
        subscribers.delete(subscriber);
        onEnd?.();
      }
    })();
    // An async generator waiting for the next change would only see return() after that change
    // arrives; wake it so an unsubscribe ends the stream (and frees the subscriber) at once.
    const finish = stream.return.bind(stream);
    stream.return = (value?: unknown) => {
      closed = true;
      subscribers.delete(subscriber);
      onEnd?.();
      wake?.();
      return finish(value as undefined);
    };
    return stream;
  }

  /** The stored changes in (after, upTo] the viewer may see, read page by page. */
  private async *replay(
    viewer: Actor,
    options: SubscribeOptions,
    after: number,
    upTo: number,
  ): AsyncGenerator<StatusChange> {
    if (options.kind === "health" && !isAdmin(viewer)) return;
    // Grant events name their holder only inside their data, review events no request: both are
    // filtered after decoding (review audiences read per page, as the live path does).
    const byRequest = options.kind === "ticket" || options.kind === "request";
    let cursor = after;
    for (;;) {
      const events = await this.db.auditEvent.findMany({
        where: {
          sequence: { gt: cursor, lte: upTo },
          action: { in: [...ACTIONS_OF[options.kind]] },
          ...(options.requestId ? { requestId: options.requestId } : {}),
          ...(byRequest ? { request: visibleRequestWhere(viewer) } : {}),
        },
        orderBy: { sequence: "asc" },
        take: BATCH,
        select: eventSelect,
      });
      const changes = events.flatMap((event) => this.decode(event)).filter((change) => matches(options, change));
      const audiences =
        options.kind === "review" && !isAdmin(viewer)
          ? { requests: new Map(), reviews: await this.loadReviewAudiences(changes) }
          : NO_AUDIENCES;
      for (const change of changes) if (byRequest || maySee(viewer, change, audiences)) yield change;
      if (events.length < BATCH) return;
      cursor = events.at(-1)?.sequence ?? upTo;
    }
  }
}

/** What a batch's changes need to know about who may see them. */
interface Audiences {
  requests: Map<string, RequestAudience>;
  reviews: Map<string, ReviewAudience>;
}
const NO_AUDIENCES: Audiences = { requests: new Map(), reviews: new Map() };

function matches(options: SubscribeOptions, change: StatusChange): boolean {
  if (change.kind !== options.kind) return false;
  return (
    change.kind === "health" ||
    change.kind === "review" ||
    change.kind === "grant" ||
    !options.requestId ||
    options.requestId === change.requestId
  );
}

/**
 * Ticket and request changes: whoever may see the request; grants: the holder and admins;
 * connector health: admins; review changes: admins and the reviewers (of the item, or of any item
 * for a start or a close).
 */
function maySee(viewer: Actor, change: StatusChange, audiences: Audiences): boolean {
  if (change.kind === "health") return isAdmin(viewer);
  if (change.kind === "grant") return isAdmin(viewer) || change.identityId === viewer.id;
  if (change.kind === "review") {
    const audience = audiences.reviews.get(change.reviewId);
    return isAdmin(viewer) || (audience !== undefined && canSeeReviewChange(viewer, audience, change.itemId));
  }
  const audience = audiences.requests.get(change.requestId);
  return audience !== undefined && canSeeRequest(viewer, audience);
}
