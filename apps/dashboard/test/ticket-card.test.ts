// The ticket card's words and actions per kind: a revocation is a removal with required evidence.
import { maskFragments, TicketCardFields } from "@access/contract";
import { fireEvent, render } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import TicketCard from "../src/components/TicketCard.svelte";

/** A ticket as TicketCardFields selects it, for a fulfiller who may close it. */
const ticket = (kind: "FULFILLMENT" | "REVOCATION") =>
  maskFragments([TicketCardFields], {
    id: "VGlja2V0OjE=",
    number: 7,
    kind,
    status: "OPEN" as const,
    step: null,
    grantExpiresAt: null,
    createdAt: new Date().toISOString(),
    viewerCanApprove: false,
    viewerCanReject: false,
    viewerCanFulfill: true,
    assignees: [],
    assigneeGroup: { id: "R3JvdXA6MQ==", name: "IT Fulfillers" },
    decidedBy: null,
    comments: [],
    resource: {
      id: "UmVzb3VyY2U6MQ==",
      name: "GitHub Write Access",
      requiresFulfillmentEvidence: false,
      grantDurationLimit: null,
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
});
