// A requested resource's way, step by step, as the request's page shows it.
import { describe, expect, it } from "vitest";
import { type ProgressItem, type ProgressTicket, progressOf } from "../src/lib/request-progress.ts";

const item = (status: string, connector = "MANUAL"): ProgressItem => ({
  status,
  resource: {
    id: "r1",
    approvalSteps: [
      { order: 1, kind: "MANAGER", approvers: [], group: null },
      { order: 2, kind: "EXPLICIT", approvers: [{ displayName: "Carol Security" }], group: null },
    ],
    system: { connector, fulfillers: { name: "IT Fulfillers" } },
  },
});

const ticket = (over: Partial<ProgressTicket>): ProgressTicket => ({
  id: "t",
  number: 1,
  kind: "APPROVAL",
  status: "OPEN",
  step: 1,
  createdAt: "2026-11-28T10:00:00.000Z",
  decidedAt: null,
  resource: { id: "r1" },
  assignees: [{ displayName: "Bob Manager" }],
  assigneeGroup: null,
  decidedBy: null,
  ...over,
});

const summary = (rows: ReturnType<typeof progressOf>) => rows.map((r) => `${r.state}: ${r.title} · ${r.text}`);

describe("a requested resource's progress", () => {
  it("shows the step done, the one waiting and on whom, and what is still to come", () => {
    const tickets = [
      ticket({ status: "APPROVED", decidedBy: { displayName: "Bob Manager" }, decidedAt: "2026-11-28T11:00:00.000Z" }),
      ticket({ id: "t2", number: 2, step: 2, assignees: [{ displayName: "Carol Security" }] }),
    ];
    expect(summary(progressOf(item("PENDING_APPROVAL"), tickets, "your manager Bob Manager"))).toEqual([
      "done: Approval, step 1 of 2 · Approved by Bob Manager",
      "current: Approval, step 2 of 2 · Waiting on Carol Security",
      "todo: Access set up · Then set up by anyone in IT Fulfillers",
    ]);
  });

  it("names the manager of a step not opened yet, and a connector that sets access up", () => {
    expect(summary(progressOf(item("PENDING_APPROVAL", "SCIM"), [], "Alice's manager Bob Manager"))).toEqual([
      "todo: Approval, step 1 of 2 · Then Alice's manager Bob Manager",
      "todo: Approval, step 2 of 2 · Then Carol Security",
      "todo: Access set up · Then set up automatically",
    ]);
  });

  it("stops after a rejection and says what was not reached", () => {
    const tickets = [ticket({ status: "REJECTED", decidedBy: { displayName: "Bob Manager" } })];
    expect(summary(progressOf(item("REJECTED"), tickets, "your manager Bob Manager"))).toEqual([
      "stopped: Approval, step 1 of 2 · Rejected by Bob Manager",
      "stopped: Approval, step 2 of 2 · Not reached (would have been Carol Security)",
      "stopped: Access set up · Not reached",
    ]);
  });

  it("says a resource without steps was approved automatically and is being set up", () => {
    const auto: ProgressItem = {
      ...item("APPROVED", "WEBHOOK"),
      resource: { ...item("APPROVED").resource, approvalSteps: [], system: { connector: "WEBHOOK", fulfillers: null } },
    };
    const tickets = [ticket({ kind: "FULFILLMENT", status: "IN_PROGRESS", step: null })];
    expect(summary(progressOf(auto, tickets, "your manager"))).toEqual([
      "done: Approval · Approved automatically",
      "current: Access set up · Being set up by the connector",
    ]);
  });
});
