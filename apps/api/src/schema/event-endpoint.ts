// Outbound event endpoints (admins only): integrators' receivers of CloudEvents and chat channels,
// with their cursor over the audit trail, their state and their delivery log; registering,
// changing, replaying, testing and deleting them. Delivery itself is jobs/event-delivery.ts.
import { requireAdmin } from "../domain/admin-only.ts";
import {
  createEventEndpoint,
  deleteEventEndpoint,
  replayEventEndpoint,
  updateEventEndpoint,
} from "../domain/events/endpoints.ts";
import { actionsOf, EVENT_TOPICS, EVENT_TOPIC_NAMES, type EventTopic, readTopics } from "../domain/events/topics.ts";
import { notFound } from "../domain/errors.ts";
import { toGlobalId } from "../domain/global-id.ts";
import { DeliveryOutcome, EndpointKind } from "../generated/prisma/enums.ts";
import { builder } from "./builder.ts";
import { entityPayload, mutate, type Payload, USER_ERRORS, UserError, MUTATION_INPUT } from "./errors.ts";
import { decodeId, decodeOptionalId } from "./ids.ts";

const EndpointKindEnum = builder.enumType(EndpointKind, {
  name: "EndpointKind",
  description: "What an event endpoint receives.",
  values: {
    CLOUDEVENTS: {
      description:
        "Every event of its topics as a signed CloudEvent 1.0 (structured JSON, application/cloudevents+json), in\naudit sequence order, at least once.",
    },
    CHAT: {
      description:
        'A Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat): a `{ "text": … }` message for the events\npeople act on (new approval tickets, approvals, rejections, fulfillments, failures, escalations).',
    },
  },
});

const DeliveryOutcomeEnum = builder.enumType(DeliveryOutcome, {
  name: "DeliveryOutcome",
  description: "How one delivery attempt went.",
  values: {
    DELIVERED: { description: "The endpoint answered 2xx." },
    FAILED: { description: "Another answer, no answer in time, or no connection: tried again later." },
  },
});

const TOPIC_DESCRIPTIONS: Record<EventTopic, string> = {
  REQUESTS: "Requests created, changing status, cancelled",
  TICKETS: "Tickets created, approved, rejected, fulfilled, failed, retried, reassigned, reminded, escalated, claimed",
  GRANTS: "Grants activated, revoked, expired, extended",
  SYSTEM_HEALTH: "Connector systems' health changes",
  REVIEWS: "Access reviews started, items decided, reviews closed",
};

export const EventTopicEnum = builder.enumType("EventTopic", {
  description: "A group of audit actions an event endpoint may subscribe to. No other action is ever sent.",
  values: Object.fromEntries(
    EVENT_TOPIC_NAMES.map((topic) => [
      topic,
      { description: `${TOPIC_DESCRIPTIONS[topic]}: ${EVENT_TOPICS[topic].join(", ")}.` },
    ]),
  ) as Record<EventTopic, { description: string }>,
});

const EventDelivery = builder.prismaObject("EventDelivery", {
  description: "One attempt to deliver one event to an endpoint (its delivery log).",
  fields: (t) => ({
    sequence: t.exposeInt("sequence", { description: "The audit event's sequence (0: a test event)." }),
    type: t.exposeString("type", { description: "The CloudEvent type, e.g. dev.access-requests.ticket.approved." }),
    outcome: t.expose("outcome", { type: DeliveryOutcomeEnum, description: "Delivered (2xx) or failed." }),
    httpStatus: t.exposeInt("httpStatus", {
      nullable: true,
      description: "The endpoint's HTTP status, if it answered.",
    }),
    error: t.exposeString("error", {
      nullable: true,
      description: "Why it failed (HTTP status, timeout, connection error, refused address).",
    }),
    durationMs: t.exposeInt("durationMs", { description: "How long the attempt took." }),
    at: t.expose("at", { type: "DateTime", description: "When the attempt ended." }),
  }),
});

// Named here (with the names Pothos gave it inline) so that its totalCount is the described one.
const EventDeliveryConnection = builder.connectionObject(
  { type: EventDelivery, name: "EventEndpointDeliveriesConnection" },
  { name: "EventEndpointDeliveriesConnectionEdge" },
);

export const EventEndpoint = builder.prismaNode("EventEndpoint", {
  id: { field: "id" },
  description:
    "Where audit events of some topics are sent (admins only). Its cursor, deliveredSequence, is the last audit\nsequence it was sent or skipped; events after it go out in order, one at a time.",
  authScopes: { admin: true },
  fields: (t) => ({
    name: t.exposeString("name", { description: "Unique; says who receives the events." }),
    kind: t.expose("kind", { type: EndpointKindEnum, description: "CloudEvents receiver or chat channel." }),
    url: t.exposeString("url", { description: "Where events are POSTed." }),
    topics: t.field({
      type: [EventTopicEnum],
      description: "The topics it receives.",
      select: { topics: true },
      resolve: (endpoint) => readTopics(endpoint.topics),
    }),
    system: t.relation("system", {
      nullable: true,
      description: "Only events about this system's resources (null: every system).",
    }),
    enabled: t.exposeBoolean("enabled", { description: "Disabled endpoints are sent nothing; their cursor waits." }),
    secretReference: t.exposeString("secret", {
      nullable: true,
      description: "The reference of its signing secret (env:ACCESS_SECRET_…), never the secret.",
    }),
    deliveredSequence: t.exposeInt("deliveredSequence", {
      description: "The last audit sequence it was sent (or skipped, not being in its topics).",
    }),
    pending: t.int({
      description:
        "Audit events after its cursor in its topics: an upper bound of what it is still to receive (a system\nscope and chat endpoints skip some of them).",
      select: { deliveredSequence: true, topics: true },
      resolve: (endpoint, _args, ctx) =>
        ctx.prisma.auditEvent.count({
          where: {
            sequence: { gt: endpoint.deliveredSequence },
            action: { in: actionsOf(readTopics(endpoint.topics)) },
          },
        }),
    }),
    failures: t.exposeInt("failures", { description: "Consecutive failed attempts at its next event." }),
    retryAt: t.expose("retryAt", {
      type: "DateTime",
      nullable: true,
      description: "When its next event is tried again after a failure (later events wait: the order holds).",
    }),
    lastError: t.exposeString("lastError", { nullable: true, description: "Why the last attempt failed." }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it was registered." }),
    deliveries: t.relatedConnection(
      "deliveries",
      {
        cursor: "id",
        totalCount: true,
        description: "Its delivery log, newest first.",
        query: () => ({ orderBy: [{ at: "desc" }, { id: "desc" }] }),
      },
      EventDeliveryConnection,
    ),
  }),
});

builder.queryFields((t) => ({
  eventEndpoints: t.prismaField({
    type: [EventEndpoint],
    authScopes: { admin: true },
    description: "Admins only: every event endpoint, by name.",
    resolve: (query, _root, _args, ctx) => ctx.prisma.eventEndpoint.findMany({ ...query, orderBy: { name: "asc" } }),
  }),
}));

const EventEndpointPayload = entityPayload("EventEndpointPayload", "endpoint", "EventEndpoint", (ctx, query, id) =>
  ctx.prisma.eventEndpoint.findUnique({ ...query, where: { id } }),
);

const CreateEventEndpointInput = builder.inputType("CreateEventEndpointInput", {
  description: "A new event endpoint.",
  fields: (t) => ({
    name: t.string({ required: true, description: "1 to 100 characters, unique." }),
    kind: t.field({ type: EndpointKindEnum, required: true, description: "CLOUDEVENTS or CHAT." }),
    url: t.string({ required: true, description: "An http(s) URL without credentials in it." }),
    secret: t.string({
      description:
        "The signing secret's reference, env:ACCESS_SECRET_<NAME> (set on every instance). Required for\nCLOUDEVENTS; optional for CHAT.",
    }),
    topics: t.field({ type: [EventTopicEnum], required: true, description: "At least one." }),
    systemId: t.id({ description: "Only events about this system (default: every system)." }),
    fromSequence: t.int({
      description:
        "The first audit sequence it receives, from 1 (the whole trail) to the next one written (the default:\nonly new events).",
    }),
  }),
});

const UpdateEventEndpointInput = builder.inputType("UpdateEventEndpointInput", {
  description: "What changes on an event endpoint (absent fields stay as they are).",
  fields: (t) => ({
    id: t.id({ required: true, description: "The endpoint." }),
    url: t.string({ description: "Absent: unchanged." }),
    secret: t.string({ description: "Absent: unchanged; null: removed (CHAT only)." }),
    topics: t.field({ type: [EventTopicEnum], description: "Absent: unchanged." }),
    systemId: t.id({ description: "Absent: unchanged; null: every system." }),
    enabled: t.boolean({ description: "Absent: unchanged. Enabling resumes from its cursor." }),
  }),
});

const EventEndpointIdInput = builder.inputType("EventEndpointIdInput", {
  description: "An event endpoint.",
  fields: (t) => ({ id: t.id({ required: true, description: "The endpoint." }) }),
});

const ReplayEventEndpointInput = builder.inputType("ReplayEventEndpointInput", {
  description: "Where an event endpoint's cursor moves.",
  fields: (t) => ({
    id: t.id({ required: true, description: "The endpoint." }),
    fromSequence: t.int({
      required: true,
      description: "It receives the events of its topics from this audit sequence on (1 to the next one written).",
    }),
  }),
});

const DeleteEventEndpointPayload = builder.objectRef<Payload<string>>("DeleteEventEndpointPayload").implement({
  description: "The deleted endpoint's id, or why it was not deleted.",
  fields: (t) => ({
    deletedEndpointId: t.id({
      nullable: true,
      description: "The id of the deleted endpoint.",
      resolve: (payload) => (payload.value ? toGlobalId("EventEndpoint", payload.value) : null),
    }),
    errors: t.field({ type: [UserError], description: USER_ERRORS, resolve: (payload) => payload.errors }),
  }),
});

const TestEventEndpointPayload = builder
  .objectRef<Payload<{ endpointId: string; deliveryId: string }>>("TestEventEndpointPayload")
  .implement({
    description: "The endpoint and how its test event went, or why none was sent.",
    fields: (t) => ({
      endpoint: t.prismaField({
        type: EventEndpoint,
        nullable: true,
        description: "The endpoint tested; null when `errors` is not empty.",
        resolve: (query, payload, _args, ctx) =>
          payload.value
            ? ctx.prisma.eventEndpoint.findUnique({ ...query, where: { id: payload.value.endpointId } })
            : null,
      }),
      delivery: t.prismaField({
        type: EventDelivery,
        nullable: true,
        description: "How the test event went.",
        resolve: (query, payload, _args, ctx) =>
          payload.value
            ? ctx.prisma.eventDelivery.findUnique({ ...query, where: { id: payload.value.deliveryId } })
            : null,
      }),
      errors: t.field({ type: [UserError], description: USER_ERRORS, resolve: (payload) => payload.errors }),
    }),
  });

const endpointId = (id: string) => decodeId(id, "EventEndpoint", ["input", "id"]);

builder.mutationFields((t) => ({
  createEventEndpoint: t.field({
    type: EventEndpointPayload,
    description: "Admins only: registers an endpoint; it receives the events of its topics from fromSequence on.",
    args: { input: t.arg({ type: CreateEventEndpointInput, required: true, description: MUTATION_INPUT }) },
    resolve: (_root, { input }, ctx) =>
      mutate(ctx, (viewer) => {
        requireAdmin(viewer);
        return ctx.db.transact((work) =>
          createEventEndpoint(
            work,
            viewer,
            {
              name: input.name,
              kind: input.kind,
              url: input.url,
              secret: input.secret ?? null,
              topics: input.topics,
              systemId: decodeOptionalId(input.systemId, "System", ["input", "systemId"]),
              fromSequence: input.fromSequence ?? null,
            },
            ctx.events.resolveSecret,
          ),
        );
      }),
  }),
  updateEventEndpoint: t.field({
    type: EventEndpointPayload,
    description: "Admins only: changes an endpoint (absent fields stay). A new url or secret is tried at once.",
    args: { input: t.arg({ type: UpdateEventEndpointInput, required: true, description: MUTATION_INPUT }) },
    resolve: (_root, { input }, ctx) =>
      mutate(ctx, (viewer) => {
        requireAdmin(viewer);
        return ctx.db.transact((work) =>
          updateEventEndpoint(
            work,
            viewer,
            {
              id: endpointId(input.id),
              url: input.url,
              secret: input.secret,
              topics: input.topics,
              systemId:
                input.systemId === undefined
                  ? undefined
                  : decodeOptionalId(input.systemId, "System", ["input", "systemId"]),
              enabled: input.enabled,
            },
            ctx.events.resolveSecret,
          ),
        );
      }),
  }),
  replayEventEndpoint: t.field({
    type: EventEndpointPayload,
    description:
      "Admins only: moves the endpoint's cursor so that it receives its topics' events again from fromSequence on,\nin order (its failures are reset).",
    args: { input: t.arg({ type: ReplayEventEndpointInput, required: true, description: MUTATION_INPUT }) },
    resolve: (_root, { input }, ctx) =>
      mutate(ctx, (viewer) => {
        requireAdmin(viewer);
        return ctx.db.transact((work) =>
          replayEventEndpoint(work, viewer, { id: endpointId(input.id), fromSequence: input.fromSequence }),
        );
      }),
  }),
  deleteEventEndpoint: t.field({
    type: DeleteEventEndpointPayload,
    description: "Admins only: deletes the endpoint and its delivery log.",
    args: { input: t.arg({ type: EventEndpointIdInput, required: true, description: MUTATION_INPUT }) },
    resolve: (_root, { input }, ctx) =>
      mutate(ctx, (viewer) => {
        requireAdmin(viewer);
        return ctx.db.transact((work) => deleteEventEndpoint(work, viewer, { id: endpointId(input.id) }));
      }),
  }),
  testEventEndpoint: t.field({
    type: TestEventEndpointPayload,
    description:
      "Admins only: sends the endpoint a test event now (type dev.access-requests.ping, or a chat message), outside\nits order; the attempt is in its delivery log as sequence 0. NOT_FOUND when there is no such endpoint, also\nwhen it is deleted while the test is out (nothing is logged then).",
    args: { input: t.arg({ type: EventEndpointIdInput, required: true, description: MUTATION_INPUT }) },
    resolve: (_root, { input }, ctx) =>
      mutate(ctx, async (viewer) => {
        requireAdmin(viewer);
        const id = endpointId(input.id);
        const deliveryId = await ctx.events.ping(id);
        if (!deliveryId) throw notFound("Event endpoint", ["input", "id"]);
        return { endpointId: id, deliveryId };
      }),
  }),
}));
