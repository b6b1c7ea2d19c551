// `npm run bench`: figures as ratios against baselines measured in the same run on the same
// machine (absolute numbers on shared machines are noise). Prints the figures as JSON and then
// every figure beside its goal (met / not met), writes the JSON under bench-results/ (git-ignored),
// never fails on a number. Servers run as child processes pinned to core 0, the load generator
// (this process) to core 1, when the machine has two cores.
//   BENCH_ROUNDS (default 5) rounds after a warm-up; BENCH_SECONDS (default 3) per round.
//   BENCH_QUICK=1: the same JSON in under two minutes (1 round of 1 s, fan-out 1,000 only,
//   fewer write-path flows, no growth); for a quick before/after, not for the record.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, tmpdir } from "node:os";
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

const QUICK = process.env.BENCH_QUICK === "1";
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 1 : 5));
const SECONDS = Number(process.env.BENCH_SECONDS ?? (QUICK ? 1 : 3));
const GROWTH = process.env.BENCH_GROWTH !== "0" && !QUICK;
const benchStart = Date.now();
/** Where the run is (stderr, so that stdout stays the figures): the quick mode's budget is time. */
const phase = (name: string) => console.error(`[${Math.round((Date.now() - benchStart) / 1000)} s] ${name}`);
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

// ---------------------------------------------------------------- data

const dir = mkdtempSync(path.join(tmpdir(), "access-bench-"));
const dbFile = path.join(dir, "bench.db");
const FANOUT_SIZES = (process.env.BENCH_FANOUT ?? (QUICK ? "1000" : "1000,5000")).split(",").map(Number);
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

// ---------------------------------------------------------------- goals

/** Issue 12's goals, one per figure (docs/performance.md). */
const GOALS = {
  /** 1b: product req/s ÷ bare yoga req/s, at least. */
  overheadYoga: 0.7,
  /** 2: product p50 ÷ raw better-sqlite3 p50, at most. */
  nestedList: 3,
  /** 3: commit → last subscriber, p99 at most, by subscriber count (both topologies). */
  fanoutP99Ms: { 1000: 50, 5000: 150 },
  /** 6: server RSS per idle subscriber, at most. */
  rssPerSubscriberKb: 30,
  /** 4: create → approve → fulfill flows/s at concurrency 32, at least. */
  flowsPerSecond: { sqlite: 300, postgresql: 150 },
  /** 5: p50 with 100k requests ÷ p50 with 1k, at most. */
  growth: 1.3,
} as const;

/** Figure 1b's document: the smallest authenticated query (raw text: it is no contract operation). */
const SMALL_VIEWER = "{ viewer { id displayName } }";

interface GoalRow {
  figure: string;
  measured: string;
  goal: string;
  status: "met" | "NOT MET" | "not measured" | "reference";
}

/** A value inside the figures' JSON, or undefined (figures are plain JSON, read back by path). */
function at(value: unknown, ...keys: string[]): unknown {
  let current = value;
  for (const key of keys) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

const numberAt = (value: unknown, ...keys: string[]): number | undefined => {
  const found = at(value, ...keys);
  return typeof found === "number" && Number.isFinite(found) ? found : undefined;
};

const round = (value: number, digits = 2) => String(Math.round(value * 10 ** digits) / 10 ** digits);

/** Every figure beside its goal (the table printed last, and `goals` in the JSON). */
function goalRows(figures: Record<string, unknown>): GoalRow[] {
  const rows: GoalRow[] = [];
  const row = (figure: string, value: number | undefined, goal: string, met: (v: number) => boolean, show = round) =>
    rows.push({
      figure,
      measured: value === undefined ? "—" : show(value),
      goal,
      status: value === undefined ? "not measured" : met(value) ? "met" : "NOT MET",
    });

  const overhead = numberAt(figures, "overhead", "ratio");
  rows.push({
    figure: "1. Viewer req/s ÷ bare node:http",
    measured: overhead === undefined ? "—" : round(overhead, 3),
    goal: "— (physical floor)",
    status: "reference",
  });
  const sameYogaJson = at(figures, "overheadYoga", "sameJson") === true;
  row(
    `1b. ${SMALL_VIEWER} req/s ÷ bare yoga${sameYogaJson ? "" : " (JSON differs!)"}`,
    numberAt(figures, "overheadYoga", "ratio"),
    `>= ${GOALS.overheadYoga}`,
    (v) => sameYogaJson && v >= GOALS.overheadYoga,
    (v) => round(v, 3),
  );
  const sameNestedJson = at(figures, "nestedList", "sameJson") === true;
  row(
    `2. tickets(first: 50) p50 ÷ raw SQLite${sameNestedJson ? "" : " (JSON differs!)"}`,
    numberAt(figures, "nestedList", "ratio"),
    `<= ${GOALS.nestedList}x`,
    (v) => sameNestedJson && v <= GOALS.nestedList,
    (v) => `${round(v, 1)}x`,
  );
  const statements = at(figures, "nestedList", "statements");
  const counts = typeof statements === "object" && statements !== null ? Object.values(statements) : [];
  rows.push({
    figure: "2. SQL statements at 10 / 50 / 100",
    measured: counts.length ? counts.join(" / ") : "—",
    goal: "constant",
    status: counts.length === 0 ? "not measured" : new Set(counts).size === 1 ? "met" : "NOT MET",
  });

  const fanout = at(figures, "fanout");
  const measuredRuns = typeof fanout === "object" && fanout !== null ? Object.keys(fanout) : [];
  // Every run the goals name, measured or not, then any other size BENCH_FANOUT asked for.
  const runKeys = [
    ...new Set([
      ...["inProcess", "redisTwoInstances"].flatMap((where) => [`${where}1000`, `${where}5000`]),
      ...measuredRuns,
    ]),
  ];
  let lost = 0;
  let rssMax: number | undefined;
  let liveMax: number | undefined;
  let anyRun = false;
  for (const key of runKeys) {
    const match = /^(inProcess|redisTwoInstances)(\d+)$/.exec(key);
    if (!match) continue;
    const result = at(fanout, key);
    const subscribers = Number(match[2]);
    const limit = subscribers <= 1000 ? GOALS.fanoutP99Ms[1000] : GOALS.fanoutP99Ms[5000];
    const where = match[1] === "inProcess" ? "one instance" : "two instances via Redis";
    row(
      `3. commit → last of ${subscribers.toLocaleString("en")}, ${where}, p99`,
      numberAt(result, "p99Ms"),
      `<= ${limit} ms`,
      (v) => v <= limit,
      (v) => `${v} ms`,
    );
    if (numberAt(result, "p99Ms") === undefined) continue;
    anyRun = true;
    lost += (numberAt(result, "lost") ?? 0) + (numberAt(result, "duplicated") ?? 0);
    const rss = numberAt(result, "rssPerSubscriberKb");
    if (rss !== undefined) rssMax = Math.max(rssMax ?? rss, rss);
    const live = numberAt(result, "livePerSubscriberKb");
    if (live !== undefined) liveMax = Math.max(liveMax ?? live, live);
  }
  row("3. lost + duplicated deliveries, all fan-out runs", anyRun ? lost : undefined, "0", (v) => v === 0, String);
  row(
    "6. RSS per idle subscriber (largest of the runs)",
    rssMax,
    `<= ${GOALS.rssPerSubscriberKb} KB`,
    (v) => v <= GOALS.rssPerSubscriberKb,
    (v) => `${v} KB`,
  );
  // The steadier reading: live JS memory after forced full GCs (RSS keeps pages earlier phases used).
  row(
    "6. live heap per idle subscriber (largest of the runs)",
    liveMax,
    `<= ${GOALS.rssPerSubscriberKb} KB`,
    (v) => v <= GOALS.rssPerSubscriberKb,
    (v) => `${v} KB`,
  );

  for (const provider of ["sqlite", "postgresql"] as const) {
    row(
      `4. flows/s at concurrency 32, ${provider === "sqlite" ? "SQLite" : "PostgreSQL"}`,
      numberAt(figures, "writePath", provider, "concurrency32"),
      `>= ${GOALS.flowsPerSecond[provider]}`,
      (v) => v >= GOALS.flowsPerSecond[provider],
      (v) => round(v, 1),
    );
  }
  const perMutation = at(figures, "writePath", "statementsPerMutation");
  rows.push({
    figure: "4. SQL statements: create / approve / fulfill",
    measured: typeof perMutation === "object" && perMutation !== null ? Object.values(perMutation).join(" / ") : "—",
    goal: "— (pinned by write-path.test.ts)",
    status: "reference",
  });

  for (const [key, name] of [
    ["nestedRatio", "tickets(first: 50)"],
    ["requestsRatio", "requests(first: 20)"],
  ] as const) {
    row(
      `5. ${name} p50, 100k ÷ 1k requests`,
      numberAt(figures, "growth", key),
      `<= ${GOALS.growth}x`,
      (v) => v <= GOALS.growth,
      (v) => `${round(v)}x`,
    );
  }
  return rows;
}

/** The goal rows as one fixed-width table. */
function formatGoals(rows: GoalRow[]): string {
  const header: GoalRow = { figure: "figure", measured: "measured", goal: "goal", status: "reference" };
  const columns = ["figure", "measured", "goal", "status"] as const;
  const width = (column: (typeof columns)[number]) =>
    Math.max(column.length, ...rows.map((r) => [...r[column]].length));
  const line = (r: Record<(typeof columns)[number], string>) =>
    columns.map((c) => r[c] + " ".repeat(width(c) - [...r[c]].length)).join(" | ");
  return [
    line({ ...header, status: "status" }),
    columns.map((c) => "-".repeat(width(c))).join("-|-"),
    ...rows.map(line),
  ].join("\n");
}

// ---------------------------------------------------------------- figures

async function main() {
  const started = Date.now();
  const loadAtStart = loadavg().map((l) => Math.round(l * 100) / 100);
  console.log(`preparing data in ${dir} …`);
  const { org, flowResources } = await prepare(`file:${dbFile}`, (FANOUT_CHANGES + 1) * (FANOUT_SIZES.length * 2));
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
  const bareYogaPort = barePort + 1;
  const bareYoga = pinned(["--import", "tsx", path.join(repoRoot, "apps/api/bench/bare-yoga.ts")], {
    BENCH_DB: dbFile,
    BENCH_VIEWER_ID: org.ids.alice,
    PORT: String(bareYogaPort),
  });
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const bareUrl = `http://127.0.0.1:${barePort}`;
  const bareYogaUrl = `http://127.0.0.1:${bareYogaPort}`;
  const figures: Record<string, unknown> = {};
  try {
    await Promise.all([
      waitReady(`${apiUrl}/readyz`),
      waitReady(`${bareUrl}/viewer`),
      waitReady(`${bareYogaUrl}/graphql`),
    ]);

    phase("figure 1 and 1b: small query against bare node:http and bare yoga");
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
      goal: "reference (the physical floor; see 1b)",
    };

    // 1b. The same kind of query against its framework floor: a bare yoga answering the same JSON.
    const smallViewer = JSON.stringify({ query: SMALL_VIEWER });
    const [apiSmall, bareSmall] = await Promise.all(
      [apiUrl, bareYogaUrl].map((url) =>
        fetch(`${url}/graphql`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${org.tokens.alice}` },
          body: smallViewer,
        }).then((r) => r.json()),
      ),
    );
    const overYoga = await compare(
      { url: `${apiUrl}/graphql`, method: "POST", body: smallViewer, token: org.tokens.alice, connections: 10 },
      { url: `${bareYogaUrl}/graphql`, method: "POST", body: smallViewer, connections: 10 },
    );
    figures.overheadYoga = {
      sameJson: isDeepStrictEqual(apiSmall, bareSmall),
      apiRps: overYoga.subject.rps,
      bareYogaRps: overYoga.baseline.rps,
      ratio: overYoga.subject.rps / overYoga.baseline.rps,
      goal: `>= ${GOALS.overheadYoga}`,
    };

    phase("figure 2: nested list against raw SQLite");
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
      goal: `<= ${GOALS.nestedList}x; statements constant`,
    };

    phase(`figure 3: fan-out to ${FANOUT_SIZES.join(", ")} subscribers`);
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
    figures.fanout = {
      ...fanoutFigures,
      goal: `p99 <= ${GOALS.fanoutP99Ms[1000]} ms at 1k, <= ${GOALS.fanoutP99Ms[5000]} ms at 5k, both topologies; 0 lost; <= ${GOALS.rssPerSubscriberKb} KB per idle subscriber`,
    };
  } finally {
    api.kill("SIGTERM");
    bare.kill("SIGTERM");
    bareYoga.kill("SIGTERM");
  }

  phase("figure 4: write path on SQLite and PostgreSQL");
  // 4. Write path on a fresh database of each provider.
  figures.writePath = {
    statementsPerMutation: await writeStatementCounts(),
    sqlite: await writePath(`file:${path.join(dir, "write.db")}`),
    postgresql: await writePathOnPostgres(),
    goal: `>= ${GOALS.flowsPerSecond.sqlite} flows/s on SQLite, >= ${GOALS.flowsPerSecond.postgresql} on PostgreSQL (concurrency 32)`,
  };

  // 5. Growth: the same first pages with 1k vs 100k requests (and 10k vs 1M audit events).
  figures.growth = GROWTH ? await growth() : "not measured (BENCH_GROWTH=0 or BENCH_QUICK=1)";

  const report = {
    at: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model,
      node: process.version,
      pinned: twoCores,
      loadAverageAtStart: loadAtStart,
      loadAverageAtEnd: loadavg().map((l) => Math.round(l * 100) / 100),
    },
    quick: QUICK,
    rounds: ROUNDS,
    secondsPerRound: SECONDS,
    figures,
    goals: goalRows(figures),
    tookSeconds: Math.round((Date.now() - started) / 1000),
  };
  const out = path.join(repoRoot, "bench-results");
  mkdirSync(out, { recursive: true });
  const file = path.join(out, `bench-${report.at.replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(JSON.stringify(figures, null, 2));
  console.log(`\n${formatGoals(report.goals)}`);
  console.log(
    `load average (1/5/15 min) at start ${report.machine.loadAverageAtStart.join(" / ")}, at end ${report.machine.loadAverageAtEnd.join(" / ")}; ${report.tookSeconds} s`,
  );
  console.log(`written to ${path.relative(process.cwd(), file)}`);
  rmSync(dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------- write path

const FLOWS = QUICK ? { warmUp: 5, one: 20, many: 64 } : { warmUp: 20, one: 150, many: 500 };

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
 * transaction with its audit events, the payload), on a fresh database, in-process: counted as
 * write-path.test.ts pins them — tokens in use (a first flow records their lastUsedAt), from a
 * settled server to a settled server, without the live feed's and job runner's own reads.
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
    const resource = (name: string) =>
      server.db.transact((work) =>
        createResource(work, null, { systemId: org.githubSystemId, name, sensitivity: "STANDARD" }),
      );
    await requestFlow(server.url, org, toGlobalId("Resource", await resource("Warm-up")));
    const counts: Record<string, number> = {};
    const counted = toGlobalId("Resource", await resource("Counted"));
    await requestFlow(server.url, org, counted, async (mutation, run) => {
      await server.feed.settle();
      let count = 0;
      const stop = server.db.onQuery((sql) => {
        if (/^\s*SELECT\b[\s\S]*\bFROM\s+([`"]\w+[`"]\.)?[`"]AuditEvent[`"]/i.test(sql)) return;
        if (/[`"]Job[`"]/.test(sql)) return;
        count += 1;
      });
      try {
        const result = await run();
        await server.feed.settle();
        return result;
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
    const page = (first: number) =>
      fetch(`${server.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${org.tokens.admin}` },
        body: gqlBody(TicketPage, { first }),
      });
    // The token's first use reads it (then the instance keeps it verified): not the page's cost.
    await page(1);
    for (const first of [10, 50, 100]) {
      let count = 0;
      const stop = server.db.onQuery((sql) => {
        // The live feed's and the job runner's background reads, quoted either way (SQLite: backticks).
        if (!/[`"](AuditEvent|Job)[`"]/.test(sql)) count += 1;
      });
      await page(first);
      stop();
      counts[`first${first}`] = count;
    }
    return counts;
  } finally {
    await server.close();
  }
}

await main();
