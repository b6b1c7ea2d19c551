// A real HTTP receiver of outbound events, as an integrator would write one: it verifies each
// call's signature itself (HMAC-SHA256 of "<timestamp>.<body>" with the shared secret, recomputed
// here with node:crypto, compared in constant time) and rejects bad or old timestamps, parses the
// CloudEvent (or chat message), and records what it accepted. It can be told to be down (answer
// 500, or hang) until told otherwise: an outage.
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { jsonObject } from "./harness.ts";

/** How far a timestamp may be from now, in seconds (what the README's receiver accepts). */
const MAX_SKEW_SECONDS = 300;

export interface ReceivedCall {
  headers: IncomingMessage["headers"];
  body: Record<string, unknown>;
}

export interface EventReceiver {
  url: string;
  /** Calls accepted (signature valid, answered 200), in arrival order. */
  accepted: ReceivedCall[];
  /** Calls refused for their signature or timestamp, with why. */
  rejected: string[];
  /** Every call that arrived, whatever was answered (outage attempts too). */
  attempts: number;
  /** The accepted CloudEvents' sequences, de-duplicated (first arrival kept), in arrival order. */
  sequences(): number[];
  /** Answer every call with `status`, or never answer ("hang"), until `recover()`. */
  outage(mode: number | "hang"): void;
  recover(): void;
  close(): Promise<void>;
}

function signatureProblem(secret: string, req: IncomingMessage, raw: string): string | null {
  const timestamp = String(req.headers["x-access-timestamp"] ?? "");
  const signature = String(req.headers["x-access-signature"] ?? "");
  if (!/^\d+$/.test(timestamp)) return "no timestamp";
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > MAX_SKEW_SECONDS) return "old timestamp";
  const expected = Buffer.from(`v1=${createHmac("sha256", secret).update(`${timestamp}.${raw}`).digest("hex")}`);
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return "bad signature";
  return null;
}

/** `secret`: the shared signing secret (null: an unsigned chat channel, nothing verified). */
export async function startEventReceiver(secret: string | null): Promise<EventReceiver> {
  let mode: number | "hang" | null = null;
  const hanging = new Set<ServerResponse>();
  const receiver: EventReceiver = {
    url: "",
    accepted: [],
    rejected: [],
    attempts: 0,
    sequences() {
      const seen = new Set<number>();
      for (const call of receiver.accepted) {
        const sequence = Number(call.body.sequence);
        if (Number.isInteger(sequence)) seen.add(sequence);
      }
      return [...seen];
    },
    outage: (next) => {
      mode = next;
    },
    recover: () => {
      mode = null;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk: Buffer) => (raw += chunk.toString()));
    req.on("end", () => {
      receiver.attempts += 1;
      if (mode === "hang") {
        hanging.add(res);
        res.on("close", () => hanging.delete(res));
        return;
      }
      if (mode !== null) return void res.writeHead(mode).end();
      const problem = secret ? signatureProblem(secret, req, raw) : null;
      if (problem) {
        receiver.rejected.push(problem);
        return void res.writeHead(401).end();
      }
      receiver.accepted.push({ headers: req.headers, body: jsonObject(JSON.parse(raw), "an event's body") });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
  return receiver;
}
