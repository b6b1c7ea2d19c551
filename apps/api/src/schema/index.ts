// Builds the schema: the root types (each root field requires a signed-in viewer), then every
// type module, each of which owns one type and the root fields that return it.
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from "graphql";
import { builder } from "./builder.ts";
import "./scalars.ts";
import "./errors.ts";
import "./identity.ts";
import "./catalog.ts";
import "./request.ts";
import "./ticket.ts";
import "./grant.ts";
import "./audit.ts";
import "./token.ts";
import "./session.ts";
import "./subscriptions.ts";
import "./review.ts";
import "./settings.ts";
import "./delegation.ts";
import "./event-endpoint.ts";
import "./notification.ts";
import "./email-outbox.ts";
import "./request-preview.ts";
import "./insights.ts";

builder.queryType({
  description:
    "What the viewer may read. Every field needs a signed-in viewer (UNAUTHENTICATED otherwise); admin-only\n" +
    "fields say so and answer FORBIDDEN to others. Bad arguments answer a GraphQL error with extensions.code.",
  authScopes: { authenticated: true },
});
builder.mutationType({
  description:
    "What the viewer may change. Each mutation is one transaction with its audit events; refusals come back in\n" +
    "the payload's `errors` (never as top-level GraphQL errors), and a refused mutation changes nothing.",
  authScopes: { authenticated: true },
});
builder.subscriptionType({
  description:
    "Live changes over graphql-ws or Server-Sent Events, filtered to what the viewer may see, in audit sequence\n" +
    "order; most resume after a disconnect with afterSequence, without gaps or duplicates.",
  authScopes: { authenticated: true },
});

export const schema: GraphQLSchema = builder.toSchema();

/** The served schema as SDL, as committed in apps/api/schema.graphql. */
export const printedSchema = (): string => `${printSchema(lexicographicSortSchema(schema))}\n`;
