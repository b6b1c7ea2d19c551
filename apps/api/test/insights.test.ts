// Insights: known requests, decisions, fulfilments and connector calls laid down at known times,
// then the exact counts per day, medians and 90th percentiles (overall, per system, per resource),
// the oldest open tickets and failure rates that `insights` answers — on SQLite, and on
// PostgreSQL when TEST_DATABASE_URL is set. Rows are written directly so their times are known.
import { Insights } from "@access/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TicketStatus } from "../src/generated/prisma/client.ts";
import { dataOf, gid, present, startTestServer, type TestServer } from "./harness.ts";

let t: TestServer;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const today = new Date(new Date().toISOString().slice(0, 10)).getTime();
const at = (dayOffset: number, hours = 0) => new Date(today + dayOffset * DAY + hours * HOUR);
const dateOf = (dayOffset: number) => at(dayOffset).toISOString().slice(0, 10);
/** The period of the laid-down history: the four days before today. */
const period = { from: at(-4).toISOString(), to: at(0).toISOString() };

const ids = {
  systemA: "",
  systemB: "",
  r1: "",
  r2: "",
  r3: "",
  openStep: "",
  failedFulfilment: "",
  openFulfilment: "",
};
let number = 90_000;

/** One request of one item on `resourceId` made at `made`, with its tickets as given. */
async function history(
  resourceId: string,
  made: Date,
  tickets: { kind: "APPROVAL" | "FULFILLMENT"; status: TicketStatus; opened?: Date; decided?: Date }[],
): Promise<string[]> {
  return t.server.db.transact(async ({ tx }) => {
    const request = await tx.request.create({
      data: {
        number: ++number,
        requesterId: t.org.ids.alice,
        targetId: t.org.ids.alice,
        justification: "insights history",
        status: "PENDING_APPROVAL",
        createdAt: made,
      },
    });
    const item = await tx.requestItem.create({
      data: { requestId: request.id, resourceId, status: "PENDING_APPROVAL", createdAt: made },
    });
    const created: string[] = [];
    for (const [step, ticket] of tickets.entries()) {
      const row = await tx.ticket.create({
        data: {
          number: ++number,
          kind: ticket.kind,
          status: ticket.status,
          requestId: request.id,
          itemId: item.id,
          resourceId,
          step: ticket.kind === "APPROVAL" ? step + 1 : null,
          assignedToAdmins: true,
          createdAt: ticket.opened ?? made,
          decidedAt: ticket.decided ?? null,
        },
      });
      created.push(row.id);
    }
    return created;
  });
}

/** The second ticket of a history (the one after its first approval). */
const second = (tickets: string[]): string => present(tickets[1], "the second ticket");

const approved = (decided: Date) => ({ kind: "APPROVAL" as const, status: "APPROVED" as const, decided });

beforeAll(async () => {
  t = await startTestServer();
  await t.server.db.transact(async ({ tx }) => {
    const a = await tx.system.create({ data: { name: "Insights A", connector: "MANUAL" } });
    const b = await tx.system.create({ data: { name: "Insights B", connector: "MANUAL" } });
    ids.systemA = a.id;
    ids.systemB = b.id;
    const resource = (systemId: string, name: string) =>
      tx.resource.create({ data: { systemId, name, sensitivity: "STANDARD" } });
    ids.r1 = (await resource(a.id, "R1")).id;
    ids.r2 = (await resource(a.id, "R2")).id;
    ids.r3 = (await resource(b.id, "R3")).id;
  });
  const d0 = -3;
  // Time to approve, from the request to its last approval: R1 1 h, 5 h, 3 h; R2 2 h; R3 10 h.
  await history(ids.r1, at(d0), [
    approved(at(d0, 1)),
    { kind: "FULFILLMENT", status: "FULFILLED", opened: at(-1), decided: at(-1, 0.5) },
  ]);
  await history(ids.r1, at(d0), [
    approved(at(d0, 1)),
    approved(at(d0, 5)),
    { kind: "FULFILLMENT", status: "FULFILLED", opened: at(-1), decided: at(-1, 1.5) },
  ]);
  ids.openFulfilment = second(
    await history(ids.r1, at(d0), [approved(at(d0, 3)), { kind: "FULFILLMENT", status: "OPEN", opened: at(-1, 2) }]),
  );
  // A failed fulfilment stays open (a fulfiller retries it or provisions by hand).
  ids.failedFulfilment = second(
    await history(ids.r2, at(d0), [approved(at(d0, 2)), { kind: "FULFILLMENT", status: "FAILED", opened: at(d0, 2) }]),
  );
  // A second step still open: its first approval counts that day, the item is not approved yet.
  ids.openStep = second(
    await history(ids.r2, at(d0), [approved(at(d0, 1)), { kind: "APPROVAL", status: "OPEN", opened: at(d0, 1) }]),
  );
  await history(ids.r1, at(d0), [{ kind: "APPROVAL", status: "REJECTED", decided: at(d0, 4) }]);
  await history(ids.r3, at(-2), [
    approved(at(-2, 10)),
    { kind: "FULFILLMENT", status: "FULFILLED", opened: at(-1), decided: at(-1, 1) },
  ]);
  // Before the period: counted nowhere.
  await history(ids.r1, at(-6), [approved(at(-6, 1))]);
});
afterAll(() => t.close());

const insightsOf = async (variables: { from?: string; to?: string; systemId?: string }) =>
  (await dataOf(t.gql(t.org.tokens.admin, Insights, variables))).insights;

describe("insights", () => {
  it("counts requests, approvals, rejections and fulfilments on each day of the period, empty days included", async () => {
    const insights = await insightsOf(period);
    expect(insights.days).toEqual([
      { date: dateOf(-4), requests: 0, approved: 0, rejected: 0, fulfilled: 0 },
      { date: dateOf(-3), requests: 6, approved: 6, rejected: 1, fulfilled: 0 },
      { date: dateOf(-2), requests: 1, approved: 1, rejected: 0, fulfilled: 0 },
      { date: dateOf(-1), requests: 0, approved: 0, rejected: 0, fulfilled: 3 },
    ]);
  });

  it("gives the exact median and 90th percentile of time to approve, overall, per system and per resource", async () => {
    const { timeToApprove } = await insightsOf(period);
    expect(timeToApprove.overall).toMatchObject({ count: 5, medianSeconds: 10_800, p90Seconds: 28_800 });
    expect(
      timeToApprove.bySystem.map((s) => ({
        system: s.system?.name,
        count: s.count,
        median: s.medianSeconds,
        p90: s.p90Seconds,
      })),
    ).toEqual([
      { system: "Insights B", count: 1, median: 36_000, p90: 36_000 },
      { system: "Insights A", count: 4, median: 9_000, p90: 15_840 },
    ]);
    expect(
      timeToApprove.byResource.map((r) => ({
        resource: r.resource?.name,
        system: r.system?.name,
        median: r.medianSeconds,
        p90: r.p90Seconds,
      })),
    ).toEqual([
      { resource: "R3", system: "Insights B", median: 36_000, p90: 36_000 },
      { resource: "R1", system: "Insights A", median: 10_800, p90: 16_560 },
      { resource: "R2", system: "Insights A", median: 7_200, p90: 7_200 },
    ]);
  });

  it("gives time to fulfil from the last approval to the access provisioned", async () => {
    const { timeToFulfil } = await insightsOf(period);
    expect(timeToFulfil.overall).toMatchObject({ count: 3, medianSeconds: 3_600, p90Seconds: 5_040 });
    expect(timeToFulfil.byResource.map((r) => [r.resource?.name, r.count, r.medianSeconds, r.p90Seconds])).toEqual([
      ["R1", 2, 3_600, 5_040],
      ["R3", 1, 3_600, 3_600],
    ]);
  });

  it("keeps to one system when asked, and lists its oldest open tickets first", async () => {
    const insights = await insightsOf({ ...period, systemId: gid("System", ids.systemA) });
    expect(insights.timeToApprove.overall).toMatchObject({ count: 4, medianSeconds: 9_000, p90Seconds: 15_840 });
    expect(insights.timeToApprove.bySystem.map((s) => s.system?.name)).toEqual(["Insights A"]);
    expect(insights.days.map((d) => d.requests)).toEqual([0, 6, 0, 0]);
    expect(insights.oldestOpenTickets.map((ticket) => ticket.id)).toEqual([
      gid("Ticket", ids.openStep),
      gid("Ticket", ids.failedFulfilment),
      gid("Ticket", ids.openFulfilment),
    ]);
  });

  it("counts each system's succeeded and failed connector calls from the audit trail", async () => {
    await t.server.db.transact(async ({ audit }) => {
      for (const [systemId, outcomes] of [
        [ids.systemA, ["success", "success", "success", "failure"]],
        [ids.systemB, ["failure"]],
      ] as const) {
        for (const [attempt, outcome] of outcomes.entries()) {
          audit.append({
            action: "CONNECTOR_CALLED",
            actorId: null,
            data: {
              jobId: `insights-${attempt}`,
              operation: "provision",
              systemId: gid("System", systemId),
              attempt: attempt + 1,
              durationMs: 5,
              ...(outcome === "success"
                ? { outcome, verified: null }
                : { outcome, errorCode: "UNREACHABLE", error: "down", detail: "refused", final: false, retryAt: null }),
            },
          });
        }
      }
    });
    const calls = (await insightsOf({ from: at(0).toISOString(), to: at(1).toISOString() })).connectorCalls;
    expect(calls.map((c) => [c.system.name, c.succeeded, c.failed, c.failureRate])).toEqual([
      ["Insights B", 0, 1, 1],
      ["Insights A", 3, 1, 0.25],
    ]);
    const onlyA = await insightsOf({
      from: at(0).toISOString(),
      to: at(1).toISOString(),
      systemId: gid("System", ids.systemA),
    });
    expect(onlyA.connectorCalls.map((c) => c.system.name)).toEqual(["Insights A"]);
  });

  it("refuses a period that ends before it starts or is longer than 366 days", async () => {
    const backwards = await t.gql(t.org.tokens.admin, Insights, { from: period.to, to: period.from });
    expect(backwards.errors?.map((e) => e.extensions?.code)).toEqual(["VALIDATION"]);
    const long = await t.gql(t.org.tokens.admin, Insights, { from: at(-400).toISOString(), to: period.to });
    expect(long.errors?.map((e) => e.extensions?.code)).toEqual(["VALIDATION"]);
  });

  it("is for admins only", async () => {
    const answer = await t.gql(t.org.tokens.bob, Insights, period);
    expect({ codes: answer.errors?.map((e) => e.extensions?.code), data: answer.data ?? null }).toEqual({
      codes: ["FORBIDDEN"],
      data: null,
    });
  });
});
