// An access review campaign through the dashboard, in headless Chromium against the real API:
// the admin starts it, Bob (Alice's manager) revokes her access from Reviews for me, Dave sees
// the revocation ticket, the admin closes the campaign and downloads its evidence.
import { readFile } from "node:fs/promises";
import { ApproveTicket, CreateRequest, FulfillTicket, MyTickets } from "@access/contract";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accepted, dataOf, gid, present } from "@access/api/test/harness";
import { type DashboardUnderTest, openTicket, shot, startDashboard, ticketRow } from "./browser.ts";

let dashboard: DashboardUnderTest;
let t: DashboardUnderTest["t"];

/** The only ticket `token` may act on now. */
async function onlyTicket(token: string): Promise<string> {
  const { tickets } = await dataOf(t.gql(token, MyTickets, {}));
  expect(tickets.totalCount).toBe(1);
  return present(tickets.edges[0], "the ticket").node.id;
}

/** The page at 1280 px, then at a phone's 390 px, back at 1280. */
async function shots(page: Page, name: string) {
  await shot(page, name);
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, `${name}-phone`);
  await page.setViewportSize({ width: 1280, height: 900 });
}

beforeAll(async () => {
  dashboard = await startDashboard();
  t = dashboard.t;
  // Alice holds GitHub Write Access: she requests it, Bob approves, Dave fulfils.
  const { createRequest } = await dataOf(
    t.gql(t.org.tokens.alice, CreateRequest, {
      input: {
        resourceIds: [gid("Resource", t.org.resources.writeAccess)],
        justification: "I maintain the documentation repository.",
      },
    }),
  );
  accepted(createRequest, "Alice's request");
  const approved = await dataOf(
    t.gql(t.org.tokens.bob, ApproveTicket, { input: { ticketId: await onlyTicket(t.org.tokens.bob), comment: null } }),
  );
  accepted(approved.approveTicket, "Bob's approval");
  const fulfilled = await dataOf(
    t.gql(t.org.tokens.dave, FulfillTicket, {
      input: { ticketId: await onlyTicket(t.org.tokens.dave), comment: "Added alice to docs-writers." },
    }),
  );
  accepted(fulfilled.fulfillTicket, "Dave's fulfillment");
});

afterAll(async () => {
  await dashboard?.close();
});

describe("an access review campaign in the dashboard", () => {
  it("runs from start to evidence: start, revoke with a reason, the revocation ticket, close, export", async () => {
    // Bob has nothing to review yet, and keeps Reviews for me open.
    const bob = await dashboard.signedIn(t.org.tokens.bob, "/?section=reviews");
    await bob.getByText("No access review needs you").waitFor();
    expect(await bob.getByRole("link", { name: /Reviews for me/ }).count()).toBe(1);

    // The admin starts a campaign over GitHub; the form first says what is missing.
    const admin = await dashboard.signedIn(t.org.tokens.admin, "/admin/reviews");
    await admin.getByText("No access review yet").waitFor();
    await admin.getByRole("link", { name: "Start a review" }).first().click();
    await admin.getByRole("heading", { name: "Start an access review" }).waitFor();
    await admin.getByRole("button", { name: "Start the review" }).click();
    const name = admin.getByLabel("Name", { exact: true });
    await expect.poll(() => name.getAttribute("aria-invalid")).toBe("true");
    expect(await admin.locator("#review-name-error").textContent()).toMatch(/\S/);
    await shots(admin, "review-start-errors");
    await name.fill("GitHub, Q4");
    await admin.getByLabel("Description (optional; reviewers see it)").fill("Quarterly check of GitHub access.");
    await admin.getByLabel(/GitHub · every resource/).check();
    await admin.getByLabel(/Each holder's manager/).check();
    expect(await admin.getByLabel(/Revoke \(recommended\)/).isChecked()).toBe(true);
    await shots(admin, "review-start");
    await admin.getByRole("button", { name: "Start the review" }).click();
    await admin.waitForURL(/\/admin\/reviews\?review=/);
    const heading = admin.getByRole("heading", { name: /REV-\d+ · GitHub, Q4/ });
    await heading.waitFor();
    const reviewNumber = /REV-\d+/.exec((await heading.textContent()) ?? "")?.[0] ?? "";
    await admin.getByText("0 of 1 decided, 0 revoked").first().waitFor();

    // Bob's page shows Alice's grant without a reload, and the nav counts it.
    const row = bob.locator("tr[data-person='alice@example.com']");
    await row.waitFor({ timeout: 10_000 });
    await bob.getByRole("link", { name: /Reviews for me\s*1/ }).waitFor();
    expect(await bob.locator(`[data-review='${reviewNumber}'] h2`).textContent()).toContain("GitHub, Q4");
    expect(await bob.getByText("Undecided access is revoked at the deadline.").count()).toBe(1);
    expect(await row.textContent()).toContain("GitHub Write Access");
    await shots(bob, "reviews-for-me");

    // Revoking asks for the reason and refuses without one.
    await row.getByRole("button", { name: "Revoke" }).click();
    await bob.getByRole("button", { name: "Revoke access" }).click();
    await bob.getByText(/Say why Alice Employee should lose this access/).waitFor();
    await shots(bob, "reviews-for-me-revoke");
    await bob.getByLabel(/Why revoke Alice Employee's GitHub Write Access/).fill("Moved to the support team.");
    await bob.getByRole("button", { name: "Revoke access" }).click();
    const decided = bob.getByRole("table", { name: `Decided in ${reviewNumber}` });
    await decided.locator("[data-decision='REVOKE']").waitFor({ timeout: 5_000 });
    expect(await decided.textContent()).toContain("Moved to the support team.");
    await bob.getByText("Everything in this campaign is decided.").waitFor();
    expect(await bob.getByRole("link", { name: /Reviews for me/ }).textContent()).not.toMatch(/\d/);
    await shots(bob, "reviews-for-me-decided");

    // Dave (IT Fulfillers) has the revocation ticket for GitHub, a MANUAL system.
    const dave = await dashboard.signedIn(t.org.tokens.dave, "/?section=tickets");
    await ticketRow(dave, "Revocation").waitFor({ timeout: 10_000 });
    await (
      await openTicket(dave, "Revocation")
    )
      .getByText(/Remove Alice Employee's access to\s+GitHub Write Access/)
      .waitFor();
    await shot(dave, "review-revocation-ticket");

    // The admin's page followed live; closing asks first.
    await admin.getByText("1 of 1 decided, 1 revoked").first().waitFor({ timeout: 5_000 });
    await admin.getByRole("button", { name: "Close now" }).click();
    await admin.getByText(`Close ${reviewNumber} now?`).waitFor();
    await shots(admin, "review-close-confirm");
    await admin.getByRole("button", { name: "Yes, close the review" }).click();
    await expect.poll(() => admin.locator("h1 [data-status]").getAttribute("data-status")).toBe("CLOSED");
    expect(await admin.getByRole("button", { name: "Close now" }).count()).toBe(0);
    await shots(admin, "review-detail");

    // The evidence lists every decision.
    const [download] = await Promise.all([
      admin.waitForEvent("download"),
      admin.getByRole("button", { name: "Export CSV" }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`${reviewNumber}.csv`);
    const csv = (await readFile(present(await download.path(), "the download"), "utf8")).trim().split(/\r?\n/);
    expect(csv[0]).toContain("holderEmail");
    expect(csv).toHaveLength(2);
    const alice = present(csv[1], "Alice's row");
    for (const value of [
      reviewNumber,
      "alice@example.com",
      "GitHub Write Access",
      "REVOKE",
      "Moved to the support team.",
    ]) {
      expect(alice).toContain(value);
    }
    expect(alice).toContain(t.org.people.find((p) => p.key === "bob")?.email ?? "bob");

    // The list shows the closed campaign with its progress.
    await admin.getByRole("link", { name: "← Access reviews" }).click();
    const listed = admin.locator(`tr[data-review='${reviewNumber}']`);
    await listed.waitFor();
    expect(await listed.locator("[data-status]").getAttribute("data-status")).toBe("CLOSED");
    expect(await listed.textContent()).toContain("1 of 1 decided, 1 revoked");
    await shots(admin, "admin-reviews");
    expect(dashboard.violations).toEqual([]);
  });
});
