// Validation of connector settings (per system) and targets (per resource), per connector kind.
// Settings are stored as JSON text and never contain a secret, only a reference to one
// (`env:ACCESS_SECRET_…`, resolved from the environment when a call is made).
import type { ConnectorKind } from "../generated/prisma/client.ts";
import { invalid } from "../domain/errors.ts";
import { isSecretReference } from "../config.ts";

export interface WebhookConfig {
  url: string;
  secret: string;
  timeoutMs: number;
}

export interface ScimConfig {
  baseUrl: string;
  token: string;
  timeoutMs: number;
}

export interface LdapConfig {
  url: string;
  bindDn: string;
  bindPassword: string;
  userBaseDn: string;
  timeoutMs: number;
}

export type ConnectorConfig =
  | { kind: "MANUAL" }
  | ({ kind: "WEBHOOK" } & WebhookConfig)
  | ({ kind: "SCIM" } & ScimConfig)
  | ({ kind: "LDAP" } & LdapConfig);

const CONFIG_FIELD = ["input", "connectorConfig"];
const TARGET_FIELD = ["input", "connectorTarget"];

function objectOf(raw: unknown, field: readonly string[]): Record<string, unknown> {
  if (raw == null) return {};
  if (typeof raw !== "object" || Array.isArray(raw)) throw invalid("Connector settings must be a JSON object.", field);
  return raw as Record<string, unknown>;
}

function only(value: Record<string, unknown>, allowed: readonly string[], field: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key))
      throw invalid(`Unknown setting "${key}" (allowed: ${allowed.join(", ") || "none"}).`, [...field, key]);
  }
}

/** An http(s) URL without credentials in it (connector and event endpoint URLs). */
export function httpUrl(value: unknown, field: readonly string[]): string {
  if (typeof value !== "string" || value.length > 2000) throw invalid("url must be an http(s) URL.", field);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid("url must be an http(s) URL.", field);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw invalid("url must be an http(s) URL.", field);
  if (url.username || url.password) throw invalid("url must not carry credentials; use a secret reference.", field);
  return url.toString();
}

function ldapUrl(value: unknown, field: readonly string[]): string {
  if (typeof value !== "string" || !/^ldaps?:\/\/[^/\s]+\/?$/.test(value))
    throw invalid("url must be ldap://host[:port] or ldaps://host[:port].", field);
  return value;
}

function distinguishedName(value: unknown, field: readonly string[]): string {
  if (
    typeof value !== "string" ||
    value.length > 1000 ||
    !/^[A-Za-z][\w-]*=[^,]+(,\s*[A-Za-z][\w-]*=[^,]+)*$/.test(value)
  ) {
    throw invalid("Expected a distinguished name, e.g. cn=access,dc=example,dc=com.", field);
  }
  return value;
}

function secretReference(value: unknown, field: readonly string[]): string {
  if (!isSecretReference(value)) {
    throw invalid(
      'Secrets are given as a reference to an environment variable, e.g. "env:ACCESS_SECRET_GITHUB_WEBHOOK".',
      field,
    );
  }
  return value;
}

function timeout(value: unknown): number {
  const timeoutMs = value ?? 10_000;
  if (typeof timeoutMs !== "number" || !Number.isInteger(timeoutMs) || timeoutMs < 100 || timeoutMs > 60_000) {
    throw invalid("timeoutMs must be a whole number of milliseconds from 100 to 60000.", [
      ...CONFIG_FIELD,
      "timeoutMs",
    ]);
  }
  return timeoutMs;
}

/** The stored form of a system's connector settings (null for MANUAL). */
export function parseConnectorConfig(kind: ConnectorKind, raw: unknown): ConnectorConfig {
  const config = objectOf(raw, CONFIG_FIELD);
  switch (kind) {
    case "MANUAL":
      only(config, [], CONFIG_FIELD);
      return { kind };
    case "WEBHOOK":
      only(config, ["url", "secret", "timeoutMs"], CONFIG_FIELD);
      return {
        kind,
        url: httpUrl(config.url, [...CONFIG_FIELD, "url"]),
        secret: secretReference(config.secret, [...CONFIG_FIELD, "secret"]),
        timeoutMs: timeout(config.timeoutMs),
      };
    case "SCIM":
      only(config, ["baseUrl", "token", "timeoutMs"], CONFIG_FIELD);
      return {
        kind,
        baseUrl: httpUrl(config.baseUrl, [...CONFIG_FIELD, "baseUrl"]),
        token: secretReference(config.token, [...CONFIG_FIELD, "token"]),
        timeoutMs: timeout(config.timeoutMs),
      };
    case "LDAP":
      only(config, ["url", "bindDn", "bindPassword", "userBaseDn", "timeoutMs"], CONFIG_FIELD);
      return {
        kind,
        url: ldapUrl(config.url, [...CONFIG_FIELD, "url"]),
        bindDn: distinguishedName(config.bindDn, [...CONFIG_FIELD, "bindDn"]),
        bindPassword: secretReference(config.bindPassword, [...CONFIG_FIELD, "bindPassword"]),
        userBaseDn: distinguishedName(config.userBaseDn, [...CONFIG_FIELD, "userBaseDn"]),
        timeoutMs: timeout(config.timeoutMs),
      };
    default:
      throw invalid(`Unknown connector ${String(kind)}.`, ["input", "connector"]);
  }
}

export function storedConfig(config: ConnectorConfig): string | null {
  if (config.kind === "MANUAL") return null;
  const { kind: _kind, ...settings } = config;
  return JSON.stringify(settings);
}

/** A system's stored settings, parsed (and checked) again for use. */
export function readStoredConfig(kind: ConnectorKind, stored: string | null): ConnectorConfig {
  return parseConnectorConfig(kind, stored ? (JSON.parse(stored) as unknown) : null);
}

/** The stored form of a resource's connector target (payload fields for webhooks). */
export function parseConnectorTarget(kind: ConnectorKind, raw: unknown): string | null {
  if (raw == null) {
    if (kind === "SCIM")
      throw invalid('SCIM resources need the id of their SCIM group: { "groupId": "…" }.', TARGET_FIELD);
    if (kind === "LDAP")
      throw invalid('LDAP resources need the DN of their group: { "groupDn": "cn=…" }.', TARGET_FIELD);
    return null;
  }
  const target = objectOf(raw, TARGET_FIELD);
  switch (kind) {
    case "MANUAL":
      throw invalid("Resources of MANUAL systems take no connector target.", TARGET_FIELD);
    case "WEBHOOK": {
      const text = JSON.stringify(target);
      if (text.length > 8_000)
        throw invalid("The webhook fields must stay under 8,000 characters of JSON.", TARGET_FIELD);
      return text;
    }
    case "LDAP": {
      only(target, ["groupDn"], TARGET_FIELD);
      return JSON.stringify({ groupDn: distinguishedName(target.groupDn, [...TARGET_FIELD, "groupDn"]) });
    }
    case "SCIM": {
      only(target, ["groupId"], TARGET_FIELD);
      const groupId = target.groupId;
      if (typeof groupId !== "string" || groupId.trim() === "" || groupId.length > 200) {
        throw invalid('SCIM resources need the id of their SCIM group: { "groupId": "…" }.', [
          ...TARGET_FIELD,
          "groupId",
        ]);
      }
      return JSON.stringify({ groupId });
    }
  }
}
