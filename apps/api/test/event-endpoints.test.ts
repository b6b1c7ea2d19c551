// Outbound event endpoints through the real API, delivering to real HTTP receivers that verify
// every signature themselves: the request story arrives complete, signed, in sequence order, as
// CloudEvents whose ids resolve through the API; an outage is retried with backoff and then
// everything arrives in order, the delivery log telling the failures and successes; a replay sends
// events again in order; topics and a system scope filter; a disabled endpoint waits; chat
// channels get readable messages without connector detail; bad input changes nothing; a restart
// of the instance mid-stream loses nothing and keeps the order.
import {
  AuditEvents,
  CreateEventEndpoint,
  CreateRequest,
  CreateSystem,
  DeleteEventEndpoint,
  EventEndpoints,
  Node,
  RejectTicket,
  ReplayEventEndpoint,
  TestEventEndpoint,
  UpdateEventEndpoint,
} from "@access/contract";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { chatMessageOf } from "../src/domain/events/chat-message.ts";
import { fromGlobalId } from "../src/domain/global-id.ts";
import { repoRoot } from "../src/paths.ts";
import type { DemoOrganisation } from "../src/demo/demo-organisation.ts";
import type { EventTopic } from "../src/domain/events/topics.ts";
import { seededDatabase, type TestDatabase } from "./databases.ts";
import { startEventReceiver, type EventReceiver } from "./event-receiver.ts";
import {
  accepted,
  codes,
  codesAndFields,
  dataOf,
  gid,
  graphqlAt,
  jsonObject,
  present,
  startTestServer,
  type TestServer,
} from "./harness.ts";
import {
  type Api,
  admin,
  caughtUp,
  createEndpoint,
  type EndpointInput,
  endpointState,
  expectedSequences,
  head,
  newResource,
  PUBLIC_URL,
  raw,
  SECRET,
  SECRET_REFERENCE,
  story,
  strictlyIncreasing,
  trail,
  until,
} from "./event-steps.ts";
import { freePort, type Instance, startInstance } from "./instances.ts";

describe("event endpoints on one instance", () => {
  let t: TestServer;
  let api: Api;
  const receivers: EventReceiver[] = [];
  const children: ChildProcess[] = [];
  const endpoints: string[] = [];

  const receiver = async (secret: string | null = SECRET) => {
    const r = await startEventReceiver(secret);
    receivers.push(r);
    return r;
  };
  const endpoint = async (input: Partial<EndpointInput> & Pick<EndpointInput, "url">) => {
    const created = await createEndpoint(api, input);
    endpoints.push(created.id);
    return created;
  };

  let hooks = 0;
  /** Alice's request for a resource on a new WEBHOOK system whose peer is down: it fails, the system goes DOWN. */
  const requestOnDownHook = async () => {
    const { createSystem } = await dataOf(
      t.gql(admin(api), CreateSystem, {
        input: {
          name: `Down hook ${++hooks}`,
          connector: "WEBHOOK",
          connectorConfig: { url: `http://127.0.0.1:${await freePort()}/hook`, secret: "env:ACCESS_SECRET_HOOK" },
          fulfillersGroupId: gid("Group", api.org.fulfillersGroupId),
        },
      }),
    );
    const hook = present(accepted(createSystem, "createSystem").system, "the hook system").id;
    const hooked = await newResource(api, hook, { approvalSteps: [], connectorTarget: { team: "x" } });
    const { createRequest } = await dataOf(
      t.gql(api.org.tokens.alice, CreateRequest, { input: { resourceIds: [hooked], justification: "hook" } }),
    );
    return { systemId: hook, request: present(accepted(createRequest, "createRequest").request, "the hook request") };
  };

  beforeAll(async () => {
    t = await startTestServer({
      env: {
        ACCESS_SECRET_EVENTS: SECRET,
        ACCESS_SECRET_HOOK: "event-test-webhook-secret-0123456789",
        EVENT_RETRY_BASE_MS: "20",
        EVENT_TIMEOUT_MS: "2000",
        EVENT_LEASE_MS: "10000",
        CONNECTOR_MAX_ATTEMPTS: "1",
        HEALTH_CHECK_INTERVAL_MS: "3600000",
        PUBLIC_URL,
      },
    });
    api = { gql: t.gql, org: t.org };
  });
  afterEach(async () => {
    // Each test's endpoints go with it: later tests' events are not theirs.
    for (const id of endpoints.splice(0)) {
      accepted(
        (await dataOf(t.gql(admin(api), DeleteEventEndpoint, { input: { id } }))).deleteEventEndpoint,
        "deleteEventEndpoint",
      );
    }
  });
  afterAll(async () => {
    children.forEach((child) => child.kill());
    await t?.close();
    await Promise.all(receivers.map((r) => r.close()));
  });

  it("delivers the request story once each, signed, in sequence order, as CloudEvents whose ids resolve", async () => {
    const r = await receiver();
    const start = await head(api);
    const topics: EventTopic[] = ["TICKETS", "REQUESTS", "GRANTS"];
    const created = await endpoint({ url: r.url, topics });
    expect(created).toMatchObject({ kind: "CLOUDEVENTS", enabled: true, secretReference: SECRET_REFERENCE });
    expect(created.topics).toEqual(["REQUESTS", "TICKETS", "GRANTS"]);
    expect(created.deliveredSequence).toBe(start); // only new events
    const request = await story(api);
    const end = await head(api);
    await caughtUp(api, created.id, end);

    const expected = await expectedSequences(api, topics, start, end);
    expect(expected.length).toBeGreaterThanOrEqual(8);
    expect(r.sequences()).toEqual(expected);
    expect(strictlyIncreasing(raw(r))).toBe(true);
    expect(r.rejected).toEqual([]);

    const actions = new Map((await trail(api)).map((e) => [e.sequence, e.action]));
    for (const { headers, body } of r.accepted) {
      const data = jsonObject(body.data, "the CloudEvent's data");
      const action = String(actions.get(Number(data.sequence)));
      expect(headers["content-type"]).toBe("application/cloudevents+json");
      expect(body).toMatchObject({
        specversion: "1.0",
        source: `${PUBLIC_URL}/audit`,
        type: `dev.access-requests.${action.toLowerCase().replace(/_/g, ".")}`,
        datacontenttype: "application/json",
        sequence: String(data.sequence),
      });
      expect(data.action).toBe(action);
      expect(headers["idempotency-key"]).toBe(body.id);
      expect(new Date(String(body.time)).toISOString()).toBe(body.time);
      // The event's own id and its subject are global ids the API resolves.
      const event = await dataOf(t.gql(admin(api), Node, { id: String(body.id) }));
      expect(event.node?.__typename).toBe("AuditEvent");
      const subject = await dataOf(t.gql(admin(api), Node, { id: String(body.subject) }));
      const kind = action.split("_")[0];
      expect(subject.node?.__typename).toBe(kind === "REQUEST" ? "Request" : kind === "TICKET" ? "Ticket" : "Grant");
      if (data.requestId !== null) expect(data.requestId).toBe(request.id);
      if (data.actorId !== null) {
        expect((await dataOf(t.gql(admin(api), Node, { id: String(data.actorId) }))).node?.__typename).toBe("Identity");
      }
    }
    const state = await endpointState(api, created.id);
    expect(state).toMatchObject({ failures: 0, retryAt: null, lastError: null, pending: 0 });
    expect(state.deliveries.totalCount).toBe(expected.length);
    expect(state.deliveries.edges.map((e) => e.node.outcome)).toEqual(expected.map(() => "DELIVERED"));
    // Newest first.
    expect(state.deliveries.edges.map((e) => e.node.sequence)).toEqual([...expected].reverse());
  });

  it("retries through an outage with backoff, then delivers everything in order; the log shows both", async () => {
    const r = await receiver();
    const start = await head(api);
    const created = await endpoint({ url: r.url, topics: ["TICKETS", "REQUESTS", "GRANTS"] });
    r.outage(500);
    await story(api);
    const end = await head(api);
    const failing = await until(
      () => endpointState(api, created.id),
      (e) => e.failures >= 3,
      "three failed attempts",
    );
    expect(failing.lastError).toBe("answered HTTP 500");
    expect(failing.retryAt).not.toBeNull();
    expect(failing.deliveredSequence).toBeLessThan(end);
    r.recover();
    const done = await caughtUp(api, created.id, end);
    const expected = await expectedSequences(api, ["TICKETS", "REQUESTS", "GRANTS"], start, end);
    expect(r.sequences()).toEqual(expected);
    expect(raw(r)).toEqual(expected); // nothing sent twice, nothing after a failure sent before it
    expect(done).toMatchObject({ failures: 0, lastError: null, retryAt: null });
    const log = done.deliveries.edges.map((e) => e.node);
    const failed = log.filter((d) => d.outcome === "FAILED");
    expect(failed.length).toBeGreaterThanOrEqual(3);
    expect(failed.every((d) => d.httpStatus === 500 && d.error === "answered HTTP 500")).toBe(true);
    // The failures were all at the first event (the rest waited), which then went through.
    expect(new Set(failed.map((d) => d.sequence))).toEqual(new Set([expected[0]]));
    expect(log.filter((d) => d.outcome === "DELIVERED").map((d) => d.sequence)).toEqual([...expected].reverse());
    expect(r.attempts).toBe(expected.length + failed.length);
  });

  it("replays from a sequence: the receiver gets those events again, in order", async () => {
    const r = await receiver();
    const start = await head(api);
    const created = await endpoint({ url: r.url });
    await story(api);
    const end = await head(api);
    await caughtUp(api, created.id, end);
    const expected = await expectedSequences(api, ["TICKETS", "REQUESTS", "GRANTS"], start, end);
    const from = present(expected[2], "a third event");
    const { replayEventEndpoint } = await dataOf(
      t.gql(admin(api), ReplayEventEndpoint, { input: { id: created.id, fromSequence: from } }),
    );
    const replayed = present(accepted(replayEventEndpoint, "replay").endpoint, "the endpoint");
    // The replay's own CONFIG_CHANGED event is in no topic: it is skipped, not sent.
    expect(replayed.deliveredSequence).toBeLessThan(from);
    await caughtUp(api, created.id, end + 1);
    expect(raw(r)).toEqual([...expected, ...expected.filter((s) => s >= from)]);

    const bad = await dataOf(
      t.gql(admin(api), ReplayEventEndpoint, { input: { id: created.id, fromSequence: (await head(api)) + 2 } }),
    );
    expect(codes(bad.replayEventEndpoint.errors)).toEqual(["VALIDATION"]);
    const zero = await dataOf(t.gql(admin(api), ReplayEventEndpoint, { input: { id: created.id, fromSequence: 0 } }));
    expect(codes(zero.replayEventEndpoint.errors)).toEqual(["VALIDATION"]);
  });

  it("sends only its topics, and with a system scope only events about that system", async () => {
    const grantsOnly = await receiver();
    const scoped = await receiver();
    const { createSystem } = await dataOf(
      t.gql(admin(api), CreateSystem, {
        input: { name: "Wiki", connector: "MANUAL", fulfillersGroupId: gid("Group", api.org.fulfillersGroupId) },
      }),
    );
    const wiki = present(accepted(createSystem, "createSystem").system, "the wiki system").id;
    const start = await head(api);
    const a = await endpoint({ url: grantsOnly.url, topics: ["GRANTS"] });
    const b = await endpoint({ url: scoped.url, topics: ["TICKETS"], systemId: wiki });
    expect(b.system?.id).toBe(wiki);
    await story(api); // on GitHub
    const wikiRequest = await story(api, await newResource(api, wiki));
    const end = await head(api);
    await caughtUp(api, a.id, end);
    await caughtUp(api, b.id, end);
    const events = await trail(api);
    const actionOf = (s: number) => events.find((e) => e.sequence === s)?.action ?? "";
    expect(grantsOnly.sequences()).toEqual(await expectedSequences(api, ["GRANTS"], start, end));
    expect(grantsOnly.sequences().map(actionOf)).toEqual(["GRANT_ACTIVATED", "GRANT_ACTIVATED"]);
    // Only the wiki request's tickets.
    const ticketEvents = scoped.accepted.map((call) => jsonObject(call.body.data, "data"));
    expect(ticketEvents.length).toBeGreaterThanOrEqual(4);
    expect(ticketEvents.every((data) => data.requestId === wikiRequest.id)).toBe(true);
    expect(new Set(ticketEvents.map((data) => String(data.action).split("_")[0]))).toEqual(new Set(["TICKET"]));
  });

  it("sends a disabled endpoint nothing until it is enabled, then everything it missed, in order", async () => {
    const r = await receiver();
    const sentinel = await receiver();
    const start = await head(api);
    const created = await endpoint({ url: r.url });
    const { updateEventEndpoint } = await dataOf(
      t.gql(admin(api), UpdateEventEndpoint, { input: { id: created.id, enabled: false } }),
    );
    expect(accepted(updateEventEndpoint, "disable").endpoint?.enabled).toBe(false);
    const watcher = await endpoint({ url: sentinel.url });
    await story(api);
    const end = await head(api);
    // The worker has been through every endpoint with events since: the enabled one caught up.
    await caughtUp(api, watcher.id, end);
    const missed = await expectedSequences(api, ["TICKETS", "REQUESTS", "GRANTS"], start, end);
    expect(r.attempts).toBe(0);
    expect((await endpointState(api, created.id)).deliveredSequence).toBeLessThan(present(missed[0], "an event"));
    accepted(
      (await dataOf(t.gql(admin(api), UpdateEventEndpoint, { input: { id: created.id, enabled: true } })))
        .updateEventEndpoint,
      "enable",
    );
    await caughtUp(api, created.id, end);
    expect(raw(r)).toEqual(missed);
  });

  it("sends a chat channel a readable message for a new approval ticket, and a failure without connector detail", async () => {
    const chat = await receiver(null);
    const created = await endpoint({ url: chat.url, kind: "CHAT", secret: null, topics: ["TICKETS"] });
    const resource = await newResource(api);
    const { createRequest } = await dataOf(
      t.gql(api.org.tokens.alice, CreateRequest, {
        input: { resourceIds: [resource], justification: "Release <v2> & docs" },
      }),
    );
    const request = present(accepted(createRequest, "createRequest").request, "the request");
    const [first] = await until(
      () => chat.accepted,
      (calls) => calls.length >= 1,
      "the chat message",
    );
    const text = String(first?.body.text);
    expect(Object.keys(first?.body ?? {})).toEqual(["text"]);
    expect(text).toContain(`REQ-${request.number} needs approval (approval step 1)`);
    expect(text).toMatch(/Alice Employee requests Event test resource \d+ \(GitHub\)\./);
    expect(text).toContain('Justification: "Release &lt;v2&gt; &amp; docs"');
    expect(text).toContain(`${PUBLIC_URL}/?request=${encodeURIComponent(request.id)}`);

    // A connector failure: the plain code and message, never what the connector said.
    const failedRequest = await requestOnDownHook();
    const failure = await until(
      () => chat.accepted.find((call) => String(call.body.text).includes("failed")),
      (call) => call !== undefined,
      "the failure message",
    );
    const failureText = String(failure?.body.text);
    expect(failureText).toContain(`REQ-${failedRequest.request.number}: provisioning`);
    expect(failureText).toContain("(UNREACHABLE:");
    expect(failureText).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|webhook unreachable/);
    expect((await endpointState(api, created.id)).secretReference).toBeNull();
  });

  it("tells a chat channel of a rejection with its reason and of an escalation, and of nothing else", async () => {
    const chat = await receiver(null);
    const channel = await endpoint({ url: chat.url, kind: "CHAT", topics: ["TICKETS", "REQUESTS", "GRANTS"] });
    const { createRequest } = await dataOf(
      t.gql(api.org.tokens.alice, CreateRequest, {
        input: { resourceIds: [await newResource(api)], justification: "for the audit" },
      }),
    );
    const request = present(accepted(createRequest, "createRequest").request, "the request");
    const approval = present(request.tickets[0], "the approval ticket");
    accepted(
      (
        await dataOf(
          t.gql(api.org.tokens.bob, RejectTicket, { input: { ticketId: approval.id, comment: "use the read role" } }),
        )
      ).rejectTicket,
      "rejectTicket",
    );
    const texts = await until(
      () => chat.accepted.map((call) => String(call.body.text)),
      (list) => list.length >= 2,
      "two chat messages",
    );
    expect(texts[1]).toMatch(
      new RegExp(
        `^REQ-${request.number}: Event test resource \\d+ \\(GitHub\\) for Alice Employee rejected by Bob Manager: "use the read role"\\. Open: `,
      ),
    );
    // An escalation (written by the SLA sweep) reads as one sentence with where the ticket went.
    const escalation = await chatMessageOf(
      t.server.db.read,
      {
        id: "synthetic",
        sequence: 1,
        at: new Date(),
        actorId: null,
        action: "TICKET_ESCALATED",
        requestId: present(fromGlobalId(request.id), "request id").id,
        ticketId: present(fromGlobalId(approval.id), "ticket id").id,
        comment: null,
        data: JSON.stringify({ slaHours: 24, assignedToAdmins: true }),
      },
      new URL(PUBLIC_URL),
    );
    expect(escalation?.text).toMatch(
      /the approval of .* for Alice Employee waited twice its SLA \(SLA 24 h\) and went to the admins\./,
    );
    // Of the story, the new approval ticket, its approval and the fulfillment: no request or grant event.
    await story(api);
    await caughtUp(api, channel.id, await head(api));
    expect(chat.accepted.map((call) => String(call.body.text).replace(/^REQ-\d+:? /, ""))).toEqual([
      expect.stringMatching(/^needs approval/),
      expect.stringMatching(/rejected by Bob Manager/),
      expect.stringMatching(/^needs approval/),
      expect.stringMatching(/approved \(step 1\) by Bob Manager/),
      expect.stringMatching(/^Alice Employee now has .* \(fulfilled by Dave Fulfiller\)/),
    ]);
  });

  it("sends health changes without the connector's message (admins only in the API)", async () => {
    const r = await receiver();
    await endpoint({ url: r.url, topics: ["SYSTEM_HEALTH"] });
    const { systemId } = await requestOnDownHook();
    const [change] = await until(
      () => r.accepted,
      (calls) => calls.length >= 1,
      "the health change",
    );
    expect(change?.body).toMatchObject({ type: "dev.access-requests.system.health.changed", subject: systemId });
    const data = jsonObject(jsonObject(change?.body.data, "data").data, "the audit data");
    expect(data).toEqual({ systemId, previousStatus: expect.any(String), status: "DOWN" });
    expect(JSON.stringify(change?.body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
  });

  it("never connects to a cloud metadata address: the delivery fails as refused and waits", async () => {
    const created = await endpoint({ url: "http://169.254.169.254/latest/meta-data/", topics: ["REQUESTS"] });
    await story(api);
    const refused = await until(
      () => endpointState(api, created.id),
      (e) => e.failures >= 1,
      "a refused delivery",
    );
    expect(refused.lastError).toMatch(/^address refused: 169\.254\.169\.254 is a link-local/);
    expect(refused.deliveries.edges[0]?.node).toMatchObject({ outcome: "FAILED", httpStatus: null });
  });

  it("sends a test event on demand and logs it as sequence 0", async () => {
    const r = await receiver();
    const created = await endpoint({ url: r.url, topics: ["SYSTEM_HEALTH"] });
    const { testEventEndpoint } = await dataOf(t.gql(admin(api), TestEventEndpoint, { input: { id: created.id } }));
    expect(accepted(testEventEndpoint, "test").delivery).toMatchObject({
      sequence: 0,
      type: "dev.access-requests.ping",
      outcome: "DELIVERED",
      httpStatus: 200,
    });
    expect(r.accepted.map((call) => call.body.type)).toEqual(["dev.access-requests.ping"]);
  });

  it("answers NOT_FOUND, and writes no log, when the endpoint is deleted while its test event is out", async () => {
    const r = await receiver();
    r.outage("hang");
    const created = await createEndpoint(api, { url: r.url, topics: ["SYSTEM_HEALTH"] });
    const testing = dataOf(t.gql(admin(api), TestEventEndpoint, { input: { id: created.id } }));
    await until(
      async () => r.attempts,
      (n) => n === 1,
      "the test event's call",
    );
    const deleted = await dataOf(t.gql(admin(api), DeleteEventEndpoint, { input: { id: created.id } }));
    accepted(deleted.deleteEventEndpoint, "deleteEventEndpoint");
    // The call times out (EVENT_TIMEOUT_MS); the endpoint is gone by then.
    const { testEventEndpoint } = await testing;
    expect(codesAndFields(testEventEndpoint.errors)).toEqual([{ code: "NOT_FOUND", field: ["input", "id"] }]);
    const id = present(fromGlobalId(created.id), "the endpoint's id").id;
    expect(await t.server.db.read.eventDelivery.count({ where: { endpointId: id } })).toBe(0);
  });

  it("the README's receiver verifies, de-duplicates by sequence and accepts the deliveries; a wrong secret gets 401", async () => {
    const readme = readFileSync(path.join(repoRoot, "README.md"), "utf8");
    const code = /```js\n(\/\/ receiver\.mjs[\s\S]*?)```/.exec(readme)?.[1];
    const port = await freePort();
    const file = path.join(mkdtempSync(path.join(tmpdir(), "readme-receiver-")), "receiver.mjs");
    writeFileSync(file, present(code, "the receiver in the README").replace(".listen(8080)", `.listen(${port})`));
    const run = (secret: string) => {
      const child = spawn(process.execPath, [file], { env: { ...process.env, ACCESS_EVENTS_SECRET: secret } });
      children.push(child);
      const output = { text: "" };
      child.stdout.on("data", (chunk: Buffer) => (output.text += chunk.toString()));
      return output;
    };
    const listening = () =>
      until(
        () =>
          fetch(`http://127.0.0.1:${port}/`).then(
            (res) => res.status,
            () => 0,
          ),
        (status) => status === 401,
        "the README's receiver to listen",
      );
    const printed = run(SECRET);
    await listening();
    const start = await head(api);
    const created = await endpoint({ url: `http://127.0.0.1:${port}/` });
    await story(api);
    const end = await head(api);
    const expected = await expectedSequences(api, ["TICKETS", "REQUESTS", "GRANTS"], start, end);
    await caughtUp(api, created.id, end);
    // A replay re-sends; the receiver answers 2xx and processes nothing twice.
    accepted(
      (await dataOf(t.gql(admin(api), ReplayEventEndpoint, { input: { id: created.id, fromSequence: start + 1 } })))
        .replayEventEndpoint,
      "replay",
    );
    const replayed = await caughtUp(api, created.id, end + 1);
    expect(replayed.deliveries.edges.every((e) => e.node.outcome === "DELIVERED" && e.node.httpStatus === 204)).toBe(
      true,
    );
    const sequences = [...printed.text.matchAll(/^(\d+) dev\.access-requests\./gm)].map((m) => Number(m[1]));
    expect(sequences).toEqual(expected);

    // The same code with another secret refuses every delivery.
    children.splice(0).forEach((child) => child.kill());
    await until(
      () =>
        fetch(`http://127.0.0.1:${port}/`).then(
          () => false,
          () => true,
        ),
      (closed) => closed,
      "the receiver to stop",
    );
    run("not-the-secret");
    await listening();
    await story(api);
    const refused = await until(
      () => endpointState(api, created.id),
      (e) => e.lastError !== null,
      "a refused delivery",
    );
    expect(refused.lastError).toBe("answered HTTP 401");
  });

  it("refuses bad input and changes nothing; non-admins are refused everything", async () => {
    const r = await receiver();
    const auditTotal = async () => (await dataOf(t.gql(admin(api), AuditEvents, { first: 1 }))).auditEvents.totalCount;
    const count = async () => (await dataOf(t.gql(admin(api), EventEndpoints))).eventEndpoints.length;
    const [auditBefore, countBefore] = [await auditTotal(), await count()];
    const base: EndpointInput = {
      name: "Refused",
      kind: "CLOUDEVENTS",
      url: r.url,
      secret: SECRET_REFERENCE,
      topics: ["TICKETS"],
    };
    const cases: [Partial<EndpointInput>, string, string[]][] = [
      [{ url: "ftp://events.example.com/in" }, "VALIDATION", ["input", "url"]],
      [{ url: "not a url" }, "VALIDATION", ["input", "url"]],
      [{ url: "https://user:pass@events.example.com/in" }, "VALIDATION", ["input", "url"]],
      [{ secret: "plain-secret-value" }, "VALIDATION", ["input", "secret"]],
      [{ secret: "env:ACCESS_SECRET_NOT_SET_ANYWHERE" }, "VALIDATION", ["input", "secret"]],
      [{ secret: null }, "VALIDATION", ["input", "secret"]],
      [{ topics: [] }, "VALIDATION", ["input", "topics"]],
      [{ topics: ["TICKETS", "TICKETS"] }, "VALIDATION", ["input", "topics", "1"]],
      [{ systemId: gid("System", "nosuchsystem") }, "NOT_FOUND", ["input", "systemId"]],
      [{ name: " " }, "VALIDATION", ["input", "name"]],
      [{ name: "x".repeat(101) }, "VALIDATION", ["input", "name"]],
      [{ fromSequence: 0 }, "VALIDATION", ["input", "fromSequence"]],
    ];
    for (const [change, code, field] of cases) {
      const { createEventEndpoint } = await dataOf(
        t.gql(admin(api), CreateEventEndpoint, { input: { ...base, ...change } }),
      );
      expect(
        createEventEndpoint.errors.map((e) => ({ code: e.code, field: e.field })),
        JSON.stringify(change),
      ).toEqual([{ code, field }]);
      expect(createEventEndpoint.endpoint).toBeNull();
    }
    const unresolvable = await dataOf(
      t.gql(admin(api), CreateEventEndpoint, { input: { ...base, secret: "env:ACCESS_SECRET_NOT_SET_ANYWHERE" } }),
    );
    expect(unresolvable.createEventEndpoint.errors[0]?.message).toContain("ACCESS_SECRET_NOT_SET_ANYWHERE");
    expect([await auditTotal(), await count()]).toEqual([auditBefore, countBefore]);

    const existing = await endpoint({ url: r.url, name: "Taken name" });
    const duplicate = await dataOf(t.gql(admin(api), CreateEventEndpoint, { input: { ...base, name: "Taken name" } }));
    expect(codes(duplicate.createEventEndpoint.errors)).toEqual(["CONFLICT"]);
    const update = await dataOf(
      t.gql(admin(api), UpdateEventEndpoint, { input: { id: existing.id, secret: "plain", enabled: false } }),
    );
    expect(codes(update.updateEventEndpoint.errors)).toEqual(["VALIDATION"]);
    expect((await endpointState(api, existing.id)).enabled).toBe(true);

    // Non-admins: the list is FORBIDDEN, the endpoint is no node of theirs, every mutation FORBIDDEN.
    const alice = api.org.tokens.alice;
    const list = await t.gql(alice, EventEndpoints);
    expect(list.errors?.map((e) => e.extensions?.code)).toEqual(["FORBIDDEN"]);
    expect((await dataOf(t.gql(alice, Node, { id: existing.id }))).node).toBeNull();
    const refusals = [
      (await dataOf(t.gql(alice, CreateEventEndpoint, { input: base }))).createEventEndpoint.errors,
      (await dataOf(t.gql(alice, UpdateEventEndpoint, { input: { id: existing.id, enabled: false } })))
        .updateEventEndpoint.errors,
      (await dataOf(t.gql(alice, ReplayEventEndpoint, { input: { id: existing.id, fromSequence: 1 } })))
        .replayEventEndpoint.errors,
      (await dataOf(t.gql(alice, TestEventEndpoint, { input: { id: existing.id } }))).testEventEndpoint.errors,
      (await dataOf(t.gql(alice, DeleteEventEndpoint, { input: { id: existing.id } }))).deleteEventEndpoint.errors,
    ];
    expect(refusals.map(codes)).toEqual(refusals.map(() => ["FORBIDDEN"]));
    expect(await count()).toBe(countBefore + 1);
  });

  it("audits every change as CONFIG_CHANGED without a secret's value", async () => {
    const r = await receiver();
    const created = await endpoint({ url: r.url, name: "Audited" });
    await dataOf(t.gql(admin(api), UpdateEventEndpoint, { input: { id: created.id, topics: ["GRANTS"] } }));
    const { auditEvents } = await dataOf(
      t.gql(admin(api), AuditEvents, { last: 2, filter: { action: ["CONFIG_CHANGED"] } }),
    );
    const data = auditEvents.edges.map((e) => jsonObject(e.node.data, "data"));
    expect(data).toMatchObject([
      { entity: "EventEndpoint", entityId: created.id, change: "created", secretReference: SECRET_REFERENCE },
      { entity: "EventEndpoint", entityId: created.id, change: "updated", topics: ["GRANTS"] },
    ]);
    expect(JSON.stringify(data)).not.toContain(SECRET);
  });
});

describe("a restart in the middle of delivery", () => {
  let database: TestDatabase;
  let org: DemoOrganisation;
  let r: EventReceiver;
  const instances: Instance[] = [];

  beforeAll(async () => {
    ({ database, org } = await seededDatabase());
    r = await startEventReceiver(SECRET);
  });
  afterAll(async () => {
    await Promise.all(instances.map((i) => i.kill("SIGKILL")));
    await r?.close();
    await database?.drop();
  });

  const start = async () => {
    const instance = await startInstance({
      DATABASE_URL: database.url,
      ACCESS_SECRET_EVENTS: SECRET,
      EVENT_RETRY_BASE_MS: "20",
      EVENT_TIMEOUT_MS: "1000",
      EVENT_LEASE_MS: "1500",
      HEALTH_CHECK_INTERVAL_MS: "3600000",
      ...(process.env.TEST_REDIS_URL ? { REDIS_URL: process.env.TEST_REDIS_URL } : {}),
    });
    instances.push(instance);
    return { instance, api: { gql: graphqlAt(instance.url), org } };
  };

  it("loses nothing and keeps the order when the instance is killed and another takes over", async () => {
    const first = await start();
    const begin = await head(first.api);
    const created = await createEndpoint(first.api, { url: r.url });
    // The receiver holds the first delivery while the story is written, then the instance dies.
    r.outage("hang");
    await story(first.api);
    await story(first.api);
    const end = await head(first.api);
    await until(
      () => r.attempts,
      (n) => n >= 1,
      "the first delivery to arrive",
    );
    await first.instance.kill("SIGKILL");
    r.recover();

    const second = await start();
    await caughtUp(second.api, created.id, end, 30_000);
    const expected = await expectedSequences(second.api, ["TICKETS", "REQUESTS", "GRANTS"], begin, end);
    expect(r.sequences()).toEqual(expected);
    expect(strictlyIncreasing(r.sequences())).toBe(true);
    // At least once: a repeat only of what was in flight, never an event out of order.
    const arrivals = raw(r);
    expect(arrivals.every((s, i) => i === 0 || s >= (arrivals[i - 1] ?? 0) || arrivals.slice(0, i).includes(s))).toBe(
      true,
    );

    // Stopped cleanly (SIGTERM) in the middle of a stream: the next instance goes on from the cursor.
    // (One instance at a time: the suite's SQLite file is for one writer process.)
    await story(second.api);
    await second.instance.kill("SIGTERM");
    const third = await start();
    const last = await head(third.api);
    await caughtUp(third.api, created.id, last, 30_000);
    expect(r.sequences()).toEqual(await expectedSequences(third.api, ["TICKETS", "REQUESTS", "GRANTS"], begin, last));
    expect(strictlyIncreasing(r.sequences())).toBe(true);
  }, 120_000);
});
