// Prometheus metrics of one instance (prom-client, on a registry of its own): GraphQL operations
// (rate, outcome and latency per operation name and type), live WebSocket connections and
// subscriptions, the live feed's fan-out lag, connector calls by system and outcome, and, read
// from the database when Prometheus scrapes (a handful of indexed COUNT/MIN queries, the same on
// SQLite and PostgreSQL), the connector job queue, connector health, the email outbox and the
// outbound event and notification backlogs; plus prom-client's default process metrics.
// Created only when metrics are configured (config.ts, METRICS_TOKEN / METRICS_PORT): without
// them no registry, no timers, nothing recorded.
import { type DocumentNode, getOperationAST } from "graphql";
import { isAsyncIterable, type Plugin } from "graphql-yoga";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { Logger } from "pino";
import type { Database } from "../db/database.ts";
import { NOTIFICATIONS_CURSOR } from "../domain/notifications/project.ts";
import type { LiveFeed } from "../live/feed.ts";
import type { LiveSessions } from "../live/sessions.ts";

/** The parts of the instance a scrape reads. */
export interface MetricsSources {
  db: Database;
  sessions: LiveSessions;
  feed: LiveFeed;
  log: Logger;
}

export type OperationType = "query" | "mutation" | "subscription";
export type OperationOutcome = "ok" | "error";
export type ConnectorCall = "provision" | "revoke" | "verify" | "health_check";
export type ConnectorOutcome = "ok" | "unreachable" | "refused" | "failed";

/**
 * Operation names are the client's choice: the first this many distinct names get a series of
 * their own, later ones count as "other", so a client inventing names cannot grow the series
 * without bound. The product's own clients use a few dozen.
 */
export const MAX_OPERATION_NAMES = 200;
const NAME = /^[_A-Za-z][_0-9A-Za-z]{0,63}$/;

interface Snapshot {
  jobsPending: number;
  oldestJobSeconds: number;
  emailsPending: number;
  emailsFailed: number;
  oldestEmailSeconds: number;
  auditHead: number;
  notificationBacklog: number;
  endpoints: { name: string; enabled: boolean; backlog: number; failures: number }[];
  systems: { name: string; status: string; failures: number }[];
}

const HEALTH_STATUSES = ["UNKNOWN", "HEALTHY", "DEGRADED", "DOWN"] as const;
const secondsSince = (date: Date | null | undefined, now: number) =>
  date ? Math.max(0, (now - date.getTime()) / 1000) : 0;

export class Metrics {
  readonly registry = new Registry();
  private readonly operations: Counter<"operation_name" | "operation_type" | "outcome">;
  private readonly durations: Histogram<"operation_name" | "operation_type">;
  private readonly fanoutLag: Histogram;
  private readonly connectorCalls: Counter<"system" | "call" | "outcome">;
  private readonly names = new Set<string>();
  /** This scrape's read of the database, which every gauge read from it shares. */
  private snapshot: Promise<Snapshot | null> = Promise.resolve(null);

  constructor(private readonly sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.operations = new Counter({
      name: "access_graphql_operations_total",
      help: "GraphQL operations executed, by operation name (anonymous, or other past the name limit), type and outcome (error: the result carried errors).",
      labelNames: ["operation_name", "operation_type", "outcome"],
      registers,
    });
    this.durations = new Histogram({
      name: "access_graphql_operation_duration_seconds",
      help: "Time to execute a GraphQL query or mutation (parse and validation not included), by operation name and type.",
      labelNames: ["operation_name", "operation_type"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.fanoutLag = new Histogram({
      name: "access_live_fanout_lag_seconds",
      help: "Time from an audit event's timestamp (taken in its transaction, just before commit) to the live feed handing it to this instance's subscribers.",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.connectorCalls = new Counter({
      name: "access_connector_calls_total",
      help: "Connector calls by system, call (provision, revoke, verify, health_check) and outcome (ok, unreachable, refused, failed).",
      labelNames: ["system", "call", "outcome"],
      registers,
    });
    const { sessions, feed } = sources;
    const gauge = (name: string, help: string, read: (g: Gauge) => void | Promise<void>, labelNames: string[] = []) =>
      new Gauge({
        name,
        help,
        labelNames,
        registers,
        collect() {
          return read(this);
        },
      });
    gauge("access_live_connections", "Open GraphQL WebSocket connections on this instance.", (g) =>
      g.set(sessions.total("connection")),
    );
    gauge("access_live_subscriptions", "Running live subscriptions on this instance (WebSocket and SSE).", (g) =>
      g.set(sessions.total("subscription")),
    );
    gauge("access_live_feed_subscribers", "Subscribers of this instance's live feed of audit changes.", (g) =>
      g.set(feed.subscriberCount),
    );
    const fromDatabase = (name: string, help: string, read: (s: Snapshot, g: Gauge) => void, labels?: string[]) =>
      gauge(
        name,
        help,
        async (g) => {
          g.reset();
          const s = await this.snapshot;
          if (s) read(s, g);
        },
        labels,
      );
    gauge("access_metrics_database_up", "1 when the last scrape's database reads succeeded, else 0.", async (g) =>
      g.set((await this.snapshot) ? 1 : 0),
    );
    fromDatabase(
      "access_jobs_pending",
      "Connector jobs waiting to run or be retried (the durable job queue's depth).",
      (s, g) => g.set(s.jobsPending),
    );
    fromDatabase(
      "access_jobs_oldest_pending_age_seconds",
      "Age of the oldest pending connector job (0 when none).",
      (s, g) => g.set(s.oldestJobSeconds),
    );
    fromDatabase(
      "access_connector_health",
      "Each connector system's health: 1 on its current status, 0 on the others.",
      (s, g) => {
        for (const system of s.systems)
          for (const status of HEALTH_STATUSES)
            g.set({ system: system.name, status }, status === system.status ? 1 : 0);
      },
      ["system", "status"],
    );
    fromDatabase(
      "access_connector_consecutive_failures",
      "Connector calls and checks that failed in a row, per system.",
      (s, g) => {
        for (const system of s.systems) g.set({ system: system.name }, system.failures);
      },
      ["system"],
    );
    fromDatabase("access_email_outbox_pending", "Emails waiting to be sent (or retried).", (s, g) =>
      g.set(s.emailsPending),
    );
    fromDatabase("access_email_outbox_failed", "Emails that failed for good (admins can send them again).", (s, g) =>
      g.set(s.emailsFailed),
    );
    fromDatabase(
      "access_email_outbox_oldest_pending_age_seconds",
      "Age of the oldest pending email (0 when none).",
      (s, g) => g.set(s.oldestEmailSeconds),
    );
    fromDatabase("access_audit_head_sequence", "The audit trail's last committed sequence.", (s, g) =>
      g.set(s.auditHead),
    );
    fromDatabase(
      "access_notification_backlog_events",
      "Audit events the notification projector has not read yet.",
      (s, g) => g.set(s.notificationBacklog),
    );
    fromDatabase(
      "access_event_delivery_backlog_events",
      "Per outbound event endpoint: audit events after its delivered sequence (an upper bound: events outside its topics are skipped, not sent).",
      (s, g) => {
        for (const endpoint of s.endpoints)
          g.set({ endpoint: endpoint.name, enabled: String(endpoint.enabled) }, endpoint.backlog);
      },
      ["endpoint", "enabled"],
    );
    fromDatabase(
      "access_event_delivery_consecutive_failures",
      "Per outbound event endpoint: failed attempts in a row at its next event.",
      (s, g) => {
        for (const endpoint of s.endpoints) g.set({ endpoint: endpoint.name }, endpoint.failures);
      },
      ["endpoint"],
    );
  }

  /** The label an operation name gets: its own while fewer than MAX_OPERATION_NAMES are known. */
  private nameLabel(name: string | null | undefined): string {
    if (!name) return "anonymous";
    if (this.names.has(name)) return name;
    if (!NAME.test(name) || this.names.size >= MAX_OPERATION_NAMES) return "other";
    this.names.add(name);
    return name;
  }

  /** An executed operation; `seconds` is null for subscriptions (they last as long as the client wants). */
  operation(
    name: string | null | undefined,
    type: OperationType,
    outcome: OperationOutcome,
    seconds: number | null,
  ): void {
    const label = this.nameLabel(name);
    this.operations.inc({ operation_name: label, operation_type: type, outcome });
    if (seconds !== null) this.durations.observe({ operation_name: label, operation_type: type }, seconds);
  }

  fanout(seconds: number): void {
    this.fanoutLag.observe(Math.max(0, seconds));
  }

  connectorCall(system: string, call: ConnectorCall, outcome: ConnectorOutcome): void {
    this.connectorCalls.inc({ system, call, outcome });
  }

  /** The exposition text of every metric, with one read of the database for this scrape. */
  exposition(): Promise<string> {
    this.snapshot = this.readDatabase(Date.now()).catch((err: unknown) => {
      this.sources.log.warn({ err }, "metrics: reading the database failed");
      return null;
    });
    return this.registry.metrics();
  }

  private async readDatabase(now: number): Promise<Snapshot> {
    const read = this.sources.db.read;
    const [jobs, emails, emailsFailed, head, cursor, endpoints, systems] = await Promise.all([
      read.job.aggregate({ where: { status: "PENDING" }, _count: { _all: true }, _min: { createdAt: true } }),
      read.emailMessage.aggregate({ where: { status: "PENDING" }, _count: { _all: true }, _min: { createdAt: true } }),
      read.emailMessage.count({ where: { status: "FAILED" } }),
      read.auditHead.findUnique({ where: { id: 1 }, select: { sequence: true } }),
      read.cursor.findUnique({ where: { name: NOTIFICATIONS_CURSOR }, select: { sequence: true } }),
      read.eventEndpoint.findMany({ select: { name: true, enabled: true, deliveredSequence: true, failures: true } }),
      read.system.findMany({
        where: { connector: { not: "MANUAL" } },
        select: { name: true, healthStatus: true, healthFailures: true },
      }),
    ]);
    const auditHead = head?.sequence ?? 0;
    return {
      jobsPending: jobs._count._all,
      oldestJobSeconds: secondsSince(jobs._min.createdAt, now),
      emailsPending: emails._count._all,
      emailsFailed,
      oldestEmailSeconds: secondsSince(emails._min.createdAt, now),
      auditHead,
      notificationBacklog: cursor ? Math.max(0, auditHead - cursor.sequence) : 0,
      endpoints: endpoints.map((e) => ({
        name: e.name,
        enabled: e.enabled,
        backlog: Math.max(0, auditHead - e.deliveredSequence),
        failures: e.failures,
      })),
      systems: systems.map((s) => ({ name: s.name, status: s.healthStatus, failures: s.healthFailures })),
    };
  }
}

/** The operation's name and type as a document and an operation name tell them. */
function operationOf(
  document: DocumentNode,
  operationName: string | null | undefined,
): { name: string | null; type: OperationType } {
  const operation = getOperationAST(document, operationName);
  const type = operation?.operation;
  return {
    name: operation?.name?.value ?? operationName ?? null,
    type: type === "mutation" || type === "subscription" ? type : "query",
  };
}

const hasErrors = (result: unknown): boolean =>
  typeof result === "object" && result !== null && "errors" in result && Array.isArray(result.errors)
    ? result.errors.length > 0
    : false;

/**
 * Counts and times every executed operation (HTTP and WebSocket queries and mutations, SSE
 * subscriptions; WebSocket subscriptions are counted by live/ws-server.ts, which shares their
 * execution outside yoga's subscribe).
 */
export function metricsPlugin(metrics: Metrics): Plugin {
  return {
    onExecute({ args }) {
      const started = process.hrtime.bigint();
      const { name, type } = operationOf(args.document, args.operationName);
      return {
        onExecuteDone({ result }) {
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          metrics.operation(name, type, isAsyncIterable(result) || !hasErrors(result) ? "ok" : "error", seconds);
        },
      };
    },
    onSubscribe({ args }) {
      const { name } = operationOf(args.document, args.operationName);
      return {
        onSubscribeResult({ result }) {
          metrics.operation(name, "subscription", isAsyncIterable(result) || !hasErrors(result) ? "ok" : "error", null);
        },
      };
    },
  };
}
