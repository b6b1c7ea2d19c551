// Fuzzing the outside of the API (DESIGN.md, "Limits and bad input"): malformed, oversized and
// hostile operations over HTTP, Server-Sent Events and graphql-ws. Whatever arrives, the server
// answers with a 4xx or a GraphQL error that carries extensions.code (never a 5xx or an internal
// error), closes a WebSocket with a 44xx code or sends an error message (never 1011 or 4500),
// stays up, and writes nothing: hostile mutations answer typed UserErrors.
import { type IncomingHttpHeaders, request as httpRequest } from "node:http";
import { connect as tcpConnect } from "node:net";
import { AuditEvents, CreateSystem, Requests, Viewer } from "@access/contract";
import fc from "fast-check";
import WebSocket from "ws";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { dataOf, documentText, gid, startTestServer, type TestServer } from "./harness.ts";
import { seededRandom } from "./random.ts";

let t: TestServer;
let before: Snapshot;
const random = seededRandom();

type Snapshot = Record<string, number>;

/** How many rows each table holds: hostile traffic must change none of them. */
async function snapshot(): Promise<Snapshot> {
  const db = t.server.db.read;
  const counts = await Promise.all([
    db.auditEvent.count(),
    db.request.count(),
    db.requestItem.count(),
    db.ticket.count(),
    db.ticketComment.count(),
    db.grant.count(),
    db.identity.count(),
    db.group.count(),
    db.system.count(),
    db.resource.count(),
    db.approvalStep.count(),
    db.apiToken.count(),
    db.idempotencyKey.count(),
    db.job.count(),
  ]);
  const names = [
    "auditEvents",
    "requests",
    "requestItems",
    "tickets",
    "ticketComments",
    "grants",
    "identities",
    "groups",
    "systems",
    "resources",
    "approvalSteps",
    "apiTokens",
    "idempotencyKeys",
    "jobs",
  ];
  return Object.fromEntries(names.map((name, index) => [name, counts[index] ?? -1]));
}

let webhookSystemId = "";

beforeAll(async () => {
  // No health check may write while the trail is being counted. (The harness turns the rate
  // limits off; a 429 RATE_LIMITED would still be accepted everywhere.)
  t = await startTestServer({ env: { HEALTH_CHECK_INTERVAL_MS: "86400000" } });
  // A webhook system, whose resources take free-form connector targets.
  const { createSystem } = await dataOf(
    t.gql(t.org.tokens.admin, CreateSystem, {
      input: {
        name: "Fuzz webhook",
        connector: "WEBHOOK",
        connectorConfig: { url: "http://127.0.0.1:9/hook", secret: "env:ACCESS_SECRET_FUZZ" },
      },
    }),
  );
  webhookSystemId = createSystem.system?.id ?? "";
  expect(webhookSystemId).not.toBe("");
  before = await snapshot();
});
afterAll(() => t.close());

// ---------------------------------------------------------------- HTTP helpers

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The JSON body, or for an event stream the JSON of each event's data. */
  body: unknown;
  /** Set when the connection failed before any answer came. */
  failure?: string;
}

interface Outgoing {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Sent with chunked transfer encoding, so without a content-length. */
  chunks?: readonly Buffer[];
}

function parseBody(headers: IncomingHttpHeaders, text: string): unknown {
  const type = headers["content-type"] ?? "";
  if (type.includes("text/event-stream")) {
    return text
      .split("\n")
      .filter((line) => line.startsWith("data:"))
      .map((line) => {
        try {
          return JSON.parse(line.slice(5)) as unknown;
        } catch {
          return line;
        }
      });
  }
  if (!type.includes("json")) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** One raw HTTP exchange (node:http, so any header, byte or framing can be sent). */
function send(
  { method = "POST", path = "/graphql", headers = {}, body, chunks }: Outgoing,
  timeoutMs = 15_000,
): Promise<Answer> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (answer: Answer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(answer);
    };
    const length = body === undefined || chunks ? {} : { "content-length": String(Buffer.byteLength(body)) };
    const req = httpRequest(new URL(path, t.url), { method, headers: { ...length, ...headers }, agent: false });
    const timer = setTimeout(() => {
      req.destroy();
      finish({ status: 0, headers: {}, text: "", body: undefined, failure: `no answer within ${timeoutMs} ms` });
    }, timeoutMs);
    req.on("response", (res) => {
      const parts: Buffer[] = [];
      res.on("data", (part: Buffer) => parts.push(part));
      const done = () => {
        const text = Buffer.concat(parts).toString("utf8");
        finish({ status: res.statusCode ?? 0, headers: res.headers, text, body: parseBody(res.headers, text) });
      };
      res.on("end", done);
      res.on("error", done);
    });
    req.on("error", (error) => finish({ status: 0, headers: {}, text: "", body: undefined, failure: error.message }));
    if (chunks) for (const chunk of chunks) req.write(chunk);
    else if (body !== undefined) req.write(body);
    req.end();
  });
}

const bearer = (token: string | null): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {});

/** POSTs a JSON body (a string is sent as it is). */
function post(
  payload: unknown,
  token: string | null = t.org.tokens.alice,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return send({
    body: typeof payload === "string" ? payload : JSON.stringify(payload),
    headers: {
      "content-type": "application/json",
      accept: "application/graphql-response+json, application/json",
      ...bearer(token),
      ...headers,
    },
  });
}

interface ErrorShape {
  message?: unknown;
  extensions?: { code?: unknown; field?: unknown };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The GraphQL errors of a body (a single result, a batch, or an event stream's payloads). */
function errorsIn(body: unknown): ErrorShape[] {
  const results = Array.isArray(body) ? body : [body];
  return results.flatMap((result) =>
    isRecord(result) && Array.isArray(result.errors) ? (result.errors as ErrorShape[]) : [],
  );
}

const codesIn = (body: unknown) => errorsIn(body).map((error) => error.extensions?.code);

const STACK_FRAME = /\bat .+[\\/][\w.-]+\.(ts|js|mjs|cjs):\d+:\d+/;

/** What every answer to a hostile request keeps to. */
function expectSafe(label: string, answer: Answer): void {
  const show = `${label} → ${answer.status} ${answer.failure ?? answer.text.slice(0, 400)}`;
  expect(answer.failure, show).toBeUndefined();
  expect(answer.status, show).toBeGreaterThanOrEqual(200);
  expect(answer.status, show).toBeLessThan(500);
  expect(answer.text, show).not.toContain("originalError");
  expect(answer.text, show).not.toMatch(STACK_FRAME);
  for (const error of errorsIn(answer.body)) {
    // Soft: a missing code is reported without hiding what the rest of the test finds.
    expect.soft(typeof error.extensions?.code, `${show}: error without extensions.code`).toBe("string");
    expect(error.extensions?.code, show).not.toBe("INTERNAL_SERVER_ERROR");
  }
  if (answer.status === 429) expect(codesIn(answer.body), show).toContain("RATE_LIMITED");
}

/** expectSafe that throws at once on a missing code too, so that fast-check stops and shrinks. */
function expectSafeNow(label: string, answer: Answer): void {
  expectSafe(label, answer);
  const uncoded = errorsIn(answer.body).filter((error) => typeof error.extensions?.code !== "string");
  expect(uncoded, `${label}: errors without extensions.code`).toEqual([]);
}

const rateLimited = (answer: Answer) => answer.status === 429;

/** Runs every case's checks, then fails once, naming every case that broke them. */
async function everyCase(cases: readonly (readonly [string, () => Promise<void>])[]): Promise<void> {
  const broken: string[] = [];
  for (const [label, check] of cases) {
    try {
      await check();
    } catch (error) {
      broken.push(`${label}: ${error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error)}`);
    }
  }
  expect(broken.length, `${broken.length} of ${cases.length} cases broke the rules:\n${broken.join("\n")}\n`).toBe(0);
}

/** Refused with `status` and GraphQL errors coded `code` (or rate limited first, which is fine). */
function expectRefused(
  label: string,
  answer: Answer,
  status: number | readonly number[],
  code?: string | RegExp,
): void {
  expectSafe(label, answer);
  if (rateLimited(answer)) return;
  const show = `${label} → ${answer.status} ${answer.text.slice(0, 400)}`;
  expect(typeof status === "number" ? [status] : status, show).toContain(answer.status);
  expect(errorsIn(answer.body).length, show).toBeGreaterThan(0);
  if (code !== undefined) {
    for (const got of codesIn(answer.body))
      expect(String(got), show).toMatch(code instanceof RegExp ? code : new RegExp(`^${code}$`));
  }
}

/** A mutation answered with its payload's UserErrors (never top-level errors) and no entity. */
function expectUserErrors(label: string, answer: Answer, field: string, codes: RegExp): void {
  expectSafe(label, answer);
  if (rateLimited(answer)) return;
  const show = `${label} → ${answer.status} ${answer.text.slice(0, 400)}`;
  expect(answer.status, show).toBe(200);
  expect(errorsIn(answer.body), show).toEqual([]);
  const data = isRecord(answer.body) && isRecord(answer.body.data) ? answer.body.data : {};
  const payload = data[field];
  expect(isRecord(payload), show).toBe(true);
  const errors = isRecord(payload) && Array.isArray(payload.errors) ? (payload.errors as { code?: unknown }[]) : [];
  expect(errors.length, show).toBeGreaterThan(0);
  for (const error of errors) expect(String(error.code), show).toMatch(codes);
  for (const [key, value] of Object.entries(isRecord(payload) ? payload : {}))
    if (key !== "errors") expect(value, show).toBeNull();
}

/**
 * Text that is not well-formed Unicode or holds NUL, and inputs nested too deep, are malformed
 * requests: refused as a whole with 400 VALIDATION before any field is looked at (a mutation
 * therefore gets no payload). Either that, or the field's own UserError, is a correct answer.
 */
function expectMalformedOrUserErrors(label: string, answer: Answer, field: string, codes: RegExp): void {
  if (answer.status === 400) expectRefused(label, answer, 400, "VALIDATION");
  else expectUserErrors(label, answer, field, codes);
}

// ---------------------------------------------------------------- WebSocket helpers

interface Close {
  code: number;
  reason: string;
}

interface Wire {
  socket: WebSocket;
  /** Every message received, parsed (or the raw text when it is not JSON). */
  received: unknown[];
  closed: Promise<Close>;
  send(message: unknown): void;
  /** The first message received (now or later) that matches, or undefined after the timeout. */
  waitFor(match: (message: unknown) => boolean, timeoutMs?: number): Promise<unknown>;
}

const wsUrl = () => `${t.url.replace("http", "ws")}/graphql`;

/** Every socket a test opened, closed after it (the server limits connections per token). */
const opened = new Set<WebSocket>();
afterEach(async () => {
  await Promise.all(
    [...opened].map((socket) => {
      opened.delete(socket);
      if (socket.readyState === WebSocket.CLOSED) return undefined;
      return new Promise<void>((resolve) => {
        socket.once("close", () => resolve());
        socket.terminate();
      });
    }),
  );
});

/** Opens a raw socket and resolves once it is open (or closed without opening). */
function wire(
  protocols: string | string[] | undefined = "graphql-transport-ws",
  options: WebSocket.ClientOptions = {},
): Promise<Wire> {
  const socket = new WebSocket(wsUrl(), protocols, options);
  opened.add(socket);
  const received: unknown[] = [];
  const listeners = new Set<() => void>();
  socket.on("message", (data: WebSocket.RawData) => {
    const text = Buffer.isBuffer(data)
      ? data.toString("utf8")
      : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]).toString("utf8");
    try {
      received.push(JSON.parse(text) as unknown);
    } catch {
      received.push(text);
    }
    for (const listener of listeners) listener();
  });
  socket.on("error", () => undefined);
  const closed = new Promise<Close>((resolve) =>
    socket.on("close", (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  const self: Wire = {
    socket,
    received,
    closed,
    send(message) {
      if (socket.readyState !== WebSocket.OPEN) return;
      socket.send(typeof message === "string" || Buffer.isBuffer(message) ? message : JSON.stringify(message));
    },
    waitFor(match, timeoutMs = 3_000) {
      return new Promise((resolve) => {
        const check = () => {
          const found = received.find(match);
          if (found === undefined) return;
          cleanup();
          resolve(found);
        };
        const cleanup = () => {
          listeners.delete(check);
          clearTimeout(timer);
        };
        const timer = setTimeout(() => {
          cleanup();
          resolve(undefined);
        }, timeoutMs);
        listeners.add(check);
        void closed.then(() => setTimeout(check, 0));
        check();
      });
    },
  };
  return new Promise((resolve) => {
    socket.once("open", () => resolve(self));
    void closed.then(() => resolve(self));
  });
}

const typed = (type: string, id?: string) => (message: unknown) =>
  isRecord(message) && message.type === type && (id === undefined || message.id === id);

/** A socket through connection_init and its ack. */
async function acked(token: string = t.org.tokens.alice): Promise<Wire> {
  const w = await wire();
  w.send({ type: "connection_init", payload: { authorization: `Bearer ${token}` } });
  expect(await w.waitFor(typed("connection_ack")), "connection_ack").toBeDefined();
  return w;
}

/** Resolves with the close, or null when the socket is still open after `ms`. */
const closedWithin = (w: Wire, ms: number) =>
  Promise.race([w.closed, new Promise<null>((resolve) => setTimeout(() => resolve(null), ms))]);

/** A close the protocol chose (44xx), never an internal error (1011, 4500) or a dropped connection. */
function expectProtocolClose(label: string, close: Close | null, code?: number): void {
  expect(close, `${label}: still open`).not.toBeNull();
  const show = `${label} → ${close?.code} ${close?.reason}`;
  if (code !== undefined) expect(close?.code, show).toBe(code);
  expect(close?.code ?? 0, show).toBeGreaterThanOrEqual(4400);
  expect(close?.code ?? 0, show).toBeLessThan(4500);
}

/** Errors a graphql-ws `error` or `next` message carries: each with extensions.code, none internal. */
function expectCodedWsErrors(label: string, message: unknown): void {
  expect(message, `${label}: no answer`).toBeDefined();
  const payload = isRecord(message) ? message.payload : undefined;
  const errors = Array.isArray(payload) ? (payload as ErrorShape[]) : errorsIn(payload);
  expect(errors.length, `${label}: ${JSON.stringify(message).slice(0, 300)}`).toBeGreaterThan(0);
  for (const error of errors) {
    const show = `${label}: ${JSON.stringify(error).slice(0, 300)}`;
    expect.soft(typeof error.extensions?.code, `${show}: error without extensions.code`).toBe("string");
    expect(error.extensions?.code, show).not.toBe("INTERNAL_SERVER_ERROR");
  }
}

async function socketStillServes(w: Wire, label: string): Promise<void> {
  const id = `probe-${random.below(2 ** 32).toString(36)}`;
  w.send({ id, type: "subscribe", payload: { query: documentText(Viewer) } });
  const next = await w.waitFor(typed("next", id));
  expect(next, `${label}: the connection no longer answers`).toMatchObject({
    payload: { data: { viewer: { email: expect.any(String) } } },
  });
}

/** Waits for the live feed to hold `count` subscribers again; true when it does. */
const feedBackTo = (count: number, ms = 5_000) => waitUntil(() => t.server.feed.subscriberCount === count, ms);

const waitUntil = async (check: () => boolean, ms = 3_000) => {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  return check();
};

// ---------------------------------------------------------------- hostile inputs

const VIEWER = `{ viewer { id } }`;
/** A size that fits the 1 MiB body limit once JSON-encoded with the rest of the request. */
const NEAR_LIMIT = 900_000;
const UNITS = ["x", "\u0000", "é", "😀", "\u202e", "\ud800", "\\", '"', "' OR 1=1 --", "%_", "<script>"] as const;

const huge = (length: number, unit = "x") => unit.repeat(Math.ceil(length / unit.length)).slice(0, Math.max(length, 1));

interface MutationCase {
  name: string;
  field: string;
  token: () => string;
  document: string;
  input: (value: string) => Record<string, unknown>;
  codes: RegExp;
}

const nope = (type: Parameters<typeof gid>[0]) => gid(type, "nope");
const ids = () => ({
  writeAccess: gid("Resource", t.org.resources.writeAccess),
  alice: gid("Identity", t.org.ids.alice),
  fulfillers: gid("Group", t.org.fulfillersGroupId),
});

function mutation(field: string, inputType: string, selection = "errors { code field message }"): string {
  return `mutation M($input: ${inputType}!) { ${field}(input: $input) { ${selection} } }`;
}

const admin = () => t.org.tokens.admin;
const alice = () => t.org.tokens.alice;
const VALIDATION = /^VALIDATION$/;
const VALIDATION_OR_NOT_FOUND = /^(VALIDATION|NOT_FOUND)$/;

const REQUEST = mutation("createRequest", "CreateRequestInput", "errors { code field } request { id }");

/**
 * Every kind of string argument a mutation takes, filled with the hostile value. The other
 * fields make sure the mutation fails after the hostile one was looked at (an unknown id, a rule
 * broken), so that no generated value, however valid, can write anything.
 */
const MUTATION_CASES: MutationCase[] = [
  {
    name: "createRequest.justification",
    field: "createRequest",
    token: alice,
    document: REQUEST,
    input: (v) => ({ resourceIds: [nope("Resource")], justification: v }),
    codes: VALIDATION,
  },
  {
    name: "createRequest.resourceIds",
    field: "createRequest",
    token: alice,
    document: REQUEST,
    input: (v) => ({ resourceIds: [v], justification: "fuzz" }),
    codes: VALIDATION,
  },
  {
    name: "createRequest.targetIdentityId",
    field: "createRequest",
    token: admin,
    document: REQUEST,
    input: (v) => ({ resourceIds: [nope("Resource")], justification: "fuzz", targetIdentityId: v }),
    codes: VALIDATION,
  },
  {
    name: "createRequest.idempotencyKey",
    field: "createRequest",
    token: alice,
    document: REQUEST,
    input: (v) => ({ resourceIds: [nope("Resource")], justification: "fuzz", idempotencyKey: v }),
    codes: VALIDATION,
  },
  {
    name: "cancelRequest.requestId",
    field: "cancelRequest",
    token: alice,
    document: mutation("cancelRequest", "CancelRequestInput"),
    input: (v) => ({ requestId: v }),
    codes: VALIDATION,
  },
  {
    name: "cancelRequest.reason",
    field: "cancelRequest",
    token: alice,
    document: mutation("cancelRequest", "CancelRequestInput"),
    input: (v) => ({ requestId: nope("Request"), reason: v }),
    codes: VALIDATION_OR_NOT_FOUND,
  },
  {
    name: "commentOnTicket.body",
    field: "commentOnTicket",
    token: alice,
    document: mutation("commentOnTicket", "CommentOnTicketInput"),
    input: (v) => ({ ticketId: nope("Ticket"), body: v }),
    codes: VALIDATION_OR_NOT_FOUND,
  },
  {
    name: "commentOnTicket.ticketId",
    field: "commentOnTicket",
    token: alice,
    document: mutation("commentOnTicket", "CommentOnTicketInput"),
    input: (v) => ({ ticketId: v, body: "fuzz" }),
    codes: VALIDATION,
  },
  {
    name: "approveTicket.comment",
    field: "approveTicket",
    token: alice,
    document: mutation("approveTicket", "DecideTicketInput"),
    input: (v) => ({ ticketId: nope("Ticket"), comment: v }),
    codes: VALIDATION_OR_NOT_FOUND,
  },
  {
    name: "rejectTicket.ticketId",
    field: "rejectTicket",
    token: alice,
    document: mutation("rejectTicket", "DecideTicketInput"),
    input: (v) => ({ ticketId: v }),
    codes: VALIDATION,
  },
  {
    name: "fulfillTicket.comment",
    field: "fulfillTicket",
    token: alice,
    document: mutation("fulfillTicket", "FulfillTicketInput"),
    input: (v) => ({ ticketId: nope("Ticket"), comment: v }),
    codes: VALIDATION_OR_NOT_FOUND,
  },
  {
    name: "retryFulfillment.ticketId",
    field: "retryFulfillment",
    token: admin,
    document: mutation("retryFulfillment", "DecideTicketInput"),
    input: (v) => ({ ticketId: v }),
    codes: VALIDATION,
  },
  {
    name: "createIdentity.displayName",
    field: "createIdentity",
    token: admin,
    document: mutation("createIdentity", "CreateIdentityInput", "errors { code field } identity { id }"),
    input: (v) => ({ email: "fuzz@example.com", displayName: v, managerId: nope("Identity") }),
    codes: VALIDATION,
  },
  {
    name: "createIdentity.email",
    field: "createIdentity",
    token: admin,
    document: mutation("createIdentity", "CreateIdentityInput", "errors { code field } identity { id }"),
    input: (v) => ({ email: `${v}@example.com`, displayName: "Fuzz", managerId: nope("Identity") }),
    codes: VALIDATION,
  },
  {
    name: "createIdentity.managerId",
    field: "createIdentity",
    token: admin,
    document: mutation("createIdentity", "CreateIdentityInput", "errors { code field } identity { id }"),
    input: (v) => ({ email: "fuzz@example.com", displayName: "Fuzz", managerId: v }),
    codes: VALIDATION,
  },
  {
    name: "updateIdentity.displayName",
    field: "updateIdentity",
    token: admin,
    document: mutation("updateIdentity", "UpdateIdentityInput"),
    input: (v) => ({ identityId: ids().alice, displayName: v, managerId: ids().alice }),
    codes: VALIDATION,
  },
  {
    name: "createGroup.name",
    field: "createGroup",
    token: admin,
    document: mutation("createGroup", "CreateGroupInput", "errors { code field } group { id }"),
    input: (v) => ({ name: v, memberIds: [nope("Identity")] }),
    codes: VALIDATION,
  },
  {
    name: "createGroup.description",
    field: "createGroup",
    token: admin,
    document: mutation("createGroup", "CreateGroupInput", "errors { code field } group { id }"),
    input: (v) => ({ name: "Fuzzers", description: v, memberIds: [nope("Identity")] }),
    codes: VALIDATION,
  },
  {
    name: "createGroup.memberIds",
    field: "createGroup",
    token: admin,
    document: mutation("createGroup", "CreateGroupInput", "errors { code field } group { id }"),
    input: (v) => ({ name: "Fuzzers", memberIds: [v] }),
    codes: VALIDATION,
  },
  {
    name: "addGroupMember.groupId",
    field: "addGroupMember",
    token: admin,
    document: mutation("addGroupMember", "GroupMembershipInput"),
    input: (v) => ({ groupId: v, identityId: ids().alice }),
    codes: VALIDATION,
  },
  {
    name: "removeGroupMember.identityId",
    field: "removeGroupMember",
    token: admin,
    document: mutation("removeGroupMember", "GroupMembershipInput"),
    input: (v) => ({ groupId: ids().fulfillers, identityId: v }),
    codes: VALIDATION,
  },
  {
    name: "createSystem.name",
    field: "createSystem",
    token: admin,
    document: mutation("createSystem", "CreateSystemInput", "errors { code field } system { id }"),
    input: (v) => ({ name: v, connector: "MANUAL", fulfillersGroupId: nope("Group") }),
    codes: VALIDATION,
  },
  {
    name: "createSystem.description",
    field: "createSystem",
    token: admin,
    document: mutation("createSystem", "CreateSystemInput", "errors { code field } system { id }"),
    input: (v) => ({ name: "Fuzz system", description: v, connector: "MANUAL", fulfillersGroupId: nope("Group") }),
    codes: VALIDATION,
  },
  {
    name: "createSystem.connectorConfig",
    field: "createSystem",
    token: admin,
    document: mutation("createSystem", "CreateSystemInput", "errors { code field } system { id }"),
    input: (v) => ({ name: "Fuzz system", connector: "WEBHOOK", connectorConfig: { url: v } }),
    codes: VALIDATION,
  },
  {
    name: "createResource.name",
    field: "createResource",
    token: admin,
    document: mutation("createResource", "CreateResourceInput", "errors { code field } resource { id }"),
    input: (v) => ({ systemId: nope("System"), name: v, sensitivity: "STANDARD" }),
    codes: VALIDATION,
  },
  {
    name: "createResource.connectorTarget",
    field: "createResource",
    token: admin,
    document: mutation("createResource", "CreateResourceInput", "errors { code field } resource { id }"),
    input: (v) => ({
      systemId: webhookSystemId,
      name: "Fuzz resource",
      sensitivity: "PRIVILEGED",
      connectorTarget: { group: v },
    }),
    codes: VALIDATION,
  },
  {
    name: "updateResource.description",
    field: "updateResource",
    token: admin,
    document: mutation("updateResource", "UpdateResourceInput"),
    input: (v) => ({
      resourceId: ids().writeAccess,
      description: v,
      approvalSteps: [{ kind: "GROUP", groupId: nope("Group") }],
    }),
    codes: VALIDATION,
  },
  {
    name: "issueApiToken.name",
    field: "issueApiToken",
    token: admin,
    document: mutation("issueApiToken", "IssueApiTokenInput", "errors { code field } token"),
    input: (v) => ({ identityId: nope("Identity"), name: v }),
    codes: VALIDATION,
  },
  {
    name: "revokeGrant.reason",
    field: "revokeGrant",
    token: admin,
    document: mutation("revokeGrant", "RevokeGrantInput"),
    input: (v) => ({ grantId: nope("Grant"), reason: v }),
    codes: VALIDATION_OR_NOT_FOUND,
  },
];

interface QueryCase {
  name: string;
  token: () => string;
  document: string;
}

/** Every kind of string argument a query takes, given as the variable $v. */
const QUERY_CASES: QueryCase[] = [
  { name: "request(id)", token: alice, document: `query Q($v: ID!) { request(id: $v) { id } }` },
  { name: "node(id)", token: alice, document: `query Q($v: ID!) { node(id: $v) { id } }` },
  { name: "ticket(id)", token: alice, document: `query Q($v: ID!) { ticket(id: $v) { id } }` },
  { name: "resources(search)", token: alice, document: `query Q($v: String) { resources(search: $v) { totalCount } }` },
  { name: "resources(systemId)", token: alice, document: `query Q($v: ID) { resources(systemId: $v) { totalCount } }` },
  {
    name: "identities(search)",
    token: admin,
    document: `query Q($v: String) { identities(search: $v) { totalCount } }`,
  },
  { name: "requests(after)", token: alice, document: `query Q($v: String) { requests(after: $v) { totalCount } }` },
  {
    name: "tickets(before)",
    token: alice,
    document: `query Q($v: String) { tickets(before: $v, last: 5) { totalCount } }`,
  },
  {
    name: "requests(filter.identityId)",
    token: alice,
    document: `query Q($v: ID) { requests(filter: { identityId: $v }) { totalCount } }`,
  },
  {
    name: "tickets(filter.requestId)",
    token: alice,
    document: `query Q($v: ID) { tickets(filter: { requestId: $v }) { totalCount } }`,
  },
  {
    name: "auditEvents(filter.from)",
    token: admin,
    document: `query Q($v: DateTime) { auditEvents(filter: { from: $v }) { totalCount } }`,
  },
  {
    name: "auditEvents(filter.actorId)",
    token: admin,
    document: `query Q($v: ID) { auditEvents(filter: { actorId: $v }) { totalCount } }`,
  },
];

// ================================================================ HTTP

describe("huge and hostile strings in every kind of argument", () => {
  it("answers every mutation argument near the 1 MiB limit with a VALIDATION UserError and no entity", async () => {
    for (const c of MUTATION_CASES) {
      expectUserErrors(
        c.name,
        await post({ query: c.document, variables: { input: c.input(huge(NEAR_LIMIT)) } }, c.token()),
        c.field,
        c.codes,
      );
    }
  });

  it("answers every query argument near the 1 MiB limit with a coded error, as a variable and as a literal", async () => {
    for (const c of QUERY_CASES) {
      const asVariable = await post({ query: c.document, variables: { v: huge(NEAR_LIMIT) } }, c.token());
      expectRefused(`${c.name} variable`, asVariable, 200, VALIDATION);
      const literal = c.document.replace(/query Q\(\$v: [\w!]+\) /, "").replace("$v", JSON.stringify(huge(100_000)));
      expectRefused(`${c.name} literal`, await post({ query: literal }, c.token()), [200, 400], VALIDATION);
    }
  });

  it("keeps to the rules for any generated string of any length in any argument (property)", async () => {
    const value = fc.oneof(
      fc.string({ unit: "binary", maxLength: 300 }),
      fc
        .record({ unit: fc.constantFrom(...UNITS), length: fc.integer({ min: 1, max: 120_000 }) })
        .map(({ unit, length }) => huge(length, unit)),
    );
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: MUTATION_CASES.length + QUERY_CASES.length - 1 }), value, async (index, v) => {
        const m = MUTATION_CASES[index];
        if (m) {
          const answer = await post({ query: m.document, variables: { input: m.input(v) } }, m.token());
          expectSafeNow(m.name, answer);
          // Whatever the string, a mutation answers with its payload, never top-level errors.
          if (!rateLimited(answer) && answer.status === 200) {
            expect(errorsIn(answer.body), m.name).toEqual([]);
            expect(
              isRecord(answer.body) && isRecord(answer.body.data) && isRecord(answer.body.data[m.field]),
              m.name,
            ).toBe(true);
          }
          return;
        }
        const q = QUERY_CASES[index - MUTATION_CASES.length];
        if (q) expectSafeNow(q.name, await post({ query: q.document, variables: { v } }, q.token()));
      }),
      { numRuns: 100 },
    );
  });

  it("answers null bytes in searches, ids and keys that reach the database with an answer, not an internal error", async () => {
    const safe = (label: string, run: () => Promise<Answer>) =>
      [label, async () => expectSafe(label, await run())] as const;
    await everyCase([
      safe("resources(search: NUL)", () =>
        post({ query: `query($s: String) { resources(search: $s) { totalCount } }`, variables: { s: "git\u0000hub" } }),
      ),
      safe("identities(search: NUL)", () =>
        post(
          { query: `query($s: String) { identities(search: $s) { totalCount } }`, variables: { s: "\u0000" } },
          admin(),
        ),
      ),
      safe("request(id: NUL)", () =>
        post({ query: `query($id: ID!) { request(id: $id) { id } }`, variables: { id: `Request:\u0000` } }),
      ),
      safe("node(id: base64 of NUL)", () =>
        post({
          query: `query($id: ID!) { node(id: $id) { id } }`,
          variables: { id: Buffer.from("Request:\u0000").toString("base64") },
        }),
      ),
      safe("query text with NUL", () => post({ query: `{ viewer { id } }\u0000` })),
      safe("operationName with NUL", () => post({ query: VIEWER, operationName: "\u0000" })),
      // The idempotency key is looked up before the resources are: an unknown resource still answers NOT_FOUND.
      [
        "createRequest(idempotencyKey: NUL)",
        async () => {
          const keyed = await post({
            query: REQUEST,
            variables: {
              input: {
                resourceIds: [nope("Resource")],
                justification: "fuzz",
                idempotencyKey: "key\u0000with\u0000nul",
              },
            },
          });
          expectMalformedOrUserErrors("createRequest idempotencyKey NUL", keyed, "createRequest", /^NOT_FOUND$/);
        },
      ],
    ]);
  });
});

describe("ill-formed Unicode and deeply nested values", () => {
  const LONE_SURROGATES = ["\ud800", "a\udfffb", "\udc00\ud800", "😀\ud83d"];

  it("answers lone surrogates in searches and keys that reach the database without an internal error", async () => {
    await everyCase(
      LONE_SURROGATES.flatMap((s) => {
        const label = JSON.stringify(s);
        return [
          [
            `resources(search: ${label})`,
            async () =>
              expectSafe(
                label,
                await post({ query: `query($s: String) { resources(search: $s) { totalCount } }`, variables: { s } }),
              ),
          ],
          [
            `identities(search: ${label})`,
            async () =>
              expectSafe(
                label,
                await post(
                  { query: `query($s: String) { identities(search: $s) { totalCount } }`, variables: { s } },
                  admin(),
                ),
              ),
          ],
          [
            `createRequest(idempotencyKey: ${label})`,
            async () => {
              const keyed = await post({
                query: REQUEST,
                variables: { input: { resourceIds: [nope("Resource")], justification: "fuzz", idempotencyKey: s } },
              });
              expectMalformedOrUserErrors(label, keyed, "createRequest", VALIDATION_OR_NOT_FOUND);
            },
          ],
        ] as const;
      }),
    );
  });

  it("refuses lone surrogates in a text that would be stored with VALIDATION, writing nothing", async () => {
    for (const s of LONE_SURROGATES) {
      const answer = await post({
        query: REQUEST,
        variables: { input: { resourceIds: [ids().writeAccess], justification: `Needs access ${s}` } },
      });
      expectMalformedOrUserErrors(`justification ${JSON.stringify(s)}`, answer, "createRequest", VALIDATION);
    }
  });

  it("refuses connector targets nested too deep with VALIDATION, not a stack overflow", async () => {
    for (const depth of [1_000, 100_000]) {
      const target = `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
      const input = `{"systemId":${JSON.stringify(webhookSystemId)},"name":"Deep","sensitivity":"PRIVILEGED","connectorTarget":${target}}`;
      const answer = await post(
        `{"query":${JSON.stringify(mutation("createResource", "CreateResourceInput", "errors { code field } resource { id }"))},"variables":{"input":${input}}}`,
        admin(),
      );
      expectMalformedOrUserErrors(`connectorTarget ${depth} deep`, answer, "createResource", VALIDATION);
    }
  });
});

describe("operations that are too big, too deep or too many", () => {
  it("refuses selections nested too deep, through fields, fragments and inline fragments", async () => {
    const deep = (n: number) => `{ viewer ${"{ manager ".repeat(n)}{ id }${" }".repeat(n)} }`;
    for (const n of [16, 100, 1_000]) expectRefused(`depth ${n}`, await post({ query: deep(n) }), 400);
    const inline = `{ viewer { ${"... on Identity { manager { ".repeat(20)}id${" } }".repeat(20)} } }`;
    expectRefused("inline fragments", await post({ query: inline }), 400);
    const chain = Array.from({ length: 20 }, (_, i) => `fragment F${i} on Identity { manager { ...F${i + 1} } }`).join(
      " ",
    );
    expectRefused(
      "fragment chain",
      await post({ query: `{ viewer { ...F0 } } ${chain} fragment F20 on Identity { id }` }),
      400,
    );
    const lists = `{ resources(search: ${"[".repeat(1_500)}"x"${"]".repeat(1_500)}) { totalCount } }`;
    expectRefused("nested list literal", await post({ query: lists }), 400);
    const object = `{ requests(filter: ${"{ status: ".repeat(1_000)}PENDING_APPROVAL${" }".repeat(1_000)}) { totalCount } }`;
    expectRefused("nested object literal", await post({ query: object }), 400);
  });

  it("refuses alias floods, on queries and on mutations", async () => {
    for (const n of [31, 500, 5_000]) {
      const aliases = Array.from({ length: n }, (_, i) => `a${i}: viewer { id }`).join(" ");
      expectRefused(`${n} aliases`, await post({ query: `{ ${aliases} }` }), 400);
    }
    const creates = Array.from(
      { length: 40 },
      (_, i) =>
        `c${i}: createRequest(input: { resourceIds: ["${ids().writeAccess}"], justification: "" }) { errors { code } }`,
    ).join(" ");
    expectRefused("40 aliased mutations", await post({ query: `mutation { ${creates} }` }), 400);
  });

  it("answers aliased mutations with bad input (under the limit) with one UserError each", async () => {
    const creates = Array.from(
      { length: 25 },
      (_, i) =>
        `c${i}: createRequest(input: { resourceIds: ["${ids().writeAccess}"], justification: "   " }) { errors { code } request { id } }`,
    ).join(" ");
    const answer = await post({ query: `mutation { ${creates} }` });
    expectSafe("25 aliased mutations", answer);
    if (!rateLimited(answer)) {
      const data = isRecord(answer.body) && isRecord(answer.body.data) ? answer.body.data : {};
      expect(Object.values(data)).toHaveLength(25);
      for (const payload of Object.values(data))
        expect(payload).toEqual({ errors: [{ code: "VALIDATION" }], request: null });
    }
  });

  it("refuses fragment floods, fragment bombs and fragment cycles without hanging", async () => {
    const many = Array.from({ length: 2_000 }, (_, i) => `fragment F${i} on Identity { id }`).join(" ");
    expectRefused("2000 fragments", await post({ query: `{ viewer { ...F0 } } ${many}` }), 400);
    // Each level spreads the one below twice: 2^40 fields once expanded, in a few hundred tokens.
    const bomb = Array.from(
      { length: 40 },
      (_, i) => `fragment B${i} on Identity { ...B${i + 1} manager { ...B${i + 1} } }`,
    ).join(" ");
    const started = Date.now();
    expectRefused(
      "fragment bomb",
      await post({ query: `{ viewer { ...B0 } } ${bomb} fragment B40 on Identity { id }` }),
      400,
    );
    const flat = Array.from({ length: 40 }, (_, i) => `fragment W${i} on Identity { ...W${i + 1} ...W${i + 1} }`).join(
      " ",
    );
    expectRefused(
      "flat fragment bomb",
      await post({ query: `{ viewer { ...W0 } } ${flat} fragment W40 on Identity { id }` }),
      400,
    );
    expect(Date.now() - started, "fragment bombs are refused quickly").toBeLessThan(5_000);
    for (const [label, cycle] of [
      ["self cycle", `{ viewer { ...A } } fragment A on Identity { ...A }`],
      ["two-fragment cycle", `{ viewer { ...A } } fragment A on Identity { id ...B } fragment B on Identity { ...A }`],
      ["cycle through a field", `{ viewer { ...A } } fragment A on Identity { manager { ...A } }`],
      [
        "cycle through inline fragments",
        `{ viewer { ...A } } fragment A on Identity { ... on Identity { ...B } } fragment B on Identity { ... on Identity { ...A } }`,
      ],
      ["unused cycle", `{ viewer { id } } fragment A on Identity { ...B } fragment B on Identity { ...A }`],
    ] as const) {
      expectRefused(label, await post({ query: cycle }), 400, /^(GRAPHQL_VALIDATION_FAILED|BAD_USER_INPUT)$/);
    }
  });

  it("refuses floods of spreads of one fragment by the token limit, without holding the server up", async () => {
    const spreads = (n: number) =>
      `{ viewer { ${Array.from({ length: n }, () => `...F`).join(" ")} } } fragment F on Identity { id email displayName }`;
    expectSafe("1500 spreads (3000 tokens, under the limit)", await post({ query: spreads(1_500) }));
    for (const n of [50_000, 2_500]) {
      const started = Date.now();
      const answer = await post({ query: spreads(n) });
      const ms = Date.now() - started;
      // Over the token limit the parser stops at once; validating the whole document blocks the
      // event loop for seconds.
      expect.soft(ms, `${n} spreads took ${ms} ms to refuse`).toBeLessThan(1_000);
      expectRefused(`${n} spreads (${2 * n} tokens)`, answer, 400);
    }
  });

  it("refuses directive floods, unknown and repeated directives", async () => {
    expectRefused("51 directives", await post({ query: `{ viewer { id ${"@include(if: true) ".repeat(51)} } }` }), 400);
    expectRefused(
      "3000 directives",
      await post({ query: `{ viewer { id ${"@skip(if: false) ".repeat(3_000)} } }` }),
      400,
    );
    expectRefused(
      "unknown directive",
      await post({ query: `{ viewer { id @evil(x: 1) } }` }),
      400,
      "GRAPHQL_VALIDATION_FAILED",
    );
    expectRefused(
      "directive with a bad argument",
      await post({ query: `{ viewer { id @include(if: "yes") } }` }),
      400,
      "GRAPHQL_VALIDATION_FAILED",
    );
    const spread = Array.from({ length: 60 }, () => `...F @include(if: true)`).join(" ");
    expectRefused(
      "directives on spreads",
      await post({ query: `{ viewer { ${spread} } } fragment F on Identity { id }` }),
      400,
    );
  });

  it("refuses documents with thousands of fields and costly nested pages", async () => {
    expectRefused("5000 fields", await post({ query: `{ viewer { ${"id ".repeat(5_000)} } }` }), 400);
    const costly = `{ systems(first: 100) { edges { node { resources(first: 100) { edges { node { approvalSteps { approvers { id email displayName } } } } } } } } }`;
    expectRefused("nested pages", await post({ query: costly }), 400);
    const comments = `{ viewer { id } }${"\n#".repeat(200_000)}`;
    expectSafe("a body of comments", await post({ query: comments }));
  });
});

describe("malformed HTTP requests", () => {
  it("refuses batched requests (JSON arrays) without running any of them", async () => {
    const create = {
      query: mutation("createRequest", "CreateRequestInput"),
      variables: { input: { resourceIds: [ids().writeAccess], justification: "batched" } },
    };
    for (const batch of [
      [],
      [{ query: VIEWER }, { query: VIEWER }],
      [create, create],
      Array.from({ length: 1_000 }, () => ({ query: VIEWER })),
      [[{ query: VIEWER }]],
      [1, "x", null],
    ]) {
      expectRefused(`batch of ${batch.length}`, await post(batch), 400);
    }
  });

  it("refuses invalid JSON of every shape with 400", async () => {
    const bodies = [
      "",
      "{",
      "{not json",
      "null",
      "true",
      "42",
      '"query"',
      '{"query": }',
      '{"query": "{ viewer { id } }"',
      '{"query": "{ viewer { id } }"}}',
      "\u0000",
      "{}",
      '{"query": null}',
      '{"query": 42}',
      '{"query": ["{ viewer { id } }"]}',
      '{"query": {"a": 1}}',
      `{"query": "${VIEWER}", "query": 1}`,
      "[".repeat(100_000),
      `{"a":${"[".repeat(500_000)}`,
    ];
    for (const body of bodies) expectRefused(`body ${JSON.stringify(body.slice(0, 40))}`, await post(body), 400);
  });

  it("keeps to the rules for any generated JSON body and any generated bytes (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc.uint8Array({ maxLength: 2_000 }).map((bytes) => Buffer.from(bytes)),
        ),
        async (body) => {
          const answer = await send({
            body,
            headers: { "content-type": "application/json", ...bearer(t.org.tokens.alice) },
          });
          expectSafeNow(`body ${body.toString().slice(0, 80)}`, answer);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("handles invalid UTF-8 in the body without an internal error", async () => {
    const bad = [
      Buffer.from([0xff, 0xfe]),
      Buffer.from([0xc0, 0x80]),
      Buffer.from([0xed, 0xa0, 0x80]),
      Buffer.from([0xf4, 0x90, 0x80, 0x80]),
      Buffer.from([0xe2, 0x82]),
    ];
    for (const bytes of bad) {
      const inQuery = Buffer.concat([Buffer.from('{"query":"{ viewer { id '), bytes, Buffer.from(' } }"}')]);
      expectRefused(
        `bytes ${bytes.toString("hex")} in the query`,
        await send({ body: inQuery, headers: { "content-type": "application/json", ...bearer(alice()) } }),
        400,
      );
      const inVariable = Buffer.concat([
        Buffer.from(
          `{"query":${JSON.stringify(mutation("createRequest", "CreateRequestInput", "errors { code } request { id }"))},"variables":{"input":{"resourceIds":["`,
        ),
        bytes,
        Buffer.from(`"],"justification":"`),
        bytes,
        Buffer.from(`"}}}`),
      ]);
      expectUserErrors(
        `bytes ${bytes.toString("hex")} in variables`,
        await send({ body: inVariable, headers: { "content-type": "application/json", ...bearer(alice()) } }),
        "createRequest",
        // The id, garbled, names no resource (NOT_FOUND); the justification is refused (VALIDATION).
        VALIDATION_OR_NOT_FOUND,
      );
      expectSafe(
        `bytes ${bytes.toString("hex")} as the whole body`,
        await send({ body: bytes, headers: { "content-type": "application/json", ...bearer(alice()) } }),
      );
    }
  });

  it("answers wrong, missing and odd content types without a 5xx or an internal error", async () => {
    const create = JSON.stringify({
      query: mutation("createRequest", "CreateRequestInput"),
      variables: { input: { resourceIds: [ids().writeAccess], justification: "  " } },
    });
    const types: [string | undefined, string][] = [
      [undefined, JSON.stringify({ query: VIEWER })],
      ["text/plain", JSON.stringify({ query: VIEWER })],
      ["text/plain", create],
      ["application/xml", "<query>{ viewer { id } }</query>"],
      ["application/json; charset=utf-16", JSON.stringify({ query: VIEWER })],
      ["application/json; charset=nonsense", JSON.stringify({ query: VIEWER })],
      ["application/graphql", VIEWER],
      ["application/graphql", "{ viewer { "],
      ["application/x-www-form-urlencoded", "query=%7B%20viewer%20%7B%20id%20%7D%20%7D"],
      ["application/x-www-form-urlencoded", "query=%%%&variables=%7Bbad"],
      ["multipart/form-data", "garbage"],
      ["multipart/form-data; boundary=xyz", "garbage without a boundary"],
      [
        "multipart/form-data; boundary=xyz",
        '--xyz\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{"query":"{ viewer { id } }"}\r\n--xyz--\r\n',
      ],
      [
        "multipart/form-data; boundary=xyz",
        '--xyz\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{bad\r\n--xyz\r\nContent-Disposition: form-data; name="map"\r\n\r\n{"0":["variables.file"]}\r\n--xyz--\r\n',
      ],
      ["application/octet-stream", JSON.stringify({ query: VIEWER })],
      ["*/*", JSON.stringify({ query: VIEWER })],
      ["application/json".repeat(1_000), JSON.stringify({ query: VIEWER })],
    ];
    await everyCase(
      types.map(([type, body]) => {
        const label = `content-type ${String(type).slice(0, 60)} with ${JSON.stringify(body.slice(0, 40))}`;
        return [
          label,
          async () =>
            expectSafe(
              label,
              await send({ body, headers: { ...(type ? { "content-type": type } : {}), ...bearer(alice()) } }),
            ),
        ] as const;
      }),
    );
  });

  it("refuses a mutation over GET and unsupported methods", async () => {
    const query = encodeURIComponent(
      `mutation { createRequest(input: { resourceIds: ["${ids().writeAccess}"], justification: "over GET" }) { errors { code } } }`,
    );
    const get = await send({
      method: "GET",
      path: `/graphql?query=${query}`,
      headers: { accept: "application/json", ...bearer(alice()) },
    });
    expectRefused("mutation over GET", get, 405);
    const named = encodeURIComponent(
      `query Q { viewer { id } } mutation M { cancelRequest(input: { requestId: "x" }) { errors { code } } }`,
    );
    expectRefused(
      "mutation chosen by name over GET",
      await send({
        method: "GET",
        path: `/graphql?query=${named}&operationName=M`,
        headers: { accept: "application/json", ...bearer(alice()) },
      }),
      405,
    );
    for (const method of ["PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE"]) {
      expectSafe(
        `${method} /graphql`,
        await send({
          method,
          body: JSON.stringify({ query: VIEWER }),
          headers: { "content-type": "application/json", ...bearer(alice()) },
        }),
      );
    }
  });

  it("answers malformed GET parameters with a 4xx", async () => {
    const viewer = encodeURIComponent(VIEWER);
    const paths = [
      `/graphql?query=${viewer}&variables=%7Bbad`,
      `/graphql?query=${viewer}&extensions=%7Bbad`,
      `/graphql?query=${viewer}&variables=42`,
      "/graphql?query=",
      "/graphql?query=%ZZ",
      `/graphql?query=${"x".repeat(60_000)}`,
      "/graphql?query=a&query=b",
      "/graphql",
    ];
    await everyCase(
      paths.map((path) => {
        const label = `GET ${path.slice(0, 70)}`;
        return [
          label,
          async () => {
            const answer = await send({
              method: "GET",
              path,
              headers: { accept: "application/json", ...bearer(alice()) },
            });
            expectSafe(label, answer);
            expect(answer.status, `${label} → ${answer.text.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
          },
        ] as const;
      }),
    );
  });

  it("refuses ill-typed and huge variables with a coded error", async () => {
    const pageQuery = `query Q($first: Int) { requests(first: $first) { totalCount } }`;
    const variableSets: unknown[] = [
      "{",
      "a string",
      42,
      [1, 2],
      true,
      { first: "abc" },
      { first: 1.5 },
      { first: 2 ** 31 },
      { first: 1e300 },
      { first: -(2 ** 31) - 1 },
      { first: [1] },
      { first: { a: 1 } },
      { first: "1" },
    ];
    const coercion = /^(VALIDATION|BAD_USER_INPUT|BAD_REQUEST|GRAPHQL_VALIDATION_FAILED)$/;
    const refused = (label: string, send: () => Promise<Answer>, status: number, code?: RegExp) =>
      [label, async () => expectRefused(label, await send(), status, code)] as const;
    const deep = `${"[".repeat(200_000)}1${"]".repeat(200_000)}`;
    const system = mutation("createSystem", "CreateSystemInput", "errors { code field } system { id }");
    const manyKeys = Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`k${i}`, i]));
    await everyCase([
      ...variableSets.map((variables) =>
        refused(`variables ${JSON.stringify(variables)}`, () => post({ query: pageQuery, variables }), 400, coercion),
      ),
      [
        "50k undeclared variables",
        async () => expectSafe("50k undeclared variables", await post({ query: pageQuery, variables: manyKeys })),
      ],
      refused(
        "a 200k-deep variable",
        () => post(`{"query":${JSON.stringify(pageQuery)},"variables":{"first":${deep}}}`),
        400,
        coercion,
      ),
      [
        "a 200k-deep JSON scalar",
        async () => {
          const answer = await post(
            `{"query":${JSON.stringify(system)},"variables":{"input":{"name":"Deep","connector":"MANUAL","connectorConfig":${deep}}}}`,
            admin(),
          );
          expectMalformedOrUserErrors("a 200k-deep JSON scalar", answer, "createSystem", VALIDATION);
        },
      ],
      refused(
        "required id given null",
        () => post({ query: `query Q($id: ID!) { request(id: $id) { id } }`, variables: { id: null } }),
        400,
        coercion,
      ),
      refused(
        "required input missing",
        () => post({ query: mutation("createRequest", "CreateRequestInput") }),
        400,
        coercion,
      ),
      refused(
        "input of the wrong shape",
        () =>
          post({
            query: mutation("createRequest", "CreateRequestInput"),
            variables: { input: { resourceIds: "x", justification: ["a"] } },
          }),
        400,
        coercion,
      ),
      refused(
        "unknown input field",
        () =>
          post({
            query: mutation("createRequest", "CreateRequestInput"),
            variables: { input: { resourceIds: [], justification: "x", evil: true } },
          }),
        400,
        coercion,
      ),
      refused(
        "unknown enum value",
        () =>
          post({
            query: `query Q($s: [RequestStatus!]) { requests(filter: { status: $s }) { totalCount } }`,
            variables: { s: ["NOT_A_STATUS"] },
          }),
        400,
        coercion,
      ),
      [
        "a list of 200k ids",
        async () => {
          const answer = await post({
            query: REQUEST,
            variables: { input: { resourceIds: Array.from({ length: 200_000 }, () => "x"), justification: "x" } },
          });
          expectUserErrors("a list of 200k ids", answer, "createRequest", VALIDATION);
        },
      ],
    ]);
  });

  it("refuses page sizes and sequences out of range with VALIDATION or a coercion error", async () => {
    for (const first of [0, -1, 101, 2_147_483_647, -2_147_483_648]) {
      for (const arg of ["first", "last"]) {
        const answer = await post({
          query: `query Q($n: Int) { requests(${arg}: $n) { totalCount } }`,
          variables: { n: first },
        });
        expectRefused(`${arg}: ${first}`, answer, 200, VALIDATION);
      }
    }
    for (const literal of [
      "2147483648",
      "-2147483649",
      "99999999999999999999999",
      "1.0",
      "1e3",
      '"10"',
      "null",
      "[10]",
    ]) {
      expectSafe(`first: ${literal}`, await post({ query: `{ requests(first: ${literal}) { totalCount } }` }));
    }
    expectRefused(
      "both first and last out of range in one page",
      await post({ query: `{ requests(first: 0, last: 1000) { totalCount } }` }),
      200,
      VALIDATION,
    );
    expectRefused(
      "nested page out of range",
      await post({ query: `{ systems { edges { node { resources(first: 1000) { totalCount } } } } }` }),
      200,
      VALIDATION,
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.integer(), fc.double(), fc.constantFrom(2 ** 31, -(2 ** 31) - 1, Number.MAX_SAFE_INTEGER)),
        async (n) => {
          expectSafeNow(
            `first: ${n}`,
            await post({ query: `query Q($n: Int) { requests(first: $n) { totalCount } }`, variables: { n } }),
          );
        },
      ),
      { numRuns: 60 },
    );
  });

  it("answers unknown, missing and ill-typed operation names with 400", async () => {
    const two = `query A { viewer { id } } query B { viewer { email } }`;
    for (const [label, payload] of [
      ["unknown name", { query: VIEWER, operationName: "Nope" }],
      ["no name among several", { query: two }],
      ["unknown name among several", { query: two, operationName: "C" }],
      ["name of the wrong type", { query: two, operationName: 42 }],
      ["name as an object", { query: two, operationName: { name: "A" } }],
      ["huge name", { query: two, operationName: huge(500_000) }],
      [
        "duplicate operation names",
        { query: `query A { viewer { id } } query A { viewer { email } }`, operationName: "A" },
      ],
    ] as const) {
      expectRefused(label, await post(payload), 400);
    }
  });

  it("refuses bodies over 1 MiB with 413, whether announced, chunked or lying about their length", async () => {
    const big = JSON.stringify({ query: VIEWER, variables: { pad: huge(1_100_000) } });
    expectRefused("announced", await post(big), 413, "BAD_REQUEST");
    expectRefused(
      "10 MiB",
      await post(JSON.stringify({ query: VIEWER, variables: { pad: huge(10 * 1024 * 1024) } })),
      413,
      "BAD_REQUEST",
    );
    expectRefused(
      "oversized mutation",
      await post({
        query: mutation("createRequest", "CreateRequestInput"),
        variables: { input: { resourceIds: [ids().writeAccess], justification: huge(1_100_000) } },
      }),
      413,
      "BAD_REQUEST",
    );
    const chunks = Array.from({ length: 20 }, (_, i) =>
      Buffer.from(i === 0 ? `{"query":"{ viewer { id } }","variables":{"pad":"` : "x".repeat(100_000)),
    );
    chunks.push(Buffer.from(`"}}`));
    const chunked = await send({ chunks, headers: { "content-type": "application/json", ...bearer(alice()) } });
    expectRefused("chunked, without a content-length", chunked, 413);
    const lying = await send({
      body: big,
      headers: { "content-type": "application/json", "content-length": "100", ...bearer(alice()) },
    });
    expectSafe("content-length shorter than the body", lying);
  });

  it("answers bad and hostile credentials with 401 UNAUTHENTICATED", async () => {
    for (const authorization of [
      "",
      "Bearer",
      "Bearer ",
      "Basic YWxpY2U6c2VjcmV0",
      `Bearer ${huge(8_000)}`,
      "Bearer a b c",
      `Bearer ${t.org.tokens.alice}x`,
      "bearer\t",
      `Bearer ${"%00".repeat(100)}`,
      "Bearer \u00e9\u00ff",
    ]) {
      const answer = await send({
        body: JSON.stringify({ query: VIEWER }),
        headers: { "content-type": "application/json", authorization },
      });
      expectRefused(`authorization ${JSON.stringify(authorization.slice(0, 30))}`, answer, 401, "UNAUTHENTICATED");
    }
    expectSafe(
      "80 KB of headers",
      await send({
        body: JSON.stringify({ query: VIEWER }),
        headers: { "content-type": "application/json", "x-pad": huge(80_000), ...bearer(alice()) },
      }),
    );
  });

  it("answers broken HTTP framing with a 4xx or by closing the connection, never a 5xx", async () => {
    const body = JSON.stringify({ query: VIEWER });
    const head = (lines: string[]) =>
      `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n${lines.join("\r\n")}\r\n\r\n`;
    const requests = [
      head([`Authorization: Bearer \u0001\u007f`, `Content-Length: ${body.length}`]) + body,
      head(["Content-Length: abc"]) + body,
      head(["Content-Length: -1"]) + body,
      head([`Content-Length: ${body.length}`, `Content-Length: ${body.length + 1}`]) + body,
      head(["Transfer-Encoding: chunked", `Content-Length: ${body.length}`]) + body,
      head(["Transfer-Encoding: chunked"]) + "zz\r\nnot a chunk\r\n0\r\n\r\n",
      head([`Content-Length: ${body.length + 100}`]) + body,
      `POST /graphql HTTP/9.9\r\n\r\n`,
      `\u0000\u0001\u0002 garbage\r\n\r\n`,
      `GET /${"a".repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    ];
    for (const raw of requests) {
      const statusLine = await new Promise<string>((resolve) => {
        let received = "";
        const socket = tcpConnect(t.server.port, "127.0.0.1", () => socket.write(raw));
        const timer = setTimeout(() => socket.destroy(), 1_000);
        socket.on("data", (data: Buffer) => {
          received += data.toString("latin1");
          if (received.includes("\r\n")) socket.destroy();
        });
        socket.on("error", () => undefined);
        socket.on("close", () => {
          clearTimeout(timer);
          resolve(received.split("\r\n")[0] ?? "");
        });
      });
      // No answer at all (the server closed, or waits for a body that never comes) is fine too.
      expect(statusLine, `${JSON.stringify(raw.slice(0, 80))} → ${statusLine}`).not.toMatch(/^HTTP\/1\.1 5\d\d/);
    }
    expect((await fetch(`${t.url}/readyz`)).status).toBe(200);
  });

  it("keeps to the rules for generated GraphQL-like documents (property)", async () => {
    const piece = fc.constantFrom(
      "{",
      "}",
      "(",
      ")",
      "[",
      "]",
      ":",
      "...",
      "!",
      "=",
      "$v",
      "@include(if: true)",
      "@skip(if: $v)",
      "query",
      "mutation",
      "subscription",
      "fragment F on Identity",
      "viewer",
      "id",
      "email",
      "manager",
      "requests",
      "tickets",
      "edges",
      "node",
      "totalCount",
      "first:",
      "last:",
      "after:",
      "filter:",
      "search:",
      "status:",
      "createRequest",
      "cancelRequest",
      "input:",
      "resourceIds:",
      "justification:",
      "0",
      "-1",
      "101",
      "2147483648",
      "1e999",
      '"x"',
      '"\\u0000"',
      '"""block"""',
      '"\\uD800"',
      "null",
      "true",
      "PENDING_APPROVAL",
      "__typename",
      "__schema",
      '__type(name: "Request")',
      "# comment\n",
      "\u0000",
      "é",
      "😀",
      " ",
      "\n",
      ",",
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(piece, { maxLength: 60 }),
        fc.option(fc.jsonValue(), { nil: undefined }),
        async (pieces, v) => {
          const query = pieces.join(" ");
          expectSafeNow(
            `document ${JSON.stringify(query)}`,
            await post({ query, variables: v === undefined ? undefined : { v } }),
          );
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe("many concurrent hostile requests", () => {
  it("answers 300 concurrent hostile requests of every kind without a 5xx, then still serves", async () => {
    const writeAccess = ids().writeAccess;
    const kinds: (() => Promise<Answer>)[] = [
      () => post("{bad json"),
      () => post({ query: `{ viewer ${"{ manager ".repeat(40)}{ id }${" }".repeat(40)} }` }),
      () => post({ query: `{ ${Array.from({ length: 100 }, (_, i) => `a${i}: viewer { id }`).join(" ")} }` }),
      () =>
        post({
          query: mutation("createRequest", "CreateRequestInput"),
          variables: { input: { resourceIds: [writeAccess], justification: huge(5_000) } },
        }),
      () =>
        post({
          query: mutation("createRequest", "CreateRequestInput"),
          variables: { input: { resourceIds: [writeAccess, writeAccess], justification: "duplicate" } },
        }),
      () => post({ query: VIEWER }, "not-a-token"),
      () => post({ query: `{ resources(search: ${JSON.stringify(huge(50_000, "%"))}) { totalCount } }` }),
      () => post({ query: `query Q($n: Int) { tickets(first: $n) { totalCount } }`, variables: { n: 10_000 } }),
      () => post([{ query: VIEWER }, { query: VIEWER }]),
      () =>
        send({
          body: Buffer.from([0xff, 0x00, 0xfe]),
          headers: { "content-type": "application/json", ...bearer(alice()) },
        }),
    ];
    const answers = await Promise.all(Array.from({ length: 300 }, (_, i) => (kinds[i % kinds.length] ?? kinds[0]!)()));
    answers.forEach((answer, i) => expectSafe(`concurrent #${i}`, answer));
    expect((await fetch(`${t.url}/readyz`)).status).toBe(200);
  });

  it("answers 100 concurrent bad-input mutations of the same request with UserErrors and writes nothing", async () => {
    const writeAccess = ids().writeAccess;
    const bad = [
      { resourceIds: [writeAccess], justification: "" },
      { resourceIds: [], justification: "none" },
      { resourceIds: [writeAccess], justification: huge(2_001) },
      { resourceIds: [writeAccess], justification: "ok", targetIdentityId: gid("Identity", t.org.ids.bob) },
      { resourceIds: Array.from({ length: 21 }, (_, i) => gid("Resource", `r${i}`)), justification: "too many" },
      { resourceIds: [writeAccess], justification: "ok", idempotencyKey: huge(201) },
    ];
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        post({
          query: mutation("createRequest", "CreateRequestInput", "errors { code } request { id }"),
          variables: { input: bad[i % bad.length] },
        }),
      ),
    );
    answers.forEach((answer, i) =>
      expectUserErrors(`concurrent mutation #${i}`, answer, "createRequest", /^(VALIDATION|FORBIDDEN)$/),
    );
  });
});

// ================================================================ SSE

describe("Server-Sent Events", () => {
  const sse = (payload: unknown, token: string | null = alice(), accept = "text/event-stream") =>
    send({
      body: typeof payload === "string" ? payload : JSON.stringify(payload),
      headers: { "content-type": "application/json", accept, ...bearer(token) },
    });

  it("refuses malformed subscription requests with a coded error and ends the stream", async () => {
    const cases: [string, unknown][] = [
      ["parse error", { query: "subscription { ticketStatusChanged { " }],
      ["unknown field", { query: "subscription { nope }" }],
      [
        "two root fields",
        { query: "subscription { ticketStatusChanged { sequence } requestStatusChanged { sequence } }" },
      ],
      [
        "ill-typed variable",
        {
          query: "subscription S($a: Int) { ticketStatusChanged(afterSequence: $a) { sequence } }",
          variables: { a: "x" },
        },
      ],
      ["negative afterSequence", { query: "subscription { ticketStatusChanged(afterSequence: -1) { sequence } }" }],
      ["wrong id type", { query: `subscription { ticketStatusChanged(requestId: "${nope("Ticket")}") { sequence } }` }],
      [
        "huge id",
        {
          query: "subscription S($r: ID) { requestStatusChanged(requestId: $r) { sequence } }",
          variables: { r: huge(NEAR_LIMIT) },
        },
      ],
      ["admins-only subscription", { query: "subscription { systemHealthChanged { sequence } }" }],
      [
        "too deep",
        {
          query: `subscription { ticketStatusChanged { ticket ${"{ request { requester { manager ".repeat(6)}{ id }${" } } }".repeat(6)} } }`,
        },
      ],
      ["unknown operation name", { query: "subscription A { ticketStatusChanged { sequence } }", operationName: "B" }],
      ["invalid JSON", "{ subscription"],
      ["batch", [{ query: "subscription { ticketStatusChanged { sequence } }" }]],
    ];
    for (const [label, payload] of cases) {
      const answer = await sse(payload);
      expectSafe(`SSE ${label}`, answer);
      if (!rateLimited(answer))
        expect(errorsIn(answer.body).length, `SSE ${label}: ${answer.text.slice(0, 300)}`).toBeGreaterThan(0);
    }
  });

  it("refuses subscriptions without a token and with bad Accept headers without a 5xx", async () => {
    expectRefused(
      "SSE without a token",
      await sse({ query: "subscription { ticketStatusChanged { sequence } }" }, null),
      401,
      "UNAUTHENTICATED",
    );
    for (const accept of [
      "application/xml",
      "text/event-stream;q=0",
      "*/*;q=0",
      "text/html",
      "",
      "text/event-stream, text/event-stream".repeat(500),
      "multipart/mixed; boundary=x",
    ]) {
      const answer = await send({
        body: JSON.stringify({ query: VIEWER }),
        headers: { "content-type": "application/json", accept, ...bearer(alice()) },
      });
      expectSafe(`Accept ${accept.slice(0, 40)}`, answer);
    }
    const get = await send({
      method: "GET",
      path: `/graphql?query=${encodeURIComponent("subscription { nope }")}`,
      headers: { accept: "text/event-stream", ...bearer(alice()) },
    });
    expectSafe("GET subscription with an error", get);
    const mutationOverSse = await sse({
      query: mutation("createRequest", "CreateRequestInput", "errors { code } request { id }"),
      variables: { input: { resourceIds: [ids().writeAccess], justification: "" } },
    });
    expectSafe("mutation with bad input over SSE", mutationOverSse);
    expect(mutationOverSse.text).toContain("VALIDATION");
  });

  it("lets go of every subscription when clients hang up mid-stream", async () => {
    const base = t.server.feed.subscriberCount;
    const streams = await Promise.all(
      Array.from({ length: 30 }, async () => {
        const controller = new AbortController();
        const res = await fetch(`${t.url}/graphql`, {
          method: "POST",
          headers: { "content-type": "application/json", accept: "text/event-stream", ...bearer(alice()) },
          body: JSON.stringify({ query: "subscription { ticketStatusChanged { sequence } }" }),
          signal: controller.signal,
        });
        return { res, controller };
      }),
    );
    for (const { res } of streams) expect(res.status).toBe(200);
    expect(await waitUntil(() => t.server.feed.subscriberCount >= base + 30)).toBe(true);
    for (const { controller } of streams) controller.abort();
    expect(
      await waitUntil(() => t.server.feed.subscriberCount === base),
      `subscribers left: ${t.server.feed.subscriberCount - base}`,
    ).toBe(true);
  });
});

// ================================================================ WebSocket

describe("graphql-ws protocol abuse", () => {
  it("closes with 4401 on a subscribe before connection_init", async () => {
    const w = await wire();
    w.send({ id: "1", type: "subscribe", payload: { query: VIEWER } });
    expectProtocolClose("subscribe first", await closedWithin(w, 3_000), 4401);
  });

  it("closes with 4429 on a second connection_init", async () => {
    const w = await acked();
    w.send({ type: "connection_init", payload: { authorization: `Bearer ${alice()}` } });
    expectProtocolClose("second init", await closedWithin(w, 3_000), 4429);
  });

  it("closes with 4403 on bad, hostile or ill-typed credentials and 4400 on an ill-typed payload", async () => {
    for (const payload of [
      undefined,
      null,
      {},
      { authorization: 42 },
      { authorization: ["Bearer x"] },
      { authorization: { toString: "x" } },
      { authorization: `Bearer ${huge(500_000)}` },
      { authorization: "Bearer \u0000" },
      { Authorization: "Bearer nope" },
    ]) {
      const w = await wire();
      w.send({ type: "connection_init", ...(payload === undefined ? {} : { payload }) });
      expectProtocolClose(`init payload ${JSON.stringify(payload)?.slice(0, 40)}`, await closedWithin(w, 3_000), 4403);
    }
    for (const payload of ["Bearer x", 42, ["x"]]) {
      const w = await wire();
      w.send({ type: "connection_init", payload });
      expectProtocolClose(`init payload ${JSON.stringify(payload)}`, await closedWithin(w, 3_000), 4400);
    }
  });

  it("closes with 4400 on invalid JSON, unknown message types and malformed messages", async () => {
    const messages: unknown[] = [
      "{not json",
      "",
      "null",
      "[]",
      "42",
      { type: "nope" },
      { type: "subscribe" },
      { type: "subscribe", id: 1, payload: { query: VIEWER } },
      { type: "subscribe", id: "1", payload: "query" },
      { type: "subscribe", id: "1", payload: { query: 42 } },
      { type: "subscribe", id: "1", payload: { query: VIEWER, variables: "x" } },
      { type: "subscribe", id: "1", payload: { query: VIEWER, operationName: 42 } },
      { type: "complete" },
      { id: "1" },
    ];
    for (const message of messages) {
      const w = await acked();
      w.send(message);
      expectProtocolClose(`message ${JSON.stringify(message)}`, await closedWithin(w, 3_000), 4400);
    }
    const early = await wire();
    early.send("{not json");
    expectProtocolClose("invalid JSON before init", await closedWithin(early, 3_000), 4400);
  });

  it("closes with 4400 on messages only a server sends (connection_ack, next, error), not with an internal error", async () => {
    for (const message of [
      { type: "connection_ack" },
      { type: "next", id: "1", payload: {} },
      { type: "error", id: "1", payload: [] },
    ]) {
      const w = await acked();
      w.send(message);
      expectProtocolClose(`message ${JSON.stringify(message)}`, await closedWithin(w, 3_000), 4400);
    }
  });

  it("answers binary frames like text ones: garbage closes with 4400, a valid message is understood", async () => {
    const garbage = await acked();
    garbage.socket.send(Buffer.from([0xff, 0x00, 0xfe, 0x01]), { binary: true });
    expectProtocolClose("binary garbage", await closedWithin(garbage, 3_000), 4400);
    const init = await wire();
    init.socket.send(
      Buffer.from(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${alice()}` } })),
      { binary: true },
    );
    const acknowledged = await init.waitFor(typed("connection_ack"), 2_000);
    if (acknowledged === undefined) expectProtocolClose("binary init", await closedWithin(init, 2_000));
    else await socketStillServes(init, "after a binary init");
    init.socket.close();
  });

  it("closes with 4409 on a subscribe that reuses a running id", async () => {
    const base = t.server.feed.subscriberCount;
    const w = await acked();
    w.send({ id: "dup", type: "subscribe", payload: { query: "subscription { ticketStatusChanged { sequence } }" } });
    await new Promise((r) => setTimeout(r, 100));
    w.send({ id: "dup", type: "subscribe", payload: { query: "subscription { ticketStatusChanged { sequence } }" } });
    expectProtocolClose("duplicate id", await closedWithin(w, 3_000), 4409);
    expect(await feedBackTo(base), `subscribers left: ${t.server.feed.subscriberCount - base}`).toBe(true);
  });

  it("answers a mutation with bad input over the socket with UserErrors, and writes nothing", async () => {
    const w = await acked();
    const id = "mutate";
    w.send({
      id,
      type: "subscribe",
      payload: {
        query: mutation("createRequest", "CreateRequestInput", "errors { code field } request { id }"),
        variables: { input: { resourceIds: [ids().writeAccess], justification: huge(100_000) } },
      },
    });
    const next = await w.waitFor(typed("next", id));
    expect(next).toMatchObject({
      payload: {
        data: { createRequest: { errors: [{ code: "VALIDATION", field: ["input", "justification"] }], request: null } },
      },
    });
    expect(await w.waitFor(typed("complete", id))).toBeDefined();
    await socketStillServes(w, "after a bad mutation");
    w.socket.close();
  });

  it("answers queries, subscriptions and documents with errors with coded errors, and keeps the connection", async () => {
    const w = await acked();
    const cases: [string, Record<string, unknown>][] = [
      ["parse error", { query: "{ viewer { " }],
      ["unknown field", { query: "{ nope }" }],
      ["page size 0", { query: "{ requests(first: 0) { totalCount } }" }],
      [
        "huge page size",
        { query: "query Q($n: Int) { tickets(first: $n) { totalCount } }", variables: { n: 2 ** 40 } },
      ],
      ["admins only", { query: "{ auditEvents { totalCount } }" }],
      ["negative afterSequence", { query: "subscription { ticketStatusChanged(afterSequence: -5) { sequence } }" }],
      [
        "afterSequence out of range",
        { query: "subscription { ticketStatusChanged(afterSequence: 99999999999) { sequence } }" },
      ],
      [
        "wrong id type",
        { query: `subscription { requestStatusChanged(requestId: "${nope("Ticket")}") { sequence } }` },
      ],
      ["admins-only subscription", { query: "subscription { systemHealthChanged { sequence } }" }],
      ["unknown operation name", { query: "query A { viewer { id } }", operationName: "B" }],
      ["too deep", { query: `{ viewer ${"{ manager ".repeat(30)}{ id }${" }".repeat(30)} }` }],
      ["too many aliases", { query: `{ ${Array.from({ length: 50 }, (_, i) => `a${i}: viewer { id }`).join(" ")} }` }],
      ["too many tokens", { query: `{ viewer { ${"id ".repeat(5_000)} } }` }],
      [
        "fragment cycle",
        { query: `{ viewer { ...A } } fragment A on Identity { ...B } fragment B on Identity { ...A }` },
      ],
      [
        "fragment bomb",
        {
          query: `{ viewer { ...W0 } } ${Array.from({ length: 40 }, (_, i) => `fragment W${i} on Identity { ...W${i + 1} ...W${i + 1} }`).join(" ")} fragment W40 on Identity { id }`,
        },
      ],
      ["too many directives", { query: `{ viewer { id ${"@include(if: true) ".repeat(60)} } }` }],
      ["ill-typed variable", { query: "query Q($id: ID!) { request(id: $id) { id } }", variables: { id: { a: 1 } } }],
      ["missing variable", { query: "query Q($id: ID!) { request(id: $id) { id } }" }],
    ];
    for (const [index, [label, payload]] of cases.entries()) {
      const id = `e${index}`;
      w.send({ id, type: "subscribe", payload });
      const answer = await w.waitFor((m) => typed("error", id)(m) || typed("next", id)(m));
      expectCodedWsErrors(label, answer);
    }
    w.send({
      id: "nul",
      type: "subscribe",
      payload: {
        query: "query Q($s: String) { resources(search: $s) { totalCount } }",
        variables: { s: "\u0000\u0000" },
      },
    });
    const nul = await w.waitFor((m) => typed("error", "nul")(m) || typed("next", "nul")(m));
    expect(nul, "null bytes in a search").toBeDefined();
    for (const error of errorsIn(isRecord(nul) ? nul.payload : undefined))
      expect(error.extensions?.code, "null bytes in a search").not.toBe("INTERNAL_SERVER_ERROR");
    await socketStillServes(w, "after documents with errors");
    expect(await closedWithin(w, 50)).toBeNull();
    w.socket.close();
  });

  it("closes with 1009 on a frame over 1 MiB and keeps serving others", async () => {
    const w = await acked();
    w.send({ id: "big", type: "subscribe", payload: { query: VIEWER, variables: { pad: huge(1_100_000) } } });
    const close = await closedWithin(w, 5_000);
    expect(close?.code, `oversized frame → ${close?.code} ${close?.reason}`).toBe(1009);
    const unauthenticated = await wire();
    unauthenticated.send(
      JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${huge(2_000_000)}` } }),
    );
    expect((await closedWithin(unauthenticated, 5_000))?.code).toBe(1009);
    const other = await acked();
    await socketStillServes(other, "after an oversized frame elsewhere");
    other.socket.close();
  });

  it("survives a flood of subscribes on one connection, limits them, and lets go of all of them on close", async () => {
    const base = t.server.feed.subscriberCount;
    const w = await acked();
    const n = 500;
    const running = "subscription { ticketStatusChanged { sequence } }";
    for (let i = 0; i < n; i += 1) w.send({ id: `s${i}`, type: "subscribe", payload: { query: running } });
    for (let i = 0; i < n; i += 1)
      w.send({ id: `bad${i}`, type: "subscribe", payload: { query: `{ viewer { ${"id ".repeat(i % 7)} ` } });
    const answered = (prefix: string) =>
      w.received.filter(
        (m) =>
          isRecord(m) &&
          typeof m.id === "string" &&
          m.id.startsWith(prefix) &&
          (m.type === "error" || m.type === "next"),
      );
    expect(await waitUntil(() => answered("bad").length >= n, 10_000), "every bad subscribe answered").toBe(true);
    // The seven shapes of bad subscribe (one per i % 7) each carry a coded error.
    for (const answer of answered("bad").slice(0, 7)) expectCodedWsErrors("bad subscribe", answer);
    // Subscriptions beyond the per-token limit are refused with a coded error, the others run.
    const refused = answered("s");
    for (const answer of refused) expectCodedWsErrors("subscribe over the limit", answer);
    expect(
      await waitUntil(() => t.server.feed.subscriberCount - base + refused.length >= n, 5_000),
      `running ${t.server.feed.subscriberCount - base}, refused ${refused.length}`,
    ).toBe(true);
    expect(await closedWithin(w, 50), "the connection stays open").toBeNull();
    await socketStillServes(w, "after a subscribe flood");
    w.socket.close();
    expect(await feedBackTo(base), `subscribers left: ${t.server.feed.subscriberCount - base}`).toBe(true);
  });

  it("keeps to the rules for generated protocol messages (property)", async () => {
    const message = fc.oneof(
      fc.record({
        type: fc.constantFrom("subscribe", "complete", "ping", "pong", "next", "error", "connection_init", "nope"),
        id: fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.constant(undefined)),
        payload: fc.oneof(
          fc.jsonValue(),
          fc.record({
            query: fc.oneof(
              fc.constantFrom(VIEWER, "subscription { ticketStatusChanged { sequence } }", "{", "mutation { x }"),
              fc.string(),
            ),
            variables: fc.option(fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue())),
          }),
        ),
      }),
      fc.jsonValue(),
      fc.string(),
    );
    const base = t.server.feed.subscriberCount;
    await fc.assert(
      fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 5 }), async (messages) => {
        const w = await acked();
        for (const m of messages) w.send(typeof m === "string" ? m : JSON.stringify(m));
        await new Promise((r) => setTimeout(r, 30));
        const close = await closedWithin(w, 100);
        if (close) expectProtocolClose(`messages ${JSON.stringify(messages).slice(0, 200)}`, close);
        else {
          for (const answer of w.received.filter((m) => typed("error")(m)))
            expectCodedWsErrors(`messages ${JSON.stringify(messages).slice(0, 200)}`, answer);
          w.socket.terminate();
        }
      }),
      { numRuns: 40 },
    );
    expect(await feedBackTo(base), `subscribers left: ${t.server.feed.subscriberCount - base}`).toBe(true);
  });

  it("agrees on no other subprotocol, closes with 4406 without one and 4408 when connection_init never comes", async () => {
    // The legacy subprotocol is not agreed to: the client gives up on the handshake itself.
    const legacy = new WebSocket(wsUrl(), "graphql-ws");
    opened.add(legacy);
    const legacyOutcome = await new Promise<string>((resolve) => {
      legacy.on("open", () => resolve(`open with "${legacy.protocol}"`));
      legacy.on("error", (error) => resolve(error.message));
    });
    expect(legacyOutcome).not.toMatch(/^open with "graphql-ws"$/);
    const none = await wire([]);
    expectProtocolClose("no subprotocol", await closedWithin(none, 3_000), 4406);
    const silent = await wire();
    expectProtocolClose("no connection_init", await closedWithin(silent, 5_000), 4408);
  });

  it("survives clients that hang up mid-handshake, mid-authentication and mid-subscribe", async () => {
    const base = t.server.feed.subscriberCount;
    // Half an upgrade request, then gone.
    await Promise.all(
      Array.from(
        { length: 20 },
        (_, i) =>
          new Promise<void>((resolve) => {
            const socket = tcpConnect(t.server.port, "127.0.0.1", () => {
              socket.write(
                `GET /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n${i % 2 ? "Sec-WebSocket-Key: x\r\n" : ""}`,
              );
              setTimeout(() => socket.destroy(), 5);
            });
            socket.on("error", () => undefined);
            socket.on("close", () => resolve());
          }),
      ),
    );
    // A full upgrade with a broken key, then gone.
    await Promise.all(
      Array.from(
        { length: 10 },
        () =>
          new Promise<void>((resolve) => {
            const socket = tcpConnect(t.server.port, "127.0.0.1", () => {
              socket.write(
                "GET /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: !!\r\nSec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n",
              );
            });
            socket.on("data", () => socket.destroy());
            socket.on("error", () => undefined);
            socket.on("close", () => resolve());
            setTimeout(() => socket.destroy(), 1_000);
          }),
      ),
    );
    // Gone before the upgrade completed, right after connection_init, right after subscribe.
    const sockets: WebSocket[] = [];
    for (let i = 0; i < 20; i += 1) {
      const early = new WebSocket(wsUrl(), "graphql-transport-ws");
      opened.add(early);
      early.on("error", () => undefined);
      early.on("upgrade", () => early.terminate());
      sockets.push(early);
      const init = await wire();
      init.send({ type: "connection_init", payload: { authorization: `Bearer ${alice()}` } });
      init.socket.terminate();
      const subscribed = await acked();
      subscribed.send({
        id: "1",
        type: "subscribe",
        payload: { query: "subscription { ticketStatusChanged(afterSequence: 0) { sequence ticket { id } } }" },
      });
      subscribed.send({
        id: "2",
        type: "subscribe",
        payload: {
          query: mutation("cancelRequest", "CancelRequestInput"),
          variables: { input: { requestId: nope("Request") } },
        },
      });
      subscribed.socket.terminate();
    }
    for (const socket of sockets) socket.terminate();
    expect(await feedBackTo(base), `subscribers left: ${t.server.feed.subscriberCount - base}`).toBe(true);
    const after = await acked();
    await socketStillServes(after, "after hang-ups");
    after.socket.close();
  });
});

// ================================================================ afterwards

describe("after all the hostile traffic", () => {
  it("is ready, still serves a normal query, and wrote nothing", async () => {
    // A rate limit may still hold the flood against this client for a moment.
    let viewer = await t.gql(t.org.tokens.alice, Viewer);
    for (let attempt = 0; viewer.status === 429 && attempt < 20; attempt += 1) {
      await new Promise((r) => setTimeout(r, 500));
      viewer = await t.gql(t.org.tokens.alice, Viewer);
    }
    expect((await fetch(`${t.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    expect(viewer.errors).toBeUndefined();
    expect(viewer.data?.viewer.email).toBe("alice@example.com");
    expect((await dataOf(t.gql(t.org.tokens.alice, Requests))).requests.totalCount).toBeGreaterThanOrEqual(0);
    expect(await snapshot()).toEqual(before);
    const trail = await dataOf(t.gql(t.org.tokens.admin, AuditEvents, { first: 1 }));
    expect(trail.auditEvents.totalCount).toBe(before.auditEvents);
  });
});
