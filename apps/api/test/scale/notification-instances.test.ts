// Two API processes on one PostgreSQL database (and Redis) project every audit event into
// notifications once: requests made through both instances at once give each person exactly one
// notification and one email per event and kind, whichever instance projected it.
import { CreateRequest } from "@access/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../src/db/database.ts";
import { loadDemoOrganisation, type DemoOrganisation } from "../../src/demo/demo-organisation.ts";
import { createResource } from "../../src/domain/catalog/catalog.ts";
import { until } from "../connector-helpers.ts";
import { freshDatabase, type TestDatabase } from "../databases.ts";
import { accepted, dataOf, gid, graphqlAt } from "../harness.ts";
import { type Instance, startInstance } from "../instances.ts";
import { type SmtpPeer, startSmtpPeer } from "../smtp-peer.ts";

const REQUESTS = 24;

let database: TestDatabase;
let db: Database;
let org: DemoOrganisation;
let smtp: SmtpPeer;
let a: Instance;
let b: Instance;
const resources: string[] = [];

beforeAll(async () => {
  database = await freshDatabase();
  db = await openDatabase(database.url);
  org = await loadDemoOrganisation(db);
  for (let i = 0; i < REQUESTS; i += 1) {
    resources.push(
      await db.transact((work) =>
        createResource(work, null, { systemId: org.githubSystemId, name: `Projected ${i}`, sensitivity: "STANDARD" }),
      ),
    );
  }
  smtp = await startSmtpPeer();
  const env = {
    DATABASE_URL: database.url,
    REDIS_URL: process.env.TEST_REDIS_URL ?? "",
    SMTP_URL: smtp.url,
    SMTP_FROM: "access@example.com",
    HEALTH_CHECK_INTERVAL_MS: "3600000",
  };
  [a, b] = await Promise.all([startInstance(env), startInstance(env)]);
});

afterAll(async () => {
  await Promise.all([a?.kill(), b?.kill()]);
  await smtp?.close();
  await db?.close();
  await database?.drop();
});

describe("two instances projecting one audit trail", () => {
  it("write each notification and email once", async () => {
    // Alice's requests through both instances at once: each opens one approval ticket for Bob.
    await Promise.all(
      resources.map(async (resourceId, i) => {
        const gql = graphqlAt((i % 2 === 0 ? a : b).url);
        const { createRequest } = await dataOf(
          gql(org.tokens.alice, CreateRequest, {
            input: { resourceIds: [gid("Resource", resourceId)], justification: `parallel ${i}` },
          }),
        );
        accepted(createRequest, `request ${i}`);
      }),
    );
    const created = await db.read.auditEvent.findMany({
      where: { action: "TICKET_CREATED" },
      select: { sequence: true },
    });
    expect(created).toHaveLength(REQUESTS);
    await until(
      () => db.read.emailMessage.count({ where: { status: "SENT" } }),
      (sent) => sent === REQUESTS,
      30_000,
    );
    const notifications = await db.read.notification.findMany({
      select: { identityId: true, sequence: true, kind: true },
    });
    expect(notifications.map((n) => n.sequence).sort((x, y) => x - y)).toEqual(
      created.map((e) => e.sequence).sort((x, y) => x - y),
    );
    expect(new Set(notifications.map((n) => `${n.identityId} ${n.kind}`))).toEqual(
      new Set([`${org.ids.bob} TICKET_ASSIGNED`]),
    );
    expect(smtp.received).toHaveLength(REQUESTS);
    expect(new Set(smtp.received.map((m) => m.messageId)).size).toBe(REQUESTS);
    const cursor = await db.read.cursor.findUniqueOrThrow({ where: { name: "notifications" } });
    const head = await db.read.auditHead.findUniqueOrThrow({ where: { id: 1 } });
    expect(cursor.sequence).toBe(head.sequence);
  });
});
