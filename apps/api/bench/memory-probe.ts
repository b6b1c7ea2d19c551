// Figure 6's reading of a server's memory, made to mean something: a process's RSS between two
// moments moves with garbage not yet collected and heap the process keeps after a collection, by
// more than 1,000 idle subscribers take (the old method read −KB per subscriber at 5k). So the
// bench asks the server itself, through the DevTools protocol (the inspector, opened with
// SIGUSR1 as `node inspect -p` does, and closed again), for a full garbage collection and then
// for process.memoryUsage(): live heap + external memory is what the subscribers hold, RSS what
// the process holds, both after the same collection. No code in the product serves this.
import WebSocket from "ws";

export interface MemoryReading {
  /** V8 heap in use + memory outside it held by JS objects (buffers), after a full GC. */
  liveKb: number;
  rssKb: number;
}

const INSPECTOR = "http://127.0.0.1:9229";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The inspector's WebSocket address, once it answers (null if it never does). */
async function debuggerUrl(): Promise<string | null> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const targets = await fetch(`${INSPECTOR}/json/list`).then(
      (r) => r.json() as Promise<{ webSocketDebuggerUrl?: string }[]>,
      () => null,
    );
    const url = targets?.[0]?.webSocketDebuggerUrl;
    if (url) return url;
    await sleep(100);
  }
  return null;
}

/** Waits until no inspector answers on the port (the previous server's was closed). */
async function inspectorClosed(): Promise<boolean> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const open = await fetch(`${INSPECTOR}/json/list`).then(
      () => true,
      () => false,
    );
    if (!open) return true;
    await sleep(100);
  }
  return false;
}

/** A DevTools protocol session: one call at a time, answered by id. */
function session(url: string): Promise<{ call(method: string, params?: object): Promise<unknown>; close(): void }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    const waiting = new Map<number, (result: unknown) => void>();
    let next = 1;
    socket.on("message", (data) => {
      const message = JSON.parse(String(data)) as { id?: number; result?: unknown };
      if (message.id !== undefined) waiting.get(message.id)?.(message.result);
    });
    socket.once("error", reject);
    socket.once("open", () =>
      resolve({
        call: (method, params = {}) =>
          new Promise((answered) => {
            const id = next++;
            waiting.set(id, answered);
            socket.send(JSON.stringify({ id, method, params }));
          }),
        close: () => socket.close(),
      }),
    );
  });
}

/**
 * The server's memory after forced full collections, read `readings` times (median), or null
 * when its inspector cannot be reached (another process holds the port, or it is not a Node
 * process of this user): the caller then says the figure was not measured.
 */
export async function memoryAfterGc(pid: number, readings = 3): Promise<MemoryReading | null> {
  if (!(await inspectorClosed())) return null;
  process.kill(pid, "SIGUSR1");
  const url = await debuggerUrl();
  if (!url) return null;
  const devtools = await session(url);
  const evaluate = async (expression: string) =>
    ((await devtools.call("Runtime.evaluate", { expression, returnByValue: true })) as { result: { value: unknown } })
      .result.value;
  try {
    // The port is the first inspector that answered: make sure it is this server's.
    if ((await evaluate("process.pid")) !== pid) return null;
    const samples: MemoryReading[] = [];
    for (let i = 0; i < readings; i += 1) {
      // Twice: objects with finalizers or weak references are freed by the second collection.
      await devtools.call("HeapProfiler.collectGarbage");
      await devtools.call("HeapProfiler.collectGarbage");
      await sleep(200);
      const usage = JSON.parse(String(await evaluate("JSON.stringify(process.memoryUsage())"))) as NodeJS.MemoryUsage;
      samples.push({ liveKb: (usage.heapUsed + usage.external) / 1024, rssKb: usage.rss / 1024 });
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
    return { liveKb: median(samples.map((s) => s.liveKb)), rssKb: median(samples.map((s) => s.rssKb)) };
  } finally {
    // close() waits for the sessions to end: it runs once this one has hung up.
    await evaluate(`setTimeout(() => process.getBuiltinModule("node:inspector").close(), 50), 0`);
    devtools.close();
    await inspectorClosed();
  }
}

/** The sum over several servers' readings (null if any is missing). */
export async function memoryOfAll(pids: number[]): Promise<MemoryReading | null> {
  let sum: MemoryReading = { liveKb: 0, rssKb: 0 };
  for (const pid of pids) {
    const reading = await memoryAfterGc(pid);
    if (!reading) return null;
    sum = { liveKb: sum.liveKb + reading.liveKb, rssKb: sum.rssKb + reading.rssKb };
  }
  return sum;
}
