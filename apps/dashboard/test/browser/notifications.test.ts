// Nobody waits without knowing, in the dashboard: a person's unread notifications counted live in
// the header, the notification list and its read marks; each person's email settings; naming a
// delegate while away, whose tickets then say on whose behalf; taking a group ticket; and the
// admins' settings page (fallback approvers, the email outbox, an event endpoint that fails and
// its delivery log). Pages are shot at 1280 and 390 px wide.
import { ApproveTicket, CreateRequest, MyTickets } from "@access/contract";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dataOf, gid } from "@access/api/test/harness";
import { type DashboardUnderTest, openTicket, shot, startDashboard, ticketRow } from "./browser.ts";

let dashboard: DashboardUnderTest;
let t: DashboardUnderTest["t"];

beforeAll(async () => {
  dashboard = await startDashboard();
  t = dashboard.t;
});

afterAll(async () => {
  await dashboard?.close();
});

/** The same page at a phone's width (nothing wider than the phone), then back at the desktop's. */
async function phoneShot(page: Page, name: string) {
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, `${name}-phone`);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await page.setViewportSize({ width: 1280, height: 900 });
}

const request = async (token: string, resource: string, justification: string) => {
  const answer = await dataOf(
    t.gql(token, CreateRequest, { input: { resourceIds: [gid("Resource", resource)], justification } }),
  );
  expect(answer.createRequest.errors).toEqual([]);
  return answer.createRequest.request;
};

describe("notifications, settings and delegation in the dashboard", () => {
  it("counts Bob's unread notifications live, lists them, and marks one read when he follows it", async () => {
    const bob = await dashboard.signedIn(t.org.tokens.bob, "/access");
    const unread = bob.getByTestId("unread-count");
    expect(await unread.count()).toBe(0);

    await request(t.org.tokens.alice, t.org.resources.writeAccess, "Release duty next week");
    await expect.poll(() => unread.textContent(), { timeout: 10_000 }).toBe("1");

    await bob.getByTestId("notifications-link").click();
    await bob.getByRole("heading", { level: 1, name: "Notifications" }).waitFor({ timeout: 5_000 });
    await bob.getByTestId("notifications").waitFor({ timeout: 5_000 });
    const entry = bob.getByTestId("notifications").locator("li").first();
    await expect.poll(() => entry.getAttribute("data-kind")).toBe("TICKET_ASSIGNED");
    expect(await entry.textContent()).toContain("Release duty next week");
    await shot(bob, "notifications");
    await phoneShot(bob, "notifications");

    // It leads where Bob can act: his tickets, with Alice's approval on them.
    await entry.getByRole("link").click();
    await expect.poll(() => unread.count(), { timeout: 5_000 }).toBe(0);
    expect(new URL(bob.url()).search).toBe("?section=tickets");
    await (await openTicket(bob, "GitHub Write Access")).getByText("Release duty next week").waitFor();
  });

  it("lets Alice turn an email off, and keeps it off", async () => {
    const alice = await dashboard.signedIn(t.org.tokens.alice, "/settings");
    const settings = alice.getByTestId("email-settings");
    const ended = settings.getByLabel("Access ended");
    await expect.poll(() => ended.isChecked()).toBe(true);
    await ended.uncheck();
    await alice.getByText("Access ended: email off.").waitFor();
    await alice.reload();
    await alice.getByTestId("email-settings").waitFor();
    await expect.poll(() => alice.getByTestId("email-settings").getByLabel("Access ended").isChecked()).toBe(false);
    await shot(alice, "settings");
    await phoneShot(alice, "settings");
  });

  it("sends Bob's approvals to Dave while Bob is away, saying on whose behalf", async () => {
    const bob = await dashboard.signedIn(t.org.tokens.bob, "/settings");
    const form = bob.getByTestId("delegation-form");
    await form.getByLabel("Delegate", { exact: true }).fill("dave");
    await form.getByLabel(/Dave Fulfiller/).check();
    const inAWeek = new Date(Date.now() + 7 * 86_400_000);
    const local = new Date(inAWeek.getTime() - inAWeek.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    await form.getByLabel("Until").fill(local);
    await form.getByLabel(/Reason/).fill("holiday");
    await form.getByRole("button", { name: "Name delegate" }).click();
    await bob.getByTestId("own-delegation").waitFor();
    expect(await bob.getByTestId("own-delegation").textContent()).toContain("Dave Fulfiller");
    await shot(bob, "delegation");

    // Alice's next request for her manager's approval goes to Dave.
    const created = await request(t.org.tokens.alice, t.org.resources.orgOwner, "On-call owner rota");
    const dave = await dashboard.signedIn(t.org.tokens.dave, "/?section=tickets");
    await ticketRow(dave, "GitHub Organisation Owner").waitFor({ timeout: 10_000 });
    const card = await openTicket(dave, "GitHub Organisation Owner");
    expect(await card.textContent()).toContain("On behalf of Bob Manager, who is away");
    expect(created?.number).toBeGreaterThan(0);
    await shot(dave, "delegated-ticket");

    // Bob ends it early: his approvals come to him again.
    await bob.getByRole("button", { name: "End it now" }).click();
    await bob.getByText("Your approvals come to you again.").waitFor();
  });

  it("lets a fulfiller take a group ticket so the others see it is handled", async () => {
    // Bob approves Alice's write access (the first test's request): the fulfillment goes to IT Fulfillers.
    const mine = await dataOf(t.gql(t.org.tokens.bob, MyTickets, {}));
    const approval = mine.tickets.edges.find((e) => e.node.id)?.node.id ?? "";
    const approved = await dataOf(t.gql(t.org.tokens.bob, ApproveTicket, { input: { ticketId: approval } }));
    expect(approved.approveTicket.errors).toEqual([]);

    const dave = await dashboard.signedIn(t.org.tokens.dave, "/?section=tickets");
    const card = await openTicket(dave, "Fulfillment");
    await card.getByRole("button", { name: "Take it" }).click();
    await card.getByTestId("claimed-by").waitFor();
    expect(await card.getByTestId("claimed-by").textContent()).toContain("You took this ticket");
    await card.getByRole("button", { name: "Give it back" }).click();
    await expect.poll(() => card.getByTestId("claimed-by").count()).toBe(0);
  });

  it("gives admins the fallback approvers, the outbox and event endpoints with their delivery log", async () => {
    const admin = await dashboard.signedIn(t.org.tokens.admin, "/admin/settings");
    await admin.getByText("No fallback group is configured").waitFor();
    const settings = admin.getByTestId("organisation-settings");
    // Never saved: the form shows the defaults all the same.
    await expect.poll(() => settings.getByLabel("Ticket SLA (hours)").inputValue()).toBe("24");
    await settings.getByLabel("Fallback approvers").selectOption({ label: "IT Fulfillers" });
    await settings.getByLabel("Ticket SLA (hours)").fill("8");
    await settings.getByRole("button", { name: "Save settings" }).click();
    await settings.getByText("Saved.").waitFor();
    await expect.poll(() => admin.getByText("No fallback group is configured").count()).toBe(0);

    // A plain secret is refused next to its field, nothing registered.
    await admin.getByLabel("Name").fill("Audit lake");
    await admin.getByLabel("URL").fill("https://lake.example.com/events");
    await admin.getByLabel(/Signing secret reference/).fill("not-a-reference");
    await admin.getByRole("button", { name: "Register endpoint" }).click();
    await admin.locator(".field-error", { hasText: "ACCESS_SECRET" }).first().waitFor();
    expect(await admin.getByTestId("event-endpoints").count()).toBe(0);

    // A chat channel nobody answers: it shows failing, and its delivery log says why.
    await admin.getByLabel("Name").fill("Approvals channel");
    await admin.getByLabel(/Chat/).check();
    await admin.getByLabel("URL").fill("http://127.0.0.1:9/hook");
    await admin.getByLabel(/Signing secret reference/).fill("");
    await admin.getByRole("button", { name: "Register endpoint" }).click();
    const row = admin.locator('tr[data-endpoint="Approvals channel"]');
    await row.waitFor();
    await request(t.org.tokens.dave, t.org.resources.writeAccess, "Deploy rota");
    await expect
      .poll(
        async () => {
          await admin.reload();
          return (await row.textContent()) ?? "";
        },
        { timeout: 20_000, interval: 1_000 },
      )
      .toContain("Failing");
    await row.getByRole("button", { name: "Delivery log" }).click();
    await admin.getByTestId("deliveries").waitFor();
    expect(await admin.getByTestId("deliveries").textContent()).toContain("Failed");
    await shot(admin, "admin-settings");
    await phoneShot(admin, "admin-settings");
  });
});
