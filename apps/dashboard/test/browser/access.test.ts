// Access that ends, through the dashboard in headless Chromium against the real API: Alice asks
// for access until a date, Bob approves one item with an earlier end, Dave fulfils; Alice sees
// both on My access with those ends, extends one and gives the other up; the admin filters
// Access by system and downloads the CSV of that filter. Screenshots at desktop and phone width.
import { readFile } from "node:fs/promises";
import { CreateResource } from "@access/contract";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConnectorSystem } from "@access/api/test/connector-helpers";
import { dataOf, present } from "@access/api/test/harness";
import { localInputValue } from "../../src/lib/access-ends.ts";
import { type DashboardUnderTest, openTicket, shot, startDashboard } from "./browser.ts";

const DAY = 86_400_000;
let dashboard: DashboardUnderTest;
let t: DashboardUnderTest["t"];
let wikiSystemId = "";

beforeAll(async () => {
  dashboard = await startDashboard();
  t = dashboard.t;
  wikiSystemId = await createConnectorSystem(t, "Wiki", "MANUAL", null);
  const { createResource } = await dataOf(
    t.gql(t.org.tokens.admin, CreateResource, {
      input: { systemId: wikiSystemId, name: "Wiki Editor", sensitivity: "STANDARD", maxGrantDuration: 30 * 86_400 },
    }),
  );
  expect(createResource.errors).toEqual([]);
});

afterAll(async () => {
  await dashboard?.close();
});

/** The same page at a phone's width, then back at the desktop's. */
async function phoneShot(page: Page, name: string) {
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, `${name}-phone`);
  // Nothing may be wider than the phone: tables scroll inside their wrapper.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await page.setViewportSize({ width: 1280, height: 900 });
}

describe("access that ends in the dashboard", () => {
  it("runs from a requested end to My access, an extension, giving up, and the admin's export", async () => {
    const in10Days = new Date(Date.now() + 10 * DAY);
    const in5Days = new Date(Date.now() + 5 * DAY);
    const in20Days = new Date(Date.now() + 20 * DAY);

    // Alice asks for GitHub Write Access and Wiki Editor until 10 days from now.
    const alice = await dashboard.signedIn(t.org.tokens.alice, "/request");
    // Each pick from its own search: what was picked stays picked (and counted) when the search changes.
    await alice.getByLabel("Search by name or system").fill("wiki");
    await alice.getByLabel(/GitHub Write Access/).waitFor({ state: "detached" });
    await alice.getByLabel(/Wiki Editor/).check();
    await alice.getByLabel("Search by name or system").fill("write");
    await alice.getByLabel(/Wiki Editor/).waitFor({ state: "detached" });
    await alice.getByLabel(/GitHub Write Access/).check();
    await alice.getByText("Wiki Editor: at most 30 days.").waitFor();
    await alice.getByText("GitHub Write Access: no limit.").waitFor();
    // The quick choices stay within the tightest limit (30 days): no "90 days".
    expect(await alice.getByRole("button", { name: "90 days" }).count()).toBe(0);
    await alice.getByLabel("Until (optional)").fill(localInputValue(new Date(Date.now() + 40 * DAY)));
    await alice.getByLabel("Justification").fill("Docs sprint.");
    await alice.getByRole("button", { name: "Submit request" }).click();
    // Beyond Wiki Editor's 30 days: the API's error sits next to the field.
    const until = alice.getByLabel("Until (optional)");
    await expect.poll(() => until.getAttribute("aria-invalid")).toBe("true");
    await shot(alice, "access-request-end-error");
    await until.fill(localInputValue(in10Days));
    await shot(alice, "access-request-end");
    await phoneShot(alice, "access-request-end");
    await alice.getByRole("button", { name: "Submit request" }).click();
    await alice.waitForURL(/\?request=/);
    await expect.poll(() => alice.getByTestId("item-until").first().textContent()).toContain("Access until");

    // Bob approves Wiki Editor as asked and GitHub Write Access with an earlier end.
    const bob = await dashboard.signedIn(t.org.tokens.bob, "/?section=tickets");
    const githubTicket = await openTicket(bob, "GitHub Write Access");
    await githubTicket.getByRole("button", { name: "End access earlier…" }).click();
    await githubTicket.getByLabel("End access earlier (optional)").fill(localInputValue(in5Days));
    await shot(bob, "access-approve-earlier");
    await githubTicket.getByRole("button", { name: "Approve" }).click();
    await (await openTicket(bob, "Wiki Editor")).getByRole("button", { name: "Approve" }).click();
    await bob.getByText("Nothing is waiting for you").waitFor();

    // Alice keeps My access open: nothing yet.
    await alice.getByRole("navigation").getByRole("link", { name: "My access" }).click();
    await alice.getByText("You hold no access now").waitFor();
    await shot(alice, "my-access-empty");

    // Dave fulfils both; the fulfillment tickets say until when.
    const dave = await dashboard.signedIn(t.org.tokens.dave, "/?section=tickets");
    for (const name of ["GitHub Write Access", "Wiki Editor"]) {
      const ticket = await openTicket(dave, name);
      await ticket.getByText("Access until").waitFor();
      await ticket.getByLabel(/Comment|Evidence/).fill(`Granted ${name}.`);
      if (name === "GitHub Write Access") await shot(dave, "access-fulfil-until");
      await ticket.getByRole("button", { name: "Mark fulfilled" }).click();
    }
    await dave.getByText("Nothing is waiting for you").waitFor();

    // Alice's My access shows both without a reload, the earlier end first and marked as ending soon.
    const cards = alice.locator("article.grant");
    await expect.poll(() => cards.count()).toBe(2);
    const github = alice.locator('article.grant[data-grant="GitHub Write Access"]');
    const wiki = alice.locator('article.grant[data-grant="Wiki Editor"]');
    expect(await cards.first().getAttribute("data-grant")).toBe("GitHub Write Access");
    expect(await github.locator("time.access-end").textContent()).toMatch(/ends in (5 days|4 days)\s*Ends soon/);
    expect(await github.locator("time.access-end").getAttribute("datetime")).toBe(
      new Date(Math.floor(in5Days.getTime() / 60_000) * 60_000).toISOString(),
    );
    expect(await wiki.locator("time.access-end").textContent()).toMatch(/ends in (10|9) days$/);
    await shot(alice, "my-access");
    await phoneShot(alice, "my-access");

    // She extends GitHub Write Access: the extension request is linked.
    await github.getByRole("button", { name: "Extend" }).click();
    await github.getByLabel("New end").fill(localInputValue(in20Days));
    await github.getByLabel("Justification").fill("The sprint runs two more weeks.");
    await shot(alice, "my-access-extend");
    await github.getByRole("button", { name: "Request extension" }).click();
    const done = alice.getByTestId("access-done");
    await expect.poll(() => done.textContent()).toContain("Extension of GitHub Write Access requested.");
    await done.getByRole("link", { name: /Open REQ-\d+/ }).click();
    await alice.getByRole("heading", { name: /REQ-\d+/ }).waitFor();
    await expect.poll(() => alice.getByTestId("item-until").first().textContent()).toContain("Extends access");
    await shot(alice, "access-extension-request");

    // She gives Wiki Editor up; it moves to past access, its removal under way (a MANUAL system).
    await alice.getByRole("navigation").getByRole("link", { name: "My access" }).click();
    await wiki.getByRole("button", { name: "Give up" }).click();
    await wiki.getByLabel(/Reason/).fill("Sprint done.");
    await wiki.getByRole("button", { name: "Yes, give it up" }).click();
    await expect.poll(() => done.textContent()).toContain("Wiki Editor:");
    await expect.poll(() => cards.count()).toBe(1);
    await alice.getByText(/Past access \(1\)/).click();
    const pastRow = alice.getByTestId("past-access").locator("tbody tr");
    await expect.poll(() => pastRow.locator("[data-removal]").getAttribute("data-removal")).toBe("PENDING");
    // Why it ended, in her own words.
    await expect.poll(() => pastRow.locator("[data-end-reason]").textContent()).toContain("Sprint done.");
    await shot(alice, "my-access-past");

    // Dave is asked to remove it.
    await (await openTicket(dave, "Wiki Editor")).getByText("Remove Alice Employee's access to Wiki Editor").waitFor();
    await shot(dave, "access-revocation-ticket");

    // The admin filters Access by the Wiki system and downloads the CSV of that filter.
    const admin = await dashboard.signedIn(t.org.tokens.admin, "/admin/access");
    await admin.getByTestId("access-count").waitFor();
    await shot(admin, "admin-access");
    await admin.getByLabel("Status").selectOption("");
    await admin.getByLabel("System").selectOption({ label: "Wiki" });
    await expect.poll(() => admin.getByTestId("access-count").textContent()).toContain("1 grant");
    const row = admin.locator("tbody tr[data-grant]");
    expect(await row.textContent()).toContain("Wiki Editor");
    await shot(admin, "admin-access-wiki");
    await phoneShot(admin, "admin-access-wiki");
    // Narrowed to Alice, then reloaded: the list, and the name in "Held by", are the same.
    await admin.getByLabel("Find a person").fill("alice@");
    await admin.getByLabel("Held by").selectOption({ label: "Alice Employee (alice@example.com)" });
    await expect.poll(() => admin.getByTestId("access-count").textContent()).toContain("1 grant");
    await expect.poll(() => new URL(admin.url()).searchParams.get("identityId")).not.toBeNull();
    await admin.reload();
    await expect
      .poll(() => admin.getByLabel("Held by").evaluate((s: HTMLSelectElement) => s.selectedOptions[0]?.textContent))
      .toBe("Alice Employee (alice@example.com)");
    await expect.poll(() => admin.getByTestId("access-count").textContent()).toContain("1 grant");
    await admin.getByLabel("Held by").selectOption("");
    const [download] = await Promise.all([
      admin.waitForEvent("download"),
      admin.getByRole("button", { name: "Export CSV" }).click(),
    ]);
    const csv = await readFile(present(await download.path(), "the downloaded file"), "utf8");
    const lines = csv.trim().split(/\r?\n/);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain("holderEmail");
    expect(lines[1]).toContain("alice@example.com");
    expect(lines[1]).toContain("Wiki Editor");
    expect(lines[1]).toContain("REVOKED");
    // Its removal is a fulfiller's revocation ticket, still open: the export says so.
    expect(lines[1]).toContain("PENDING");

    // GitHub's active access, with Revoke offered.
    await admin.getByLabel("System").selectOption({ label: "GitHub" });
    await admin.getByLabel("Status").selectOption("ACTIVE");
    await expect.poll(() => row.first().textContent()).toContain("GitHub Write Access");
    await row
      .first()
      .getByRole("button", { name: /Revoke/ })
      .click();
    await admin.getByRole("button", { name: "Keep it" }).waitFor();
    await shot(admin, "admin-access-revoke");
    expect(dashboard.violations).toEqual([]);
  });
});
