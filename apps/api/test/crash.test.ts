// Crash safety: sixteen concurrent clients run full request flows (createRequest with an
// idempotency key → approveTicket → fulfillTicket; also on a webhook connector, where the
// fulfillment is a durable job) against an API process that is killed with SIGKILL at a random
// moment, restarted on the same database, killed again, and so on. While no process runs, the
// database is read directly: every answered mutation is there with the state it answered, every
// unanswered one happened completely or not at all (each change with its audit event, numbers and
// audit sequences gapless), and nothing is there twice. Clients then retry what was in flight
// (createRequest with the same idempotency key returns the same request; a decision that
// committed is refused as INVALID_STATE) and go on. At the end every request is FULFILLED with one
// grant, the connector jobs left pending by the crashes ran on the webhook peer after the
// restarts, and the exported audit chain verifies end to end.
import { randomUUID } from "node:crypto";
import { GENESIS_HASH, verifyLines, type VerifyReport } from "@access/audit-chain";
import {
  ApproveTicket,
  CreateIdentity,
  CreateRequest,
  CreateResource,
  CreateSystem,
  FulfillTicket,
  IssueApiToken,
  RequestDetail,
  type ResultOf,
  type TadaDocumentNode,
} from "@access/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadDemoOrganisation, type DemoOrganisation } from "../src/demo/demo-organisation.ts";
import { type Database, openDatabase } from "../src/db/database.ts";
import { fromGlobalId, toGlobalId } from "../src/domain/global-id.ts";
import { freshDatabase, type TestDatabase } from "./databases.ts";
import { accepted, type GraphQLResponse, graphqlAt, present, type VariablesArgument } from "./harness.ts";
import { type Instance, startInstance } from "./instances.ts";
import { seededRandom } from "./random.ts";
import { startWebhookPeer, type WebhookPeer } from "./webhook-peer.ts";

const SECRET = "crash-webhook-secret-0123456789";
/** When the peer hangs, the order of the flows and when each kill comes (TEST_SEED replays them). */
const random = seededRandom();
const WORKERS = 16;
const KILLS = 3;
/** Resources per kind; every requester asks for every one, so flows = requesters × resources. */
const RESOURCES = { manual: 40, hook: 25, auto: 15 } as const;
/** How long the load runs on the last instance before the clients stop starting new flows. */
const FINAL_LOAD_MS = 1_000;
/** How many answered createRequests are sent again after each restart. */
const REPLAYS = 8;

let database: TestDatabase;
let db: Database;
let org: DemoOrganisation;
let peer: WebhookPeer;
const instances: Instance[] = [];

beforeAll(async () => {
  database = await freshDatabase();
  db = await openDatabase(database.url);
  org = await loadDemoOrganisation(db);
  peer = await startWebhookPeer(SECRET);
});

afterAll(async () => {
  await Promise.all(instances.map((i) => i.kill("SIGKILL")));
  await peer?.close();
  await db?.close();
  await database?.drop();
});

const env = () => ({
  DATABASE_URL: database.url,
  ACCESS_SECRET_CRASH_WEBHOOK: SECRET,
  // A job whose instance died is taken over once its lease runs out.
  CONNECTOR_LEASE_MS: "1000",
  CONNECTOR_RETRY_BASE_MS: "50",
  CONNECTOR_MAX_ATTEMPTS: "20",
  HEALTH_CHECK_INTERVAL_MS: "3600000",
  ...(process.env.TEST_REDIS_URL ? { REDIS_URL: process.env.TEST_REDIS_URL } : {}),
});

// ---------------------------------------------------------------- what the clients see

/** A request as a client was answered it (the contract's request state). */
type RequestView = NonNullable<ResultOf<typeof CreateRequest>["createRequest"]["request"]>;
/** What approveTicket and fulfillTicket answer (every ticket mutation answers the same payload). */
type TicketPayload = ResultOf<typeof ApproveTicket>["approveTicket"];

/** The database id behind an API id. */
function rawId(globalId: string): string {
  return fromGlobalId(globalId)?.id ?? `unreadable id ${globalId}`;
}

// ---------------------------------------------------------------- the cluster of one (restarted) process

let current: Instance;
/** Index of the running instance; each kill moves it on. */
let generation = 0;
/** True from the moment a kill is decided until the next instance is up and checked. */
let dead = false;
let resume: () => void = () => undefined;
let resumed: Promise<void> = Promise.resolve();
/** Clients waiting for the next instance, and clients that are done. */
let parked = 0;
let finished = 0;
let stopping = false;

async function parkWhileDead(): Promise<void> {
  while (dead) {
    parked += 1;
    await resumed;
    parked -= 1;
  }
}

type Sent<Result> = { answered: true; body: GraphQLResponse<Result> } | { answered: false; instance: number };

/** One POST to the running instance; `answered: false` when the instance died before answering. */
async function post<Result, Variables>(
  token: string,
  document: TadaDocumentNode<Result, Variables>,
  ...variables: VariablesArgument<Variables>
): Promise<Sent<Result>> {
  await parkWhileDead();
  const instance = generation;
  try {
    return { answered: true, body: await graphqlAt(current.url)(token, document, ...variables) };
  } catch (error) {
    if (!dead && instance === generation)
      throw new Error(`a request failed while instance ${instance} was up: ${(error as Error).message}`, {
        cause: error,
      });
    return { answered: false, instance };
  }
}

/** A query, repeated on the next instance when the running one dies. */
async function read<Result, Variables>(
  token: string,
  document: TadaDocumentNode<Result, Variables>,
  ...variables: VariablesArgument<Variables>
): Promise<GraphQLResponse<Result>> {
  for (;;) {
    const sent = await post(token, document, ...variables);
    if (sent.answered) return sent.body;
  }
}

/** An admin's set-up mutation, repeated on the next instance when the running one dies. */
async function asAdmin<Result, Variables>(
  document: TadaDocumentNode<Result, Variables>,
  ...variables: VariablesArgument<Variables>
): Promise<Result> {
  const body = await read(org.tokens.admin, document, ...variables);
  if (!body.data || body.errors) throw new Error(`set-up failed: ${JSON.stringify(body)}`);
  return body.data;
}

// ---------------------------------------------------------------- the load

interface Requester {
  name: string;
  token: string;
  /** Who approves for this requester: their manager, or the admins when they have none. */
  approverToken: string;
}

type ResourceKind = keyof typeof RESOURCES;

interface Flow {
  label: string;
  requester: Requester;
  resourceId: string;
  kind: ResourceKind;
  key: string;
  justification: string;
  /** The request's API id once createRequest was answered, and by which instance. */
  requestId: string | null;
  createdOn: number | null;
  done: boolean;
}

type Operation = "create" | "approve" | "fulfill";

/** A mutation whose answer was lost with its instance. */
interface Lost {
  flow: Flow;
  operation: Operation;
  ticketId: string | null;
  instance: number;
  /** Read from the database after the kill: whether it committed (and, for createRequest, what). */
  happened: boolean | null;
  requestId: string | null;
}

const problems: string[] = [];
/** Every request state a client was answered with (acknowledged: it must be durable). */
const acknowledged: RequestView[] = [];
const lost: Lost[] = [];
const startedFlows: Flow[] = [];
/** Flows whose createRequest was answered, in the order of the answers. */
const createdFlows: Flow[] = [];

/** Sends a mutation until some instance answers; remembers the attempts lost with their instance. */
async function mutate<Result, Variables>(
  flow: Flow,
  operation: Operation,
  ticketId: string | null,
  token: string,
  document: TadaDocumentNode<Result, Variables>,
  ...variables: VariablesArgument<Variables>
): Promise<{ body: GraphQLResponse<Result>; lost: Lost | null }> {
  let last: Lost | null = null;
  for (;;) {
    const sent = await post(token, document, ...variables);
    if (sent.answered) return { body: sent.body, lost: last };
    last = { flow, operation, ticketId, instance: sent.instance, happened: null, requestId: null };
    lost.push(last);
  }
}

/**
 * The answer to a decision (approve or fulfill). A retry of a decision that committed before the
 * crash must be refused (INVALID_STATE), never applied twice; then the request is read back.
 */
async function decided(
  flow: Flow,
  field: string,
  result: { body: GraphQLResponse<unknown>; lost: Lost | null },
  payload: TicketPayload | undefined,
): Promise<RequestView | null> {
  const codes = (payload?.errors ?? []).map((e) => e.code).join(",");
  if (result.lost?.happened) {
    if (codes !== "INVALID_STATE") {
      problems.push(
        `${flow.label}: ${field} committed before the crash, but its retry answered ${JSON.stringify(result.body)}`,
      );
      return null;
    }
    const id = present(flow.requestId, `${flow.label}'s request id`);
    const again = (await read(org.tokens.admin, RequestDetail, { id })).data?.request;
    if (!again) problems.push(`${flow.label}: cannot read request ${id} back`);
    else acknowledged.push(again);
    return again ?? null;
  }
  if (!payload?.ticket || codes !== "" || result.body.errors) {
    problems.push(`${flow.label}: ${field} answered ${JSON.stringify(result.body)}`);
    return null;
  }
  acknowledged.push(payload.ticket.request);
  return payload.ticket.request;
}

async function runFlow(flow: Flow): Promise<void> {
  const create = await mutate(flow, "create", null, flow.requester.token, CreateRequest, {
    input: { resourceIds: [flow.resourceId], justification: flow.justification, idempotencyKey: flow.key },
  });
  const created = create.body.data?.createRequest;
  if (!created?.request || created.errors.length > 0 || create.body.errors) {
    problems.push(`${flow.label}: createRequest answered ${JSON.stringify(create.body)}`);
    return;
  }
  if (create.lost?.happened && create.lost.requestId !== rawId(created.request.id)) {
    problems.push(
      `${flow.label}: the crash left request ${create.lost.requestId}, but the retry with the same idempotency key answered ${rawId(created.request.id)}`,
    );
  }
  acknowledged.push(created.request);
  flow.requestId = created.request.id;
  flow.createdOn = generation;
  createdFlows.push(flow);
  let request: RequestView | null = created.request;

  if (flow.kind !== "auto") {
    const approval = request.tickets.find((t) => t.kind === "APPROVAL");
    if (!approval) return void problems.push(`${flow.label}: no approval ticket in ${JSON.stringify(request)}`);
    if (approval.status === "OPEN") {
      const approve = await mutate(flow, "approve", approval.id, flow.requester.approverToken, ApproveTicket, {
        input: { ticketId: approval.id },
      });
      request = await decided(flow, "approveTicket", approve, approve.body.data?.approveTicket);
      if (!request) return;
    }
  }

  const fulfillment = request.tickets.find((t) => t.kind === "FULFILLMENT");
  if (!fulfillment) return void problems.push(`${flow.label}: no fulfillment ticket in ${JSON.stringify(request)}`);
  // Connector fulfillment is the job runner's: the client's part ends here.
  if (flow.kind === "manual" && fulfillment.status === "OPEN") {
    // Dave is the system's fulfillers group.
    const fulfill = await mutate(flow, "fulfill", fulfillment.id, org.tokens.dave, FulfillTicket, {
      input: { ticketId: fulfillment.id, comment: `done for ${flow.label}` },
    });
    if (!(await decided(flow, "fulfillTicket", fulfill, fulfill.body.data?.fulfillTicket))) return;
  }
  flow.done = true;
}

async function client(queue: Flow[]): Promise<void> {
  try {
    for (;;) {
      if (stopping) return;
      const flow = queue.shift();
      if (!flow) return;
      startedFlows.push(flow);
      await runFlow(flow);
    }
  } finally {
    finished += 1;
  }
}

// ---------------------------------------------------------------- the database as a crash leaves it

/** What audit events carry in `data` that the checks read. */
interface EventData {
  previousStatus?: string | null;
  status?: string;
  grantId?: string;
  jobId?: string;
  outcome?: string;
}

async function readState() {
  const reader = db.read;
  const [requests, tickets, grants, jobs, rows, head, counters] = await Promise.all([
    reader.request.findMany({
      select: {
        id: true,
        number: true,
        status: true,
        justification: true,
        items: { select: { id: true, status: true } },
        idempotencyKeys: { select: { key: true } },
      },
    }),
    reader.ticket.findMany({
      select: {
        id: true,
        number: true,
        kind: true,
        status: true,
        requestId: true,
        itemId: true,
        resource: { select: { system: { select: { connector: true } } } },
      },
    }),
    reader.grant.findMany({ select: { id: true, itemId: true, status: true } }),
    reader.job.findMany({ select: { id: true, kind: true, status: true, ticketId: true } }),
    reader.auditEvent.findMany({
      orderBy: { sequence: "asc" },
      select: { sequence: true, action: true, requestId: true, ticketId: true, data: true, prevHash: true, hash: true },
    }),
    reader.auditHead.findUnique({ where: { id: 1 } }),
    reader.counter.findMany(),
  ]);
  const events = rows.map((e) => ({ ...e, data: JSON.parse(e.data) as EventData }));
  return { requests, tickets, grants, jobs, events, head, counters };
}

type State = Awaited<ReturnType<typeof readState>>;

/** Statuses a ticket or request may have reached after a client was answered with `status`. */
const LATER: Record<string, readonly string[]> = {
  PENDING_APPROVAL: ["PENDING_APPROVAL", "APPROVED", "FULFILLED"],
  OPEN: ["OPEN", "APPROVED", "FULFILLED"],
  IN_PROGRESS: ["IN_PROGRESS", "FULFILLED"],
  APPROVED: ["APPROVED", "FULFILLED"],
  FULFILLED: ["FULFILLED"],
};

function countBy<T>(rows: readonly T[], key: (row: T) => string | null): Map<string, number> {
  const counts = new Map<string, number>();
  for (const row of rows) {
    const k = key(row);
    if (k !== null) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}

/** Acknowledged == durable: every answered state is there (or has moved on, never back). */
function acknowledgedProblems(state: State, when: string): string[] {
  const found: string[] = [];
  const requests = new Map(state.requests.map((r) => [r.id, r]));
  const tickets = new Map(state.tickets.map((t) => [t.id, t]));
  for (const answered of acknowledged) {
    const request = requests.get(rawId(answered.id));
    if (!request || request.number !== answered.number || !LATER[answered.status]?.includes(request.status)) {
      found.push(
        `${when}: request REQ-${answered.number} was answered ${answered.status}, the database has ${JSON.stringify(request ?? null)}`,
      );
    }
    for (const t of answered.tickets) {
      const ticket = tickets.get(rawId(t.id));
      if (
        !ticket ||
        ticket.number !== t.number ||
        ticket.kind !== t.kind ||
        !LATER[t.status]?.includes(ticket.status)
      ) {
        found.push(
          `${when}: ticket TKT-${t.number} was answered ${t.kind} ${t.status}, the database has ${JSON.stringify(ticket ?? null)}`,
        );
      }
    }
  }
  return found;
}

/** All or nothing, nothing twice: what every committed transaction must leave together. */
function consistencyProblems(state: State, when: string): string[] {
  const found: string[] = [];
  const problem = (text: string) => found.push(`${when}: ${text}`);

  // Numbers: unique and gapless, and the counters say how many there are.
  for (const [name, numbers] of [
    ["request", state.requests.map((r) => r.number)],
    ["ticket", state.tickets.map((t) => t.number)],
  ] as const) {
    const sorted = [...numbers].sort((a, b) => a - b);
    if (sorted.some((n, i) => n !== i + 1))
      problem(`${name} numbers are not 1..${sorted.length} without duplicates: ${sorted.join(",")}`);
    const counter = state.counters.find((c) => c.name === name)?.value ?? 0;
    if (counter !== sorted.length) problem(`the ${name} counter is ${counter}, but ${sorted.length} ${name}s exist`);
  }

  // The audit trail: gapless sequences, each linked to the one before, the head at the tip.
  state.events.forEach((e, i) => {
    if (e.sequence !== i + 1) problem(`audit sequence ${e.sequence} at position ${i + 1}`);
    const prevHash = i === 0 ? GENESIS_HASH : state.events[i - 1]?.hash;
    if (e.prevHash !== prevHash) problem(`audit event ${e.sequence} does not link to the event before it`);
  });
  const tip = state.events.at(-1);
  if (state.head?.sequence !== state.events.length || state.head?.hash !== (tip?.hash ?? GENESIS_HASH)) {
    problem(`the audit head (${state.head?.sequence}) is not at the last event (${tip?.sequence})`);
  }

  // Each change with its event, exactly once.
  const byRequest = (action: string) =>
    countBy(
      state.events.filter((e) => e.action === action),
      (e) => e.requestId,
    );
  const byTicket = (action: string) =>
    countBy(
      state.events.filter((e) => e.action === action),
      (e) => e.ticketId,
    );
  const created = byRequest("REQUEST_CREATED");
  const ticketCreated = byTicket("TICKET_CREATED");
  const approvedEvents = byTicket("TICKET_APPROVED");
  const fulfilledEvents = byTicket("TICKET_FULFILLED");
  const requestIds = new Set(state.requests.map((r) => r.id));
  const ticketIds = new Set(state.tickets.map((t) => t.id));
  for (const [id] of created)
    if (!requestIds.has(id)) problem(`REQUEST_CREATED for a request that does not exist (${id})`);
  for (const [id] of ticketCreated)
    if (!ticketIds.has(id)) problem(`TICKET_CREATED for a ticket that does not exist (${id})`);
  const policies = byRequest("POLICY_APPLIED");
  const grantEvents = countBy(
    state.events.filter((e) => e.action === "GRANT_ACTIVATED"),
    (e) => String(e.data.grantId),
  );
  const jobSuccesses = countBy(
    state.events.filter((e) => e.action === "CONNECTOR_CALLED" && e.data.outcome === "success"),
    (e) => String(e.data.jobId),
  );

  // Status history: each request's and ticket's events chain previousStatus → status, ending at
  // the status the row has (no change without its event, no event without its change).
  const history = new Map<string, string | null>();
  for (const e of state.events) {
    if (typeof e.data.status !== "string") continue;
    const key = e.ticketId ? `ticket ${e.ticketId}` : e.requestId ? `request ${e.requestId}` : null;
    if (!key) continue;
    const before = history.get(key) ?? null;
    if ((e.data.previousStatus ?? null) !== before)
      problem(
        `audit event ${e.sequence} (${e.action}) moves ${key} from ${e.data.previousStatus}, but it was ${before}`,
      );
    history.set(key, e.data.status);
  }
  for (const r of state.requests) {
    if (history.get(`request ${r.id}`) !== r.status)
      problem(`REQ-${r.number} is ${r.status}, its audit events say ${history.get(`request ${r.id}`)}`);
  }
  for (const t of state.tickets) {
    if (history.get(`ticket ${t.id}`) !== t.status)
      problem(`TKT-${t.number} is ${t.status}, its audit events say ${history.get(`ticket ${t.id}`)}`);
  }
  for (const grant of state.grants) {
    if ((grantEvents.get(toGlobalId("Grant", grant.id)) ?? 0) !== 1)
      problem(`grant ${grant.id} has ${grantEvents.get(toGlobalId("Grant", grant.id)) ?? 0} GRANT_ACTIVATED events`);
  }
  if ([...grantEvents.values()].reduce((a, b) => a + b, 0) !== state.grants.length)
    problem(`${grantEvents.size} GRANT_ACTIVATED events for ${state.grants.length} grants`);

  const ticketsByItem = new Map<string, State["tickets"]>();
  for (const t of state.tickets) ticketsByItem.set(t.itemId, [...(ticketsByItem.get(t.itemId) ?? []), t]);
  const grantsByItem = countBy(state.grants, (g) => (g.status === "ACTIVE" ? g.itemId : null));
  const jobsByTicket = new Map<string, State["jobs"]>();
  for (const j of state.jobs)
    if (j.ticketId) jobsByTicket.set(j.ticketId, [...(jobsByTicket.get(j.ticketId) ?? []), j]);

  for (const request of state.requests) {
    const label = `REQ-${request.number}`;
    if (created.get(request.id) !== 1) problem(`${label} has ${created.get(request.id) ?? 0} REQUEST_CREATED events`);
    if (request.idempotencyKeys.length !== 1)
      problem(`${label} has ${request.idempotencyKeys.length} idempotency keys`);
    const item = request.items[0];
    if (!item || request.items.length !== 1) {
      problem(`${label} has ${request.items.length} items`);
      continue;
    }
    const tickets = ticketsByItem.get(item.id) ?? [];
    const approvals = tickets.filter((t) => t.kind === "APPROVAL");
    const fulfillments = tickets.filter((t) => t.kind === "FULFILLMENT");
    const approval = approvals[0];
    const fulfillment = fulfillments[0];
    if (approvals.length > 1 || fulfillments.length > 1)
      problem(`${label} has ${approvals.length} approval and ${fulfillments.length} fulfillment tickets`);
    // The item's status follows from its tickets, the request's from its one item.
    const expected = fulfillment?.status === "FULFILLED" ? "FULFILLED" : fulfillment ? "APPROVED" : "PENDING_APPROVAL";
    if (item.status !== expected || request.status !== expected) {
      problem(
        `${label} is ${request.status} (item ${item.status}) with tickets ${JSON.stringify(tickets.map((t) => [t.kind, t.status]))}`,
      );
    }
    if (!approval && !fulfillment) problem(`${label} has no ticket at all`);
    // Auto-approval (no approval step) is recorded as a policy decision, once.
    if ((policies.get(request.id) ?? 0) !== (approval ? 0 : 1))
      problem(`${label} has ${policies.get(request.id) ?? 0} POLICY_APPLIED events`);
    if (approval && approval.status !== (fulfillment ? "APPROVED" : "OPEN"))
      problem(`${label}: approval ticket ${approval.status} with fulfillment ${fulfillment?.status ?? "none"}`);
    if (fulfillment && !["OPEN", "IN_PROGRESS", "FULFILLED"].includes(fulfillment.status))
      problem(`${label}: fulfillment ticket is ${fulfillment.status}`);
    if ((grantsByItem.get(item.id) ?? 0) !== (expected === "FULFILLED" ? 1 : 0))
      problem(`${label} (${expected}) has ${grantsByItem.get(item.id) ?? 0} active grants`);

    for (const ticket of tickets) {
      const at = `${label} TKT-${ticket.number}`;
      if (ticketCreated.get(ticket.id) !== 1)
        problem(`${at} has ${ticketCreated.get(ticket.id) ?? 0} TICKET_CREATED events`);
      if ((approvedEvents.get(ticket.id) ?? 0) !== (ticket.status === "APPROVED" ? 1 : 0))
        problem(`${at} is ${ticket.status} with ${approvedEvents.get(ticket.id) ?? 0} TICKET_APPROVED events`);
      if ((fulfilledEvents.get(ticket.id) ?? 0) !== (ticket.status === "FULFILLED" ? 1 : 0))
        problem(`${at} is ${ticket.status} with ${fulfilledEvents.get(ticket.id) ?? 0} TICKET_FULFILLED events`);
      if (ticket.kind !== "FULFILLMENT") continue;
      const jobs = jobsByTicket.get(ticket.id) ?? [];
      if (ticket.resource.system.connector === "MANUAL") {
        if (jobs.length > 0) problem(`${at} is manual but has ${jobs.length} jobs`);
        continue;
      }
      // A connector ticket and its one job move together: IN_PROGRESS with PENDING, FULFILLED with DONE.
      const job = jobs[0];
      const jobStatus = ticket.status === "FULFILLED" ? "DONE" : "PENDING";
      if (jobs.length !== 1 || job?.kind !== "PROVISION" || job.status !== jobStatus)
        problem(`${at} is ${ticket.status} with jobs ${JSON.stringify(jobs)}`);
      if (job && (jobSuccesses.get(job.id) ?? 0) !== (job.status === "DONE" ? 1 : 0))
        problem(
          `job ${job.id} (${job.status}) has ${jobSuccesses.get(job.id) ?? 0} successful CONNECTOR_CALLED events`,
        );
    }
  }
  return found;
}

/** What an unanswered mutation left: it committed completely or not at all (checked above). */
function judge(attempt: Lost, state: State, when: string): void {
  if (attempt.operation === "create") {
    const matching = state.requests.filter((r) => r.justification === attempt.flow.justification);
    if (matching.length > 1) problems.push(`${when}: ${attempt.flow.label} exists ${matching.length} times`);
    attempt.happened = matching.length > 0;
    attempt.requestId = matching[0]?.id ?? null;
    return;
  }
  const ticket = state.tickets.find((t) => t.id === rawId(attempt.ticketId ?? ""));
  attempt.happened = ticket?.status === (attempt.operation === "approve" ? "APPROVED" : "FULFILLED");
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      const clients = {
        problems: problems.slice(0, 5),
        parked,
        finished,
        dead,
        generation,
        acknowledged: acknowledged.length,
      };
      throw new Error(`timed out waiting for ${what}: ${JSON.stringify(clients)}\n${current.output().slice(-3_000)}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function verifyExport(instance: Instance): Promise<VerifyReport> {
  const res = await fetch(`${instance.url}/audit/export.jsonl`, {
    headers: { authorization: `Bearer ${org.tokens.admin}` },
  });
  expect(res.status).toBe(200);
  return verifyLines((await res.text()).split("\n"));
}

/** The webhook peer answers, then holds one call (the runner waits on it) so jobs pile up pending until the kill. */
function scriptPeerForCrash(): void {
  peer.script(...Array.from({ length: random.below(6) }, () => 200), "hang", 200);
}

interface KillReport {
  kill: number;
  afterMs: number;
  acknowledged: number;
  /** Unanswered mutations of the killed instance, and how many of them had committed. */
  lost: Record<Operation, number>;
  committed: number;
  pendingJobs: number;
  events: number;
}

const killReports: KillReport[] = [];
let replays = 0;
/** Jobs left PENDING by a kill, and how many peer calls there were when the next instance started. */
const pendingAtKill: { jobId: string; callsBefore: number }[] = [];

async function killAndRestart(kill: number, afterMs: number): Promise<void> {
  const when = `after kill ${kill}`;
  const victim = current;
  const instance = generation;
  resumed = new Promise((r) => (resume = r));
  dead = true;
  await victim.kill("SIGKILL");
  // Every client has its answer or has lost it: nothing is in flight any more.
  await until(`the clients to notice kill ${kill}`, () => parked + finished === WORKERS);

  const state = await readState();
  problems.push(...acknowledgedProblems(state, when), ...consistencyProblems(state, when));
  const lostHere = lost.filter((l) => l.instance === instance);
  for (const attempt of lostHere) judge(attempt, state, when);
  const pending = state.jobs.filter((j) => j.status === "PENDING");
  killReports.push({
    kill,
    afterMs,
    acknowledged: acknowledged.length,
    lost: {
      create: lostHere.filter((l) => l.operation === "create").length,
      approve: lostHere.filter((l) => l.operation === "approve").length,
      fulfill: lostHere.filter((l) => l.operation === "fulfill").length,
    },
    committed: lostHere.filter((l) => l.happened).length,
    pendingJobs: pending.length,
    events: state.events.length,
  });

  if (kill < KILLS) scriptPeerForCrash();
  else peer.script(200);
  const callsBefore = peer.calls.length;
  pendingAtKill.push(...pending.map((j) => ({ jobId: j.id, callsBefore })));
  current = await startInstance(env());
  instances.push(current);
  // The restarted instance exports a trail that verifies from the first event to the last.
  const report = await verifyExport(current);
  if (!report.ok || report.segments !== 1 || report.first !== 1 || (report.last ?? 0) < state.events.length) {
    problems.push(`${when}: the exported audit trail does not verify: ${JSON.stringify(report)}`);
  }
  // The last requests the killed instance answered, created again with their idempotency keys:
  // the same request comes back and nothing new is written.
  const replayed = createdFlows.filter((f) => f.createdOn === instance).slice(-REPLAYS);
  const answers = await Promise.all(
    replayed.map(async (flow) => ({
      flow,
      body: await graphqlAt(current.url)(flow.requester.token, CreateRequest, {
        input: { resourceIds: [flow.resourceId], justification: flow.justification, idempotencyKey: flow.key },
      }),
    })),
  );
  for (const { flow, body } of answers) {
    if (body.data?.createRequest.request?.id !== flow.requestId)
      problems.push(`${when}: replaying ${flow.label} answered ${JSON.stringify(body)}, not ${flow.requestId}`);
  }
  const requestsNow = await db.read.request.count();
  if (requestsNow !== state.requests.length)
    problems.push(`${when}: replays left ${requestsNow} requests, ${state.requests.length} before`);
  replays += replayed.length;
  generation += 1;
  dead = false;
  resume();
}

async function setUp(): Promise<{ requesters: Requester[]; resources: { id: string; kind: ResourceKind }[] }> {
  const gid = (id: string) => toGlobalId("Identity", id);
  const people: Requester[] = [
    { name: "alice", token: org.tokens.alice, approverToken: org.tokens.bob },
    // Carol has no manager: her approvals fall back to the admins.
    { name: "carol", token: org.tokens.carol, approverToken: org.tokens.admin },
  ];
  const testers = await Promise.all(
    [1, 2, 3, 4, 5, 6].map(async (i): Promise<Requester> => {
      const manager = i <= 4 ? "bob" : "carol";
      const { createIdentity } = await asAdmin(CreateIdentity, {
        input: { email: `crash${i}@example.com`, displayName: `Crash Tester ${i}`, managerId: gid(org.ids[manager]) },
      });
      const identity = present(accepted(createIdentity, "createIdentity").identity, "the identity");
      const { issueApiToken } = await asAdmin(IssueApiToken, {
        input: { identityId: identity.id, name: "crash test" },
      });
      const token = present(accepted(issueApiToken, "issueApiToken").token, "the token");
      return { name: `crash${i}`, token, approverToken: org.tokens[manager] };
    }),
  );
  const { createSystem } = await asAdmin(CreateSystem, {
    input: {
      name: "Crash Hooks",
      connector: "WEBHOOK",
      connectorConfig: { url: peer.url, secret: "env:ACCESS_SECRET_CRASH_WEBHOOK", timeoutMs: 60_000 },
      fulfillersGroupId: toGlobalId("Group", org.fulfillersGroupId),
    },
  });
  const hooks = present(accepted(createSystem, "createSystem").system, "the webhook system");
  const kinds = (Object.keys(RESOURCES) as ResourceKind[]).flatMap((kind) =>
    Array.from({ length: RESOURCES[kind] }, (_, i) => ({ kind, i })),
  );
  const resources = await Promise.all(
    kinds.map(async ({ kind, i }) => {
      const { createResource } = await asAdmin(CreateResource, {
        input: {
          systemId: kind === "manual" ? toGlobalId("System", org.githubSystemId) : hooks.id,
          name: `Crash ${kind} ${i}`,
          sensitivity: "STANDARD",
          // Manual and "hook" resources take the default manager approval; "auto" ones none.
          ...(kind === "auto" ? { approvalSteps: [] } : {}),
        },
      });
      return { id: present(accepted(createResource, "createResource").resource, "the resource").id, kind };
    }),
  );
  return { requesters: [...people, ...testers], resources };
}

describe("SIGKILL in the middle of a load of request flows", () => {
  it("keeps every acknowledged write, leaves nothing half-done or doubled, and resumes the pending connector jobs", async () => {
    current = await startInstance(env());
    instances.push(current);
    const { requesters, resources } = await setUp();
    const queue = random.shuffled(
      requesters.flatMap((requester) =>
        resources.map((resource, i): Flow => {
          const label = `${requester.name}/${resource.kind}-${i}`;
          return {
            label,
            requester,
            resourceId: resource.id,
            kind: resource.kind,
            key: randomUUID(),
            justification: `crash flow ${label}`,
            requestId: null,
            createdOn: null,
            done: false,
          };
        }),
      ),
    );
    const total = queue.length;

    scriptPeerForCrash();
    const clients = Array.from({ length: WORKERS }, () =>
      client(queue).catch((error: unknown) => void problems.push(`a client stopped: ${(error as Error).message}`)),
    );
    for (let kill = 1; kill <= KILLS; kill += 1) {
      // Kill at a random moment once this instance is under load (and has answered enough
      // createRequests to replay after the restart).
      const before = acknowledged.length;
      await until(
        `load on instance ${generation}`,
        () =>
          acknowledged.length >= before + WORKERS &&
          createdFlows.filter((f) => f.createdOn === generation).length >= REPLAYS,
      );
      const afterMs = 100 + random.below(1_200);
      await new Promise((r) => setTimeout(r, afterMs));
      expect(queue.length, "the load ran out before the kill").toBeGreaterThan(0);
      await killAndRestart(kill, afterMs);
    }
    const before = acknowledged.length;
    await until("load on the last instance", () => acknowledged.length >= before + WORKERS);
    await new Promise((r) => setTimeout(r, FINAL_LOAD_MS));
    stopping = true;
    await Promise.all(clients);

    // Every connector job runs to its end on the last instance (the one held by a killed instance
    // once its lease has run out).
    await until(
      "the connector jobs to finish",
      async () =>
        (await db.read.job.count({ where: { status: { not: "DONE" } } })) === 0 &&
        (await db.read.ticket.count({ where: { status: "IN_PROGRESS" } })) === 0,
      30_000,
    );
    const report = await verifyExport(current);
    const last = current;
    await last.kill("SIGTERM");
    const state = await readState();
    console.info(
      JSON.stringify({
        provider: db.provider,
        flows: startedFlows.length,
        of: total,
        kills: killReports,
        peerCalls: peer.calls.length,
        events: state.events.length,
      }),
    );

    expect(problems).toEqual([]);
    expect(acknowledgedProblems(state, "at the end")).toEqual([]);
    expect(consistencyProblems(state, "at the end")).toEqual([]);

    // The crashes hit work in flight: answers were lost, and connector jobs were pending.
    expect(lost.length).toBeGreaterThan(0);
    expect(pendingAtKill.length).toBeGreaterThan(0);
    expect(replays).toBe(KILLS * REPLAYS);

    // Every flow that started ended as exactly one FULFILLED request; nothing else was created.
    expect(startedFlows.filter((f) => !f.done).map((f) => f.label)).toEqual([]);
    const byJustification = countBy(state.requests, (r) => r.justification);
    expect(startedFlows.filter((f) => byJustification.get(f.justification) !== 1).map((f) => f.label)).toEqual([]);
    expect(state.requests).toHaveLength(startedFlows.length);
    expect(state.requests.filter((r) => r.status !== "FULFILLED")).toEqual([]);
    expect(state.grants.filter((g) => g.status === "ACTIVE")).toHaveLength(startedFlows.length);

    // Every job ran on the peer, signed; those left pending by a crash ran after the restart.
    expect(state.jobs.filter((j) => j.status !== "DONE")).toEqual([]);
    const provisions = peer.calls.filter((c) => c.event === "access.provision");
    expect(provisions.filter((c) => !c.signatureValid)).toEqual([]);
    const called = new Set(provisions.map((c) => c.idempotencyKey));
    expect(state.jobs.filter((j) => !called.has(j.id)).map((j) => j.id)).toEqual([]);
    const resumedLate = pendingAtKill.filter(
      ({ jobId, callsBefore }) => !peer.calls.slice(callsBefore).some((c) => c.idempotencyKey === jobId),
    );
    expect(resumedLate).toEqual([]);

    // The trail verifies end to end: one segment from sequence 1, as long as the table.
    expect(report).toMatchObject({ ok: true, segments: 1, first: 1 });
    expect(state.events.map((e) => e.sequence)).toEqual(state.events.map((_, i) => i + 1));
    expect(report.last).toBe(state.events.length);
  }, 120_000);
});
