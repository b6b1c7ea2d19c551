// The admin's Insights page in headless Chromium against the real API: after Alice's request is
// approved by Bob and fulfilled, the page shows the figures, draws its charts and lists the
// numbers behind them; a new request moves the figures and the oldest open tickets live, without
// a reload. Shot at 1280 and 390 px.
import { ApproveTicket, CreateRequest, FulfillTicket, RequestDetail } from "@access/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dataOf, gid, present } from "@access/api/test/harness";
import { type DashboardUnderTest, shot, startDashboard } from "./browser.ts";

let dashboard: DashboardUnderTest;
let t: DashboardUnderTest["t"];

beforeAll(async () => {
  dashboard = await startDashboard();
  t = dashboard.t;
});

afterAll(async () => {
  await dashboard?.close();
});

async function request(token: string, justification: string) {
  const asked = await dataOf(
    t.gql(token, CreateRequest, {
      input: { resourceIds: [gid("Resource", t.org.resources.writeAccess)], justification },
    }),
  );
  expect(asked.createRequest.errors).toEqual([]);
  return present(asked.createRequest.request, "the request");
}

describe("insights in the dashboard", () => {
  it("shows the figures, charts and their numbers, and follows new requests live", async () => {
    const asked = await request(t.org.tokens.alice, "Release duty");
    const approval = present(asked.tickets[0], "the approval ticket").id;
    const approved = await dataOf(t.gql(t.org.tokens.bob, ApproveTicket, { input: { ticketId: approval } }));
    expect(approved.approveTicket.errors).toEqual([]);
    const detail = await dataOf(t.gql(t.org.tokens.admin, RequestDetail, { id: asked.id }));
    const fulfilment = present(
      detail.request?.tickets.find((ticket) => ticket.kind === "FULFILLMENT"),
      "the fulfilment ticket",
    );
    const fulfilled = await dataOf(
      t.gql(t.org.tokens.admin, FulfillTicket, { input: { ticketId: fulfilment.id, comment: "added to the team" } }),
    );
    expect(fulfilled.fulfillTicket.errors).toEqual([]);

    const page = await dashboard.signedIn(t.org.tokens.admin, "/admin/insights");
    await page.getByRole("heading", { level: 1, name: "Insights" }).waitFor();
    const figure = (id: string) => page.getByTestId(id);
    await expect.poll(() => figure("figure-requests").textContent()).toBe("1");
    expect(await figure("figure-approve").textContent()).toMatch(/\d+ (s|min)\s+median · p90 \d+ (s|min)/);
    expect(await figure("figure-fulfil").textContent()).toMatch(/\d+ (s|min)\s+median/);

    // Three charts, each drawn (pixels on its canvas) and summarised in words under it.
    const canvases = page.locator("canvas");
    expect(await canvases.count()).toBe(3);
    const drawn = await canvases.evaluateAll((all) =>
      all.map((canvas) => {
        const c = canvas as HTMLCanvasElement;
        const pixels = c.getContext("2d")?.getImageData(0, 0, c.width, c.height).data ?? [];
        return c.width > 0 && Array.prototype.some.call(pixels, (value: number, i: number) => i % 4 === 3 && value > 0);
      }),
    );
    expect(drawn).toEqual([true, true, true]);
    expect(await page.locator(".chart-summary").first().textContent()).toMatch(
      /^Over 30 days: 1 request made, 1 step approved, 0 rejected, 1 fulfilled; the most requests, 1, on \d{4}-\d\d-\d\d\.$/,
    );

    // The numbers behind the chart of days: today's row.
    await page.getByText("The numbers per day").click();
    const today = new Date().toISOString().slice(0, 10);
    const row = page.getByTestId("activity-table").getByRole("row", { name: new RegExp(today) });
    expect((await row.getByRole("cell").allTextContents()).map((cell) => cell.trim())).toEqual(["1", "1", "0", "1"]);
    expect(await page.getByText("No open tickets.").count()).toBe(1);
    await shot(page, "insights");

    // Dave asks too: the figures and the oldest open tickets follow without a reload.
    const next = await request(t.org.tokens.dave, "On call");
    await expect.poll(() => figure("figure-requests").textContent(), { timeout: 10_000 }).toBe("2");
    const oldest = page.getByTestId("oldest-tickets");
    await oldest.waitFor({ timeout: 10_000 });
    expect(await oldest.getByRole("link").allTextContents()).toEqual([`REQ-${next.number}`]);

    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, "insights-phone");
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  });

  it("shows chosen days, says when they make no period, and keeps them in the address", async () => {
    const page = await dashboard.signedIn(t.org.tokens.admin, "/admin/insights");
    await page.getByTestId("figure-requests").waitFor();
    await page.getByRole("combobox", { name: /^Period/ }).selectOption("custom");
    const today = new Date().toISOString().slice(0, 10);
    // It starts from the 30 days shown until then: nothing is wrong before anything is typed.
    expect(await page.getByLabel("Last day").inputValue()).toBe(today);
    expect(await page.getByLabel("First day").getAttribute("aria-invalid")).toBeNull();
    await expect.poll(() => page.getByTestId("figure-requests").textContent()).toBe("2");
    const longAgo = "2020-01-01";
    // The last day before the first: said next to the days, and nothing is asked.
    await page.getByLabel("First day").fill(today);
    await page.getByLabel("Last day").fill(longAgo);
    await page.getByText("The last day must not be before the first. Days are UTC days, both included.").waitFor();
    expect(await page.getByLabel("Last day").getAttribute("aria-invalid")).toBe("true");
    expect(await page.getByTestId("insights-figures").count()).toBe(0);

    // Long ago: nothing happened then.
    await page.getByLabel("Last day").fill("2020-01-31");
    await page.getByLabel("First day").fill(longAgo);
    await expect.poll(() => page.getByTestId("figure-requests").textContent()).toBe("0");
    // More than 366 days: said, and nothing asked.
    await page.getByLabel("Last day").fill(today);
    await page.getByText("Choose at most 366 days.").waitFor();
    // The last 300 days, up to today: the two requests of the test before.
    const first = new Date(Date.now() - 299 * 86_400_000).toISOString().slice(0, 10);
    await page.getByLabel("First day").fill(first);
    await expect.poll(() => page.getByTestId("figure-requests").textContent()).toBe("2");
    await shot(page, "insights-custom");

    const address = new URL(page.url());
    expect(Object.fromEntries(address.searchParams)).toEqual({ period: "custom", from: first, to: today });
    await page.reload();
    await expect.poll(() => page.getByTestId("figure-requests").textContent()).toBe("2");
    expect(await page.getByLabel("First day").inputValue()).toBe(first);
  });
});
