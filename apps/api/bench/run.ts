// `npm run bench`: figures as ratios against baselines measured in the same run on the same
// machine (absolute numbers on shared machines are noise). Prints a table, writes JSON under
// bench-results/ (git-ignored), never fails on a number. Servers run as child processes pinned to
// core 0, the load generator (this process) to core 1, when the machine has two cores.
//   BENCH_ROUNDS (default 5) rounds after a warm-up; BENCH_SECONDS (default 3) per round.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, tmpdir } from "node:os";
import path from "node:path";
import {
  ApproveTicket,
  CreateRequest,
  FulfillTicket,
  Requests,
  TicketPage,
  type TadaDocumentNode,
  Viewer,
} from "@access/contract";
import autocannon from "autocannon";
import { print } from "graphql";
import { isDeepStrictEqual } from "node:util";
import { loadDemoOrganisation, type DemoOrganisation } from "../src/demo/demo-organisation.ts";
import { loadConfig } from "../src/config.ts";
import { openDatabase } from "../src/db/database.ts";
import { createResource } from "../src/domain/catalog/catalog.ts";
import { createRequest } from "../src/domain/requests/request-actions.ts";
import { decideTicket } from "../src/domain/tickets/ticket-actions.ts";
import { toGlobalId } from "../src/domain/global-id.ts";
import { repoRoot } from "../src/paths.ts";
import { startServer } from "../src/server.ts";
import { freshDatabase } from "../test/databases.ts";
import { accepted, dataOf, graphqlAt, present } from "../test/harness.ts";
import { generate } from "./data.ts";
import { fanout } from "./fanout.ts";

const twoCores = availableParallelism() >= 2 && spawnSync("taskset", ["-V"]).status === 0;
if (twoCores && !process.env.BENCH_PINNED) {
  const child = spawnSync("taskset", ["-c", "1", process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: "inherit",
    env: { ...process.env, BENCH_PINNED: "1" },
  });
  process.exit(child.status ?? 1);
}

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

// ---------------------------------------------------------------- data

const dir = mkdtempSync(path.join(tmpdir(), "access-bench-"));
const dbFile = path.join(dir, "bench.db");
const FANOUT_SIZES = (process.env.BENCH_FANOUT ?? "1000,5000").split(",").map(Number);
const FANOUT_CHANGES = 10;

async function prepare(url: string, flowCount: number): Promise<{ org: DemoOrganisation; flowResources: string[] }> {
  const db = await openDatabase(url);
  const org = await loadDemoOrganisation(db);
  const make = (name: string) =>
    db.transact((work) => createResource(work, null, { systemId: org.githubSystemId, name, sensitivity: "STANDARD" }));
  // 120 requests: every page size up to 100 is full; half approved, so both ticket kinds show.
  for (let i = 0; i < 120; i += 1) {
    const resourceId = await make(`Listed ${i}`);
    const { requestId } = await db.transact((work) =>
      createRequest(
        work,
        { id: org.ids.alice, role: "END_USER" },
        { resourceIds: [resourceId], justification: "bench" },
      ),
    );
    if (i % 2 === 0) {
      const ticket = await db.read.ticket.findFirstOrThrow({ where: { requestId } });
      await db.transact((work) =>
        decideTicket(work, { id: org.ids.bob, role: "END_USER" }, { ticketId: ticket.id }, "APPROVED"),
      );
    }
  }
  const flowResources: string[] = [];
  for (let i = 0; i < flowCount; i += 1) flowResources.push(toGlobalId("Resource", await make(`Flow ${i}`)));
  await db.close();
  return { org, flowResources };
}

// ---------------------------------------------------------------- processes

/**
 * The API under load from one address and a few tokens: the abuse limits (rate, connections and
 * subscriptions per token) are lifted, or they would be what the figures measure.
 */
const UNLIMITED = {
  RATE_LIMIT_PER_TOKEN: "0",
  RATE_LIMIT_PER_IP: "0",
  WS_MAX_CONNECTIONS_PER_TOKEN: "100000",
  MAX_SUBSCRIPTIONS_PER_TOKEN: "1000000",
};

function pinned(args: string[], env: Record<string, string>): ChildProcess {
  const command = twoCores ? "taskset" : process.execPath;
  const argv = twoCores ? ["-c", "0", process.execPath, ...args] : args;
  return spawn(command, argv, { env: { ...process.env, ...UNLIMITED, ...env }, stdio: ["ignore", "pipe", "inherit"] });
}

async function waitReady(url: string): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    if (
      await fetch(url).then(
        (r) => r.status < 500,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`not ready: ${url}`);
}

// ---------------------------------------------------------------- load

interface Load {
  url: string;
  method?: "GET" | "POST";
  body?: string;
  token?: string;
  connections: number;
}

async function cannon(load: Load, seconds: number) {
  const result = await autocannon({
    url: load.url,
    method: load.method ?? "GET",
    body: load.body,
    headers: { "content-type": "application/json", ...(load.token ? { authorization: `Bearer ${load.token}` } : {}) },
    connections: load.connections,
    duration: seconds,
  });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${load.url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

/**
 * One connection, one request after another, each timed with performance.now(): latency to the
 * microsecond (autocannon's histogram has whole milliseconds, too coarse for a fast baseline).
 */
async function sequential(load: Load, seconds: number) {
  const init = {
    method: load.method ?? "GET",
    body: load.body,
    headers: { "content-type": "application/json", ...(load.token ? { authorization: `Bearer ${load.token}` } : {}) },
  };
  const times: number[] = [];
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const t0 = performance.now();
    const res = await fetch(load.url, init);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${load.url}: ${res.status}`);
    times.push(performance.now() - t0);
  }
  const sorted = times.sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { rps: times.length / seconds, p50: at(0.5), p99: at(0.99) };
}

/** Warm-up, then ROUNDS alternating rounds of the two loads; medians of each. */
async function compare(subject: Load, baseline: Load) {
  // Several connections: autocannon (throughput); one: timed requests in sequence (latency).
  const measure = subject.connections > 1 ? cannon : sequential;
  await measure(subject, 1);
  await measure(baseline, 1);
  const s: Awaited<ReturnType<typeof cannon>>[] = [];
  const b: Awaited<ReturnType<typeof cannon>>[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    s.push(await measure(subject, SECONDS));
    b.push(await measure(baseline, SECONDS));
  }
  const pick = (runs: typeof s, key: "rps" | "p50" | "p99") => median(runs.map((r) => r[key]));
  return {
    subject: { rps: pick(s, "rps"), p50: pick(s, "p50"), p99: pick(s, "p99") },
    baseline: { rps: pick(b, "rps"), p50: pick(b, "p50"), p99: pick(b, "p99") },
  };
}

/** A request body for autocannon and fetch: one of the contract's operations and its variables. */
const gqlBody = <Result, Variables>(document: TadaDocumentNode<Result, Variables>, variables?: Variables) =>
  JSON.stringify({ query: print(document), variables });

// ---------------------------------------------------------------- figures

async function main() {
  const started = Date.now();
  console.log(`preparing data in ${dir} …`);
  const { org, flowResources } = await prepare(`file:${dbFile}`, FANOUT_CHANGES * (FANOUT_SIZES.length * 2));
  const apiPort = 4700 + Math.floor(Math.random() * 200);
  const barePort = apiPort + 300;
  const api = pinned(["--import", "tsx", path.join(repoRoot, "apps/api/src/main.ts")], {
    DATABASE_URL: `file:${dbFile}`,
    PORT: String(apiPort),
    LOG_LEVEL: "warn",
  });
  const bare = pinned(["--import", "tsx", path.join(repoRoot, "apps/api/bench/bare-server.ts")], {
    BENCH_DB: dbFile,
    BENCH_VIEWER_ID: org.ids.alice,
    PORT: String(barePort),
  });
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const bareUrl = `http://127.0.0.1:${barePort}`;
  const figures: Record<string, unknown> = {};
  try {
    await Promise.all([waitReady(`${apiUrl}/readyz`), waitReady(`${bareUrl}/viewer`)]);

    // 1. Overhead of a small authenticated query.
    const viewer = await compare(
      {
        url: `${apiUrl}/graphql`,
        method: "POST",
        body: gqlBody(Viewer),
        token: org.tokens.alice,
        connections: 10,
      },
      { url: `${bareUrl}/viewer`, connections: 10 },
    );
    figures.overhead = {
      apiRps: viewer.subject.rps,
      bareRps: viewer.baseline.rps,
      ratio: viewer.subject.rps / viewer.baseline.rps,
      goal: ">= 0.5",
    };

    // 2. Nested list: same JSON as the raw prepared statements, p50 ratio, statements per page size.
    const graphqlPage = await fetch(`${apiUrl}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${org.tokens.admin}` },
      body: gqlBody(TicketPage, { first: 50 }),
    }).then((r) => r.json());
    const rawPage = await fetch(`${bareUrl}/tickets?first=50`).then((r) => r.json());
    const nested = await compare(
      {
        url: `${apiUrl}/graphql`,
        method: "POST",
        body: gqlBody(TicketPage, { first: 50 }),
        token: org.tokens.admin,
        connections: 1,
      },
      { url: `${bareUrl}/tickets?first=50`, connections: 1 },
    );
    figures.nestedList = {
      sameJson: isDeepStrictEqual(graphqlPage, rawPage),
      apiP50Ms: nested.subject.p50,
      rawP50Ms: nested.baseline.p50,
      ratio: nested.subject.p50 / Math.max(nested.baseline.p50, 0.001),
      statements: await statementCounts(org),
      goal: "<= 3x; statements constant",
    };

    // 3. Fan-out to N subscribers on one instance (commit → delivery to the last subscriber).
    let fanoutResource = 0;
    /** One change, made through the instance at `url`. */
    const oneChange = (url: string) => async () => {
      const resourceId = flowResources[flowResources.length - 1 - fanoutResource++];
      await fetch(`${url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${org.tokens.alice}` },
        body: gqlBody(CreateRequest, { input: { resourceIds: [resourceId ?? ""], justification: "fan-out" } }),
      });
    };
    const fanoutFigures: Record<string, unknown> = {};
    for (const subscribers of FANOUT_SIZES) {
      fanoutFigures[`inProcess${subscribers}`] = await fanout({
        subscribeUrls: [`${apiUrl.replace("http", "ws")}/graphql`],
        serverPids: [api.pid ?? 0],
        token: org.tokens.admin,
        subscribers,
        changes: FANOUT_CHANGES,
        change: oneChange(apiUrl),
      });
    }
    // The same across two instances through Redis (subscribers split, changes made on the first).
    const redisUrl = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
    if (await redisAnswers(redisUrl)) {
      const ports = [apiPort + 1, apiPort + 2];
      const pair = ports.map((port) =>
        pinned(["--import", "tsx", path.join(repoRoot, "apps/api/src/main.ts")], {
          DATABASE_URL: `file:${dbFile}`,
          PORT: String(port),
          LOG_LEVEL: "warn",
          REDIS_URL: redisUrl,
        }),
      );
      try {
        await Promise.all(ports.map((port) => waitReady(`http://127.0.0.1:${port}/readyz`)));
        for (const subscribers of FANOUT_SIZES) {
          fanoutFigures[`redisTwoInstances${subscribers}`] = await fanout({
            subscribeUrls: ports.map((port) => `ws://127.0.0.1:${port}/graphql`),
            serverPids: pair.map((p) => p.pid ?? 0),
            token: org.tokens.admin,
            subscribers,
            changes: FANOUT_CHANGES,
            // On the first of the pair: the figure-1 instance is not connected to Redis.
            change: oneChange(`http://127.0.0.1:${ports[0]}`),
          });
        }
      } finally {
        for (const p of pair) p.kill("SIGTERM");
      }
    } else {
      fanoutFigures.redisTwoInstances = `not measured: no Redis answers at ${redisUrl}`;
    }
    figures.fanout = { ...fanoutFigures, goal: "p99 <= 100 ms (<= 150 ms at 5k), 0 lost, <= 50 KB per subscriber" };
  } finally {
    api.kill("SIGTERM");
    bare.kill("SIGTERM");
  }

  // 4. Write path on a fresh database of each provider.
  figures.writePath = {
    statementsPerMutation: await writeStatementCounts(),
    sqlite: await writePath(`file:${path.join(dir, "write.db")}`),
    postgresql: await writePathOnPostgres(),
    goal: ">= 300 flows/s on SQLite",
  };

  // 5. Growth: the same first pages with 1k vs 100k requests (and 10k vs 1M audit events).
  if (process.env.BENCH_GROWTH !== "0") figures.growth = await growth();

  const report = {
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, pinned: twoCores },
    rounds: ROUNDS,
    secondsPerRound: SECONDS,
    figures,
    tookSeconds: Math.round((Date.now() - started) / 1000),
  };
  const out = path.join(repoRoot, "bench-results");
  mkdirSync(out, { recursive: true });
  const file = path.join(out, `bench-${report.at.replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(JSON.stringify(figures, null, 2));
  console.log(`written to ${path.relative(process.cwd(), file)}`);
  rmSync(dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------- write path

const FLOWS = { warmUp: 20, one: 150, many: 500 };

/** Wraps each mutation of a flow (to count its statements); by default just runs it. */
type Around = <T>(mutation: string, run: () => Promise<T>) => Promise<T>;

/** One request flow through the API at `url`: Alice requests, Bob approves, Dave fulfills. */
async function requestFlow(
  url: string,
  org: DemoOrganisation,
  resourceId: string,
  around: Around = (_m, run) => run(),
) {
  const api = graphqlAt(url);
  const { createRequest } = await around("createRequest", () =>
    dataOf(api(org.tokens.alice, CreateRequest, { input: { resourceIds: [resourceId], justification: "bench flow" } })),
  );
  const request = present(accepted(createRequest, "createRequest").request, "the request");
  const approvalId = present(request.tickets[0], "the approval ticket").id;
  const { approveTicket } = await around("approveTicket", () =>
    dataOf(api(org.tokens.bob, ApproveTicket, { input: { ticketId: approvalId } })),
  );
  const fulfillment = accepted(approveTicket, "approveTicket").ticket?.request.tickets.find(
    (t) => t.kind === "FULFILLMENT",
  );
  const fulfillmentId = present(fulfillment, "the fulfillment ticket").id;
  const { fulfillTicket } = await around("fulfillTicket", () =>
    dataOf(api(org.tokens.dave, FulfillTicket, { input: { ticketId: fulfillmentId } })),
  );
  accepted(fulfillTicket, "fulfillTicket");
}

/** Full flows per second through the API on `url`, at concurrency 1 and 32. */
async function writePath(url: string) {
  const { org, flowResources } = await prepare(url, FLOWS.warmUp + FLOWS.one + FLOWS.many);
  const apiPort = 5600 + Math.floor(Math.random() * 200);
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const api = pinned(["--import", "tsx", path.join(repoRoot, "apps/api/src/main.ts")], {
    DATABASE_URL: url,
    PORT: String(apiPort),
    LOG_LEVEL: "warn",
  });
  try {
    await waitReady(`${apiUrl}/readyz`);
    let next = 0;
    const flow = async () => {
      const resourceId = flowResources[next++];
      if (!resourceId) throw new Error("out of flow resources");
      await requestFlow(apiUrl, org, resourceId);
    };
    const flowsPerSecond = async (concurrency: number, total: number) => {
      const t0 = performance.now();
      let launched = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (launched < total) {
            launched += 1;
            await flow();
          }
        }),
      );
      return total / ((performance.now() - t0) / 1000);
    };
    await flowsPerSecond(4, FLOWS.warmUp);
    return { concurrency1: await flowsPerSecond(1, FLOWS.one), concurrency32: await flowsPerSecond(32, FLOWS.many) };
  } finally {
    api.kill("SIGTERM");
  }
}

/** The write path on a fresh database of BENCH_DATABASE_URL's server (default: the local one). */
async function writePathOnPostgres() {
  const base = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  try {
    database = await freshDatabase(base);
  } catch (error) {
    return `not measured: no PostgreSQL at ${base} (${(error as Error).message})`;
  }
  try {
    return await writePath(database.url);
  } finally {
    await database.drop();
  }
}

async function growth() {
  const sizes = [
    { name: "small", requests: 1_000, events: 10_000 },
    { name: "large", requests: 100_000, events: 1_000_000 },
  ];
  const results: Record<string, { nestedP50: number; requestsP50: number }> = {};
  for (const size of sizes) {
    const file = path.join(dir, `growth-${size.name}.db`);
    console.log(`generating ${size.requests} requests and ${size.events} audit events …`);
    const { adminToken } = await generate(file, size.requests, size.events);
    const port = 5200 + Math.floor(Math.random() * 300);
    const server = pinned(["--import", "tsx", path.join(repoRoot, "apps/api/src/main.ts")], {
      DATABASE_URL: `file:${file}`,
      PORT: String(port),
      LOG_LEVEL: "warn",
    });
    try {
      const url = `http://127.0.0.1:${port}`;
      await waitReady(`${url}/readyz`);
      const p50 = async (body: string) => {
        await sequential({ url: `${url}/graphql`, method: "POST", body, token: adminToken, connections: 1 }, 1);
        const runs: number[] = [];
        for (let round = 0; round < ROUNDS; round += 1) {
          runs.push(
            (
              await sequential(
                { url: `${url}/graphql`, method: "POST", body, token: adminToken, connections: 1 },
                SECONDS,
              )
            ).p50,
          );
        }
        return median(runs);
      };
      results[size.name] = {
        nestedP50: await p50(gqlBody(TicketPage, { first: 50 })),
        requestsP50: await p50(gqlBody(Requests, { first: 20 })),
      };
    } finally {
      server.kill("SIGTERM");
    }
  }
  const ratio = (key: "nestedP50" | "requestsP50") =>
    (results.large?.[key] ?? 0) / Math.max(results.small?.[key] ?? 0, 0.001);
  return { ...results, nestedRatio: ratio("nestedP50"), requestsRatio: ratio("requestsP50"), goal: "<= 1.3x" };
}

async function redisAnswers(url: string): Promise<boolean> {
  const { Redis } = await import("ioredis");
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 1_000,
    retryStrategy: () => null,
  });
  try {
    await redis.connect();
    return (await redis.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

/**
 * SQL statements each mutation of a flow runs through the API (authentication, the domain
 * transaction with its audit events, the payload), on a fresh database, in-process.
 */
async function writeStatementCounts(): Promise<Record<string, number>> {
  const file = path.join(dir, "statements.db");
  const server = await startServer(
    loadConfig({
      PORT: "0",
      DATABASE_URL: `file:${file}`,
      LOG_LEVEL: "silent",
      RATE_LIMIT_PER_TOKEN: "0",
      RATE_LIMIT_PER_IP: "0",
    }),
  );
  try {
    const org = await loadDemoOrganisation(server.db);
    const resourceId = await server.db.transact((work) =>
      createResource(work, null, { systemId: org.githubSystemId, name: "Counted", sensitivity: "STANDARD" }),
    );
    const counts: Record<string, number> = {};
    await requestFlow(server.url, org, toGlobalId("Resource", resourceId), async (mutation, run) => {
      await server.feed.settle();
      let count = 0;
      const stop = server.db.onQuery(() => {
        count += 1;
      });
      try {
        return await run();
      } finally {
        stop();
        counts[mutation] = count;
      }
    });
    return counts;
  } finally {
    await server.close();
  }
}

/** SQL statements one nested page runs, at page sizes 10, 50 and 100 (in-process server). */
async function statementCounts(org: DemoOrganisation): Promise<Record<string, number>> {
  const server = await startServer(loadConfig({ PORT: "0", DATABASE_URL: `file:${dbFile}`, LOG_LEVEL: "silent" }));
  try {
    const counts: Record<string, number> = {};
    for (const first of [10, 50, 100]) {
      let count = 0;
      const stop = server.db.onQuery((sql) => {
        if (!/"(AuditEvent|Job)"/.test(sql)) count += 1;
      });
      await fetch(`${server.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${org.tokens.admin}` },
        body: gqlBody(TicketPage, { first }),
      });
      stop();
      counts[`first${first}`] = count;
    }
    return counts;
  } finally {
    await server.close();
  }
}

await main();
