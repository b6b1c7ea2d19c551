// The live connection past the API's connection limit: a true state, then recovery on its own.
import { TicketStatusSignal } from "@access/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createAccessClient, TRY_AGAIN_LATER, type AccessClient, type ConnectionState } from "../src/index.ts";
import { startApi, type TestApi } from "./api.ts";

let api: TestApi;
beforeAll(async () => {
  api = await startApi({ WS_MAX_CONNECTIONS_PER_TOKEN: "1" });
});
afterAll(() => api.close());

async function until(check: () => boolean, timeoutMs = 40_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe("past the connection limit", () => {
  it("says it is limited, keeps retrying, and goes online once the other connection ends", async () => {
    const first = createAccessClient({ url: api.url, token: api.org.tokens.dave, webSocketImpl: WebSocket });
    first.connection.live(TicketStatusSignal, { next: () => undefined });
    await until(() => first.connection.current.status === "online");

    const states: ConnectionState[] = [];
    const second: AccessClient = createAccessClient({
      url: api.url,
      token: api.org.tokens.dave,
      webSocketImpl: WebSocket,
      onConnectionState: (state) => states.push(state),
    });
    second.connection.live(TicketStatusSignal, { next: () => undefined });
    await until(() => states.some((s) => s.status === "limited"));
    const limited = states.find((s) => s.status === "limited");
    expect(limited).toMatchObject({ reason: expect.stringContaining("at most 1") });
    expect(TRY_AGAIN_LATER).toBe(1013);

    await first.close();
    await until(() => states.at(-1)?.status === "online");
    await second.close();
  });
});
