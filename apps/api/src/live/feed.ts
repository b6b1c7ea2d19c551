// Live updates, driven by the audit trail. After a transaction commits, the feed reads the new
// status-change events from the database in sequence order and hands each one to the
// subscribers that may see its request. Because the trail is the source, a subscriber can resume
// from any sequence (`afterSequence`): first the stored changes, then the live ones, with no gap
// and no duplicate at the seam. Nothing is published for a transaction that rolled back, since
// its events never exist.
import type { AuditAction, HealthStatus, RequestStatus, TicketStatus } from "../generated/prisma/client.ts";
import { fromGlobalId } from "../domain/global-id.ts";
import { isAdmin } from "../domain/work.ts";
import type { Client } from "../db/database.ts";
import {
  audienceSelect,
  canSeeRequest,
  type RequestAudience,
  toAudience,
  visibleRequestWhere,
} from "../domain/policy/visibility.ts";
import type { Actor } from "../domain/work.ts";
import { CoalescedTask } from "./coalesced-task.ts";

const TICKET_ACTIONS: readonly AuditAction[] = [
  "TICKET_CREATED",
  "TICKET_APPROVED",
  "TICKET_REJECTED",
  "TICKET_FULFILLED",
  "TICKET_FAILED",
  "TICKET_STATUS_CHANGED",
];
const REQUEST_ACTIONS: readonly AuditAction[] = ["REQUEST_CREATED", "REQUEST_STATUS_CHANGED", "REQUEST_CANCELLED"];
const HEALTH_ACTIONS: readonly AuditAction[] = ["SYSTEM_HEALTH_CHANGED"];
const STATUS_ACTIONS = [...TICKET_ACTIONS, ...REQUEST_ACTIONS, ...HEALTH_ACTIONS];
const ACTIONS_OF = { ticket: TICKET_ACTIONS, request: REQUEST_ACTIONS, health: HEALTH_ACTIONS } as const;

const BATCH = 500;
/** Safety net for writers that cannot tell this process (another process on the same file). */
const POLL_MS = 1000;
/** Messages a slow subscriber may have queued before it is cut off (it can resume). */
const MAX_QUEUE = 10_000;

export interface TicketStatusChange {
  kind: "ticket";
  sequence: number;
  at: Date;
  requestId: string;
  ticketId: string;
  actorId: string | null;
  previousStatus: TicketStatus | null;
  status: TicketStatus;
}

export interface RequestStatusChange {
  kind: "request";
  sequence: number;
  at: Date;
  requestId: string;
  actorId: string | null;
  previousStatus: RequestStatus | null;
  status: RequestStatus;
}

export interface SystemHealthChange {
  kind: "health";
  sequence: number;
  at: Date;
  systemId: string;
  previousStatus: HealthStatus | null;
  status: HealthStatus;
  message: string | null;
}

export type StatusChange = TicketStatusChange | RequestStatusChange | SystemHealthChange;

interface StoredEvent {
  sequence: number;
  at: Date;
  action: AuditAction;
  actorId: string | null;
  requestId: string | null;
  ticketId: string | null;
  data: string;
}

function toChange(event: StoredEvent): StatusChange | null {
  const data = JSON.parse(event.data) as {
    previousStatus?: string | null;
    status?: string;
    systemId?: string;
    message?: string | null;
  };
  if (!data.status) return null;
  if (HEALTH_ACTIONS.includes(event.action)) {
    const systemId = data.systemId ? fromGlobalId(data.systemId)?.id : undefined;
    if (!systemId) return null;
    return {
      kind: "health",
      sequence: event.sequence,
      at: event.at,
      systemId,
      previousStatus: (data.previousStatus ?? null) as HealthStatus | null,
      status: data.status as HealthStatus,
      message: data.message ?? null,
    };
  }
  if (!event.requestId) return null;
  const base = {
    sequence: event.sequence,
    at: event.at,
    requestId: event.requestId,
    actorId: event.actorId,
  };
  if (TICKET_ACTIONS.includes(event.action) && event.ticketId) {
    return {
      ...base,
      kind: "ticket",
      ticketId: event.ticketId,
      previousStatus: (data.previousStatus ?? null) as TicketStatus | null,
      status: data.status as TicketStatus,
    };
  }
  if (REQUEST_ACTIONS.includes(event.action)) {
    return {
      ...base,
      kind: "request",
      previousStatus: (data.previousStatus ?? null) as RequestStatus | null,
      status: data.status as RequestStatus,
    };
  }
  return null;
}

export interface SubscribeOptions {
  kind: StatusChange["kind"];
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
    onError: (error: unknown) => void,
  ) {
    this.draining = new CoalescedTask(() => this.drain(), onError);
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
        where: { sequence: { gt: this.cursor }, action: { in: [...STATUS_ACTIONS] } },
        orderBy: { sequence: "asc" },
        take: BATCH,
        select: eventSelect,
      });
      if (events.length === 0) return;
      const changes = events.map(toChange).filter((c): c is StatusChange => c !== null);
      const audiences =
        this.subscribers.size > 0 ? await this.loadAudiences(changes) : new Map<string, RequestAudience>();
      for (const change of changes) {
        for (const subscriber of this.subscribers) {
          if (matches(subscriber.options, change) && maySee(subscriber.viewer, change, audiences))
            subscriber.push(change);
        }
      }
      this.cursor = events.at(-1)?.sequence ?? this.cursor;
      if (events.length < BATCH) return;
    }
  }

  private async loadAudiences(changes: StatusChange[]): Promise<Map<string, RequestAudience>> {
    const ids = [...new Set(changes.flatMap((c) => (c.kind === "health" ? [] : [c.requestId])))];
    const requests = await this.db.request.findMany({
      where: { id: { in: ids } },
      select: { id: true, ...audienceSelect },
    });
    return new Map(requests.map((r) => [r.id, toAudience(r)]));
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
    let cursor = after;
    for (;;) {
      const events = await this.db.auditEvent.findMany({
        where: {
          sequence: { gt: cursor, lte: upTo },
          action: { in: [...ACTIONS_OF[options.kind]] },
          ...(options.requestId ? { requestId: options.requestId } : {}),
          ...(options.kind === "health" ? {} : { request: visibleRequestWhere(viewer) }),
        },
        orderBy: { sequence: "asc" },
        take: BATCH,
        select: eventSelect,
      });
      for (const event of events) {
        const change = toChange(event);
        if (change && matches(options, change)) yield change;
      }
      if (events.length < BATCH) return;
      cursor = events.at(-1)?.sequence ?? upTo;
    }
  }
}

function matches(options: SubscribeOptions, change: StatusChange): boolean {
  if (change.kind !== options.kind) return false;
  return change.kind === "health" || !options.requestId || options.requestId === change.requestId;
}

/** Ticket and request changes: whoever may see the request; connector health: admins. */
function maySee(viewer: Actor, change: StatusChange, audiences: Map<string, RequestAudience>): boolean {
  if (change.kind === "health") return isAdmin(viewer);
  const audience = audiences.get(change.requestId);
  return audience !== undefined && canSeeRequest(viewer, audience);
}
