// The only reader of process.env. Every setting is validated once at start-up; a bad value
// stops the process with one line naming the variable (see CONTRACT.md, "Environment").

import { isIP } from "node:net";

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  databaseProvider: "sqlite" | "postgresql";
  redisUrl: string | undefined;
  bootstrapAdminToken: string | undefined;
  logLevel: LogLevel;
  /** GRAPHIQL: whether a browser opening /graphql gets GraphiQL (default true). */
  graphiql: boolean;
  /** Largest accepted HTTP request body, in bytes. */
  maxBodyBytes: number;
  /** Connector jobs: attempts per call before the ticket is FAILED, first retry delay. */
  connectorMaxAttempts: number;
  connectorRetryBaseMs: number;
  /** How long a claimed job stays with its instance before another may take it over. */
  connectorLeaseMs: number;
  /** Outbound event endpoints: first retry delay after a failed delivery (then doubling, ±20 %, at most an hour). */
  eventRetryBaseMs: number;
  /** How long an instance holds an event endpoint it delivers to before another may take it over. */
  eventLeaseMs: number;
  /** How long one delivery may take (connect, send, answer) before it counts as failed. */
  eventTimeoutMs: number;
  /** How often each connector system's health is checked. */
  healthCheckIntervalMs: number;
  /** How often each instance ends grants whose end passed (and closes due access reviews). */
  grantExpiryCheckMs: number;
  /** Days delivery logs and sent emails are kept (0: kept forever); see domain/retention.ts. */
  logRetentionDays: number;
  /** Requests per minute per API token and per client IP address (0 = no limit). */
  rateLimitPerToken: number;
  rateLimitPerIp: number;
  /** Open WebSocket connections and live subscriptions (WebSocket + SSE) per API token. */
  wsMaxConnectionsPerToken: number;
  maxSubscriptionsPerToken: number;
  /** A WebSocket whose unsent output exceeds this many bytes (a client not reading) is dropped. */
  wsMaxBufferedBytes: number;
  /**
   * How long a change to a token or identity made on another instance may take here: live
   * connections' tokens are checked again this often, and a verified token is trusted this long.
   */
  liveRecheckMs: number;
  /** Origins allowed to call /graphql from a browser (CORS); empty = none (same origin only). */
  corsOrigins: readonly string[];
  /**
   * Addresses (or CIDR ranges) connectors may reach although they are link-local, unspecified or
   * a cloud metadata address (connectors/outbound.ts); empty = none.
   */
  connectorAllowedAddresses: readonly string[];
  /**
   * Connector secrets are never stored: connector settings name them as `env:NAME`, and this
   * resolves NAME from the environment (only ACCESS_SECRET_* names, so a setting cannot read
   * arbitrary variables).
   */
  resolveSecret(reference: string): string | undefined;
  /**
   * Where browsers reach the product (PUBLIC_URL's origin): cookie-authenticated requests must
   * come from it, and the identity provider sends people back to it. Unset: the request's Host.
   */
  publicUrl: URL | undefined;
  /** Sign-in through the identity provider (OpenID Connect); undefined = API tokens only. */
  oidc: OidcConfig | undefined;
  /** Browser sessions: idle and absolute expiry. */
  sessionIdleMs: number;
  sessionMaxMs: number;
  /** Email through an SMTP server (SMTP_URL); undefined = no email at all (in-app notifications only). */
  smtp: SmtpConfig | undefined;
  /** Prometheus metrics (METRICS_TOKEN and/or METRICS_PORT); undefined = no /metrics anywhere. */
  metrics: MetricsConfig | undefined;
  /** OpenTelemetry traces (OTEL_EXPORTER_OTLP_ENDPOINT); undefined = no tracing SDK is loaded. */
  tracing: TracingConfig | undefined;
}

export interface MetricsConfig {
  /** METRICS_TOKEN: /metrics answers only `Authorization: Bearer <it>` (on the public port, and on METRICS_PORT when set). */
  token: string | undefined;
  /** METRICS_PORT: a listener of its own serving only /metrics, on METRICS_HOST (default HOST). */
  port: number | undefined;
  host: string;
}

export interface TracingConfig {
  /** Where spans go over OTLP/HTTP (protobuf): OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, else OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces. */
  tracesUrl: string;
  /** OTEL_EXPORTER_OTLP_HEADERS: `name=value,…` sent with each export (a collector's API key). */
  headers: Record<string, string>;
  /** OTEL_SERVICE_NAME (default access-requests). */
  serviceName: string;
}

export interface SmtpConfig {
  host: string;
  port: number;
  /** smtps:// (TLS from the first byte); smtp:// upgrades with STARTTLS when the server offers it. */
  secure: boolean;
  user: string | undefined;
  password: string | undefined;
  /** The From header (SMTP_FROM): an address, optionally with a display name. */
  from: string;
  /** Attempts per message before it is FAILED (EMAIL_MAX_ATTEMPTS), first retry delay, send lease. */
  maxAttempts: number;
  retryBaseMs: number;
  leaseMs: number;
}

export interface OidcConfig {
  issuer: URL;
  clientId: string;
  clientSecret: string;
  /** What the dashboard's button says: "Sign in with <providerName>". */
  providerName: string;
  /** `<PUBLIC_URL>/auth/callback`: register it with the provider. */
  redirectUri: string;
  /** A verified email that matches no identity creates an END_USER identity (off: refused). */
  createIdentities: boolean;
}

const SECRET_REFERENCE = /^env:(ACCESS_SECRET_[A-Z0-9_]+)$/;

export const isSecretReference = (value: unknown): value is string =>
  typeof value === "string" && SECRET_REFERENCE.test(value);

function readPositiveInt(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(name, `"${raw}" must be a whole number from ${min} to ${max}`);
  }
  return Number(raw);
}

function readBoolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return fallback;
  if (raw === "true" || raw === "1") return true;
  if (raw === "false" || raw === "0") return false;
  throw new ConfigError(name, `"${raw}" must be true or false`);
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = "ConfigError";
  }
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS: readonly LogLevel[] = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

function readPort(env: Env, name = "PORT", fallback = "4000"): number {
  const raw = env[name]?.trim() || fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `"${raw}" is not a port number (0-65535)`);
  const port = Number(raw);
  if (port > 65535) throw new ConfigError(name, `${port} is out of range (0-65535)`);
  return port;
}

function readMetrics(env: Env, host: string): MetricsConfig | undefined {
  const token = env.METRICS_TOKEN;
  const port = env.METRICS_PORT?.trim() ? readPort(env, "METRICS_PORT") : undefined;
  if (token !== undefined && token !== "" && (token.trim() !== token || token.length < 16 || token.length > 256)) {
    throw new ConfigError(
      "METRICS_TOKEN",
      "must be 16 to 256 characters without surrounding spaces (e.g. `openssl rand -hex 32`)",
    );
  }
  if (env.METRICS_HOST?.trim() && port === undefined)
    throw new ConfigError("METRICS_HOST", "is set but METRICS_PORT is not");
  if (!token && port === undefined) return undefined;
  return { token: token || undefined, port, host: env.METRICS_HOST?.trim() || host };
}

function readHttpUrl(name: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `"${raw}" is not a URL like http://collector:4318`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new ConfigError(name, "must be an http:// or https:// URL");
  return url.toString();
}

function readTracing(env: Env): TracingConfig | undefined {
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!traces && !base) return undefined;
  // As the OpenTelemetry specification says: the base endpoint gets the signal's path appended,
  // the per-signal one is used as it is.
  const tracesUrl = traces
    ? readHttpUrl("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", traces)
    : `${readHttpUrl("OTEL_EXPORTER_OTLP_ENDPOINT", base ?? "").replace(/\/$/, "")}/v1/traces`;
  const headers: Record<string, string> = {};
  for (const pair of (env.OTEL_EXPORTER_OTLP_HEADERS ?? "").split(",")) {
    if (!pair.trim()) continue;
    const at = pair.indexOf("=");
    if (at <= 0) throw new ConfigError("OTEL_EXPORTER_OTLP_HEADERS", "must be name=value pairs separated by commas");
    headers[decodeURIComponent(pair.slice(0, at).trim())] = decodeURIComponent(pair.slice(at + 1).trim());
  }
  return { tracesUrl, headers, serviceName: env.OTEL_SERVICE_NAME?.trim() || "access-requests" };
}

function readDatabaseUrl(env: Env): Pick<Config, "databaseUrl" | "databaseProvider"> {
  const raw = env.DATABASE_URL?.trim() || "file:./data/access.db";
  if (raw.startsWith("file:")) {
    if (raw.length <= "file:".length) throw new ConfigError("DATABASE_URL", "file: URL names no file");
    return { databaseUrl: raw, databaseProvider: "sqlite" };
  }
  if (/^postgres(ql)?:\/\//.test(raw)) {
    try {
      new URL(raw);
    } catch {
      throw new ConfigError("DATABASE_URL", "is not a parseable postgres:// URL");
    }
    return { databaseUrl: raw, databaseProvider: "postgresql" };
  }
  throw new ConfigError("DATABASE_URL", "must start with file:, postgres:// or postgresql://");
}

function readRedisUrl(env: Env): string | undefined {
  const raw = env.REDIS_URL?.trim();
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError("REDIS_URL", "is not a parseable redis:// URL");
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
    throw new ConfigError("REDIS_URL", "must start with redis:// or rediss://");
  }
  return raw;
}

function readBootstrapToken(env: Env): string | undefined {
  const raw = env.BOOTSTRAP_ADMIN_TOKEN;
  if (raw === undefined || raw === "") return undefined;
  if (raw.trim() !== raw || raw.length < 32 || raw.length > 256) {
    throw new ConfigError(
      "BOOTSTRAP_ADMIN_TOKEN",
      "must be 32 to 256 characters without surrounding spaces (e.g. `openssl rand -hex 32`)",
    );
  }
  return raw;
}

function readCorsOrigins(env: Env): string[] {
  const raw = env.CORS_ORIGINS?.trim();
  if (!raw) return [];
  return raw.split(",").map((entry) => {
    const origin = entry.trim();
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      throw new ConfigError("CORS_ORIGINS", `"${origin}" is not an origin like https://dashboard.example.com`);
    }
    if (!/^https?:$/.test(url.protocol) || url.origin !== origin) {
      throw new ConfigError(
        "CORS_ORIGINS",
        `"${origin}" is not an origin like https://dashboard.example.com (scheme, host, optional port; no path)`,
      );
    }
    return origin;
  });
}

function readPublicUrl(env: Env): URL | undefined {
  const raw = env.PUBLIC_URL?.trim();
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError("PUBLIC_URL", `"${raw}" is not a URL like https://access.example.com`);
  }
  if (!/^https?:$/.test(url.protocol) || url.pathname !== "/" || url.search || url.hash || url.username) {
    throw new ConfigError(
      "PUBLIC_URL",
      `"${raw}" must be where browsers reach the product: http(s), host, optional port, no path`,
    );
  }
  return url;
}

/** Loopback hosts, where a plain-http identity provider is acceptable (local providers, tests). */
const isLoopback = (hostname: string): boolean =>
  hostname === "localhost" || hostname === "[::1]" || /^127(\.\d{1,3}){3}$/.test(hostname);

function readOidc(
  env: Env,
  publicUrl: URL | undefined,
  resolveSecret: Config["resolveSecret"],
): OidcConfig | undefined {
  const rawIssuer = env.OIDC_ISSUER?.trim();
  if (!rawIssuer) {
    for (const name of ["OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_CREATE_IDENTITIES", "OIDC_PROVIDER_NAME"]) {
      if (env[name]?.trim()) throw new ConfigError(name, "is set but OIDC_ISSUER is not");
    }
    return undefined;
  }
  let issuer: URL;
  try {
    issuer = new URL(rawIssuer);
  } catch {
    throw new ConfigError("OIDC_ISSUER", `"${rawIssuer}" is not a URL like https://login.example.com`);
  }
  if (issuer.protocol !== "https:" && !(issuer.protocol === "http:" && isLoopback(issuer.hostname))) {
    throw new ConfigError("OIDC_ISSUER", "must be https:// (plain http only on a loopback address)");
  }
  const clientId = env.OIDC_CLIENT_ID?.trim();
  if (!clientId) throw new ConfigError("OIDC_CLIENT_ID", "is required with OIDC_ISSUER");
  const rawSecret = env.OIDC_CLIENT_SECRET?.trim();
  if (!rawSecret)
    throw new ConfigError("OIDC_CLIENT_SECRET", "is required with OIDC_ISSUER (a value or env:ACCESS_SECRET_…)");
  let clientSecret = rawSecret;
  if (rawSecret.startsWith("env:")) {
    const resolved = isSecretReference(rawSecret) ? resolveSecret(rawSecret) : undefined;
    if (!resolved) {
      throw new ConfigError("OIDC_CLIENT_SECRET", `${rawSecret} does not name a set ACCESS_SECRET_* variable`);
    }
    clientSecret = resolved;
  }
  if (!publicUrl)
    throw new ConfigError("PUBLIC_URL", "is required with OIDC_ISSUER (the callback is <PUBLIC_URL>/auth/callback)");
  return {
    issuer,
    clientId,
    clientSecret,
    providerName: env.OIDC_PROVIDER_NAME?.trim() || issuer.hostname,
    redirectUri: new URL("/auth/callback", publicUrl).href,
    createIdentities: readBoolean(env, "OIDC_CREATE_IDENTITIES", false),
  };
}

function readAddressList(env: Env, name: string): string[] {
  const raw = env[name]?.trim();
  if (!raw) return [];
  return raw.split(",").map((entry) => {
    const value = entry.trim();
    const [address = "", bits] = value.split("/");
    const family = isIP(address);
    const maxBits = family === 6 ? 128 : 32;
    if (!family || (bits !== undefined && (!/^\d{1,3}$/.test(bits) || Number(bits) > maxBits))) {
      throw new ConfigError(name, `"${value}" is not an IP address or CIDR range like 169.254.10.0/24`);
    }
    return value;
  });
}

function readEventDelivery(env: Env): Pick<Config, "eventRetryBaseMs" | "eventLeaseMs" | "eventTimeoutMs"> {
  const eventTimeoutMs = readPositiveInt(env, "EVENT_TIMEOUT_MS", 10_000, 100, 120_000);
  const eventLeaseMs = readPositiveInt(env, "EVENT_LEASE_MS", 60_000, 500, 3_600_000);
  // A delivery still under way when its lease ran out could run beside another instance's.
  if (eventLeaseMs <= eventTimeoutMs) {
    throw new ConfigError("EVENT_LEASE_MS", `${eventLeaseMs} must be longer than EVENT_TIMEOUT_MS (${eventTimeoutMs})`);
  }
  return {
    eventRetryBaseMs: readPositiveInt(env, "EVENT_RETRY_BASE_MS", 2_000, 10, 3_600_000),
    eventLeaseMs,
    eventTimeoutMs,
  };
}

const ADDRESS = /^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/;

/** SMTP_FROM: `access@example.com` or `Access requests <access@example.com>`. */
function readFrom(raw: string | undefined): string {
  const value = raw?.trim();
  if (!value)
    throw new ConfigError("SMTP_FROM", "is required with SMTP_URL (e.g. Access requests <access@example.com>)");
  const named = /^([^<>\r\n]*)<([^<>]+)>$/.exec(value);
  const address = named ? (named[2] ?? "").trim() : value;
  if (!ADDRESS.test(address) || /[\r\n]/.test(value)) {
    throw new ConfigError(
      "SMTP_FROM",
      `"${value}" is not an address like access@example.com or Name <access@example.com>`,
    );
  }
  return value;
}

function readSmtp(env: Env, resolveSecret: Config["resolveSecret"]): SmtpConfig | undefined {
  const raw = env.SMTP_URL?.trim();
  if (!raw) {
    for (const name of ["SMTP_FROM", "SMTP_PASSWORD"]) {
      if (env[name]?.trim()) throw new ConfigError(name, "is set but SMTP_URL is not");
    }
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError("SMTP_URL", "is not a URL like smtp://user:password@mail.example.com:587");
  }
  if (
    (url.protocol !== "smtp:" && url.protocol !== "smtps:") ||
    !url.hostname ||
    (url.pathname && url.pathname !== "/")
  ) {
    throw new ConfigError("SMTP_URL", "must be smtp:// or smtps://, a host and an optional port (no path)");
  }
  const secure = url.protocol === "smtps:";
  let password = url.password ? decodeURIComponent(url.password) : undefined;
  const rawPassword = env.SMTP_PASSWORD?.trim();
  if (rawPassword) {
    password = rawPassword;
    if (rawPassword.startsWith("env:")) {
      password = isSecretReference(rawPassword) ? resolveSecret(rawPassword) : undefined;
      if (!password)
        throw new ConfigError("SMTP_PASSWORD", `${rawPassword} does not name a set ACCESS_SECRET_* variable`);
    }
  }
  const user = url.username ? decodeURIComponent(url.username) : undefined;
  if (password && !user) throw new ConfigError("SMTP_URL", "names no user for the password (smtp://user@host)");
  return {
    host: url.hostname.replace(/^\[|\]$/g, ""),
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    user,
    password,
    from: readFrom(env.SMTP_FROM),
    maxAttempts: readPositiveInt(env, "EMAIL_MAX_ATTEMPTS", 8, 1, 50),
    retryBaseMs: readPositiveInt(env, "EMAIL_RETRY_BASE_MS", 30_000, 10, 3_600_000),
    leaseMs: readPositiveInt(env, "EMAIL_LEASE_MS", 120_000, 500, 3_600_000),
  };
}

function readLogLevel(env: Env): LogLevel {
  const raw = (env.LOG_LEVEL?.trim() || "info").toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(raw)) {
    throw new ConfigError("LOG_LEVEL", `"${raw}" is not one of ${LOG_LEVELS.join(", ")}`);
  }
  return raw as LogLevel;
}

export function loadConfig(env: Env = process.env): Config {
  const resolveSecret = (reference: string): string | undefined => {
    const name = SECRET_REFERENCE.exec(reference)?.[1];
    return name ? env[name] : undefined;
  };
  const publicUrl = readPublicUrl(env);
  const host = env.HOST?.trim() || "127.0.0.1";
  return {
    port: readPort(env),
    host,
    ...readDatabaseUrl(env),
    redisUrl: readRedisUrl(env),
    bootstrapAdminToken: readBootstrapToken(env),
    logLevel: readLogLevel(env),
    graphiql: readBoolean(env, "GRAPHIQL", true),
    maxBodyBytes: 1024 * 1024,
    connectorMaxAttempts: readPositiveInt(env, "CONNECTOR_MAX_ATTEMPTS", 5, 1, 50),
    connectorRetryBaseMs: readPositiveInt(env, "CONNECTOR_RETRY_BASE_MS", 2_000, 10, 3_600_000),
    connectorLeaseMs: readPositiveInt(env, "CONNECTOR_LEASE_MS", 120_000, 500, 3_600_000),
    ...readEventDelivery(env),
    healthCheckIntervalMs: readPositiveInt(env, "HEALTH_CHECK_INTERVAL_MS", 60_000, 100, 86_400_000),
    grantExpiryCheckMs: readPositiveInt(env, "GRANT_EXPIRY_CHECK_MS", 60_000, 100, 86_400_000),
    logRetentionDays: readPositiveInt(env, "LOG_RETENTION_DAYS", 90, 0, 36_500),
    rateLimitPerToken: readPositiveInt(env, "RATE_LIMIT_PER_TOKEN", 1_200, 0, 10_000_000),
    rateLimitPerIp: readPositiveInt(env, "RATE_LIMIT_PER_IP", 3_000, 0, 10_000_000),
    wsMaxConnectionsPerToken: readPositiveInt(env, "WS_MAX_CONNECTIONS_PER_TOKEN", 20, 1, 100_000),
    maxSubscriptionsPerToken: readPositiveInt(env, "MAX_SUBSCRIPTIONS_PER_TOKEN", 100, 1, 1_000_000),
    wsMaxBufferedBytes: readPositiveInt(env, "WS_MAX_BUFFERED_BYTES", 4 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    liveRecheckMs: readPositiveInt(env, "LIVE_RECHECK_MS", 5_000, 100, 3_600_000),
    corsOrigins: readCorsOrigins(env),
    connectorAllowedAddresses: readAddressList(env, "CONNECTOR_ALLOWED_ADDRESSES"),
    resolveSecret,
    publicUrl,
    oidc: readOidc(env, publicUrl, resolveSecret),
    sessionIdleMs: readPositiveInt(env, "SESSION_IDLE_MINUTES", 120, 1, 10_080) * 60_000,
    sessionMaxMs: readPositiveInt(env, "SESSION_MAX_HOURS", 12, 1, 8_760) * 3_600_000,
    smtp: readSmtp(env, resolveSecret),
    metrics: readMetrics(env, host),
    tracing: readTracing(env),
  };
}
