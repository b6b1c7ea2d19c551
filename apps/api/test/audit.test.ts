// The audit chain under concurrency, the export endpoints, the verifier and the append-only trail.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { verifyLines } from "@access/audit-chain";
import { ApproveTicket, AuditEvents, CreateRequest, RequestDetail, Requests, UpdateResource } from "@access/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../src/paths.ts";
import { codes, dataOf, gid, present, startTestServer, type TestServer } from "./harness.ts";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

const exportUrl = (format: string, query = "") => `${t.url}/audit/export.${format}${query}`;
const auth = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
const exportText = async () => (await fetch(exportUrl("jsonl"), auth(t.org.tokens.admin))).text();
const withThirdActionChanged = (lines: string[]) =>
  lines.map((l, i) => (i === 2 ? l.replace(/"action":"[A-Z_]+"/, '"action":"TICKET_APPROVED"') : l));

describe("concurrent decisions", () => {
  it("lets exactly one of twelve simultaneous approvals win; the others get INVALID_STATE", async () => {
    const created = await dataOf(
      t.gql(t.org.tokens.alice, CreateRequest, {
        input: { resourceIds: [gid("Resource", t.org.resources.writeAccess)], justification: "race" },
      }),
    );
    const ticketId = present(created.createRequest.request?.tickets[0], "the approval ticket").id;
    const attempts = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        t.gql(t.org.tokens[i % 2 === 0 ? "bob" : "admin"], ApproveTicket, { input: { ticketId } }),
      ),
    );
    const errors = attempts.map((a) => (a.data ? codes(a.data.approveTicket.errors).join(",") : "http"));
    expect(errors.filter((e) => e === "")).toHaveLength(1);
    expect(errors.filter((e) => e === "INVALID_STATE")).toHaveLength(11);
    const approvals = await t.server.db.read.auditEvent.count({ where: { action: "TICKET_APPROVED" } });
    expect(approvals).toBe(1);
  });
});

describe("whom and what an event is about", () => {
  const eventsOf = async (action: ("TOKEN_ISSUED" | "CONFIG_CHANGED" | "TICKET_APPROVED")[]) =>
    (await dataOf(t.gql(t.org.tokens.admin, AuditEvents, { first: 100, filter: { action } }))).auditEvents.edges.map(
      (e) => e.node,
    );

  it("names the token's owner, the changed resource, and nothing for a ticket's own events", async () => {
    // Each demo person's token was issued to them: the event names them.
    const issued = await eventsOf(["TOKEN_ISSUED"]);
    const owners = new Set(issued.map((e) => e.subjectIdentity?.displayName));
    for (const person of t.org.people) expect(owners).toContain(person.displayName);
    expect(issued.every((e) => e.subjectResource === null)).toBe(true);

    const resourceId = gid("Resource", t.org.resources.orgOwner);
    const updated = await dataOf(
      t.gql(t.org.tokens.admin, UpdateResource, { input: { resourceId, description: "Owners of the organisation." } }),
    );
    expect(updated.updateResource.errors).toEqual([]);
    // Its creation by the seed, then this update: both name it.
    const changed = (await eventsOf(["CONFIG_CHANGED"])).filter((e) => e.subjectResource?.id === resourceId);
    expect(changed.map((e) => (e.data as { change: string }).change)).toEqual(["created", "updated"]);
    expect(changed.at(-1)?.subjectResource?.name).toBe(updated.updateResource.resource?.name);
    expect(changed.at(-1)?.subjectIdentity).toBeNull();

    // The seed's system and group, and its fulfillers' members, are named too.
    const configuration = await eventsOf(["CONFIG_CHANGED"]);
    const entity = (e: (typeof configuration)[number]) => (e.data as { entity: string; change: string }).entity;
    expect(configuration.filter((e) => entity(e) === "System").map((e) => e.subjectSystem?.name)).toContain("GitHub");
    const fulfillers = configuration.filter((e) => e.subjectGroup?.name === "IT Fulfillers");
    expect(fulfillers.length).toBeGreaterThan(0);
    expect(fulfillers.every((e) => entity(e) === "Group")).toBe(true);

    // The approvals of the first test name their request and ticket instead.
    const approvals = await eventsOf(["TICKET_APPROVED"]);
    expect(approvals.length).toBeGreaterThan(0);
    for (const e of approvals) expect([e.subjectIdentity, e.subjectResource]).toEqual([null, null]);
  });
});

describe("the audit chain and its export", () => {
  it("keeps sequences gapless and exports a chain that verifies", async () => {
    const res = await fetch(exportUrl("jsonl"), auth(t.org.tokens.admin));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/x-ndjson");
    const text = await res.text();
    const records = text
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { sequence: number });
    expect(records.map((r) => r.sequence)).toEqual(records.map((_, i) => i + 1));
    expect(Object.keys(records[0] ?? {})).toEqual([
      "sequence",
      "at",
      "actorId",
      "action",
      "requestId",
      "ticketId",
      "comment",
      "data",
      "prevHash",
      "hash",
    ]);
    const report = await verifyLines(text.split("\n"));
    expect(report).toMatchObject({ ok: true, count: records.length, first: 1, segments: 1 });
  });

  it("exports one request's events and a time range", async () => {
    const requests = await dataOf(t.gql(t.org.tokens.admin, Requests, { first: 1 }));
    const id = present(requests.requests.edges[0], "a request").node.id;
    const request = present((await dataOf(t.gql(t.org.tokens.admin, RequestDetail, { id }))).request, "the request");
    const text = await (
      await fetch(exportUrl("jsonl", `?requestId=${encodeURIComponent(id)}`), auth(t.org.tokens.admin))
    ).text();
    const lines = text
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { requestId: string });
    expect(lines).toHaveLength(request.auditEvents.totalCount);
    expect(new Set(lines.map((l) => l.requestId))).toEqual(new Set([id]));
    expect((await verifyLines(text.split("\n"))).ok).toBe(true);
    const future = await (
      await fetch(exportUrl("jsonl", "?from=2999-01-01T00:00:00Z"), auth(t.org.tokens.admin))
    ).text();
    expect(future).toBe("");
  });

  it("exports CSV with a header row and one row per event", async () => {
    const res = await fetch(exportUrl("csv"), auth(t.org.tokens.admin));
    const text = await res.text();
    expect(res.headers.get("content-type")).toContain("text/csv");
    expect(text.split("\r\n")[0]).toBe("sequence,at,actorId,action,requestId,ticketId,comment,data,prevHash,hash");
    const total = await t.server.db.read.auditEvent.count();
    expect(text.match(/\r\n\d+,\d{4}-/g)?.length).toBe(total);
  });

  it("refuses the export to end users (403), anonymous callers (401) and bad parameters (400)", async () => {
    expect((await fetch(exportUrl("jsonl"), auth(t.org.tokens.alice))).status).toBe(403);
    expect((await fetch(exportUrl("csv"))).status).toBe(401);
    expect((await fetch(exportUrl("jsonl", "?from=yesterday"), auth(t.org.tokens.admin))).status).toBe(400);
    expect((await fetch(exportUrl("jsonl", "?requestId=abc"), auth(t.org.tokens.admin))).status).toBe(400);
  });

  it("finds a tampered or removed event in a real export", async () => {
    const lines = (await exportText()).trim().split("\n");
    expect(await verifyLines(withThirdActionChanged(lines))).toMatchObject({
      ok: false,
      failure: { line: 3, sequence: 3 },
    });
    // Removing one event from the middle: the next one no longer links (its sequence jumps, so it
    // starts a new segment). A full export must have exactly one; declared complete, it fails there.
    const removed = lines.filter((_, i) => i !== 4);
    expect((await verifyLines(removed)).segments).toBe(2);
    expect((await verifyLines(removed, { complete: true })).failure).toMatchObject({ line: 5, sequence: 6 });
  });

  it("verifies a real export with the audit-verify bin that npm install links at the root", async () => {
    const text = await exportText();
    const dir = mkdtempSync(path.join(tmpdir(), "audit-"));
    try {
      const good = path.join(dir, "good.jsonl");
      const bad = path.join(dir, "bad.jsonl");
      writeFileSync(good, text);
      writeFileSync(bad, withThirdActionChanged(text.trim().split("\n")).join("\n"));
      const bin = path.join(repoRoot, "node_modules", ".bin", "audit-verify");
      const ok = spawnSync(bin, [good], { encoding: "utf8" });
      expect(ok.status).toBe(0);
      expect(ok.stdout).toMatch(/^OK: \d+ events verified \(sequences 1\.\.\d+\)\.\n$/);
      const broken = spawnSync(bin, [bad], { encoding: "utf8" });
      expect(broken.status).toBe(1);
      expect(broken.stdout).toBe(
        "BROKEN at line 3 (sequence 3): content does not match its hash (the event was altered)\n",
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses to update or delete audit events in the database itself", async () => {
    await expect(
      t.server.db.read.$executeRawUnsafe(`UPDATE "AuditEvent" SET "comment" = 'x' WHERE "sequence" = 1`),
    ).rejects.toThrow(/append-only/);
    await expect(t.server.db.read.$executeRawUnsafe(`DELETE FROM "AuditEvent" WHERE "sequence" = 1`)).rejects.toThrow(
      /append-only/,
    );
  });
});
