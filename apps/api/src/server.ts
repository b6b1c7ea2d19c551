// Start-up and shutdown of one instance, wiring the parts together in order: configuration →
// tracing (when configured) → database → bootstrap admin → live feed and commit signal → event
// delivery → authentication (verified tokens, browser sessions) and live sessions → metrics (when
// configured) → job runner → GraphQL (yoga) → HTTP routes (sign-in included) → WebSocket server →
// listen (and the metrics port). Each part lives in
// its own module.
import { createServer as createHttpServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { type Config, ConfigError } from "./config.ts";
import type { Services } from "./context.ts";
import { openDatabase, type Database } from "./db/database.ts";
import { DomainError } from "./domain/errors.ts";
import { ensureBootstrapAdmin } from "./domain/tokens/tokens.ts";
import { VERIFIED_TOKENS_MAX_ENTRIES } from "./domain/tokens/verified-tokens.ts";
import { maskError } from "./graphql/error-masking.ts";
import { createGraphQLServer } from "./graphql/yoga.ts";
import { LiveSessions } from "./live/sessions.ts";
import { Authenticator } from "./http/auth.ts";
import { cookieNames } from "./http/cookies.ts";
import { SignInRoutes } from "./http/sign-in.ts";
import { ClientLimits } from "./http/rate-limit.ts";
import { requestListener } from "./http/routes.ts";
import { EventDeliveryWorker } from "./jobs/event-delivery.ts";
import { JobRunner } from "./jobs/runner.ts";
import { Mailer } from "./jobs/mailer.ts";
import { Notifier } from "./jobs/notifier.ts";
import { Sweeper } from "./jobs/sweeper.ts";
import { localSignal, redisSignal } from "./live/signal.ts";
import { startWebSocketServer } from "./live/ws-server.ts";
import { createLogger } from "./logger.ts";
import { LiveFeed } from "./live/feed.ts";
import { NotificationWatcher } from "./live/notifications.ts";
import { Metrics } from "./observability/metrics.ts";
import { startMetricsListener } from "./observability/metrics-http.ts";
import { startTracing } from "./observability/tracing.ts";

export interface RunningServer {
  url: string;
  port: number;
  db: Database;
  feed: LiveFeed;
  jobs: JobRunner;
  events: EventDeliveryWorker;
  sweeper: Sweeper;
  /** The notification projector, and the email sender (null without SMTP_URL). */
  notifier: Notifier;
  mailer: Mailer | null;
  /** Hands new notifications to this instance's notificationAdded subscribers. */
  notifications: NotificationWatcher;
  log: Logger;
  /** METRICS_PORT's listener (null when metrics have no port of their own). */
  metricsUrl: string | null;
  close(): Promise<void>;
}

const SHUTDOWN_GRACE_MS = 10_000;

/** Ensures BOOTSTRAP_ADMIN_TOKEN's admin; a token the domain refuses is a configuration error. */
async function bootstrapAdmin(db: Database, token: string, log: Logger): Promise<void> {
  try {
    const state = await db.transact((work) => ensureBootstrapAdmin(work, token));
    // A standing admin credential in the environment: say so on every start until it is retired.
    if (state === "revoked") {
      log.warn("BOOTSTRAP_ADMIN_TOKEN was revoked and stays revoked: remove it from the environment");
    } else {
      log.warn(
        "BOOTSTRAP_ADMIN_TOKEN is set: once a person holds an admin token, revoke this one and remove it from the environment (README, Operations)",
      );
    }
  } catch (error) {
    await db.close();
    if (error instanceof DomainError) throw new ConfigError("BOOTSTRAP_ADMIN_TOKEN", error.message);
    throw error;
  }
}

export interface ServerOptions {
  logger?: Logger;
  /** The clock browser sessions' expiries run on (tests move it); the system's by default. */
  clock?: () => Date;
  /** Where the dashboard's built files are (tests serve their own); apps/dashboard/dist by default. */
  dashboardDist?: string;
}

export async function startServer(config: Config, options: ServerOptions = {}): Promise<RunningServer> {
  const log = options.logger ?? createLogger(config.logLevel);
  // Before the database, so its first transactions are traced too.
  const tracing = config.tracing ? await startTracing(config.tracing) : null;
  const db = await openDatabase(config.databaseUrl);
  if (config.bootstrapAdminToken) await bootstrapAdmin(db, config.bootstrapAdminToken, log);

  // Metrics read the live sessions and the feed, which are made below.
  let metrics: Metrics | null = null;
  const feed = new LiveFeed(db.read, log, config.metrics ? (seconds) => metrics?.fanout(seconds) : null);
  await feed.start();
  const signal = config.redisUrl ? redisSignal(config.redisUrl, log) : localSignal();
  const notificationWatcher = new NotificationWatcher(db.read, log);
  notificationWatcher.start();
  const events = new EventDeliveryWorker(db, config, log);
  signal.onSignal(() => {
    feed.poke();
    events.kick();
    notificationWatcher.poke();
  });
  const sessionRules = {
    idleMs: config.sessionIdleMs,
    maxMs: config.sessionMaxMs,
    now: options.clock ?? (() => new Date()),
  };
  const authenticator = new Authenticator(
    db,
    { maxAgeMs: config.liveRecheckMs, maxEntries: VERIFIED_TOKENS_MAX_ENTRIES },
    sessionRules,
    cookieNames(config.publicUrl),
    config.publicUrl,
  );
  const sessions = new LiveSessions(db, log, authenticator.tokens, sessionRules);
  sessions.start(config.liveRecheckMs);
  metrics = config.metrics ? new Metrics({ db, sessions, feed, log }) : null;
  const jobs = new JobRunner(db, config, log, metrics);
  const mailer = config.smtp ? new Mailer(db, config.smtp, config.publicUrl?.hostname ?? "access.local", log) : null;
  const notifier = new Notifier(
    db,
    {
      email: mailer !== null,
      publicUrl: config.publicUrl,
      onProjected: () => {
        mailer?.kick();
        // Other instances' notification watchers look at once (the projection wrote no audit event).
        signal.publish();
      },
    },
    log,
  );
  signal.onSignal(() => notifier.wake());
  db.onCommit((info) => {
    if (info.sequences) {
      signal.publish();
      events.kick();
      notifier.wake();
    }
    if (info.effects.jobsQueued) jobs.kick();
    if (info.effects.credentialsChanged) sessions.recheck();
  });
  jobs.start();
  events.start();
  await notifier.start();
  mailer?.start();
  const sweeper = new Sweeper(db, config, log, options.clock);
  sweeper.start();

  const services: Services = {
    db,
    authenticator,
    feed,
    notifications: notificationWatcher,
    log,
    sessions,
    events,
    maxSubscriptionsPerToken: config.maxSubscriptionsPerToken,
  };
  const graphql = createGraphQLServer(services, config, { metrics, tracing: tracing !== null });
  const limits = new ClientLimits(config);
  const routes = requestListener({
    db,
    authenticator,
    graphql,
    signal,
    limits,
    signIn: new SignInRoutes({ db, authenticator, oidc: config.oidc, log }),
    log,
    maxBodyBytes: config.maxBodyBytes,
    graphiql: { enabled: config.graphiql, signInWithProvider: config.oidc !== undefined },
    publicUrl: config.publicUrl,
    dashboardDist: options.dashboardDist,
    // /metrics on the public port only with a token to ask for.
    metrics: metrics && config.metrics?.token ? { metrics, token: config.metrics.token } : null,
  });
  // Responses under way, which shutdown lets finish (up to a grace period).
  const inFlight = new Set<ServerResponse>();
  const server = createHttpServer((req, res) => {
    inFlight.add(res);
    res.on("close", () => inFlight.delete(res));
    routes(req, res);
  });
  const webSockets = startWebSocketServer({
    server,
    authenticator,
    sessions,
    limits,
    graphql,
    maskError: maskError(log),
    log,
    config,
    metrics,
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`;
  log.info({ url, database: db.provider }, "listening");
  const metricsListener =
    metrics && config.metrics?.port !== undefined
      ? await startMetricsListener(
          metrics,
          { port: config.metrics.port, host: config.metrics.host, token: config.metrics.token },
          log,
        )
      : null;

  let closing: Promise<void> | null = null;
  return {
    url,
    port,
    db,
    feed,
    jobs,
    events,
    sweeper,
    notifier,
    mailer,
    notifications: notificationWatcher,
    log,
    metricsUrl: metricsListener?.url ?? null,
    close() {
      closing ??= (async () => {
        server.close();
        sessions.stop();
        limits.stop();
        webSockets.closeClients();
        const deadline = Date.now() + SHUTDOWN_GRACE_MS;
        while (inFlight.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
        server.closeAllConnections();
        await webSockets.close();
        feed.stop();
        notificationWatcher.stop();
        await sweeper.stop();
        await jobs.stop();
        await events.stop();
        await notifier.stop();
        await mailer?.stop();
        await signal.close();
        await metricsListener?.close();
        await db.close();
        // The spans of the last operations go out before the process ends.
        await tracing?.flush().catch((err: unknown) => log.warn({ err }, "tracing: the last export failed"));
        await tracing?.shutdown();
      })();
      return closing;
    },
  };
}
