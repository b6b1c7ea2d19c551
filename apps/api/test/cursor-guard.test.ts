// Cursors (graphql/cursor-guard.ts): a cursor the API did not hand out answers VALIDATION on its
// argument, never an internal error, whether written in the document or passed as a variable,
// over HTTP and WebSocket; the cursors the API does hand out, of every list in the schema, pass.
import { getNamedType, isObjectType } from "graphql";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cursorTagOf, isWellFormedCursor } from "../src/graphql/cursor-guard.ts";
import { schema } from "../src/schema/index.ts";
import { createEventEndpoint } from "../src/domain/events/endpoints.ts";
import { createRequest } from "../src/domain/requests/request-actions.ts";
import { startAccessReview } from "../src/domain/reviews/start-review.ts";
import { decideTicket, fulfillTicket } from "../src/domain/tickets/ticket-actions.ts";
import { startTestServer, type TestServer } from "./harness.ts";

const logged: { level: number; msg?: string }[] = [];
let t: TestServer;
beforeAll(async () => {
  const logger = pino({ level: "warn" }, { write: (line: string) => void logged.push(JSON.parse(line)) });
  t = await startTestServer({ logger });
  // One fulfilled request, so that every list below has a first page (a grant included), a
  // review of it, and an event endpoint's delivery log.
  const { db } = t.server;
  const { requestId } = await db.transact((work) =>
    createRequest(
      work,
      { id: t.org.ids.alice, role: "END_USER" },
      { resourceIds: [t.org.resources.writeAccess], justification: "cursors" },
    ),
  );
  const approval = await db.read.ticket.findFirstOrThrow({ where: { requestId } });
  await db.transact((work) =>
    decideTicket(work, { id: t.org.ids.bob, role: "END_USER" }, { ticketId: approval.id }, "APPROVED"),
  );
  const fulfillment = await db.read.ticket.findFirstOrThrow({ where: { requestId, kind: "FULFILLMENT" } });
  await db.transact((work) =>
    fulfillTicket(work, { id: t.org.ids.dave, role: "END_USER" }, { ticketId: fulfillment.id, comment: "done" }),
  );
  // A campaign over that grant that the admin reviews (so that myReviewItems has a page too).
  await db.transact((work) =>
    startAccessReview(
      work,
      { id: t.org.ids.admin, role: "ADMIN" },
      {
        name: "cursors",
        resourceIds: [t.org.resources.writeAccess],
        reviewerRule: "NAMED",
        reviewerIds: [t.org.ids.admin],
        deadline: new Date(Date.now() + 86_400_000),
      },
    ),
  );
  // An event endpoint with an attempt in its delivery log (a test event to a port nobody listens on).
  const endpointId = await db.transact((work) =>
    createEventEndpoint(
      work,
      { id: t.org.ids.admin, role: "ADMIN" },
      { name: "cursors", kind: "CHAT", url: "http://127.0.0.1:9/", topics: ["TICKETS"] },
      () => undefined,
    ),
  );
  await t.server.events.ping(endpointId);
  // A notification of the admin's and an email in the outbox (this server sends no email), so
  // that myNotifications and emailOutbox have a page too.
  await db.transact(async ({ tx }) => {
    const common = { identityId: t.org.ids.admin, kind: "ADMIN_ALERT" as const, sequence: 1 };
    await tx.notification.create({ data: { ...common, title: "cursors", body: "cursors" } });
    await tx.emailMessage.create({
      data: {
        ...common,
        toAddress: "erin.admin@example.com",
        subject: "cursors",
        text: "",
        html: "",
        runAt: new Date(),
      },
    });
  });
});
afterAll(() => t.close());

const b64 = (text: string) => Buffer.from(text).toString("base64");

/** Every connection field, reached with the admin's token, asking for one edge's cursor (the list under test is the one with `first: 1)`). */
const FIRST_CURSOR: Record<string, string> = {
  "Query.accessReviews": `{ accessReviews(first: 1) { edges { cursor } } }`,
  "Query.auditEvents": `{ auditEvents(first: 1) { edges { cursor } } }`,
  "Query.grants": `{ grants(first: 1) { edges { cursor } } }`,
  "Query.myReviewItems": `{ myReviewItems(first: 1) { edges { cursor } } }`,
  "Query.myNotifications": `{ myNotifications(first: 1) { edges { cursor } } }`,
  "Query.emailOutbox": `{ emailOutbox(first: 1) { edges { cursor } } }`,
  "AccessReview.items": `{ accessReviews(first: 5) { edges { node { items(first: 1) { edges { cursor } } } } } }`,
  "Query.groups": `{ groups(first: 1) { edges { cursor } } }`,
  "Query.identities": `{ identities(first: 1) { edges { cursor } } }`,
  "Query.requests": `{ requests(first: 1) { edges { cursor } } }`,
  "Query.resources": `{ resources(first: 1) { edges { cursor } } }`,
  "Query.systems": `{ systems(first: 1) { edges { cursor } } }`,
  "Query.tickets": `{ tickets(first: 1) { edges { cursor } } }`,
  "Request.auditEvents": `{ requests(first: 5) { edges { node { auditEvents(first: 1) { edges { cursor } } } } } }`,
  "System.resources": `{ systems(first: 5) { edges { node { resources(first: 1) { edges { cursor } } } } } }`,
  "Group.members": `{ groups(first: 5) { edges { node { members(first: 1) { edges { cursor } } } } } }`,
  "Identity.grants": `{ identities(first: 5, search: "alice") { edges { node { grants(first: 1) { edges { cursor } } } } } }`,
  "EventEndpoint.deliveries": `{ eventEndpoints { deliveries(first: 1) { edges { cursor } } } }`,
};

/** The schema's connection fields, as Type.field, with their node type. */
function connectionFields(): Map<string, string> {
  const fields = new Map<string, string>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith("__")) continue;
    for (const field of Object.values(type.getFields())) {
      const named = getNamedType(field.type).name;
      if (named.endsWith("Connection") && field.args.some((a) => a.name === "after")) {
        fields.set(`${type.name}.${field.name}`, named.slice(0, -"Connection".length));
      }
    }
  }
  return fields;
}

function cursorsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(cursorsIn);
  if (value && typeof value === "object") {
    return Object.entries(value).flatMap(([key, inner]) =>
      key === "cursor" && typeof inner === "string" ? [inner] : cursorsIn(inner),
    );
  }
  return [];
}

describe("cursors", () => {
  it("the API hands out, of every list in the schema, pass the guard's rules", async () => {
    const fields = connectionFields();
    expect([...fields.keys()].sort()).toEqual(Object.keys(FIRST_CURSOR).sort());
    for (const [field, nodeType] of fields) {
      const answer = await t.gql(t.org.tokens.admin, FIRST_CURSOR[field] ?? "");
      expect(answer.errors, field).toBeUndefined();
      const [cursor] = cursorsIn(answer.data);
      expect(cursor, `${field} returned no edge`).toBeDefined();
      expect(isWellFormedCursor(cursor ?? "", nodeType), `${field}: ${cursor} (${cursorTagOf(nodeType)})`).toBe(true);
      // And paging on from it works.
      const next = await t.gql(
        t.org.tokens.admin,
        (FIRST_CURSOR[field] ?? "").replace("first: 1)", `first: 1, after: "${cursor}")`),
      );
      expect(next.errors, field).toBeUndefined();
    }
  });

  it.each([
    ["a string where the audit sequence is due", "Request.auditEvents", b64("GPC:S:abc")],
    ["a number that is not one", "Query.requests", b64("GPC:N:abc")],
    ["a sequence where an id is due", "Query.tickets", b64("GPC:N:12")],
    ["not base64", "Query.requests", "%%%"],
    ["another plugin's cursor", "Query.systems", b64("arrayconnection:3")],
    ["a huge number", "Query.auditEvents", b64("GPC:N:1e999")],
  ])(
    "refuses %s (%s) with VALIDATION on the argument, in the document or as a variable",
    async (_what, field, cursor) => {
      const before = logged.filter((l) => l.level >= 50).length;
      const inline = (FIRST_CURSOR[field] ?? "").replace("first: 1)", `first: 1, after: ${JSON.stringify(cursor)})`);
      const asVariable = `query($c: String) ${(FIRST_CURSOR[field] ?? "").replace("first: 1)", "first: 1, after: $c)")}`;
      for (const [document, variables] of [
        [inline, undefined],
        [asVariable, { c: cursor }],
      ] as const) {
        const answer = await t.gql(t.org.tokens.admin, document, variables);
        expect(answer.data ?? null).toBeNull();
        expect(answer.errors).toEqual([
          expect.objectContaining({ extensions: expect.objectContaining({ code: "VALIDATION", field: ["after"] }) }),
        ]);
      }
      const before2 = await t.gql(
        t.org.tokens.admin,
        `{ requests(last: 1, before: "${b64("GPC:N:x")}") { totalCount } }`,
      );
      expect(before2.errors?.[0]?.extensions).toMatchObject({ code: "VALIDATION", field: ["before"] });
      expect(logged.filter((l) => l.level >= 50).length).toBe(before);
    },
  );

  it("refuses a bad cursor in a query and a subscription over WebSocket the same way", async () => {
    const ws = t.ws(t.org.tokens.admin);
    const query = `{ requests(first: 1, after: "${b64("GPC:N:abc")}") { totalCount } }`;
    const result = await new Promise<{ errors?: readonly { extensions?: unknown }[] }>((resolve, reject) => {
      ws.subscribe({ query }, { next: resolve, error: reject, complete: () => undefined });
    });
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: "VALIDATION", field: ["after"] });
    // A subscription is shared on the WebSocket server, not run through envelop: checked there.
    const subscription = `subscription { ticketStatusChanged { ticket { request { auditEvents(first: 1, after: "${b64("GPC:S:abc")}") { totalCount } } } } }`;
    const refused = await new Promise<unknown>((resolve) => {
      ws.subscribe({ query: subscription }, { next: resolve, error: resolve, complete: () => resolve("completed") });
    });
    expect(JSON.stringify(refused)).toContain('"code":"VALIDATION"');
  });
});
