// Every page as each kind of person sees it, in headless Chromium: at 1280 and at a phone's 390 px
// (nothing wider than the phone; shot at both widths), clean under axe-core, with its own tab
// title; and after a client-side navigation focus is on the new page's heading.
import { ApproveTicket, CreateRequest } from "@access/contract";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dataOf, gid, present } from "@access/api/test/harness";
import { axeViolations } from "./axe.ts";
import { type DashboardUnderTest, shot, startDashboard } from "./browser.ts";

let dashboard: DashboardUnderTest;
let t: DashboardUnderTest["t"];
let requestId = "";

beforeAll(async () => {
  dashboard = await startDashboard();
  t = dashboard.t;
  // Something on every list: Alice's request, approved by Bob (its page has an audit trail).
  const asked = await dataOf(
    t.gql(t.org.tokens.alice, CreateRequest, {
      input: { resourceIds: [gid("Resource", t.org.resources.writeAccess)], justification: "Release duty" },
    }),
  );
  expect(asked.createRequest.errors).toEqual([]);
  const request = present(asked.createRequest.request, "the request");
  requestId = request.id;
  const ticketId = present(request.tickets[0], "its approval ticket").id;
  const approved = await dataOf(t.gql(t.org.tokens.bob, ApproveTicket, { input: { ticketId, comment: "ok" } }));
  expect(approved.approveTicket.errors).toEqual([]);
});

afterAll(async () => {
  await dashboard?.close();
});

/** Every route of the dashboard, with the heading each shows (a plain user's admin pages say "Admins only"). */
const personal = [
  ["/", "My requests"],
  ["/?section=tickets", "My tickets"],
  ["/access", "My access"],
  ["/request", "Request access"],
  ["/settings", "Settings"],
  ["/notifications", "Notifications"],
  ["/nowhere", "Page not found"],
] as const;
const adminPages = [
  ["/admin/tickets", "All tickets"],
  ["/admin/requests", "All requests"],
  ["/admin/requests/new", "Request access for someone"],
  ["/admin/access", "Access"],
  ["/admin/audit", "Audit"],
  ["/admin/systems", "Systems"],
  ["/admin/reviews", "Access reviews"],
  ["/admin/insights", "Insights"],
  ["/admin/settings", "Admin settings"],
] as const;

/** The page at `path`, settled: its heading shown and nothing still loading. */
async function open(page: Page, path: string): Promise<void> {
  await page.goto(`${t.url}${path}`);
  await page.getByRole("heading", { level: 1 }).first().waitFor();
  await page.waitForFunction(() => !document.querySelector("main")?.textContent?.includes("Loading"));
}

async function checkEveryWidth(page: Page, name: string): Promise<{ phoneWidth: number; violations: string[] }> {
  await shot(page, name);
  const desktopViolations = await axeViolations(page);
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, `${name}-phone`);
  const phoneWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  const phoneViolations = await axeViolations(page);
  await page.setViewportSize({ width: 1280, height: 900 });
  return { phoneWidth, violations: [...desktopViolations, ...phoneViolations] };
}

const shotName = (who: string, path: string) =>
  `page-${who}-${path.replace(/[^a-z]+/g, "-").replace(/^-|-$/g, "") || "home"}`;

describe("every page, as a plain user and as an admin", () => {
  for (const [who, token, pages] of [
    ["alice", () => t.org.tokens.alice, [...personal, ["/?request=", "REQ-"], ["/admin/insights", "Admins only"]]],
    ["admin", () => t.org.tokens.admin, [...personal, ...adminPages]],
  ] as const) {
    it(`${who}: fits a phone, is clean under axe-core and has its own title on every page`, async () => {
      const page = await dashboard.signedIn(token(), "/");
      const problems: string[] = [];
      for (const [path, heading] of pages) {
        const target = path === "/?request=" ? `/?request=${encodeURIComponent(requestId)}` : path;
        await open(page, target);
        const h1 = (await page.getByRole("heading", { level: 1 }).first().textContent()) ?? "";
        if (!h1.includes(heading)) problems.push(`${path}: heading "${h1}", expected "${heading}"`);
        const title = await page.title();
        if (!/^(\(\d+\) )?.+ · Access requests$/.test(title)) problems.push(`${path}: title "${title}"`);
        const { phoneWidth, violations } = await checkEveryWidth(page, shotName(who, path));
        if (phoneWidth > 390) problems.push(`${path}: ${phoneWidth} px wide on a 390 px phone`);
        problems.push(...[...new Set(violations)].map((v) => `${path}: ${v}`));
      }
      expect(problems).toEqual([]);
    });
  }

  it("moves focus to the new page's heading after a navigation and names the page in the tab's title", async () => {
    const page = await dashboard.signedIn(t.org.tokens.admin, "/");
    await page.getByRole("navigation").getByRole("link", { name: "My access" }).click();
    await page.getByRole("heading", { level: 1, name: "My access" }).waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe("My access");
    expect(await page.title()).toBe("My access · Access requests");

    // An admin page loads its code first: focus follows when its heading appears.
    await page.getByRole("navigation").getByRole("link", { name: "Insights" }).click();
    await expect
      .poll(() => page.evaluate(() => `${document.activeElement?.tagName} ${document.activeElement?.textContent}`))
      .toBe("H1 Insights");
    expect(await page.title()).toBe("Insights · Access requests");

    // From one admin page to the next: the previous page's heading is replaced, focus follows.
    for (const name of ["Audit", "Systems", "Admin settings"]) {
      await page.getByRole("navigation").getByRole("link", { name, exact: true }).click();
      await page.waitForTimeout(300);
      await expect
        .poll(() => page.evaluate(() => `${document.activeElement?.tagName} ${document.activeElement?.textContent}`))
        .toBe(`H1 ${name === "Audit" ? "Audit trail" : name}`);
    }

    // Back goes back, and focus with it.
    await page.goBack();
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe("Systems");
  });

  it("keeps the admin's navigation on one line a row at 1280 px and scrolls it inside itself on a phone", async () => {
    const page = await dashboard.signedIn(t.org.tokens.admin, "/admin/insights");
    const rows = page.locator("nav[aria-label=Main] ul");
    expect(await rows.count()).toBe(2);
    for (const row of await rows.all()) {
      // One line: every link of the row sits at the same height, and the row needs no scrolling.
      const tops = await row.locator("a").evaluateAll((links) => links.map((a) => a.getBoundingClientRect().top));
      expect(new Set(tops).size).toBe(1);
      expect(await row.evaluate((ul) => ul.scrollWidth <= ul.clientWidth)).toBe(true);
    }
    await page.setViewportSize({ width: 390, height: 844 });
    const admin = rows.nth(1);
    expect(await admin.evaluate((ul) => ul.scrollWidth > ul.clientWidth)).toBe(true);
    const navHeight = await page.locator("nav[aria-label=Main]").evaluate((nav) => nav.getBoundingClientRect().height);
    expect(navHeight).toBeLessThan(120);
    // The charts follow the new width once they have redrawn.
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

    // The current page's link, last of its row, is scrolled into view on a phone.
    await page.goto(`${t.url}/admin/settings`);
    await page.getByRole("heading", { level: 1 }).first().waitFor();
    const current = page.locator("nav[aria-label=Main] a[aria-current=page]");
    expect(await current.textContent()).toBe("Admin settings");
    const [link, box] = await current.evaluate((a) => [
      a.getBoundingClientRect().right,
      (a.closest("ul") ?? a).getBoundingClientRect().right,
    ]);
    expect(link).toBeLessThanOrEqual((box ?? 0) + 1);
  });
});
