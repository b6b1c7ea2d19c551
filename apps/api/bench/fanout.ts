// Figure 3 of `npm run bench`: commit → delivery latency to the last of N graphql-ws subscribers
// (p50/p99 over the changes), lost and duplicated deliveries, the server's and the clients' CPU
// time per change, and (figure 6) server memory per idle subscriber, read after forced full
// collections (memory-probe.ts). Subscribers select only `sequence status`, so the figure
// measures fan-out, not per-subscriber field resolution (the contract's TicketStatusSignal,
// which the dashboard follows).
import { readFileSync } from "node:fs";
import { type ResultOf, TicketStatusSignal } from "@access/contract";
import { print } from "graphql";
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { type MemoryReading, memoryOfAll } from "./memory-probe.ts";

export interface FanoutResult {
  subscribers: number;
  changes: number;
  p50Ms: number;
  p99Ms: number;
  lost: number;
  duplicated: number;
  /** Server RSS at N idle subscribers minus at none, per subscriber (see memoryMethod). */
  rssPerSubscriberKb: number;
  /** The same for the servers' live JS memory (heap in use + external), when measured. */
  livePerSubscriberKb: number | null;
  /** How the memory figures were read: after forced full collections, or raw RSS (noise). */
  memoryMethod: string;
  /**
   * CPU time per change during the changes (server processes: user + system from /proc; this
   * process: the subscribers' clients). Unlike the latencies, it hardly moves when other work
   * shares the machine: the figure to compare before and after a change to the fan-out.
   */
  serverCpuMsPerChange: number;
  clientCpuMsPerChange: number;
  /**
   * p50 of the mutation that makes each change (request to response): the latencies are timed
   * from the mutation's start, as the commit's moment is not visible from outside, so they
   * include this.
   */
  mutationP50Ms: number;
  /**
   * First → last subscriber's arrival of each change, p50/p99: the fan-out alone, without the
   * mutation's time (which dominates the latencies when the machine is busy).
   */
  spreadP50Ms: number;
  spreadP99Ms: number;
}

const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);

/** User + system CPU time of a process, in ms (clock ticks of 10 ms). */
const cpuMs = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) * 10;
};

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

export async function fanout(options: {
  subscribeUrls: string[];
  serverPids: number[];
  token: string;
  subscribers: number;
  changes: number;
  /** Makes one change and resolves when its mutation answered (i.e. after commit). */
  change: () => Promise<void>;
}): Promise<FanoutResult> {
  const rawBefore = options.serverPids.reduce((sum, pid) => sum + rssKb(pid), 0);
  const gcBefore = await memoryOfAll(options.serverPids);
  const received: Map<number, number>[] = [];
  const clients: Client[] = [];
  const lastArrival = new Map<number, number>();
  const firstArrival = new Map<number, number>();
  let duplicated = 0;
  let delivered = 0;
  let ready = 0;
  for (let i = 0; i < options.subscribers; i += 1) {
    const url = options.subscribeUrls[i % options.subscribeUrls.length] ?? "";
    const seen = new Map<number, number>();
    received.push(seen);
    const client = createClient({
      url,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${options.token}` },
      retryAttempts: 0,
      lazy: false,
    });
    clients.push(client);
    await new Promise<void>((resolve) => {
      const off = client.on("connected", () => {
        off();
        resolve();
      });
    });
    client.subscribe<ResultOf<typeof TicketStatusSignal>>(
      { query: print(TicketStatusSignal) },
      {
        next: ({ data }) => {
          const sequence = data?.ticketStatusChanged.sequence;
          if (sequence === undefined) return;
          if (seen.has(sequence)) duplicated += 1;
          else delivered += 1;
          const now = performance.now();
          seen.set(sequence, now);
          lastArrival.set(sequence, Math.max(lastArrival.get(sequence) ?? 0, now));
          if (!firstArrival.has(sequence)) firstArrival.set(sequence, now);
        },
        error: () => undefined,
        complete: () => undefined,
      },
    );
    ready += 1;
  }
  await new Promise((r) => setTimeout(r, 1000));
  const rawIdle = options.serverPids.reduce((sum, pid) => sum + rssKb(pid), 0);
  const gcIdle = gcBefore ? await memoryOfAll(options.serverPids) : null;
  const perSubscriber = (key: keyof MemoryReading) =>
    gcBefore && gcIdle ? Math.round((gcIdle[key] - gcBefore[key]) / Math.max(ready, 1)) : null;

  /**
   * One change measured alone: the next starts once every subscriber has this one (or after
   * 5 s), so the figure is a change's latency, not a queue of overlapping fan-outs.
   */
  const changeAlone = async (): Promise<{ started: number; mutationMs: number }> => {
    const target = delivered + ready;
    const started = performance.now();
    await options.change();
    const mutationMs = performance.now() - started;
    for (let waited = 0; delivered < target && waited < 5000; waited += 5) {
      await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, 50));
    return { started, mutationMs };
  };
  // A first, unmeasured change warms the servers (query plans, JIT), as in steady operation.
  await changeAlone();

  const commits: number[] = [];
  const mutations: number[] = [];
  const sequencesBefore = new Set(lastArrival.keys());
  const serverCpuBefore = options.serverPids.reduce((sum, pid) => sum + cpuMs(pid), 0);
  const clientCpuBefore = process.cpuUsage();
  for (let i = 0; i < options.changes; i += 1) {
    const { started, mutationMs } = await changeAlone();
    commits.push(started);
    mutations.push(mutationMs);
  }
  await new Promise((r) => setTimeout(r, 3000));
  const serverCpu = options.serverPids.reduce((sum, pid) => sum + cpuMs(pid), 0) - serverCpuBefore;
  const clientCpu = process.cpuUsage(clientCpuBefore);
  const sequences = [...lastArrival.keys()].filter((s) => !sequencesBefore.has(s)).sort((a, b) => a - b);
  // Each change is one ticket event here (a new approval ticket), in order.
  const latencies = sequences.map((s, i) => (lastArrival.get(s) ?? 0) - (commits[i] ?? 0));
  const spreads = sequences.map((s) => (lastArrival.get(s) ?? 0) - (firstArrival.get(s) ?? 0));
  const expected = sequences.length * ready;
  const got = received.reduce((sum, seen) => sum + sequences.filter((s) => seen.has(s)).length, 0);
  await Promise.all(clients.map((c) => c.dispose()));
  return {
    subscribers: ready,
    changes: sequences.length,
    p50Ms: Math.round(percentile(latencies, 50)),
    p99Ms: Math.round(percentile(latencies, 99)),
    lost: expected - got + Math.max(0, options.changes - sequences.length) * ready,
    duplicated,
    rssPerSubscriberKb: perSubscriber("rssKb") ?? Math.round((rawIdle - rawBefore) / Math.max(ready, 1)),
    livePerSubscriberKb: perSubscriber("liveKb"),
    memoryMethod:
      gcBefore && gcIdle
        ? "after forced full GCs in each server (inspector), median of 3 readings, 0 vs N subscribers"
        : "raw RSS difference (the servers' inspector was not reachable): noise",
    serverCpuMsPerChange: Math.round(serverCpu / Math.max(options.changes, 1)),
    mutationP50Ms: Math.round(percentile(mutations, 50)),
    spreadP50Ms: Math.round(percentile(spreads, 50)),
    spreadP99Ms: Math.round(percentile(spreads, 99)),
    clientCpuMsPerChange: Math.round((clientCpu.user + clientCpu.system) / 1000 / Math.max(options.changes, 1)),
  };
}
