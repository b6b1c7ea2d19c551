// The durable job runner: claims due connector jobs with a lease (so each attempt runs once even
// with several instances), calls the connector outside any transaction, then records the outcome
// in one transaction. A job whose instance died is picked up again when its lease runs out; the
// connector's idempotency (same key, membership already present) makes the repeat harmless.
// Also checks every connector system's health periodically.
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { Config } from "../config.ts";
import { type Connector, type ConnectorSubject, asConnectorError } from "../connectors/connector.ts";
import type { Metrics } from "../observability/metrics.ts";
import { observedConnector } from "../observability/connectors.ts";
import { connectorFor } from "../connectors/index.ts";
import { OutboundPolicy } from "../connectors/outbound.ts";
import type { Database } from "../db/database.ts";
import { toGlobalId, toGlobalIdOrNull } from "../domain/global-id.ts";
import { recordHealth } from "../domain/catalog/health.ts";
import { recordConnectorFailure, recordConnectorSuccess } from "../domain/tickets/connector-outcome.ts";

const POLL_MS = 250;
const MAX_BACKOFF_MS = 3_600_000;

export type JobSettings = Pick<
  Config,
  | "connectorMaxAttempts"
  | "connectorRetryBaseMs"
  | "connectorLeaseMs"
  | "healthCheckIntervalMs"
  | "resolveSecret"
  | "connectorAllowedAddresses"
>;

/** Exponential backoff with ±20 % jitter: base, 2×base, 4×base, … capped at an hour. */
export function backoffMs(attempt: number, baseMs: number): number {
  const plain = Math.min(baseMs * 2 ** (attempt - 1), MAX_BACKOFF_MS);
  return Math.round(plain * (0.8 + Math.random() * 0.4));
}

export class JobRunner {
  private readonly owner = randomUUID();
  private timer: NodeJS.Timeout | null = null;
  private healthTimer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;

  /** Where connectors may connect (connectors/outbound.ts), one per runner. */
  private readonly outbound: OutboundPolicy;

  constructor(
    private readonly db: Database,
    private readonly settings: JobSettings,
    private readonly log: Logger,
    /** Counts connector calls (null: metrics are off); calls are traced either way when tracing runs. */
    private readonly metrics: Metrics | null = null,
  ) {
    this.outbound = new OutboundPolicy(settings.connectorAllowedAddresses);
  }

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => this.kick(), POLL_MS);
    this.timer.unref();
    this.healthTimer = setInterval(
      () => void this.checkHealth().catch((err: unknown) => this.log.error({ err }, "health check failed")),
      this.settings.healthCheckIntervalMs,
    );
    this.healthTimer.unref();
    this.kick();
  }

  /** Stops claiming; waits for the job in hand (its outcome is recorded). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.healthTimer) clearInterval(this.healthTimer);
    await this.running;
  }

  /** Runs due jobs now (also called after commits that may have queued one). */
  kick(): void {
    if (this.stopped || this.running) return;
    this.running = this.drain()
      .catch((err: unknown) => this.log.error({ err }, "job runner failed"))
      .finally(() => {
        this.running = null;
      });
  }

  private async drain(): Promise<void> {
    while (!this.stopped) {
      const job = await this.claim();
      if (!job) return;
      await this.run(job);
    }
  }

  /** Claims the next due job (a lost race for one job moves on to the next). */
  private async claim() {
    for (;;) {
      const now = new Date();
      const candidate = await this.db.read.job.findFirst({
        where: { status: "PENDING", runAt: { lte: now }, OR: [{ lockedUntil: null }, { lockedUntil: { lt: now } }] },
        orderBy: { runAt: "asc" },
        select: { id: true, attempts: true, maxAttempts: true },
      });
      if (!candidate) return null;
      const claimed = await this.db.transact(async ({ tx }) => {
        const { count } = await tx.job.updateMany({
          where: { id: candidate.id, status: "PENDING", attempts: candidate.attempts },
          data: {
            lockedBy: this.owner,
            lockedUntil: new Date(Date.now() + this.settings.connectorLeaseMs),
            attempts: { increment: 1 },
            maxAttempts: candidate.maxAttempts || this.settings.connectorMaxAttempts,
          },
        });
        return count === 1;
      });
      if (claimed) {
        return this.db.read.job.findUniqueOrThrow({
          where: { id: candidate.id },
          include: {
            system: { select: { id: true, name: true, connector: true, connectorConfig: true } },
            ticket: { select: { id: true, requestId: true } },
          },
        });
      }
    }
  }

  private async run(job: NonNullable<Awaited<ReturnType<JobRunner["claim"]>>>): Promise<void> {
    const started = Date.now();
    const attempt = { jobId: job.id, attempt: job.attempts, durationMs: 0 };
    try {
      const [identity, resource] = await Promise.all([
        this.db.read.identity.findUniqueOrThrow({
          where: { id: job.identityId },
          select: { id: true, email: true, displayName: true },
        }),
        this.db.read.resource.findUniqueOrThrow({
          where: { id: job.resourceId },
          select: { id: true, name: true, connectorTarget: true },
        }),
      ]);
      const connector: Connector = observedConnector(
        connectorFor(job.system, resource.connectorTarget, this.settings.resolveSecret, this.outbound),
        job.system.name,
        this.metrics,
      );
      // Everything that leaves carries the API's global ids, so a peer can look it up with node(id:).
      const subject: ConnectorSubject = {
        identity: { ...identity, id: toGlobalId("Identity", identity.id) },
        resource: { id: toGlobalId("Resource", resource.id), name: resource.name },
        system: { id: toGlobalId("System", job.system.id), name: job.system.name },
        requestId: toGlobalIdOrNull("Request", job.ticket?.requestId),
        ticketId: toGlobalIdOrNull("Ticket", job.ticket?.id),
        idempotencyKey: job.id,
      };
      let verified: boolean | null;
      if (job.kind === "PROVISION") {
        await connector.provision(subject);
        verified = await connector.verify(subject);
        if (verified === false)
          throw new Error("the connector accepted the call, but reading the state back does not show the access");
      } else {
        await connector.revoke(subject);
        verified = await connector.verify(subject);
        if (verified === true) throw new Error("the connector accepted the revocation, but the access is still there");
      }
      attempt.durationMs = Date.now() - started;
      await this.db.transact(async (work) => {
        await recordConnectorSuccess(work, attempt, verified);
        await recordHealth(work, job.systemId, { ok: true });
      });
    } catch (raw) {
      const error = asConnectorError(raw);
      attempt.durationMs = Date.now() - started;
      const final = !error.retryable || job.attempts >= job.maxAttempts;
      const retryAt = final ? null : new Date(Date.now() + backoffMs(job.attempts, this.settings.connectorRetryBaseMs));
      this.log.warn({ jobId: job.id, attempt: job.attempts, final, error: error.message }, "connector call failed");
      await this.db.transact(async (work) => {
        await recordConnectorFailure(work, attempt, { code: error.code, detail: error.message }, retryAt);
        await recordHealth(work, job.systemId, { ok: false, message: error.message, unreachable: error.unreachable });
      });
    }
  }

  /** Checks every connector system once (also run periodically). */
  async checkHealth(): Promise<void> {
    const systems = await this.db.read.system.findMany({
      where: { connector: { not: "MANUAL" } },
      select: { id: true, name: true, connector: true, connectorConfig: true },
    });
    for (const system of systems) {
      let observation: Parameters<typeof recordHealth>[2];
      try {
        const connector = connectorFor(system, null, this.settings.resolveSecret, this.outbound);
        await observedConnector(connector, system.name, this.metrics).checkHealth();
        observation = { ok: true };
      } catch (raw) {
        const error = asConnectorError(raw);
        observation = { ok: false, message: error.message, unreachable: error.unreachable };
      }
      await this.db.transact((work) => recordHealth(work, system.id, observation));
    }
  }
}
