// Secrets never reach the logs: a whole run at LOG_LEVEL=trace — tokens issued, used, refused
// and revoked over HTTP, SSE and WebSocket, the bootstrap admin token, a connector whose secret
// signs its calls and whose peer fails — and then the captured log text is searched for every
// secret the run used.
import { Writable } from "node:stream";
import { IssueApiToken, RequestStatusSignal, RevokeApiToken, TicketStatusSignal, Viewer } from "@access/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../src/logger.ts";
import { hashToken } from "../src/domain/tokens/tokens.ts";
import { createConnectorSystem, requestOnConnector, requestState, until } from "./connector-helpers.ts";
import { collect, dataOf, documentText, gid, present, startTestServer, type TestServer } from "./harness.ts";
import { startWebhookPeer, type WebhookPeer } from "./webhook-peer.ts";

const WEBHOOK_SECRET = "whsec-do-not-log-8d1f0c6a2b";
const BOOTSTRAP = "bootstrap-do-not-log-5e7a91c3-0f4d2b6a8c";
const lines: string[] = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    lines.push(chunk.toString());
    done();
  },
});

let t: TestServer;
let peer: WebhookPeer;
const used: string[] = [WEBHOOK_SECRET, BOOTSTRAP];

beforeAll(async () => {
  peer = await startWebhookPeer(WEBHOOK_SECRET);
  t = await startTestServer({
    logger: createLogger("trace", sink),
    env: {
      BOOTSTRAP_ADMIN_TOKEN: BOOTSTRAP,
      ACCESS_SECRET_LOG_WEBHOOK: WEBHOOK_SECRET,
      CONNECTOR_MAX_ATTEMPTS: "2",
      CONNECTOR_RETRY_BASE_MS: "20",
    },
  });
  used.push(...Object.values(t.org.tokens));
});
afterAll(async () => {
  await t.close();
  await peer.close();
});

describe("logs", () => {
  it("carry no token, hash or connector secret after a full run at trace level", async () => {
    // Authentication: good, bad, bootstrap, over HTTP, SSE and WebSocket.
    expect((await t.gql(BOOTSTRAP, Viewer)).data?.viewer.email).toBe("admin@localhost");
    // The standing admin credential is called out at start (without the token itself).
    expect(lines.some((line) => line.includes('"level":40') && line.includes("BOOTSTRAP_ADMIN_TOKEN is set"))).toBe(
      true,
    );
    const wrong = "art_wrong-token-do-not-log-3b9";
    used.push(wrong);
    expect((await t.gql(wrong, Viewer)).status).toBe(401);
    const ws = t.ws(t.org.tokens.bob);
    const live = collect(ws, RequestStatusSignal, {}, 1, 3000);
    const sse = await fetch(`${t.url}/graphql`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "text/event-stream",
        authorization: `Bearer ${t.org.tokens.alice}`,
      },
      body: JSON.stringify({ query: documentText(TicketStatusSignal) }),
    });
    expect(sse.status).toBe(200);

    // A token issued, used and revoked.
    const { issueApiToken: issued } = await dataOf(
      t.gql(t.org.tokens.admin, IssueApiToken, { input: { identityId: gid("Identity", t.org.ids.carol), name: "ci" } }),
    );
    const token = present(issued.token, "the issued token");
    used.push(token);
    await t.gql(token, Viewer);
    await dataOf(
      t.gql(t.org.tokens.admin, RevokeApiToken, {
        input: { tokenId: present(issued.apiToken, "the issued token's metadata").id },
      }),
    );

    // A connector call signed with the secret, failing at the peer, then failing the ticket.
    peer.script(500, 500);
    const systemId = await createConnectorSystem(t, "Logged system", "WEBHOOK", {
      url: peer.url,
      secret: "env:ACCESS_SECRET_LOG_WEBHOOK",
      timeoutMs: 500,
    });
    const { requestId } = await requestOnConnector(t, systemId, { team: "logged" });
    await until(
      () => requestState(t, requestId),
      (r) => r.status === "FAILED",
    );
    await live.done;
    live.stop();
    await sse.body?.cancel();

    const text = lines.join("");
    expect(lines.length).toBeGreaterThan(10);
    if (process.env.PRINT_LOGS) console.log(text);
    expect(text).toContain('"msg":"request"');
    for (const secret of used) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(hashToken(secret));
    }
    expect(text).not.toMatch(/Bearer\s+art_/);
  });

  it("redact credentials from any object that is logged by mistake", () => {
    const captured: string[] = [];
    const log = createLogger(
      "info",
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          captured.push(chunk.toString());
          done();
        },
      }),
    );
    log.info(
      {
        req: { headers: { authorization: "Bearer art_leak-1", cookie: "session=leak-2" } },
        ctx: { connectionParams: { authorization: "Bearer art_leak-3" } },
        config: { url: "ldap://x", bindPassword: "leak-4", secret: "leak-5", token: "leak-6" },
        token: "leak-7",
      },
      "mistake",
    );
    const text = captured.join("");
    expect(text).toContain('"msg":"mistake"');
    expect(text).toContain("ldap://x");
    for (let i = 1; i <= 7; i += 1) expect(text).not.toContain(`leak-${i}`);
  });
});
