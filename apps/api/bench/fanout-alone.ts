// Figure 3 (and 6) alone, without the rest of `npm run bench`: for measuring the live fan-out
// before and after a change in a minute instead of ten. Same servers, pinning and documents as
// run.ts (server on core 0, the subscribers' clients here on core 1).
//   BENCH_FANOUT (default 1000,5000) subscriber counts; FANOUT_REDIS=0 skips the two-instance
//   pair; FANOUT_CPU_PROF=dir runs the single instance under `node --cpu-prof` into dir.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import { CreateRequest } from "@access/contract";
import { print } from "graphql";
import { createResource } from "../src/domain/catalog/catalog.ts";
import { toGlobalId } from "../src/domain/global-id.ts";
import { loadDemoOrganisation } from "../src/demo/demo-organisation.ts";
import { openDatabase } from "../src/db/database.ts";
import { repoRoot } from "../src/paths.ts";
import { fanout } from "./fanout.ts";

const pinning = availableParallelism() >= 2 && spawnSync("taskset", ["-V"]).status === 0;
if (pinning && !process.env.FANOUT_PINNED) {
  const self = [process.execPath, ...process.execArgv, ...process.argv.slice(1)];
  const run = spawnSync("taskset", ["-c", "1", ...self], {
    stdio: "inherit",
    env: { ...process.env, FANOUT_PINNED: "1" },
  });
  process.exit(run.status ?? 1);
}

const sizes = (process.env.BENCH_FANOUT ?? "1000,5000").split(",").map(Number);
const CHANGES = 10;
const dir = mkdtempSync(path.join(tmpdir(), "access-fanout-"));
const dbUrl = `file:${path.join(dir, "fanout.db")}`;

/** An API instance on core 0 with the abuse limits lifted (as in run.ts). */
function apiInstance(port: number, extra: Record<string, string>, nodeArgs: string[] = []): ChildProcess {
  const argv = [...nodeArgs, "--import", "tsx", path.join(repoRoot, "apps/api/src/main.ts")];
  const env = {
    ...process.env,
    DATABASE_URL: dbUrl,
    PORT: String(port),
    LOG_LEVEL: "warn",
    RATE_LIMIT_PER_TOKEN: "0",
    RATE_LIMIT_PER_IP: "0",
    WS_MAX_CONNECTIONS_PER_TOKEN: "100000",
    MAX_SUBSCRIPTIONS_PER_TOKEN: "1000000",
    ...extra,
  };
  const [command, args] = pinning ? ["taskset", ["-c", "0", process.execPath, ...argv]] : [process.execPath, argv];
  return spawn(command as string, args as string[], { env, stdio: ["ignore", "inherit", "inherit"] });
}

async function ready(port: number): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt += 1) {
    const up = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`instance on port ${port} never became ready`);
}

async function stopped(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exit = new Promise((r) => child.once("exit", r));
  child.kill("SIGINT");
  await exit;
}

/** Whether a Redis answers PING at `url` (a bare RESP exchange: no client needed for one probe). */
function redisUp(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port || 6379), hostname, () => socket.write("PING\r\n"));
    const answer = (up: boolean) => {
      socket.destroy();
      resolve(up);
    };
    socket.setTimeout(1_000, () => answer(false));
    socket.once("data", (reply) => answer(String(reply).startsWith("+PONG")));
    socket.once("error", () => answer(false));
  });
}

async function main(): Promise<void> {
  const db = await openDatabase(dbUrl);
  const org = await loadDemoOrganisation(db);
  const resources: string[] = [];
  for (let i = 0; i < (CHANGES + 1) * sizes.length * 2; i += 1) {
    const id = await db.transact((work) =>
      createResource(work, null, { systemId: org.githubSystemId, name: `Fan-out ${i}`, sensitivity: "STANDARD" }),
    );
    resources.push(toGlobalId("Resource", id));
  }
  await db.close();
  /** One change (a new request, hence a new ticket) through the instance on `port`. */
  const change = (port: number) => async () => {
    const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${org.tokens.alice}` },
      body: JSON.stringify({
        query: print(CreateRequest),
        variables: { input: { resourceIds: [resources.pop() ?? ""], justification: "fan-out" } },
      }),
    });
    await response.arrayBuffer();
  };
  const port = 5400 + Math.floor(Math.random() * 300);
  const results: Record<string, unknown> = {};
  const profile = process.env.FANOUT_CPU_PROF;
  const single = apiInstance(port, {}, profile ? ["--cpu-prof", `--cpu-prof-dir=${profile}`] : []);
  try {
    await ready(port);
    for (const subscribers of sizes) {
      results[`inProcess${subscribers}`] = await fanout({
        subscribeUrls: [`ws://127.0.0.1:${port}/graphql`],
        serverPids: [single.pid ?? 0],
        token: org.tokens.admin,
        subscribers,
        changes: CHANGES,
        change: change(port),
      });
      console.log(`inProcess${subscribers}`, JSON.stringify(results[`inProcess${subscribers}`]));
    }
  } finally {
    await stopped(single);
  }
  const redisUrl = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
  if (process.env.FANOUT_REDIS !== "0" && (await redisUp(redisUrl))) {
    const ports = [port + 1, port + 2];
    const pair = ports.map((p) => apiInstance(p, { REDIS_URL: redisUrl }));
    try {
      await Promise.all(ports.map(ready));
      for (const subscribers of sizes) {
        const key = `redisTwoInstances${subscribers}`;
        results[key] = await fanout({
          subscribeUrls: ports.map((p) => `ws://127.0.0.1:${p}/graphql`),
          serverPids: pair.map((p) => p.pid ?? 0),
          token: org.tokens.admin,
          subscribers,
          changes: CHANGES,
          change: change(ports[0] ?? port),
        });
        console.log(key, JSON.stringify(results[key]));
      }
    } finally {
      await Promise.all(pair.map(stopped));
    }
  }
  rmSync(dir, { recursive: true, force: true });
}

await main();
