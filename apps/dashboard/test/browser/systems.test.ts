// An admin changes a connected system on the Systems page in headless Chromium against the real
// API: problems are said next to their fields and change nothing; a saved change shows at once,
// is confirmed, and takes focus. Shot at 1280 and 390 px.
import { AdminSystems, CreateSystem } from "@access/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dataOf, present } from "@access/api/test/harness";
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

const systemNamed = async (name: string) => {
  const { systems } = await dataOf(t.gql(t.org.tokens.admin, AdminSystems, {}));
  return systems.edges.find((e) => e.node.name === name)?.node ?? null;
};

describe("changing a system in the dashboard", () => {
  it("says what is wrong next to each field, then saves and shows the change", async () => {
    const created = await dataOf(
      t.gql(t.org.tokens.admin, CreateSystem, {
        input: {
          name: "Wiki",
          connector: "WEBHOOK",
          connectorConfig: { url: "http://127.0.0.1:9/hooks/access", secret: "env:ACCESS_SECRET_WIKI" },
        },
      }),
    );
    expect(created.createSystem.errors).toEqual([]);

    const erin = await dashboard.signedIn(t.org.tokens.admin, "/admin/systems");
    await erin.getByRole("button", { name: "Change Wiki" }).click();
    const form = erin.getByTestId("system-form");
    await form.waitFor();
    // The form takes focus where it starts.
    await expect.poll(() => erin.evaluate(() => document.activeElement?.id)).toMatch(/-name$/);
    const settings = form.getByLabel("Connector settings (JSON)");
    expect(JSON.parse(await settings.inputValue())).toEqual({
      url: "http://127.0.0.1:9/hooks/access",
      secret: "env:ACCESS_SECRET_WIKI",
      timeoutMs: 10_000,
    });

    // The form's own checks: nothing is sent, and focus goes to the first problem.
    await form.getByLabel("Name").fill("");
    await form.getByLabel("Ticket SLA (hours)").fill("0");
    await settings.fill("{ not json");
    await form.getByRole("button", { name: "Save changes" }).click();
    await form.getByText("Give the system a name.").waitFor();
    await form.getByText("Give a whole number of hours from 1 to 8760").waitFor();
    await form.getByText("The connector settings must be JSON").waitFor();
    expect(await erin.evaluate(() => document.activeElement?.getAttribute("aria-invalid"))).toBe("true");
    expect(await form.getByLabel("Name").getAttribute("aria-invalid")).toBe("true");

    // The API's refusals, next to their fields: a name in use, then an inline secret.
    await form.getByLabel("Name").fill("GitHub");
    await form.getByLabel("Ticket SLA (hours)").fill("8");
    await settings.fill(JSON.stringify({ url: "http://127.0.0.1:9/hooks/access", secret: "env:ACCESS_SECRET_WIKI" }));
    await form.getByRole("button", { name: "Save changes" }).click();
    await form.getByText("A system named GitHub exists already.").waitFor();
    expect(await form.getByLabel("Name").getAttribute("aria-invalid")).toBe("true");
    await form.getByLabel("Name").fill("Team wiki");
    await settings.fill(JSON.stringify({ url: "http://127.0.0.1:9/hooks/access", secret: "hunter2" }));
    await form.getByRole("button", { name: "Save changes" }).click();
    await form.getByText(/Secrets are given as a reference/).waitFor();
    expect(await settings.getAttribute("aria-invalid")).toBe("true");
    expect(await form.getByLabel("Name").getAttribute("aria-invalid")).toBeNull();
    await shot(erin, "system-form-errors");
    expect((await systemNamed("Wiki"))?.ticketSlaHours).toBeNull();

    await form.getByLabel("Fulfillers").selectOption({ label: "IT Fulfillers" });
    await settings.fill(
      JSON.stringify({ url: "http://127.0.0.1:9/hooks/v2", secret: "env:ACCESS_SECRET_WIKI", timeoutMs: 5000 }),
    );
    await form.getByRole("button", { name: "Save changes" }).click();
    const confirmation = erin.getByText("Saved the changes to Team wiki.");
    await confirmation.waitFor();
    expect(await confirmation.evaluate((el) => el === document.activeElement)).toBe(true);
    const card = erin.locator("section.card", { has: erin.getByRole("heading", { name: "Team wiki" }) });
    expect(await card.textContent()).toContain("Fulfillers: IT Fulfillers · SLA: 8 hours");
    expect(await card.locator("header").textContent()).toContain("Webhook connector · ");
    await shot(erin, "system-saved");

    const saved = present(await systemNamed("Team wiki"), "the changed system");
    expect(saved).toMatchObject({
      ticketSlaHours: 8,
      fulfillers: { name: "IT Fulfillers" },
      connectorConfig: { url: "http://127.0.0.1:9/hooks/v2", secret: "env:ACCESS_SECRET_WIKI", timeoutMs: 5000 },
    });

    // On a phone the form fits the screen.
    await erin.setViewportSize({ width: 390, height: 844 });
    await erin.getByRole("button", { name: "Change Team wiki" }).click();
    await erin.getByTestId("system-form").waitFor();
    expect(await erin.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shot(erin, "system-form-phone");
    await erin.getByRole("button", { name: "Cancel" }).click();
    await expect.poll(() => erin.evaluate(() => document.activeElement?.textContent)).toBe("Change Team wiki…");
  });
});
