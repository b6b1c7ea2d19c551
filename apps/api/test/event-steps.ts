// Steps shared by the event endpoint suites (one instance, restarts, several instances): an
// endpoint registered through the API, its state and delivery log, the audit trail as the admin
// reads it, what an endpoint must receive, and the request story that produces events.
import {
  ApproveTicket,
  AuditEvents,
  CreateEventEndpoint,
  CreateRequest,
  CreateResource,
  EventEndpointDeliveries,
  FulfillTicket,
  type ResultOf,
  type VariablesOf,
} from "@access/contract";
import type { DemoOrganisation } from "../src/demo/demo-organisation.ts";
import { EVENT_TOPICS, type EventTopic } from "../src/domain/events/topics.ts";
import type { EventReceiver } from "./event-receiver.ts";
import { accepted, dataOf, gid, type graphqlAt, present } from "./harness.ts";

export const SECRET = "event-endpoint-secret-0123456789abcdef";
export const SECRET_REFERENCE = "env:ACCESS_SECRET_EVENTS";
export const PUBLIC_URL = "https://access.example.com";

export type EndpointInput = VariablesOf<typeof CreateEventEndpoint>["input"];
export type Gql = ReturnType<typeof graphqlAt>;

export async function until<T>(
  read: () => Promise<T> | T,
  ok: (value: T) => boolean,
  what: string,
  timeoutMs = 20_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The world a suite talks to: one API (in-process or a child process) and its demo organisation. */
export interface Api {
  gql: Gql;
  org: DemoOrganisation;
}

export const admin = (api: Api) => api.org.tokens.admin;

export async function createEndpoint(api: Api, input: Partial<EndpointInput> & Pick<EndpointInput, "url">) {
  const { createEventEndpoint } = await dataOf(
    api.gql(admin(api), CreateEventEndpoint, {
      input: {
        name: `Receiver ${Math.random().toString(36).slice(2, 10)}`,
        kind: "CLOUDEVENTS",
        secret: SECRET_REFERENCE,
        topics: ["TICKETS", "REQUESTS", "GRANTS"],
        ...input,
      },
    }),
  );
  return present(accepted(createEventEndpoint, "createEventEndpoint").endpoint, "the endpoint");
}

export async function endpointState(api: Api, id: string, first = 100) {
  const { node } = await dataOf(api.gql(admin(api), EventEndpointDeliveries, { id, first }));
  if (node?.__typename !== "EventEndpoint") throw new Error(`${id} is no event endpoint: ${JSON.stringify(node)}`);
  return node;
}

/** Every audit event's sequence and action, oldest first (the admin reads the trail). */
export async function trail(api: Api): Promise<{ sequence: number; action: string }[]> {
  const events: { sequence: number; action: string }[] = [];
  for (let after: string | null = null; ;) {
    const page: ResultOf<typeof AuditEvents> = await dataOf(api.gql(admin(api), AuditEvents, { first: 100, after }));
    const { auditEvents } = page;
    events.push(...auditEvents.edges.map((e) => ({ sequence: e.node.sequence, action: e.node.action })));
    if (!auditEvents.pageInfo.hasNextPage) break;
    after = auditEvents.pageInfo.endCursor ?? null;
  }
  return events.sort((a, b) => a.sequence - b.sequence);
}

export const head = async (api: Api) => (await trail(api)).at(-1)?.sequence ?? 0;

/** The sequences in (after, upTo] of the topics' actions: what an endpoint on them must receive. */
export async function expectedSequences(api: Api, topics: readonly EventTopic[], after: number, upTo: number) {
  const actions = new Set<string>(topics.flatMap((topic) => EVENT_TOPICS[topic]));
  return (await trail(api))
    .filter((e) => e.sequence > after && e.sequence <= upTo && actions.has(e.action))
    .map((e) => e.sequence);
}

/** Waits until the endpoint's cursor reached `sequence` (everything up to it sent or skipped). */
export const caughtUp = (api: Api, id: string, sequence: number, timeoutMs?: number) =>
  until(
    () => endpointState(api, id),
    (e) => e.deliveredSequence >= sequence,
    `endpoint ${id} to reach ${sequence}`,
    timeoutMs,
  );

let resourceCounter = 0;
export async function newResource(
  api: Api,
  systemId = gid("System", api.org.githubSystemId),
  extra = {},
): Promise<string> {
  resourceCounter += 1;
  const { createResource } = await dataOf(
    api.gql(admin(api), CreateResource, {
      input: { systemId, name: `Event test resource ${resourceCounter}`, sensitivity: "STANDARD", ...extra },
    }),
  );
  return present(accepted(createResource, "createResource").resource, "the resource").id;
}

/** The story: Alice requests a new resource, Bob (her manager) approves, Dave fulfils. */
export async function story(api: Api, resourceId?: string, justification = "Needed for the release") {
  const resource = resourceId ?? (await newResource(api));
  const { createRequest } = await dataOf(
    api.gql(api.org.tokens.alice, CreateRequest, { input: { resourceIds: [resource], justification } }),
  );
  const request = present(accepted(createRequest, "createRequest").request, "the request");
  const approval = present(
    request.tickets.find((x) => x.kind === "APPROVAL"),
    "the approval ticket",
  );
  const { approveTicket } = await dataOf(
    api.gql(api.org.tokens.bob, ApproveTicket, { input: { ticketId: approval.id, comment: "fine" } }),
  );
  const approved = accepted(approveTicket, "approveTicket");
  const fulfillment = present(
    approved.ticket?.request.tickets.find((x) => x.kind === "FULFILLMENT"),
    `the fulfillment ticket: ${JSON.stringify(approved.ticket)}`,
  );
  accepted(
    (await dataOf(api.gql(api.org.tokens.dave, FulfillTicket, { input: { ticketId: fulfillment.id } }))).fulfillTicket,
    "fulfillTicket",
  );
  return request;
}

export const raw = (receiver: EventReceiver) => receiver.accepted.map((call) => Number(call.body.sequence));
export const strictlyIncreasing = (list: readonly number[]) =>
  list.every((value, i) => i === 0 || value > (list[i - 1] ?? 0));
