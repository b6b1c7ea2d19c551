// The approval chain in people's words, as the request form shows it before anything is sent.
import { describe, expect, it } from "vitest";
import { chainWords, fallbackWarnings, type PreviewStep } from "../src/lib/approval-chain.ts";

const step = (over: Partial<PreviewStep>): PreviewStep => ({
  order: 1,
  kind: "MANAGER",
  approvers: [],
  group: null,
  toAdmins: false,
  routingNote: null,
  delegatedFrom: [],
  ...over,
});

describe("approval chain words", () => {
  it("names the manager as whose manager, then the named approvers, then the group", () => {
    const steps = [
      step({ approvers: [{ displayName: "Bob Manager" }] }),
      step({ order: 2, kind: "EXPLICIT", approvers: [{ displayName: "Carol" }, { displayName: "Dave" }] }),
      step({ order: 3, kind: "GROUP", group: { name: "IT Security" } }),
    ];
    expect(chainWords(steps, "Alice Employee's")).toBe(
      "Approved by Alice Employee's manager Bob Manager, then Carol or Dave, then anyone in IT Security.",
    );
  });

  it("says a resource without steps is approved automatically", () => {
    expect(chainWords([], "your")).toBe("Approved automatically.");
  });

  it("names the delegate and whom they stand in for", () => {
    const delegated = step({ approvers: [{ displayName: "Carol" }], delegatedFrom: [{ displayName: "Bob Manager" }] });
    expect(chainWords([delegated], "your")).toBe("Approved by Carol (standing in for Bob Manager, who is away).");
  });

  it("warns for each step that falls back, with where it goes and why", () => {
    const steps = [
      step({ toAdmins: true, routingNote: "no manager on record" }),
      step({
        order: 2,
        kind: "GROUP",
        group: { name: "Fallback approvers" },
        routingNote: "the approver group has no eligible member",
      }),
    ];
    expect(fallbackWarnings(steps)).toEqual([
      "Step 1 goes to the admins instead: no manager on record.",
      "Step 2 goes to anyone in Fallback approvers instead: the approver group has no eligible member.",
    ]);
  });
});
