// Housekeeping (domain/retention.ts): the sweep prunes event delivery log entries and sent emails
// older than LOG_RETENTION_DAYS, and keeps failed emails, the audit trail and everything younger.
// Real flows write the rows (a real SMTP server, a real event receiver); the server's clock moves.
import { CreateRequest, TestEventEndpoint } from "@access/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pruneLogs } from "../src/domain/retention.ts";
import { startEventReceiver, type EventReceiver } from "./event-receiver.ts";
import { admin, createEndpoint, SECRET, until } from "./event-steps.ts";
import { accepted, dataOf, gid, startTestServer, type TestServer } from "./harness.ts";
import { type SmtpPeer, startSmtpPeer } from "./smtp-peer.ts";

const DAY = 86_400_000;
let t: TestServer;
let smtp: SmtpPeer;
let receiver: EventReceiver;
let skew = 0;

beforeAll(async () => {
  smtp = await startSmtpPeer();
  receiver = await startEventReceiver(SECRET);
  t = await startTestServer({
    env: {
      SMTP_URL: smtp.url,
      SMTP_FROM: "Access requests <access@example.com>",
      ACCESS_SECRET_EVENTS: SECRET,
      LOG_RETENTION_DAYS: "30",
      // The sweeps here are run by hand; the timer must not race them.
      GRANT_EXPIRY_CHECK_MS: "86400000",
      HEALTH_CHECK_INTERVAL_MS: "86400000",
    },
    clock: () => new Date(Date.now() + skew),
  });
});
afterAll(async () => {
  await t.close();
  await Promise.all([smtp.close(), receiver.close()]);
});

/** The ids of the delivery log entries and of the sent and failed emails now. */
const rows = async () => {
  const db = t.server.db.read;
  const ids = (list: { id: string }[]) => list.map((row) => row.id).sort();
  const [deliveries, sent, failed] = await Promise.all([
    db.eventDelivery.findMany({ select: { id: true } }),
    db.emailMessage.findMany({ where: { status: "SENT" }, select: { id: true } }),
    db.emailMessage.findMany({ where: { status: "FAILED" }, select: { id: true } }),
  ]);
  return { deliveries: ids(deliveries), sent: ids(sent), failed: ids(failed) };
};
const still = async (ids: string[]) => {
  const db = t.server.db.read;
  const [deliveries, emails] = await Promise.all([
    db.eventDelivery.count({ where: { id: { in: ids } } }),
    db.emailMessage.count({ where: { id: { in: ids } } }),
  ]);
  return deliveries + emails;
};

describe("log retention", () => {
  it("prunes delivery logs and sent emails past the retention, and keeps failed emails and the trail", async () => {
    const api = { gql: t.gql, org: t.org };
    const endpoint = await createEndpoint(api, { url: receiver.url, topics: ["SYSTEM_HEALTH"] });
    for (let i = 0; i < 2; i++) {
      const { testEventEndpoint } = await dataOf(t.gql(admin(api), TestEventEndpoint, { input: { id: endpoint.id } }));
      accepted(testEventEndpoint, "testEventEndpoint");
    }
    // Alice's request: its approver (Bob) is emailed. The first email is refused for good.
    let answered = 0;
    smtp.answer = () => (answered++ === 0 ? { refuse: 550, message: "mailbox unavailable" } : { accept: true });
    for (const resource of [t.org.resources.writeAccess, t.org.resources.orgOwner]) {
      const { createRequest } = await dataOf(
        t.gql(t.org.tokens.alice, CreateRequest, {
          input: { resourceIds: [gid("Resource", resource)], justification: "release duty" },
        }),
      );
      accepted(createRequest, "createRequest");
    }
    const before = await until(
      rows,
      (r) => r.failed.length === 1 && r.sent.length >= 1,
      "one failed and at least one sent email",
    );
    expect(before.deliveries).toHaveLength(2);
    const trail = await t.server.db.read.auditEvent.count();

    // Younger than the retention: the sweep keeps every one of them. (The same sweeps remind
    // and escalate the open tickets, which writes more; the rows above are what is checked.)
    const all = [...before.deliveries, ...before.sent, ...before.failed];
    skew = 29 * DAY;
    await t.server.sweeper.sweep();
    expect(await still(all)).toBe(all.length);

    skew = 31 * DAY;
    await t.server.sweeper.sweep();
    expect(await still([...before.deliveries, ...before.sent])).toBe(0);
    expect(await still(before.failed)).toBe(1);
    // The trail is never pruned: it only grew.
    expect(await t.server.db.read.auditEvent.count()).toBeGreaterThanOrEqual(trail);
    expect(await t.server.db.read.auditEvent.findUnique({ where: { sequence: 1 } })).not.toBeNull();
  });

  it("keeps everything when the retention is 0", async () => {
    const api = { gql: t.gql, org: t.org };
    const endpoint = await createEndpoint(api, { url: receiver.url, topics: ["SYSTEM_HEALTH"] });
    const { testEventEndpoint } = await dataOf(t.gql(admin(api), TestEventEndpoint, { input: { id: endpoint.id } }));
    accepted(testEventEndpoint, "testEventEndpoint");
    const farFuture = new Date(Date.now() + 10_000 * DAY);
    expect(await pruneLogs(t.server.db, farFuture, 0)).toBe(0);
    expect(await t.server.db.read.eventDelivery.count()).toBe(1);
    // The same entry goes with any retention it is older than (with any sent email).
    expect(await pruneLogs(t.server.db, farFuture, 30)).toBeGreaterThanOrEqual(1);
    expect(await t.server.db.read.eventDelivery.count()).toBe(0);
  });
});
