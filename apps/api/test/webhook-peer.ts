// A real HTTP peer for the webhook connector: answers each call with the next scripted status
// (then the last one), can hang, and records what it received with the signature checked.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { signWebhook } from "../src/connectors/webhook.ts";
import { jsonObject } from "./harness.ts";

export interface ReceivedCall {
  event: string;
  idempotencyKey: string | undefined;
  signatureValid: boolean;
  body: Record<string, unknown>;
}

export interface WebhookPeer {
  url: string;
  calls: ReceivedCall[];
  script(...statuses: (number | "hang")[]): void;
  /** Resolves when the next call arrives, before it is answered. */
  nextCall(): Promise<ReceivedCall>;
  close(): Promise<void>;
}

export async function startWebhookPeer(secret: string): Promise<WebhookPeer> {
  let statuses: (number | "hang")[] = [200];
  const calls: ReceivedCall[] = [];
  let waiters: ((call: ReceivedCall) => void)[] = [];
  const server: Server = createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk: Buffer) => (raw += chunk.toString()));
    req.on("end", () => {
      const timestamp = String(req.headers["x-access-timestamp"] ?? "");
      const body = jsonObject(JSON.parse(raw), "a webhook call's body");
      const call: ReceivedCall = {
        event: String(body.event),
        idempotencyKey: req.headers["idempotency-key"] as string | undefined,
        signatureValid: req.headers["x-access-signature"] === signWebhook(secret, timestamp, raw),
        body,
      };
      calls.push(call);
      const waiting = waiters;
      waiters = [];
      for (const resolve of waiting) resolve(call);
      const status = statuses.length > 1 ? statuses.shift() : statuses[0];
      if (status === "hang") return;
      res.writeHead(status ?? 200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/access`,
    calls,
    script: (...next) => {
      statuses = next;
    },
    nextCall: () => new Promise<ReceivedCall>((resolve) => waiters.push(resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
