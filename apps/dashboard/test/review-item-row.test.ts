// A review item's row: the decision once made, why a viewer may not decide, and Revoke's required reason.
import { fireEvent, render } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import ReviewItemRow from "../src/components/ReviewItemRow.svelte";

const person = (id: string, displayName: string, email: string) => ({ id, displayName, email });
const bob = person("SWRlbnRpdHk6Mg==", "Bob Manager", "bob.manager@example.com");

/** An item as AccessReviewItemFields selects it: Alice's GitHub Write Access in REV-1. */
const item = (overrides: object = {}) => ({
  id: "QWNjZXNzUmV2aWV3SXRlbTox",
  decision: null,
  decidedAt: null,
  comment: null,
  assignedToAdmins: false,
  viewerCanDecide: true,
  viewerCannotDecideReason: null,
  review: {
    id: "QWNjZXNzUmV2aWV3OjE=",
    number: 1,
    name: "GitHub, Q4",
    status: "OPEN" as const,
    deadline: "2026-12-31T17:00:00Z",
    onDeadline: "REVOKE" as const,
  },
  identity: person("SWRlbnRpdHk6MQ==", "Alice Employee", "alice@example.com"),
  resource: {
    id: "UmVzb3VyY2U6MQ==",
    name: "GitHub Write Access",
    sensitivity: "STANDARD" as const,
    system: { id: "U3lzdGVtOjE=", name: "GitHub" },
  },
  grant: {
    id: "R3JhbnQ6MQ==",
    status: "ACTIVE" as const,
    grantedAt: new Date().toISOString(),
    expiresAt: null,
    revokedAt: null,
  },
  reviewers: [bob],
  decidedBy: null,
  ...overrides,
});

/** The row in a table body, as the views place it. */
function renderRow(props: { item: ReturnType<typeof item>; showReviewers?: boolean }) {
  const tbody = document.body.appendChild(document.createElement("table")).appendChild(document.createElement("tbody"));
  return render(ReviewItemRow, { target: tbody, props });
}

const textOf = (element: Element) => (element.textContent ?? "").replace(/\s+/g, " ");

describe("ReviewItemRow", () => {
  it("shows a decision with who made it and the reason, and no buttons", () => {
    const decided = item({
      decision: "REVOKE",
      decidedAt: new Date().toISOString(),
      comment: "Moved to the support team.",
      viewerCanDecide: false,
      decidedBy: bob,
    });
    const { container, queryByRole } = renderRow({ item: decided });
    expect(textOf(container)).toContain("Revoke by Bob Manager · just now");
    expect(textOf(container)).toContain("“Moved to the support team.”");
    expect(queryByRole("button")).toBeNull();
  });

  it("says why the viewer may not decide an undecided item", () => {
    const { container, queryByRole } = renderRow({
      item: item({ viewerCanDecide: false, viewerCannotDecideReason: "You may not review your own access." }),
    });
    expect(textOf(container)).toContain("You may not review your own access.");
    expect(queryByRole("button")).toBeNull();
  });

  it("asks for a reason before revoking, next to its field", async () => {
    const { getByRole, getByLabelText, getByText } = renderRow({ item: item() });
    await fireEvent.click(getByRole("button", { name: "Revoke" }));
    const reason = getByLabelText(/Why revoke Alice Employee's GitHub Write Access/);
    await fireEvent.click(getByRole("button", { name: "Revoke access" }));
    const error = getByText(/Say why Alice Employee should lose this access/);
    expect(reason.getAttribute("aria-invalid")).toBe("true");
    expect(reason.getAttribute("aria-describedby")).toBe(error.id);
  });

  it("takes an optional comment when keeping", async () => {
    const { getByRole, getByLabelText } = renderRow({ item: item() });
    await fireEvent.click(getByRole("button", { name: "Keep" }));
    expect(getByLabelText("Comment (optional)")).toBeTruthy();
    expect(getByRole("button", { name: "Keep access" }).hasAttribute("disabled")).toBe(false);
  });

  it("names the reviewers on the campaign's page, or the admins when nobody else reviews", () => {
    const { container } = renderRow({ item: item({ assignedToAdmins: true, reviewers: [] }), showReviewers: true });
    expect(textOf(container)).toContain("The admins");
  });
});
