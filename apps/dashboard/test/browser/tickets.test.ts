// The approver's and the fulfiller's ticket table in Chromium: one dense row per ticket, search by
// number, person and resource, paging past 100, bulk approval where one ticket is refused
// (separation of duties) and says why, a rejection that needs its reason, a blocked Mark fulfilled
// that says why, and a fulfiller's "cannot fulfil" that the requester then sees.
import {
  ApproveTicket,
  CreateRequest,
  CreateResource,
  MyTickets,
  readFragment,
  TicketCardFields,
} from "@access/contract";
import { dataOf, gid, present } from "@access/api/test/harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DashboardUnderTest, openTicket, shot, startDashboard, ticketRow } from "./browser.ts";

let dashboard: DashboardUnderTest;
beforeAll(async () => {
  dashboard = await startDashboard();
});
afterAll(() => dashboard.close());

/** New GitHub resources named `names` (one manager step each; evidence required when asked). */
async function resources(names: readonly string[], evidence = false): Promise<string[]> {
  const { t } = dashboard;
  const ids: string[] = [];
  for (const name of names) {
    const { createResource } = await dataOf(
      t.gql(t.org.tokens.admin, CreateResource, {
        input: {
          systemId: gid("System", t.org.githubSystemId),
          name,
          sensitivity: "STANDARD",
          requiresFulfillmentEvidence: evidence,
        },
      }),
    );
    ids.push(present(createResource.resource, name).id);
  }
  return ids;
}

async function request(token: string, resourceIds: string[], justification: string) {
  const { createRequest } = await dataOf(
    dashboard.t.gql(token, CreateRequest, { input: { resourceIds, justification } }),
  );
  expect(createRequest.errors).toEqual([]);
  return present(createRequest.request, "the request");
}

describe("the ticket table", () => {
  it("searches, pages past 100 and keeps a row per ticket", async () => {
    const { t } = dashboard;
    const ids = await resources(Array.from({ length: 105 }, (_, i) => `Paged ${String(i).padStart(3, "0")}`));
    for (let i = 0; i < ids.length; i += 20) await request(t.org.tokens.alice, ids.slice(i, i + 20), "paging");
    const bob = await dashboard.signedIn(t.org.tokens.bob, "/?section=tickets");
    await ticketRow(bob, "Paged").waitFor();
    expect(await bob.getByTestId("ticket-range").textContent()).toMatch(/1–100 of 10\d tickets/);
    expect(await bob.locator("tr[data-ticket]").count()).toBe(100);
    // A row is a line, not a card: a hundred tickets fit in a page a card would take for a few.
    const row = await ticketRow(bob, "Paged").boundingBox();
    expect(row?.height ?? 999).toBeLessThan(90);
    await shot(bob, "tickets-table");
    // On a phone each row is a card of its cells, and nothing is wider than the phone.
    await bob.setViewportSize({ width: 390, height: 844 });
    await shot(bob, "tickets-table-phone");
    expect(await bob.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await bob.setViewportSize({ width: 1280, height: 900 });

    await bob.getByRole("button", { name: "Next page" }).click();
    await expect.poll(() => bob.getByTestId("ticket-range").textContent()).toMatch(/^101–10\d of 10\d/);
    await bob.getByRole("button", { name: "Previous page" }).click();
    await expect.poll(() => bob.getByTestId("ticket-range").textContent()).toMatch(/^1–100 of/);

    // Oldest first: the first request's tickets lead.
    await bob.getByLabel("Order").selectOption("CREATED_ASC");
    await expect.poll(() => bob.locator("tr[data-ticket]").first().textContent()).toContain("Paged 000");

    await bob.getByLabel("Search").fill("Paged 042");
    await bob.getByRole("button", { name: "Search" }).click();
    await expect.poll(() => bob.locator("tr[data-ticket]").count()).toBe(1);
    const number = (await bob.locator("tr[data-ticket]").getAttribute("data-ticket")) ?? "";
    const requestNumber = (await ticketRow(bob, "Paged 042").getByRole("link").textContent()) ?? "";

    await bob.getByLabel("Search").fill(number);
    await bob.getByRole("button", { name: "Search" }).click();
    await expect.poll(() => bob.getByTestId("ticket-range").textContent()).toContain(`matching “${number}”`);
    expect(await bob.locator("tr[data-ticket]").count()).toBe(1);

    await bob.getByLabel("Search").fill(requestNumber);
    await bob.getByRole("button", { name: "Search" }).click();
    await expect.poll(() => bob.locator("tr[data-ticket]").count()).toBe(20);

    await bob.getByLabel("Search").fill("alice@example.com");
    await bob.getByRole("button", { name: "Search" }).click();
    await expect.poll(() => bob.getByTestId("ticket-range").textContent()).toMatch(/of 10\d tickets matching/);

    await bob.getByLabel("Search").fill("nothing like this");
    await bob.getByRole("button", { name: "Search" }).click();
    await bob.getByText("No ticket matches this search.").waitFor();
  });

  it("approves several tickets with one comment and says which one was refused, and why", async () => {
    const { t } = dashboard;
    const [forAlice, forErin] = await resources(["Bulk Alpha", "Bulk Beta"]);
    await request(t.org.tokens.alice, [present(forAlice, "Bulk Alpha")], "bulk");
    // Erin's own request: she has no manager, so it is the admins' — her own, which she may not decide.
    await request(t.org.tokens.admin, [present(forErin, "Bulk Beta")], "bulk, my own");
    const admin = await dashboard.signedIn(t.org.tokens.admin, "/admin/tickets");
    await admin.getByLabel("Kind").selectOption("APPROVAL");
    await admin.getByLabel("Search").fill("Bulk");
    await admin.getByRole("button", { name: "Search" }).click();
    await expect.poll(() => admin.locator("tr[data-ticket]").count()).toBe(2);
    expect(await ticketRow(admin, "Bulk Beta").textContent()).toContain("You requested this");

    await admin.getByLabel("Select every open approval on this page").check();
    await admin.getByLabel(/^Comment for all of them/).fill("Quarterly access batch.");
    await admin.getByRole("button", { name: "Approve 2" }).click();
    const outcomes = admin.getByTestId("bulk-outcomes");
    await outcomes.waitFor();
    await expect.poll(() => outcomes.locator("li").count()).toBe(2);
    const lines = await outcomes.locator("li").allTextContents();
    expect(lines.some((l) => /^TKT-\d+: approved$/.test(l))).toBe(true);
    expect(lines.some((l) => /^TKT-\d+: not approved: The requester and the target/.test(l))).toBe(true);
    expect(await outcomes.locator("li.bad").count()).toBe(1);
    await shot(admin, "tickets-bulk-outcome");
    // The approved one left the list of open approvals; the refused one is still there, still picked.
    await expect.poll(() => admin.locator("tr[data-ticket]").count()).toBe(1);
    expect(await ticketRow(admin, "Bulk Beta").getByRole("checkbox").isChecked()).toBe(true);

    // The filters are in the address: a reload (or the link, sent to someone) shows the same list.
    expect(new URL(admin.url()).searchParams.get("kind")).toBe("APPROVAL");
    expect(new URL(admin.url()).searchParams.get("search")).toBe("Bulk");
    await admin.reload();
    await expect.poll(() => admin.locator("tr[data-ticket]").count()).toBe(1);
    expect(await admin.getByLabel("Kind").inputValue()).toBe("APPROVAL");
    expect(await admin.getByLabel("Search").inputValue()).toBe("Bulk");
    expect(await admin.getByLabel("Status").inputValue()).toBe("ATTENTION");
  });

  it("requires a rejection's reason next to its field, and the requester sees it", async () => {
    const { t } = dashboard;
    const [resource] = await resources(["Reject Me"]);
    const created = await request(t.org.tokens.alice, [present(resource, "Reject Me")], "rejection");
    const bob = await dashboard.signedIn(t.org.tokens.bob, "/?section=tickets");
    const card = await openTicket(bob, "Reject Me");
    expect(await card.textContent()).toContain("Approval, step 1 of 1");
    expect(await card.getByTestId("next-step").textContent()).toContain("fulfillment by IT Fulfillers");
    await card.getByRole("button", { name: "Reject" }).click();
    const comment = card.getByLabel(/^Comment \(required to reject/);
    await card.getByText("Say why you reject it: the requester is told the reason.").waitFor();
    expect(await comment.getAttribute("aria-invalid")).toBe("true");
    await shot(bob, "tickets-reject-reason");
    await comment.fill("Use the read-only role.");
    await card.getByRole("button", { name: "Reject" }).click();
    await expect.poll(() => ticketRow(bob, "Reject Me").count()).toBe(0);

    const alice = await dashboard.signedIn(t.org.tokens.alice, `/?request=${encodeURIComponent(created.id)}`);
    await alice.getByText("Use the read-only role.").first().waitFor();
  });

  it("tells a fulfiller why Mark fulfilled waits, and lets them say it cannot be done", async () => {
    const { t } = dashboard;
    const [resource] = await resources(["Cannot Do"], true);
    const created = await request(t.org.tokens.alice, [present(resource, "Cannot Do")], "cannot fulfil");
    const bobs = (await dataOf(t.gql(t.org.tokens.bob, MyTickets, { search: "Cannot Do" }))).tickets.edges;
    const approval = readFragment(TicketCardFields, present(bobs[0], "Bob's ticket").node);
    expect(
      (await dataOf(t.gql(t.org.tokens.bob, ApproveTicket, { input: { ticketId: approval.id } }))).approveTicket.errors,
    ).toEqual([]);

    const dave = await dashboard.signedIn(t.org.tokens.dave, "/?section=tickets");
    const card = await openTicket(dave, "Cannot Do");
    const fulfil = card.getByRole("button", { name: "Mark fulfilled" });
    expect(await fulfil.isDisabled()).toBe(true);
    expect(await card.getByTestId("why-blocked").textContent()).toContain(
      "Add the evidence (what you did) in the comment to mark it fulfilled.",
    );
    await shot(dave, "tickets-fulfil-blocked");

    await card.getByRole("button", { name: "Cannot fulfil…" }).click();
    await card.getByRole("button", { name: "Mark as cannot fulfil" }).click();
    await card.getByText("Say why it cannot be done: the requester is told the reason.").waitFor();
    await card.getByLabel(/^Why it cannot be done/).fill("GitHub seats are used up until January.");
    await card.getByRole("button", { name: "Mark as cannot fulfil" }).click();
    // It failed; it still waits on the fulfillers, who may retry it or provision it after all.
    await expect
      .poll(() => ticketRow(dave, "Cannot Do").locator("[data-status]").getAttribute("data-status"))
      .toBe("FAILED");
    expect(await card.getByRole("button", { name: "Cannot fulfil…" }).count()).toBe(0);

    // Alice sees the failed ticket and its reason among the tickets she can see, and why she cannot act.
    const alice = await dashboard.signedIn(t.org.tokens.alice, "/?section=tickets");
    await alice.getByLabel("Show").selectOption("all");
    await alice.getByLabel("Search").fill("Cannot Do");
    await alice.getByRole("button", { name: "Search" }).click();
    const failed = ticketRow(alice, "Fulfillment");
    await expect.poll(() => failed.locator("[data-status]").getAttribute("data-status")).toBe("FAILED");
    expect(await failed.textContent()).toContain("You requested this");
    const detail = await openTicket(alice, "Fulfillment");
    await detail.getByText("GitHub seats are used up until January.").waitFor();
    await shot(alice, "tickets-cannot-fulfil-requester");
    const page = await dashboard.signedIn(t.org.tokens.alice, `/?request=${encodeURIComponent(created.id)}`);
    await page.locator("h1 [data-status='FAILED'], [data-status='FAILED']").first().waitFor();

    // An admin's All tickets starts on what needs attention, failed tickets included.
    const admin = await dashboard.signedIn(t.org.tokens.admin, "/admin/tickets");
    expect(await admin.getByLabel("Status").inputValue()).toBe("ATTENTION");
    await expect
      .poll(() => ticketRow(admin, "Cannot Do").locator("[data-status]").getAttribute("data-status"))
      .toBe("FAILED");
  });
});
