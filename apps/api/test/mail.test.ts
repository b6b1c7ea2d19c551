// Email end to end: the API's story (request, approve, fulfil, reject, fail, expire) with a real
// SMTP server (test/smtp-peer.ts) receiving what the outbox sends. Each step checks that every
// person received exactly the right messages, once each (counted by recipient and kind).
import {
  ApproveTicket,
  CreateRequest,
  EmailOutbox,
  FulfillTicket,
  MyNotifications,
  MyNotificationSettings,
  MyTickets,
  readFragment,
  RejectTicket,
  RetryEmail,
  TicketCardFields,
  UpdateNotificationSettings,
} from "@access/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createResource, createSystem } from "../src/domain/catalog/catalog.ts";
import { createGroup } from "../src/domain/directory/directory.ts";
import { openDatabase, type Database } from "../src/db/database.ts";
import { loadDemoOrganisation } from "../src/demo/demo-organisation.ts";
import { createConnectorSystem, until } from "./connector-helpers.ts";
import { freshDatabase, type TestDatabase } from "./databases.ts";
import {
  accepted,
  codesAndFields,
  dataOf,
  gid,
  graphqlAt,
  present,
  startTestServer,
  type TestServer,
} from "./harness.ts";
import { type Instance, startInstance } from "./instances.ts";
import { type ReceivedMessage, type SmtpPeer, startSmtpPeer } from "./smtp-peer.ts";
import { startWebhookPeer, type WebhookPeer } from "./webhook-peer.ts";

const PUBLIC_URL = "https://access.example.com";
const WEBHOOK_SECRET = "test-webhook-secret-for-mail-0123456";
const HOUR = 3_600_000;

let t: TestServer;
let smtp: SmtpPeer;
let webhook: WebhookPeer;
/** The server's clock: real time plus `skew` (the expiry test moves it forward). */
let skew = 0;
let twoStepResource = "";
let expiringResource = "";
let webhookSystemId = "";

beforeAll(async () => {
  smtp = await startSmtpPeer();
  webhook = await startWebhookPeer(WEBHOOK_SECRET);
  t = await startTestServer({
    env: {
      SMTP_URL: smtp.url,
      SMTP_FROM: "Access requests <access@example.com>",
      PUBLIC_URL,
      EMAIL_RETRY_BASE_MS: "20",
      CONNECTOR_MAX_ATTEMPTS: "1",
      ACCESS_SECRET_MAIL_WEBHOOK: WEBHOOK_SECRET,
      GRANT_EXPIRY_CHECK_MS: "86400000",
      HEALTH_CHECK_INTERVAL_MS: "86400000",
    },
    clock: () => new Date(Date.now() + skew),
  });
  const { ids, fulfillersGroupId } = t.org;
  [twoStepResource, expiringResource] = await t.server.db.transact(async (work) => {
    const security = await createGroup(work, null, {
      name: "Security Approvers",
      description: "Second step of database access",
      memberIds: [ids.carol, ids.admin],
    });
    const databases = await createSystem(work, null, {
      name: "Databases",
      description: "Production databases",
      connector: "MANUAL",
      fulfillersGroupId,
    });
    return [
      await createResource(work, null, {
        systemId: databases,
        name: "Orders DB read",
        sensitivity: "SENSITIVE",
        approvalSteps: [{ kind: "MANAGER" }, { kind: "GROUP", groupId: security }],
      }),
      await createResource(work, null, {
        systemId: databases,
        name: "Reports DB read",
        sensitivity: "STANDARD",
        approvalSteps: [{ kind: "MANAGER" }],
      }),
    ];
  });
  webhookSystemId = await createConnectorSystem(t, "Mail webhook", "WEBHOOK", {
    url: webhook.url,
    secret: "env:ACCESS_SECRET_MAIL_WEBHOOK",
    timeoutMs: 10_000,
  });
  await delivered();
});
afterAll(async () => {
  await t?.close();
  await smtp?.close();
  await webhook?.close();
});

const person = (key: keyof TestServer["org"]["ids"]) => {
  const found = t.org.people.find((p) => p.key === key);
  return present(found, key).email;
};

/**
 * Waits until everything committed so far is projected and the outbox has nothing left to send;
 * answers the messages the SMTP peer accepted since `mark`.
 */
async function delivered(mark = smtp.received.length): Promise<ReceivedMessage[]> {
  await t.server.notifier.settle();
  await until(
    () => t.server.db.read.emailMessage.count({ where: { status: "PENDING" } }),
    (pending) => pending === 0,
  );
  await t.server.mailer?.settle();
  return smtp.received.slice(mark);
}

/** "recipient kind" for each message, sorted: what a step must have sent, once each. */
const tally = (messages: readonly ReceivedMessage[]) =>
  messages.map((m) => `${m.to} ${m.headers.get("x-access-notification") ?? "?"}`).sort();

const byTo = (messages: readonly ReceivedMessage[], email: string) =>
  present(
    messages.find((m) => m.to === email),
    `a message to ${email}`,
  );

const linkIn = (text: string, label: string): URL => {
  const line = present(
    text.split("\n").find((l) => l.startsWith(`${label}: `)),
    `a "${label}" link`,
  );
  return new URL(line.slice(label.length + 2));
};

async function request(token: string, resourceId: string, justification: string, grantExpiresAt?: string) {
  const { createRequest } = await dataOf(
    t.gql(token, CreateRequest, {
      input: {
        resourceIds: [gid("Resource", resourceId)],
        justification,
        ...(grantExpiresAt ? { grantExpiresAt } : {}),
      },
    }),
  );
  return present(accepted(createRequest, "createRequest").request, "the request");
}

const openTicket = async (token: string, requestId: string) =>
  present(
    (await dataOf(t.gql(token, MyTickets))).tickets.edges
      .map((e) => readFragment(TicketCardFields, e.node))
      .find((ticket) => ticket.request.id === requestId),
    "the ticket for the request",
  );

describe("email along the request's story", () => {
  let requestId = "";

  it("emails the manager one TICKET_ASSIGNED with the justification, the chain and a working link", async () => {
    const mark = smtp.received.length;
    const req = await request(t.org.tokens.alice, twoStepResource, "Quarterly revenue report for the board");
    requestId = req.id;
    const sent = await delivered(mark);
    expect(tally(sent)).toEqual([`${person("bob")} TICKET_ASSIGNED`]);
    const mail = byTo(sent, person("bob"));
    const ticket = present(req.tickets[0], "the approval ticket");
    expect(mail.subject).toBe(`TKT-${ticket.number}: approve or reject Orders DB read for Alice Employee`);
    expect(mail.messageId).toMatch(/^<[a-z0-9]+@access\.example\.com>$/);
    expect(mail.headers.get("from")).toBe("Access requests <access@example.com>");
    expect(mail.text).toContain(`Alice Employee asks for Orders DB read on Databases (REQ-${req.number}).`);
    expect(mail.text).toContain('Justification: "Quarterly revenue report for the board"');
    expect(mail.text).toContain("This is approval step 1 of 2.");
    expect(mail.text).toContain("After your approval: step 2 of 2, by the group Security Approvers.");
    expect(mail.html).toContain("Quarterly revenue report for the board");
    expect(mail.html).toContain(`<a href="${PUBLIC_URL}/?section=tickets">Act on TKT-${ticket.number}</a>`);
    const act = linkIn(mail.text, `Act on TKT-${ticket.number}`);
    expect(act.origin).toBe(PUBLIC_URL);
    expect(act.searchParams.get("section")).toBe("tickets");
    // The link's place lists the ticket for Bob, who may approve it there.
    expect((await openTicket(t.org.tokens.bob, requestId)).viewerCanApprove).toBe(true);
    const requestLink = linkIn(mail.text, `Request REQ-${req.number}`);
    expect(requestLink.searchParams.get("request")).toBe(requestId);
  });

  it("tells Alice of Bob's approval and the security group of their step, once each", async () => {
    const mark = smtp.received.length;
    const ticket = await openTicket(t.org.tokens.bob, requestId);
    accepted(
      (await dataOf(t.gql(t.org.tokens.bob, ApproveTicket, { input: { ticketId: ticket.id, comment: "fine by me" } })))
        .approveTicket,
      "approveTicket",
    );
    const sent = await delivered(mark);
    expect(tally(sent)).toEqual(
      [
        `${person("alice")} REQUEST_DECIDED`,
        `${person("carol")} TICKET_ASSIGNED`,
        `${person("admin")} TICKET_ASSIGNED`,
      ].sort(),
    );
    const decided = byTo(sent, person("alice"));
    expect(decided.subject).toMatch(/^REQ-\d+: step 1 of 2 approved by Bob Manager$/);
    expect(decided.text).toContain('Comment: "fine by me"');
    expect(decided.text).toContain("Next: step 2 of 2, by the group Security Approvers.");
    const assigned = byTo(sent, person("carol"));
    expect(assigned.text).toContain("Step 1 was approved by Bob Manager.");
    expect(assigned.text).toContain("After your approval: fulfillment by IT Fulfillers.");
  });

  it("tells Alice of the second approval, the fulfillers of their ticket, and Alice of her access", async () => {
    let mark = smtp.received.length;
    const ticket = await openTicket(t.org.tokens.carol, requestId);
    accepted(
      (await dataOf(t.gql(t.org.tokens.carol, ApproveTicket, { input: { ticketId: ticket.id } }))).approveTicket,
      "approveTicket",
    );
    let sent = await delivered(mark);
    expect(tally(sent)).toEqual([`${person("alice")} REQUEST_DECIDED`, `${person("dave")} TICKET_ASSIGNED`].sort());
    expect(byTo(sent, person("dave")).subject).toMatch(/^TKT-\d+: give Alice Employee Orders DB read on Databases$/);
    expect(byTo(sent, person("dave")).text).toContain("Approved by Bob Manager (step 1) and Carol Security (step 2).");

    mark = smtp.received.length;
    const fulfillment = await openTicket(t.org.tokens.dave, requestId);
    accepted(
      (await dataOf(t.gql(t.org.tokens.dave, FulfillTicket, { input: { ticketId: fulfillment.id } }))).fulfillTicket,
      "fulfillTicket",
    );
    sent = await delivered(mark);
    expect(tally(sent)).toEqual([`${person("alice")} REQUEST_FULFILLED`]);
    expect(byTo(sent, person("alice")).subject).toBe("Access granted: Orders DB read on Databases");
  });

  it("tells the requester of a rejection with its reason, and no one else", async () => {
    const req = await request(t.org.tokens.dave, twoStepResource, "curious");
    await delivered();
    const mark = smtp.received.length;
    const ticket = await openTicket(t.org.tokens.bob, req.id);
    accepted(
      (
        await dataOf(
          t.gql(t.org.tokens.bob, RejectTicket, {
            input: { ticketId: ticket.id, comment: "not needed for <your> role" },
          }),
        )
      ).rejectTicket,
      "rejectTicket",
    );
    const sent = await delivered(mark);
    expect(tally(sent)).toEqual([`${person("dave")} REQUEST_DECIDED`]);
    const mail = byTo(sent, person("dave"));
    expect(mail.subject).toMatch(/^REQ-\d+: step 1 of 2 rejected by Bob Manager$/);
    expect(mail.text).toContain('Reason: "not needed for <your> role"');
    expect(mail.html).toContain("Reason: &quot;not needed for &lt;your&gt; role&quot;");
    expect(mail.html).not.toContain("<your>");
  });

  it("tells the requester of a failed provisioning with the plain error, never the connector's detail", async () => {
    webhook.script(400);
    const created = await t.server.db.transact((work) =>
      createResource(work, null, {
        systemId: fromGid(webhookSystemId),
        name: "Wiki editor",
        sensitivity: "STANDARD",
        approvalSteps: [],
        connectorTarget: { group: "wiki-editors" },
      }),
    );
    const mark = smtp.received.length;
    const req = await request(t.org.tokens.alice, created, "I write the docs");
    await until(
      () => t.server.db.read.ticket.findFirst({ where: { request: { number: req.number } }, select: { status: true } }),
      (ticket) => ticket?.status === "FAILED",
    );
    const sent = await delivered(mark);
    expect(tally(sent)).toEqual([`${person("alice")} REQUEST_FAILED`]);
    const mail = byTo(sent, person("alice"));
    const failed = await t.server.db.read.auditEvent.findFirstOrThrow({
      where: { action: "TICKET_FAILED", request: { number: req.number } },
    });
    const called = await t.server.db.read.auditEvent.findFirstOrThrow({
      where: { action: "CONNECTOR_CALLED", request: { number: req.number } },
    });
    const { error } = JSON.parse(failed.data) as { error: string };
    const { detail } = JSON.parse(called.data) as { detail: string };
    expect(mail.text).toContain(error);
    expect(detail.length).toBeGreaterThan(0);
    expect(mail.text).not.toContain(detail);
    expect(mail.html).not.toContain(detail);
  });

  it("tells the holder when access expires", async () => {
    const end = new Date(Date.now() + 2 * HOUR).toISOString();
    const req = await request(t.org.tokens.alice, expiringResource, "for the audit", end);
    const approval = await openTicket(t.org.tokens.bob, req.id);
    accepted(
      (await dataOf(t.gql(t.org.tokens.bob, ApproveTicket, { input: { ticketId: approval.id } }))).approveTicket,
      "approveTicket",
    );
    const fulfillment = await openTicket(t.org.tokens.dave, req.id);
    accepted(
      (await dataOf(t.gql(t.org.tokens.dave, FulfillTicket, { input: { ticketId: fulfillment.id } }))).fulfillTicket,
      "fulfillTicket",
    );
    await delivered();
    const mark = smtp.received.length;
    skew = 3 * HOUR;
    await t.server.sweeper.sweep();
    const sent = await delivered(mark);
    // A manual system: its fulfillers get the removal to do.
    expect(tally(sent)).toEqual([`${person("alice")} ACCESS_ENDED`, `${person("dave")} TICKET_ASSIGNED`]);
    expect(byTo(sent, person("alice")).subject).toBe("Access ended: Reports DB read on Databases");
    expect(byTo(sent, person("dave")).subject).toMatch(
      /^TKT-\d+: remove Reports DB read on Databases from Alice Employee$/,
    );
    skew = 0;
  });

  it("never sent one Message-ID twice", () => {
    const ids = smtp.received.map((m) => m.messageId);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe("muting", () => {
  afterAll(async () => {
    await t.server.db.transact(({ tx }) => tx.settings.deleteMany({}));
    accepted(
      (await dataOf(t.gql(t.org.tokens.alice, UpdateNotificationSettings, { input: { mutedEmailKinds: [] } })))
        .updateNotificationSettings,
      "unmuting",
    );
  });

  it("sends no email of a muted kind, and keeps the in-app notification", async () => {
    const { updateNotificationSettings } = await dataOf(
      t.gql(t.org.tokens.alice, UpdateNotificationSettings, { input: { mutedEmailKinds: ["REQUEST_DECIDED"] } }),
    );
    expect(accepted(updateNotificationSettings, "muting").settings).toContainEqual({
      kind: "REQUEST_DECIDED",
      email: false,
      mandatory: false,
    });
    const req = await request(t.org.tokens.alice, expiringResource, "muted decisions");
    await delivered();
    const mark = smtp.received.length;
    const ticket = await openTicket(t.org.tokens.bob, req.id);
    accepted(
      (await dataOf(t.gql(t.org.tokens.bob, RejectTicket, { input: { ticketId: ticket.id, comment: "no" } })))
        .rejectTicket,
      "rejectTicket",
    );
    expect(tally(await delivered(mark))).toEqual([]);
    const { myNotifications } = await dataOf(t.gql(t.org.tokens.alice, MyNotifications, { first: 1 }));
    expect(myNotifications.edges[0]?.node).toMatchObject({
      kind: "REQUEST_DECIDED",
      readAt: null,
      request: { id: req.id },
      title: expect.stringMatching(/rejected by Bob Manager$/) as unknown,
    });
  });

  it("refuses to mute a kind an admin made mandatory, naming it, and sends it to those who had muted it", async () => {
    await t.server.db.transact(({ tx }) =>
      tx.settings.create({ data: { id: 1, mandatoryEmailKinds: JSON.stringify(["REQUEST_DECIDED"]) } }),
    );
    const { myNotificationSettings } = await dataOf(t.gql(t.org.tokens.alice, MyNotificationSettings));
    expect(myNotificationSettings).toContainEqual({ kind: "REQUEST_DECIDED", email: true, mandatory: true });
    const { updateNotificationSettings } = await dataOf(
      t.gql(t.org.tokens.alice, UpdateNotificationSettings, {
        input: { mutedEmailKinds: ["ACCESS_ENDED", "REQUEST_DECIDED"] },
      }),
    );
    expect(updateNotificationSettings.settings).toBeNull();
    expect(codesAndFields(updateNotificationSettings.errors)).toEqual([
      { code: "VALIDATION", field: ["input", "mutedEmailKinds"] },
    ]);
    expect(updateNotificationSettings.errors[0]?.message).toContain("REQUEST_DECIDED");
    // Alice's earlier mute of REQUEST_DECIDED stays stored but no longer holds.
    const req = await request(t.org.tokens.alice, expiringResource, "mandatory decisions");
    await delivered();
    const mark = smtp.received.length;
    const ticket = await openTicket(t.org.tokens.bob, req.id);
    accepted(
      (await dataOf(t.gql(t.org.tokens.bob, RejectTicket, { input: { ticketId: ticket.id, comment: "still no" } })))
        .rejectTicket,
      "rejectTicket",
    );
    expect(tally(await delivered(mark))).toEqual([`${person("alice")} REQUEST_DECIDED`]);
  });
});

describe("retries", () => {
  afterAll(() => {
    smtp.answer = () => ({ accept: true });
  });

  it("retries an email the server refuses for now, with backoff, and delivers it once", async () => {
    let refusals = 0;
    smtp.answer = () => (refusals++ < 2 ? { refuse: 451, message: "greylisted, try later" } : { accept: true });
    const attemptsBefore = smtp.attempts;
    const mark = smtp.received.length;
    await request(t.org.tokens.dave, expiringResource, "retried email");
    const sent = await delivered(mark);
    expect(tally(sent)).toEqual([`${person("bob")} TICKET_ASSIGNED`]);
    expect(smtp.attempts - attemptsBefore).toBe(3);
    const row = await t.server.db.read.emailMessage.findFirstOrThrow({ orderBy: { createdAt: "desc" } });
    expect(row).toMatchObject({ status: "SENT", attempts: 3, lastError: expect.stringContaining("451") as unknown });
  });

  it("marks an email FAILED on a permanent refusal, shows it to admins, and sends it again on retryEmail", async () => {
    smtp.answer = () => ({ refuse: 550, message: "mailbox unavailable" });
    const mark = smtp.received.length;
    await request(t.org.tokens.carol, expiringResource, "refused email");
    expect(await delivered(mark)).toEqual([]);
    const { emailOutbox } = await dataOf(t.gql(t.org.tokens.admin, EmailOutbox, { status: "FAILED", first: 5 }));
    // Carol has no manager: the admins were assigned (and alerted that no fallback group is configured).
    expect(emailOutbox.edges.map((e) => `${e.node.to} ${e.node.kind}`).sort()).toEqual([
      `${person("admin")} ADMIN_ALERT`,
      `${person("admin")} TICKET_ASSIGNED`,
    ]);
    const failed = present(
      emailOutbox.edges.find((e) => e.node.kind === "TICKET_ASSIGNED")?.node,
      "the failed TICKET_ASSIGNED email",
    );
    expect(failed).toMatchObject({
      status: "FAILED",
      attempts: 1,
      sentAt: null,
      recipient: { displayName: "Erin Admin" },
      lastError: expect.stringContaining("mailbox unavailable") as unknown,
    });
    const denied = await dataOf(t.gql(t.org.tokens.carol, RetryEmail, { input: { id: failed.id } }));
    expect(codesAndFields(denied.retryEmail.errors)).toEqual([{ code: "FORBIDDEN", field: null }]);

    smtp.answer = () => ({ accept: true });
    const { retryEmail } = await dataOf(t.gql(t.org.tokens.admin, RetryEmail, { input: { id: failed.id } }));
    expect(accepted(retryEmail, "retryEmail").email).toMatchObject({ status: "PENDING", attempts: 0 });
    const again = await delivered(smtp.received.length);
    expect(tally(again)).toEqual([`${person("admin")} TICKET_ASSIGNED`]);
    expect(again[0]?.messageId).toBe(`<${fromGid(failed.id)}@access.example.com>`);
  });
});

const fromGid = (id: string) => Buffer.from(id, "base64").toString("utf8").split(":")[1] ?? "";

describe("an instance killed while the SMTP server holds a message", () => {
  let database: TestDatabase;
  let db: Database;
  let peer: SmtpPeer;
  const instances: Instance[] = [];

  beforeAll(async () => {
    database = await freshDatabase();
    db = await openDatabase(database.url);
    peer = await startSmtpPeer();
  });
  afterAll(async () => {
    await Promise.all(instances.map((i) => i.kill("SIGKILL")));
    await peer?.close();
    await db?.close();
    await database?.drop();
  });

  const start = async () => {
    const instance = await startInstance({
      DATABASE_URL: database.url,
      SMTP_URL: peer.url,
      SMTP_FROM: "access@example.com",
      // A send whose instance died is taken over once its lease runs out.
      EMAIL_LEASE_MS: "1000",
      EMAIL_RETRY_BASE_MS: "50",
      HEALTH_CHECK_INTERVAL_MS: "3600000",
    });
    instances.push(instance);
    return instance;
  };

  it("sends every message exactly once after a restart, with the same Message-ID", async () => {
    const org = await loadDemoOrganisation(db);
    const first = await start();
    peer.answer = (_message, attempt) => (attempt === 1 ? { hold: true } : { accept: true });
    const held = peer.held();
    const gql = graphqlAt(first.url);
    const asks: [string, string][] = [
      [org.tokens.alice, org.resources.writeAccess],
      [org.tokens.dave, org.resources.writeAccess],
      [org.tokens.alice, org.resources.orgOwner],
    ];
    for (const [token, resourceId] of asks) {
      const { createRequest } = await dataOf(
        gql(token, CreateRequest, {
          input: { resourceIds: [gid("Resource", resourceId)], justification: "crash" },
        }),
      );
      accepted(createRequest, "createRequest");
    }
    const inFlight = await held;
    await first.kill("SIGKILL");
    peer.release();
    expect(peer.received).toEqual([]);

    await start();
    await until(
      () => db.read.emailMessage.findMany({ select: { id: true, status: true } }),
      (rows) => rows.length === 3 && rows.every((row) => row.status === "SENT"),
      20_000,
    );
    const rows = await db.read.emailMessage.findMany({ select: { id: true } });
    const expected = rows.map((row) => `<${row.id}@access.local>`).sort();
    // Each message accepted once (250 after DATA), the held one among them with its Message-ID unchanged.
    expect(peer.received.map((m) => m.messageId).sort()).toEqual(expected);
    expect(expected).toContain(inFlight.messageId);
    expect(peer.received.map((m) => m.to)).toEqual(Array(3).fill(person("bob")));
    expect(await db.read.notification.count()).toBe(3);
  });
});
