// Losing Redis: the instance keeps serving queries and mutations, readiness says "degraded"
// (still 200, so a load balancer keeps it), and live updates keep arriving through the feed's
// own poll of the audit trail.
import { CreateRequest, RequestStatusChanged } from "@access/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "./connector-helpers.ts";
import { collect, dataOf, gid, startTestServer, type TestServer } from "./harness.ts";

let t: TestServer;
beforeAll(async () => {
  // Nothing listens on port 1: Redis is unreachable from the start.
  t = await startTestServer({ redisUrl: "redis://127.0.0.1:1" });
});
afterAll(() => t.close());

describe("without Redis", () => {
  it("reports readiness as degraded but keeps the instance in service", async () => {
    const res = await fetch(`${t.url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "degraded", redis: "unreachable" });
  });

  it("still serves mutations and delivers live updates", async () => {
    const sub = collect(t.ws(t.org.tokens.alice), RequestStatusChanged, {}, 1, 8000);
    // Subscribed before the change (a busy machine may take longer than any fixed wait).
    await until(
      async () => t.server.feed.subscriberCount,
      (count) => count > 0,
    );
    const { createRequest } = await dataOf(
      t.gql(t.org.tokens.alice, CreateRequest, {
        input: { resourceIds: [gid("Resource", t.org.resources.writeAccess)], justification: "redis is down" },
      }),
    );
    expect(createRequest.errors).toEqual([]);
    expect((await sub.done).map((d) => d.requestStatusChanged.status)).toEqual(["PENDING_APPROVAL"]);
    sub.stop();
  });
});
