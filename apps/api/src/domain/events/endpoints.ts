// Event endpoints (admins only): where audit events of some topics are sent, in sequence order
// (jobs/event-delivery.ts delivers them). An endpoint's `deliveredSequence` is its cursor over the
// audit trail: creating one starts it at the trail's head (or earlier, to receive history), and a
// replay moves it back. Secrets are references (env:ACCESS_SECRET_…), checked to resolve when saved
// and never stored. Every change is audited as CONFIG_CHANGED (entity EventEndpoint).
import type { JsonValue } from "@access/audit-chain";
import { isSecretReference } from "../../config.ts";
import { httpUrl } from "../../connectors/settings.ts";
import type { EndpointKind } from "../../generated/prisma/client.ts";
import { auditConfig, requireAdmin } from "../admin-only.ts";
import { DomainError, invalid, notFound } from "../errors.ts";
import { toGlobalId } from "../global-id.ts";
import { distinct, listSize, requiredText } from "../validate.ts";
import type { Actor, Tx, Work } from "../work.ts";
import { EVENT_TOPIC_NAMES, type EventTopic, readTopics } from "./topics.ts";

export const ENDPOINT_NAME_MAX = 100;

/** Resolves a secret reference from the environment (config.resolveSecret). */
export type ResolveSecret = (reference: string) => string | undefined;

export interface CreateEventEndpointInput {
  name: string;
  kind: EndpointKind;
  url: string;
  secret?: string | null;
  topics: readonly EventTopic[];
  systemId?: string | null;
  /** The first audit sequence it receives (default: the next one written). */
  fromSequence?: number | null;
}

export interface UpdateEventEndpointInput {
  id: string;
  /** Absent or null: unchanged. */
  url?: string | null;
  /** Absent: unchanged; null: removed (chat endpoints only). */
  secret?: string | null;
  topics?: readonly EventTopic[] | null;
  /** Absent: unchanged; null: every system. */
  systemId?: string | null;
  enabled?: boolean | null;
}

const field = (name: string) => ["input", name];

/** The current head of the audit trail (the last sequence written). */
export async function auditHead(tx: Pick<Tx, "auditHead">): Promise<number> {
  return (await tx.auditHead.findUnique({ where: { id: 1 }, select: { sequence: true } }))?.sequence ?? 0;
}

function checkSecret(kind: EndpointKind, secret: string | null, resolveSecret: ResolveSecret): string | null {
  if (secret === null) {
    if (kind === "CLOUDEVENTS") throw invalid("CloudEvents endpoints need a signing secret.", field("secret"));
    return null;
  }
  if (!isSecretReference(secret)) {
    throw invalid(
      'The secret is given as a reference to an environment variable, e.g. "env:ACCESS_SECRET_EVENTS".',
      field("secret"),
    );
  }
  if (!resolveSecret(secret)) {
    throw invalid(
      `${secret.slice("env:".length)} is not set on this instance (set it on every instance).`,
      field("secret"),
    );
  }
  return secret;
}

function checkTopics(topics: readonly EventTopic[]): EventTopic[] {
  listSize(topics, 1, EVENT_TOPIC_NAMES.length, field("topics"));
  distinct(topics, field("topics"));
  // Stored in the enum's order, so an endpoint's topics read the same however they were given.
  return EVENT_TOPIC_NAMES.filter((topic) => topics.includes(topic));
}

async function checkSystem(tx: Tx, systemId: string | null): Promise<string | null> {
  if (systemId === null) return null;
  if (!(await tx.system.findUnique({ where: { id: systemId }, select: { id: true } }))) {
    throw notFound("System", field("systemId"));
  }
  return systemId;
}

async function checkFromSequence(tx: Tx, fromSequence: number, name: string): Promise<number> {
  const head = await auditHead(tx);
  if (!Number.isInteger(fromSequence) || fromSequence < 1 || fromSequence > head + 1) {
    throw invalid(`${name} must be from 1 to ${head + 1} (the next sequence).`, field(name));
  }
  return fromSequence;
}

/**
 * What the audit trail records of an endpoint's URL: a chat webhook's URL is its credential
 * (Slack's carries a token in its path), so only its origin; a CloudEvents URL whole.
 */
const auditedUrl = (kind: EndpointKind, url: string): string => (kind === "CHAT" ? new URL(url).origin : url);

export async function createEventEndpoint(
  work: Work,
  actor: Actor,
  input: CreateEventEndpointInput,
  resolveSecret: ResolveSecret,
): Promise<string> {
  requireAdmin(actor);
  const { tx } = work;
  const name = requiredText(input.name, ENDPOINT_NAME_MAX, field("name"));
  const url = httpUrl(input.url, field("url"));
  const secret = checkSecret(input.kind, input.secret ?? null, resolveSecret);
  const topics = checkTopics(input.topics);
  const systemId = await checkSystem(tx, input.systemId ?? null);
  const fromSequence =
    input.fromSequence == null
      ? (await auditHead(tx)) + 1
      : await checkFromSequence(tx, input.fromSequence, "fromSequence");
  if (await tx.eventEndpoint.findUnique({ where: { name }, select: { id: true } })) {
    throw new DomainError("CONFLICT", `An event endpoint named ${name} exists already.`, field("name"));
  }
  const endpoint = await tx.eventEndpoint.create({
    data: {
      name,
      kind: input.kind,
      url,
      secret,
      topics: JSON.stringify(topics),
      systemId,
      deliveredSequence: fromSequence - 1,
    },
    select: { id: true },
  });
  auditConfig(work, actor, "EventEndpoint", toGlobalId("EventEndpoint", endpoint.id), "created", {
    name,
    kind: input.kind,
    url: auditedUrl(input.kind, url),
    secretReference: secret,
    topics,
    systemId: systemId ? toGlobalId("System", systemId) : null,
    fromSequence,
  });
  return endpoint.id;
}

async function requireEndpoint(tx: Tx, id: string) {
  const endpoint = await tx.eventEndpoint.findUnique({ where: { id } });
  if (!endpoint) throw notFound("Event endpoint", field("id"));
  return endpoint;
}

export async function updateEventEndpoint(
  work: Work,
  actor: Actor,
  input: UpdateEventEndpointInput,
  resolveSecret: ResolveSecret,
): Promise<string> {
  requireAdmin(actor);
  const { tx } = work;
  const endpoint = await requireEndpoint(tx, input.id);
  const changes: { [key: string]: JsonValue } = {};
  const data: {
    url?: string;
    secret?: string | null;
    topics?: string;
    systemId?: string | null;
    enabled?: boolean;
  } = {};
  if (input.url != null) {
    const url = httpUrl(input.url, field("url"));
    if (url !== endpoint.url) {
      data.url = url;
      changes.url = auditedUrl(endpoint.kind, url);
    }
  }
  if (input.secret !== undefined) {
    const secret = checkSecret(endpoint.kind, input.secret, resolveSecret);
    if (secret !== endpoint.secret) data.secret = changes.secretReference = secret;
  }
  if (input.topics != null) {
    const topics = checkTopics(input.topics);
    if (JSON.stringify(topics) !== JSON.stringify(readTopics(endpoint.topics))) {
      data.topics = JSON.stringify(topics);
      changes.topics = topics;
    }
  }
  if (input.systemId !== undefined) {
    const systemId = await checkSystem(tx, input.systemId);
    if (systemId !== endpoint.systemId) {
      data.systemId = systemId;
      changes.systemId = systemId ? toGlobalId("System", systemId) : null;
    }
  }
  if (input.enabled != null && input.enabled !== endpoint.enabled) data.enabled = changes.enabled = input.enabled;
  if (Object.keys(data).length === 0) return endpoint.id;
  // A new address, secret or an enabled endpoint is tried at once, not at the old retry time.
  const retryNow = data.url !== undefined || data.secret !== undefined || data.enabled === true;
  await tx.eventEndpoint.update({
    where: { id: endpoint.id },
    data: { ...data, ...(retryNow ? { retryAt: null, failures: 0 } : {}) },
  });
  auditConfig(work, actor, "EventEndpoint", toGlobalId("EventEndpoint", endpoint.id), "updated", {
    name: endpoint.name,
    ...changes,
  });
  return endpoint.id;
}

/** Moves the endpoint's cursor back (or forward) so that it receives events from `fromSequence` on. */
export async function replayEventEndpoint(
  work: Work,
  actor: Actor,
  input: { id: string; fromSequence: number },
): Promise<string> {
  requireAdmin(actor);
  const { tx } = work;
  const endpoint = await requireEndpoint(tx, input.id);
  const fromSequence = await checkFromSequence(tx, input.fromSequence, "fromSequence");
  await tx.eventEndpoint.update({
    where: { id: endpoint.id },
    data: { deliveredSequence: fromSequence - 1, failures: 0, retryAt: null, lastError: null },
  });
  auditConfig(work, actor, "EventEndpoint", toGlobalId("EventEndpoint", endpoint.id), "updated", {
    name: endpoint.name,
    replayFromSequence: fromSequence,
    previousDeliveredSequence: endpoint.deliveredSequence,
  });
  return endpoint.id;
}

/** Deletes the endpoint and its delivery log. */
export async function deleteEventEndpoint(work: Work, actor: Actor, input: { id: string }): Promise<string> {
  requireAdmin(actor);
  const { tx } = work;
  const endpoint = await requireEndpoint(tx, input.id);
  // The row's lock first: a delivery being recorded meanwhile either committed before (and its log
  // row goes below) or waits and finds the endpoint gone (jobs/event-delivery.ts, recordAttempt).
  await tx.eventEndpoint.updateMany({ where: { id: endpoint.id }, data: { lockedBy: null, lockedUntil: null } });
  await tx.eventDelivery.deleteMany({ where: { endpointId: endpoint.id } });
  await tx.eventEndpoint.delete({ where: { id: endpoint.id } });
  auditConfig(work, actor, "EventEndpoint", toGlobalId("EventEndpoint", endpoint.id), "deleted", {
    name: endpoint.name,
    kind: endpoint.kind,
  });
  return endpoint.id;
}
