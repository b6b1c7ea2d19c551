// WEBHOOK connector: a signed HTTP(S) POST of a JSON event to the system's URL.
//
// Signature: header `X-Access-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>` with
// `X-Access-Timestamp: <unix seconds>`; receivers recompute it and reject old timestamps.
// `Idempotency-Key` is the same for every attempt of one job. 2xx = done; 4xx other than 408 and
// 429 = permanent failure; anything else (5xx, 408, 429, timeout, refused) = retry.
import { createHmac } from "node:crypto";
import { type Connector, ConnectorError, type ConnectorSubject } from "./connector.ts";
import { type OutboundPolicy, refusalIn } from "./outbound.ts";

export interface WebhookSettings {
  url: string;
  secret: string;
  timeoutMs: number;
}

export const WEBHOOK_SIGNATURE_HEADER = "x-access-signature";
export const WEBHOOK_TIMESTAMP_HEADER = "x-access-timestamp";

export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `v1=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

export function webhookConnector(
  settings: WebhookSettings,
  payloadFields: Record<string, unknown>,
  outbound: OutboundPolicy,
): Connector {
  async function send(event: string, subject: ConnectorSubject | null): Promise<void> {
    const body = JSON.stringify({
      event,
      ...(subject
        ? {
            idempotencyKey: subject.idempotencyKey,
            identity: subject.identity,
            resource: subject.resource,
            system: subject.system,
            requestId: subject.requestId,
            ticketId: subject.ticketId,
            fields: payloadFields,
          }
        : {}),
      sentAt: new Date().toISOString(),
    });
    const timestamp = String(Math.floor(Date.now() / 1000));
    let response: Awaited<ReturnType<OutboundPolicy["fetch"]>>;
    try {
      response = await outbound.fetch(settings.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          [WEBHOOK_TIMESTAMP_HEADER]: timestamp,
          [WEBHOOK_SIGNATURE_HEADER]: signWebhook(settings.secret, timestamp, body),
          ...(subject ? { "idempotency-key": subject.idempotencyKey } : {}),
        },
        body,
        redirect: "error",
        signal: AbortSignal.timeout(settings.timeoutMs),
      });
    } catch (error) {
      const refused = refusalIn(error);
      if (refused) throw new ConnectorError(`webhook address refused: ${refused.message}`, false);
      const reason =
        (error as Error).name === "TimeoutError"
          ? `no answer within ${settings.timeoutMs} ms`
          : (error as Error).message;
      throw new ConnectorError(`webhook unreachable: ${reason}`, true, true);
    }
    await response.arrayBuffer().catch(() => undefined);
    if (response.ok) return;
    const permanent =
      response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429;
    throw new ConnectorError(`webhook answered HTTP ${response.status}`, !permanent);
  }

  return {
    provision: (subject) => send("access.provision", subject),
    revoke: (subject) => send("access.revoke", subject),
    // A webhook has no read-back: its 2xx answer is the confirmation.
    verify: async () => null,
    checkHealth: () => send("access.ping", null),
  };
}
