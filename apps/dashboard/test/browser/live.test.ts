// The dashboard's live connection in headless Chromium against the real API (at most two live
// connections per token here): a tab past the limit says so and goes live again on its own once
// another tab closes; a live change updates the open view from the cache without sending its
// queries again; a revoked token signs the tab out with the reason.
import { IssueApiToken, RevokeApiToken, CreateRequest } from "@access/contract";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dataOf, gid, present } from "@access/api/test/harness";
import { type DashboardUnderTest, openTicket, shot, startDashboard } from "./browser.ts";

let dashboard: DashboardUnderTest;
let t: DashboardUnderTest["t"];

beforeAll(async () => {
  dashboard = await startDashboard({ WS_MAX_CONNECTIONS_PER_TOKEN: "2" });
  t = dashboard.t;
});

afterAll(async () => {
  await dashboard?.close();
});

/** The live streams the server is delivering to, in all (three per signed-in tab: tickets, requests, reviews; four for admins). */
const streams = () => t.server.feed.subscriberCount;

/** The GraphQL operations `page` sends over HTTP from now on, by name. */
function operationsSentBy(page: Page): string[] {
  const names: string[] = [];
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (url.pathname !== "/graphql" || request.resourceType() === "websocket") return;
    const body = request.postDataJSON() as { operationName?: string } | null;
    names.push(body?.operationName ?? url.searchParams.get("operationName") ?? "(unnamed)");
  });
  return names;
}

/** Alice asks for GitHub Write Access (at most once while it is open); Bob gets the approval. */
async function aliceRequestsWriteAccess(): Promise<void> {
  const answer = await dataOf(
    t.gql(t.org.tokens.alice, CreateRequest, {
      input: { resourceIds: [gid("Resource", t.org.resources.writeAccess)], justification: "docs rota" },
    }),
  );
  expect(answer.createRequest.errors).toEqual([]);
}

const statusOfFirstRow = (page: Page) =>
  page.locator("tr[data-request] [data-status]").first().getAttribute("data-status");

describe("the live connection of a tab", () => {
  it("shows a tab past the token's connection limit as limited, and goes live again once another tab closes", async () => {
    const context = await dashboard.newContext();
    const first = await dashboard.signedIn(t.org.tokens.alice, "/", context);
    await dashboard.signedIn(t.org.tokens.alice, "/", context);
    await expect.poll(streams).toBe(6);

    const third = await dashboard.signedIn(t.org.tokens.alice, "/", context);
    const limited = third.getByTestId("live-limited");
    await limited.waitFor({ timeout: 10_000 });
    expect(await limited.textContent()).toContain("Too many live connections for this token (at most 2)");
    await shot(third, "live-limited");

    await first.close();
    await limited.waitFor({ state: "detached", timeout: 30_000 });
    await expect.poll(streams).toBe(6);
    // Live again: a request Alice makes elsewhere appears without a reload.
    await aliceRequestsWriteAccess();
    await expect.poll(() => statusOfFirstRow(third), { timeout: 5_000 }).toBe("PENDING_APPROVAL");
    await context.close();
    await expect.poll(streams).toBe(0);
  });

  it("updates open views from a live change, sending again only the list the change moved a ticket out of", async () => {
    // Alice searched the catalogue, then keeps her requests open.
    const alice = await dashboard.signedIn(t.org.tokens.alice, "/request");
    await alice.getByLabel("Search by name or system").fill("write");
    await alice.getByLabel(/GitHub Write Access/).waitFor();
    await alice.getByRole("navigation").getByRole("link", { name: "My requests" }).click();
    await expect.poll(() => statusOfFirstRow(alice)).toBe("PENDING_APPROVAL");
    // Erin looked at the systems, then keeps the open tickets up.
    const admin = await dashboard.signedIn(t.org.tokens.admin, "/admin/systems");
    await admin.getByText("GitHub Organisation Owner").waitFor();
    await admin.getByRole("navigation").getByRole("link", { name: "All tickets" }).click();
    await admin.locator("tr[data-ticket]").first().waitFor();
    await expect.poll(streams).toBe(7);
    await alice.waitForLoadState("networkidle");
    await admin.waitForLoadState("networkidle");
    const sentByAlice = operationsSentBy(alice);
    const sentByAdmin = operationsSentBy(admin);

    // Bob approves Alice's request in his own browser.
    const bob = await dashboard.signedIn(t.org.tokens.bob, "/?section=tickets");
    await (await openTicket(bob, /TKT-/)).getByRole("button", { name: "Approve" }).click();
    await bob.getByText("Nothing is waiting for you").waitFor({ timeout: 5_000 });

    await expect.poll(() => statusOfFirstRow(alice), { timeout: 5_000 }).toBe("APPROVED");
    await admin.locator("tr[data-ticket]").getByText("Fulfillment").waitFor({ timeout: 5_000 });
    await alice.waitForTimeout(500);
    await shot(alice, "my-requests-live");
    await shot(admin, "admin-tickets-live");
    // Alice's row changed in the cache: nothing else was fetched. Erin's OPEN tickets lost the approval
    // and gained the fulfillment ticket: that list alone was fetched again.
    // (Alice's unread count is asked again: the decision is a notification for her.)
    expect(sentByAlice.filter((name) => name !== "MyNotifications")).toEqual([]);
    expect(sentByAdmin.length).toBeGreaterThanOrEqual(1);
    // (WaitingOnMe, the navigation's count, cannot tell an admin's override from an assignment.)
    expect(sentByAdmin.filter((name) => name !== "WaitingOnMe")).toContain("AdminTickets");
    expect(new Set(sentByAdmin.filter((name) => name !== "WaitingOnMe"))).toEqual(new Set(["AdminTickets"]));
  });

  it("counts the tickets waiting on a person in the navigation and the tab title, live", async () => {
    const bob = await dashboard.signedIn(t.org.tokens.bob, "/access");
    const count = bob
      .getByRole("navigation")
      .getByRole("link", { name: /My tickets/ })
      .getByTestId("nav-count");
    await bob.getByRole("heading", { level: 1 }).waitFor();
    expect(await count.count()).toBe(0);
    expect(await bob.title()).toBe("My access · Access requests");

    // Dave (Bob's report too) asks for write access: Bob's approval is waiting.
    const asked = await dataOf(
      t.gql(t.org.tokens.dave, CreateRequest, {
        input: { resourceIds: [gid("Resource", t.org.resources.writeAccess)], justification: "release duty" },
      }),
    );
    expect(asked.createRequest.errors).toEqual([]);
    await expect.poll(() => count.textContent(), { timeout: 5_000 }).toBe("1");
    await expect.poll(() => bob.title(), { timeout: 5_000 }).toBe("(1) My access · Access requests");
    expect(await count.getAttribute("aria-label")).toBe("1 waiting on you");
    await shot(bob, "waiting-count");

    // Bob approves from his tickets: nothing waits on him any more.
    await bob
      .getByRole("navigation")
      .getByRole("link", { name: /My tickets/ })
      .click();
    await (await openTicket(bob, /TKT-/)).getByRole("button", { name: "Approve" }).click();
    await expect.poll(() => count.count(), { timeout: 5_000 }).toBe(0);
    await expect.poll(() => bob.title(), { timeout: 5_000 }).toBe("My tickets · Access requests");
  });

  it("signs a tab out, saying why, when its token is revoked", async () => {
    const issued = await dataOf(
      t.gql(t.org.tokens.admin, IssueApiToken, {
        input: { identityId: gid("Identity", t.org.ids.carol), name: "revoked by the browser test" },
      }),
    );
    const token = present(issued.issueApiToken.token, "the issued token");
    const apiToken = present(issued.issueApiToken.apiToken, "the issued token's record");
    const before = streams();
    const carol = await dashboard.signedIn(token, "/");
    await expect.poll(streams).toBe(before + 3);

    const revoked = await dataOf(t.gql(t.org.tokens.admin, RevokeApiToken, { input: { tokenId: apiToken.id } }));
    expect(revoked.revokeApiToken.errors).toEqual([]);
    await carol.getByText("You were signed out. The token was revoked.").waitFor({ timeout: 10_000 });
    await carol.getByLabel("API token").waitFor();
    await shot(carol, "signed-out-refused");
  });
});
