// Email end to end: the API's story (request, approve, fulfil, reject, fail, expire) with a real
// SMTP server (test/smtp-peer.ts) receiving what the outbox sends. Each step checks that every
// person received exactly the right messages, once each (counted by recipient and kind).
import {
  ApproveTicket,
  CreateRequest,
  FulfillTicket,
  MyTickets,
  readFragment,
  RejectTicket,
  TicketCardFields,
} from "@access/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createResource, createSystem } from "../src/domain/catalog/catalog.ts";
import { createGroup } from "../src/domain/directory/directory.ts";
import { createConnectorSystem, until } from "./connector-helpers.ts";
import { accepted, dataOf, gid, present, startTestServer, type TestServer } from "./harness.ts";
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

  it("tells requester of a failed provisioning with the plain error, never the connector's detail", async () => {
    webhook.script(400);
    const { createResource: created } = await t.server.db.transact(async (work) => ({
      createResource: await createResource(work, null, {
        systemId: Buffer.from(webhookSystemId, "base64").toString("utf8").split(":")[1] ?? "",
        name: "Wiki editor",
        sensitivity: "STANDARD",
        approvalSteps: [],
        connectorTarget: { group: "wiki-editors" },
      }),
    }));
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
