// The ticket card's words and actions per kind: a revocation is a removal with required evidence;
// a rejection's reason is required next to its field; a blocked Mark fulfilled says why; the
// approval chain says "step n of m" and what follows; a fulfiller may say it cannot be done.
import { maskFragments, TicketCardFields } from "@access/contract";
import { cleanup, fireEvent, render } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import TicketCard from "../src/components/TicketCard.svelte";

/** A ticket as TicketCardFields selects it, for a fulfiller who may close it. */
const ticket = (
  kind: "APPROVAL" | "FULFILLMENT" | "REVOCATION",
  ends: {
    grantExpiresAt?: string | null;
    createdAt?: string;
    limit?: number | null;
    approver?: boolean;
    evidence?: boolean;
    cannotAct?: string;
  } = {},
) =>
  maskFragments([TicketCardFields], {
    id: "VGlja2V0OjE=",
    number: 7,
    kind,
    status: "OPEN" as const,
    step: kind === "APPROVAL" ? 1 : null,
    stepCount: kind === "APPROVAL" ? 2 : null,
    nextStep: kind === "APPROVAL" ? "step 2 of 2, by the group IT Security" : null,
    viewerCannotActReason: ends.cannotAct ?? null,
    grantExpiresAt: ends.grantExpiresAt ?? null,
    createdAt: ends.createdAt ?? new Date().toISOString(),
    viewerCanApprove: ends.approver === true,
    viewerCanReject: ends.approver === true,
    viewerCanFulfill: ends.approver !== true && ends.cannotAct === undefined,
    routingNote: null,
    slaDueAt: null,
    remindedAt: null,
    escalatedAt: null,
    claimedBy: null,
    delegatedFrom: null,
    assignees: [],
    assigneeGroup: { id: "R3JvdXA6MQ==", name: "IT Fulfillers" },
    decidedBy: null,
    comments: [],
    resource: {
      id: "UmVzb3VyY2U6MQ==",
      name: "GitHub Write Access",
      requiresFulfillmentEvidence: ends.evidence === true,
      grantDurationLimit: ends.limit ?? null,
      system: { id: "U3lzdGVtOjE=", name: "GitHub" },
    },
    request: {
      id: "UmVxdWVzdDox",
      number: 3,
      justification: "I maintain the docs",
      requester: { id: "SWRlbnRpdHk6MQ==", displayName: "Alice Employee" },
      target: { id: "SWRlbnRpdHk6MQ==", displayName: "Alice Employee" },
    },
  });

/** The card's text as a person reads it (markup line breaks as spaces). */
const textOf = (element: Element) => (element.textContent ?? "").replace(/\s+/g, " ");

afterEach(() => cleanup());

describe("TicketCard", () => {
  it("words a revocation ticket as a removal, and asks for the evidence before Mark removed", async () => {
    const { container, getByRole, queryByText } = render(TicketCard, { props: { ticket: ticket("REVOCATION") } });
    expect(textOf(container)).toContain("TKT-7 · Revocation");
    expect(textOf(container)).toContain("Remove Alice Employee's access to GitHub Write Access in GitHub");
    expect(queryByText("I maintain the docs")).toBeNull();
    expect(textOf(container)).toContain("Evidence (required): how the access was removed");
    const button = getByRole("button", { name: "Mark removed" });
    expect(button.hasAttribute("disabled")).toBe(true);
    const evidence = container.querySelector("textarea");
    if (!evidence) throw new Error("no evidence field");
    await fireEvent.input(evidence, { target: { value: "removed from the org" } });
    expect(button.hasAttribute("disabled")).toBe(false);
  });

  it("keeps a fulfillment ticket's wording and Mark fulfilled", () => {
    const { container, getByRole } = render(TicketCard, { props: { ticket: ticket("FULFILLMENT") } });
    expect(textOf(container)).toContain("I maintain the docs");
    expect(getByRole("button", { name: "Mark fulfilled" }).hasAttribute("disabled")).toBe(false);
  });

  it("says until when the access lasts, or that the resource's limit ends it", () => {
    const until = render(TicketCard, {
      props: { ticket: ticket("FULFILLMENT", { grantExpiresAt: "2026-12-08T10:00:00Z" }) },
    });
    expect(textOf(until.container)).toMatch(/Access until 8 Dec 2026, \d\d:00:00/);
    until.unmount();
    const limited = render(TicketCard, { props: { ticket: ticket("FULFILLMENT", { limit: 7 * 86_400 }) } });
    expect(textOf(limited.container)).toContain("access ends at the resource's limit (at most 7 days)");
  });

  it("offers an approver an earlier end, sent with Approve", async () => {
    const { getByRole, getByLabelText } = render(TicketCard, {
      props: { ticket: ticket("APPROVAL", { grantExpiresAt: "2026-12-08T10:00:00Z", approver: true }) },
    });
    await fireEvent.click(getByRole("button", { name: "End access earlier…" }));
    expect(getByLabelText("End access earlier (optional)").getAttribute("type")).toBe("datetime-local");
  });

  it("words a revocation that came from expiry as access whose time ran out", () => {
    const { container } = render(TicketCard, {
      props: {
        ticket: ticket("REVOCATION", { grantExpiresAt: "2026-11-27T10:00:00Z", createdAt: "2026-11-27T10:00:30Z" }),
      },
    });
    expect(textOf(container)).toContain("its time ran out: it ended 27 Nov 2026");
    expect(textOf(container)).not.toContain("revoked");
  });

  it("says which step of how many and what follows it", () => {
    const { container } = render(TicketCard, { props: { ticket: ticket("APPROVAL", { approver: true }) } });
    expect(textOf(container)).toContain("TKT-7 · Approval, step 1 of 2");
    expect(textOf(container)).toContain("After this step: step 2 of 2, by the group IT Security");
  });

  it("refuses to reject without a reason, saying so next to the comment field", async () => {
    const { getByRole, getByLabelText } = render(TicketCard, {
      props: { ticket: ticket("APPROVAL", { approver: true }) },
    });
    await fireEvent.click(getByRole("button", { name: "Reject" }));
    const field = getByLabelText(/Comment \(required to reject/);
    expect(field.getAttribute("aria-invalid")).toBe("true");
    const error = document.getElementById(field.getAttribute("aria-describedby") ?? "");
    expect(error?.textContent).toContain("Say why you reject it: the requester is told the reason.");
  });

  it("tells a fulfiller why Mark fulfilled is disabled, until the evidence is there", async () => {
    const { container, getByRole, queryByTestId } = render(TicketCard, {
      props: { ticket: ticket("FULFILLMENT", { evidence: true }) },
    });
    const button = getByRole("button", { name: "Mark fulfilled" });
    expect(button.hasAttribute("disabled")).toBe(true);
    const why = document.getElementById(button.getAttribute("aria-describedby") ?? "");
    expect(why?.textContent).toContain("Add the evidence (what you did) in the comment to mark it fulfilled.");
    const evidence = container.querySelector("textarea");
    if (!evidence) throw new Error("no evidence field");
    await fireEvent.input(evidence, { target: { value: "added to the team" } });
    expect(button.hasAttribute("disabled")).toBe(false);
    expect(queryByTestId("why-blocked")).toBeNull();
  });

  it("lets a fulfiller say it cannot be done, and needs the reason", async () => {
    const { getByRole, getByLabelText } = render(TicketCard, { props: { ticket: ticket("FULFILLMENT") } });
    await fireEvent.click(getByRole("button", { name: "Cannot fulfil…" }));
    await fireEvent.click(getByRole("button", { name: "Mark as cannot fulfil" }));
    const reason = getByLabelText(/Why it cannot be done/);
    expect(reason.getAttribute("aria-invalid")).toBe("true");
    expect(document.getElementById(reason.getAttribute("aria-describedby") ?? "")?.textContent).toContain(
      "Say why it cannot be done",
    );
  });

  it("says why the viewer cannot act, and offers no actions", () => {
    const { container, queryByRole } = render(TicketCard, {
      props: { ticket: ticket("FULFILLMENT", { cannotAct: "You requested this: the requester may not act." }) },
    });
    expect(textOf(container)).toContain("You requested this: the requester may not act.");
    expect(queryByRole("button", { name: "Mark fulfilled" })).toBeNull();
  });
});
