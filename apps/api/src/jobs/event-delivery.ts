// The delivery worker of outbound event endpoints: sends each endpoint the audit events of its
// topics, in sequence order, one at a time, at least once. An endpoint's `deliveredSequence` is
// its cursor over the audit trail (committed with every change: nothing to lose, and a replay is
// a cursor moved back). The worker claims an endpoint with a lease (lockedBy/lockedUntil, a
// conditional update, as jobs/runner.ts claims jobs), so several instances never deliver to one
// endpoint at once; it reads the events after the cursor, moves the cursor over those the endpoint
// does not receive, and POSTs the next one. A 2xx answer records the delivery and moves the cursor
// in one transaction; anything else records the failure and holds the endpoint until its retry
// time (exponential backoff): later events wait, so the order holds. A delivery whose instance
// died is repeated by the next (at least once: receivers de-duplicate by sequence).
// Woken after commits that wrote audit events, on the commit signal of other instances, and on
// an interval (retries).
import { CoalescedTask } from "../live/coalesced-task.ts";
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { Config } from "../config.ts";
import { OutboundPolicy, refusalIn } from "../connectors/outbound.ts";
import { signWebhook, WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER } from "../connectors/webhook.ts";
import type { Database } from "../db/database.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import type { Tx } from "../domain/work.ts";
import { chatMessageOf } from "../domain/events/chat-message.ts";
import { type AuditRow, cloudEventOf, concernsSystem, eventSource } from "../domain/events/cloud-event.ts";
import { auditHead } from "../domain/events/endpoints.ts";
import { actionsOf, cloudEventType, EVENT_TYPE_PREFIX, readTopics } from "../domain/events/topics.ts";
import { toGlobalId } from "../domain/global-id.ts";
import type { EventEndpoint } from "../generated/prisma/client.ts";
import { backoffMs } from "./runner.ts";

const POLL_MS = 500;
/** Audit events read per turn of one endpoint (then the next endpoint gets a turn). */
const BATCH = 100;
/** Endpoints looked at per claim. */
const CLAIM_CANDIDATES = 50;
/** A failure's text as kept in the endpoint's lastError and the delivery log. */
const ERROR_MAX = 500;

export type EventDeliverySettings = Pick<
  Config,
  "eventRetryBaseMs" | "eventLeaseMs" | "eventTimeoutMs" | "resolveSecret" | "connectorAllowedAddresses" | "publicUrl"
>;

/** How one POST went. */
export interface DeliveryAttempt {
  ok: boolean;
  httpStatus: number | null;
  error: string | null;
  durationMs: number;
}

/** What is sent for one event: its type (for the delivery log) and body. */
interface Outgoing {
  type: string;
  /** The CloudEvent's id (the Idempotency-Key header), for CloudEvents endpoints. */
  id: string | null;
  body: unknown;
}

type Endpoint = Pick<
  EventEndpoint,
  "id" | "name" | "kind" | "url" | "secret" | "topics" | "systemId" | "deliveredSequence" | "failures"
>;

const AUDIT_ROW = {
  id: true,
  sequence: true,
  at: true,
  actorId: true,
  action: true,
  requestId: true,
  ticketId: true,
  comment: true,
  data: true,
} as const;

export class EventDeliveryWorker {
  private readonly owner = randomUUID();
  private readonly outbound: OutboundPolicy;
  private readonly source: string;
  private timer: NodeJS.Timeout | null = null;
  /** Delivery runs once at a time; a wake-up while it runs makes it run once more. */
  private readonly task: CoalescedTask;
  private stopped = true;

  constructor(
    private readonly db: Database,
    private readonly settings: EventDeliverySettings,
    private readonly log: Logger,
  ) {
    this.outbound = new OutboundPolicy(settings.connectorAllowedAddresses);
    this.task = new CoalescedTask(
      () => this.drain(),
      (err) => this.log.error({ err }, "event delivery failed"),
    );
    this.source = eventSource(settings.publicUrl);
  }

  /** Resolves a secret reference (what endpoints are checked against when saved). */
  readonly resolveSecret = (reference: string): string | undefined => this.settings.resolveSecret(reference);

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => this.kick(), POLL_MS);
    this.timer.unref();
    this.kick();
  }

  /** Stops claiming; waits for the delivery in hand (its outcome is recorded). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.task.settle();
  }

  /** Delivers what is due now (after commits that wrote audit events, and on the interval). */
  kick(): void {
    if (!this.stopped) this.task.trigger();
  }

  private async drain(): Promise<void> {
    for (let endpoint = await this.claim(); endpoint && !this.stopped; endpoint = await this.claim()) {
      try {
        // A turn with no event to read (the cursor ahead of what is committed) waits for the next wake-up.
        if (!(await this.serve(endpoint))) break;
      } catch (err) {
        // A deleted endpoint, a database hiccup: its lease runs out and it is served again.
        this.log.error({ err, endpointId: endpoint.id }, "event endpoint turn failed");
      }
    }
  }

  /** Claims an enabled endpoint with events after its cursor, not waiting to retry, not leased. */
  private async claim(): Promise<Endpoint | null> {
    const now = new Date();
    const ready = await this.db.read.eventEndpoint.findMany({
      where: {
        enabled: true,
        AND: [
          { OR: [{ retryAt: null }, { retryAt: { lte: now } }] },
          { OR: [{ lockedUntil: null }, { lockedUntil: { lt: now } }] },
        ],
      },
      // Least recently served first: every endpoint gets its turn.
      orderBy: [{ updatedAt: "asc" }, { id: "asc" }],
      take: CLAIM_CANDIDATES,
      select: { id: true, deliveredSequence: true },
    });
    // No endpoint, no second read: what most commits of most installations cost here.
    if (ready.length === 0) return null;
    const head = await auditHead(this.db.read);
    const candidates = ready.filter((endpoint) => endpoint.deliveredSequence < head);
    for (const candidate of candidates) {
      const claimed = await this.db.transact(async ({ tx }) => {
        const { count } = await tx.eventEndpoint.updateMany({
          where: { id: candidate.id, enabled: true, OR: [{ lockedUntil: null }, { lockedUntil: { lt: now } }] },
          data: { lockedBy: this.owner, lockedUntil: this.leaseEnd() },
        });
        return count === 1;
      });
      if (claimed) {
        const endpoint = await this.db.read.eventEndpoint.findUnique({ where: { id: candidate.id } });
        if (endpoint) return endpoint;
      }
    }
    return null;
  }

  private leaseEnd(): Date {
    return new Date(Date.now() + this.settings.eventLeaseMs);
  }

  /**
   * One turn of a claimed endpoint: up to a batch of events, then the lease is given back.
   * False when there was no event to read.
   */
  private async serve(endpoint: Endpoint): Promise<boolean> {
    const actions = new Set<string>(actionsOf(readTopics(endpoint.topics)));
    /** The cursor as committed (what every update expects to find: a replay meanwhile wins). */
    let committed = endpoint.deliveredSequence;
    /** Past the events skipped since (not in its topics, not about its system, nothing to say). */
    let cursor = committed;
    let failures = endpoint.failures;
    const rows = await this.db.read.auditEvent.findMany({
      where: { sequence: { gt: committed } },
      orderBy: { sequence: "asc" },
      take: BATCH,
      select: AUDIT_ROW,
    });
    if (rows.length === 0) {
      await this.release(endpoint.id);
      return false;
    }
    for (const row of rows) {
      if (this.stopped) break;
      const outgoing = actions.has(row.action) ? await this.outgoing(endpoint, row) : null;
      if (!outgoing) {
        cursor = row.sequence;
        continue;
      }
      const attempt = await this.post(endpoint, outgoing);
      const delivery = {
        endpointId: endpoint.id,
        sequence: row.sequence,
        type: outgoing.type,
        outcome: attempt.ok ? ("DELIVERED" as const) : ("FAILED" as const),
        httpStatus: attempt.httpStatus,
        error: attempt.error,
        durationMs: attempt.durationMs,
      };
      const expected = { id: endpoint.id, lockedBy: this.owner, deliveredSequence: committed };
      if (attempt.ok) {
        const moved = await this.db.transact(async ({ tx }) => {
          // The endpoint's row first: its lock orders this against a deletion (see recordAttempt).
          const { count } = await tx.eventEndpoint.updateMany({
            where: { ...expected, enabled: true },
            data: {
              deliveredSequence: row.sequence,
              failures: 0,
              retryAt: null,
              lastError: null,
              lockedUntil: this.leaseEnd(),
            },
          });
          await recordAttempt(tx, delivery, count === 1);
          return count === 1;
        });
        // Replayed, disabled or taken over meanwhile: this turn ends; the next starts from the row.
        if (!moved) {
          await this.release(endpoint.id);
          return true;
        }
        committed = cursor = row.sequence;
        failures = 0;
        continue;
      }
      failures += 1;
      const retryAt = new Date(Date.now() + backoffMs(failures, this.settings.eventRetryBaseMs));
      this.log.warn(
        { endpointId: endpoint.id, sequence: row.sequence, failures, error: attempt.error },
        "event delivery failed",
      );
      await this.db.transact(async ({ tx }) => {
        const { count } = await tx.eventEndpoint.updateMany({
          where: expected,
          data: {
            deliveredSequence: cursor,
            failures,
            retryAt,
            lastError: attempt.error,
            lockedBy: null,
            lockedUntil: null,
          },
        });
        await recordAttempt(tx, delivery, count === 1);
      });
      return true;
    }
    if (cursor > committed) {
      await this.db.transact(({ tx }) =>
        tx.eventEndpoint.updateMany({
          where: { id: endpoint.id, lockedBy: this.owner, deliveredSequence: committed },
          data: { deliveredSequence: cursor },
        }),
      );
    }
    await this.release(endpoint.id);
    return true;
  }

  private async release(endpointId: string): Promise<void> {
    await this.db.transact(({ tx }) =>
      tx.eventEndpoint.updateMany({
        where: { id: endpointId, lockedBy: this.owner },
        data: { lockedBy: null, lockedUntil: null },
      }),
    );
  }

  /** What the endpoint is sent for this event, or null when it is skipped. */
  private async outgoing(endpoint: Endpoint, row: AuditRow): Promise<Outgoing | null> {
    if (endpoint.systemId && !(await concernsSystem(this.db.read, row, endpoint.systemId))) return null;
    if (endpoint.kind === "CHAT") {
      const message = await chatMessageOf(this.db.read, row, this.settings.publicUrl);
      return message ? { type: cloudEventType(row.action), id: null, body: message } : null;
    }
    const event = cloudEventOf(row, this.source);
    return { type: event.type, id: event.id, body: event };
  }

  /** A signed POST of the body (structured CloudEvent or chat message) to the endpoint. */
  private async post(
    endpoint: Pick<Endpoint, "kind" | "url" | "secret">,
    outgoing: Outgoing,
  ): Promise<DeliveryAttempt> {
    const started = Date.now();
    const failed = (error: string, httpStatus: number | null = null): DeliveryAttempt => ({
      ok: false,
      httpStatus,
      error: error.slice(0, ERROR_MAX),
      durationMs: Date.now() - started,
    });
    const secret = endpoint.secret ? this.settings.resolveSecret(endpoint.secret) : null;
    if (endpoint.secret && !secret) return failed(`${endpoint.secret} is not set on this instance`);
    const body = JSON.stringify(outgoing.body);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const headers: Record<string, string> = {
      "content-type": endpoint.kind === "CLOUDEVENTS" ? "application/cloudevents+json" : "application/json",
      "user-agent": "access-requests",
      ...(secret
        ? { [WEBHOOK_TIMESTAMP_HEADER]: timestamp, [WEBHOOK_SIGNATURE_HEADER]: signWebhook(secret, timestamp, body) }
        : {}),
      ...(outgoing.id ? { "idempotency-key": outgoing.id } : {}),
    };
    let response: Awaited<ReturnType<OutboundPolicy["fetch"]>>;
    try {
      response = await this.outbound.fetch(endpoint.url, {
        method: "POST",
        headers,
        body,
        redirect: "error",
        signal: AbortSignal.timeout(this.settings.eventTimeoutMs),
      });
    } catch (error) {
      const refused = refusalIn(error);
      if (refused) return failed(`address refused: ${refused.message}`);
      if ((error as Error).name === "TimeoutError")
        return failed(`no answer within ${this.settings.eventTimeoutMs} ms`);
      const cause = (error as { cause?: { message?: string } }).cause?.message;
      return failed(`unreachable: ${cause ?? (error as Error).message}`);
    }
    await response.arrayBuffer().catch(() => undefined);
    if (response.ok) return { ok: true, httpStatus: response.status, error: null, durationMs: Date.now() - started };
    return failed(`answered HTTP ${response.status}`, response.status);
  }

  /**
   * Sends the endpoint a test event now (`dev.access-requests.ping`, or a chat message), outside
   * its order, and records it in its delivery log as sequence 0; returns the delivery's id, or
   * null when there is no such endpoint (also when it was deleted while the test was sent).
   */
  async ping(endpointId: string): Promise<string | null> {
    const endpoint = await this.db.read.eventEndpoint.findUnique({ where: { id: endpointId } });
    if (!endpoint) return null;
    const type = `${EVENT_TYPE_PREFIX}.ping`;
    const id = `ping-${randomUUID()}`;
    const body =
      endpoint.kind === "CHAT"
        ? { text: `Access requests: a test message to the event endpoint "${endpoint.name}".` }
        : {
            specversion: "1.0",
            id,
            source: this.source,
            type,
            subject: toGlobalId("EventEndpoint", endpoint.id),
            time: new Date().toISOString(),
            datacontenttype: "application/json",
            data: { endpointId: toGlobalId("EventEndpoint", endpoint.id), name: endpoint.name },
          };
    const attempt = await this.post(endpoint, { type, id: endpoint.kind === "CHAT" ? null : id, body });
    return this.db.transact(async ({ tx }) => {
      // The endpoint's row first, as a delivery does (see recordAttempt): a deletion that came
      // first took the log with it, and the test's attempt is not written.
      const { count } = await tx.eventEndpoint.updateMany({
        where: { id: endpoint.id },
        data: { updatedAt: new Date() },
      });
      if (count === 0) return null;
      const delivery = await tx.eventDelivery.create({
        select: { id: true },
        data: {
          endpointId: endpoint.id,
          sequence: 0,
          type,
          outcome: attempt.ok ? "DELIVERED" : "FAILED",
          httpStatus: attempt.httpStatus,
          error: attempt.error,
          durationMs: attempt.durationMs,
        },
      });
      return delivery.id;
    });
  }
}

/**
 * Writes an attempt to the delivery log, after the endpoint's row was updated (or found unchanged)
 * in the same transaction. An endpoint deleted meanwhile has no log any more: its attempt is not
 * written (the deletion locks the row first, so on PostgreSQL the update above waited for it and
 * the row is gone now; writing would break the foreign key).
 */
async function recordAttempt(tx: Tx, delivery: Prisma.EventDeliveryUncheckedCreateInput, updated: boolean) {
  if (!updated && (await tx.eventEndpoint.count({ where: { id: delivery.endpointId } })) === 0) return;
  await tx.eventDelivery.create({ data: delivery });
}
