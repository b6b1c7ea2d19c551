// Two API processes on one PostgreSQL database deliver to one event endpoint: its lease lets
// one instance at a time deliver, so while both write events and both are woken by every commit,
// the receiver gets each event exactly once (no instance died: nothing in flight to repeat), in
// strictly increasing sequence order.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DemoOrganisation } from "../../src/demo/demo-organisation.ts";
import { seededDatabase, type TestDatabase } from "../databases.ts";
import { startEventReceiver, type EventReceiver } from "../event-receiver.ts";
import {
  type Api,
  caughtUp,
  createEndpoint,
  endpointState,
  expectedSequences,
  head,
  raw,
  SECRET,
  story,
  strictlyIncreasing,
} from "../event-steps.ts";
import { graphqlAt } from "../harness.ts";
import { type Instance, startInstance } from "../instances.ts";

let database: TestDatabase;
let org: DemoOrganisation;
let receiver: EventReceiver;
let a: Instance;
let b: Instance;

beforeAll(async () => {
  ({ database, org } = await seededDatabase());
  receiver = await startEventReceiver(SECRET);
  const env = {
    DATABASE_URL: database.url,
    REDIS_URL: process.env.TEST_REDIS_URL ?? "",
    ACCESS_SECRET_EVENTS: SECRET,
    EVENT_RETRY_BASE_MS: "20",
    HEALTH_CHECK_INTERVAL_MS: "3600000",
  };
  [a, b] = await Promise.all([startInstance(env), startInstance(env)]);
});

afterAll(async () => {
  await Promise.all([a?.kill(), b?.kill()]);
  await receiver?.close();
  await database?.drop();
});

describe("event delivery with two instances", () => {
  it("delivers each event to an endpoint once, in order, while both instances write and deliver", async () => {
    const onA: Api = { gql: graphqlAt(a.url), org };
    const onB: Api = { gql: graphqlAt(b.url), org };
    const start = await head(onA);
    const endpoint = await createEndpoint(onA, { url: receiver.url });
    await Promise.all([story(onA), story(onB), story(onA), story(onB)]);
    const end = await head(onB);
    await caughtUp(onB, endpoint.id, end, 30_000);
    const expected = await expectedSequences(onA, ["TICKETS", "REQUESTS", "GRANTS"], start, end);
    expect(raw(receiver)).toEqual(expected);
    expect(strictlyIncreasing(raw(receiver))).toBe(true);
    expect(receiver.rejected).toEqual([]);
    const state = await endpointState(onA, endpoint.id);
    expect(state.deliveries.totalCount).toBe(expected.length);
  });
});
