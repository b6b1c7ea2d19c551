// The seed's story through the dashboard, in headless Chromium (Debian's, never a download),
// against the real API on a random port: three people in three browser contexts, live.
import { CancelRequest, CreateRequest, CreateResource, RequestDetail, Requests } from "@access/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dataOf, gid, present } from "@access/api/test/harness";
import { type DashboardUnderTest, openTicket, shot, startDashboard, ticketRow } from "./browser.ts";

let dashboard: DashboardUnderTest;
let t: DashboardUnderTest["t"];
const newContext = () => dashboard.newContext();
const signedIn = (token: string, pathname: string) => dashboard.signedIn(token, pathname);

beforeAll(async () => {
  dashboard = await startDashboard();
  t = dashboard.t;
});

afterAll(async () => {
  await dashboard?.close();
});

describe("the GitHub Write Access story in the dashboard", () => {
  it("runs from request to fulfilled, live, across three people", async () => {
    // Alice signs in with the form.
    const aliceContext = await newContext();
    const alice = await aliceContext.newPage();
    await alice.goto(`${t.url}/request`);
    await shot(alice, "sign-in");
    await alice.getByLabel("API token").fill(t.org.tokens.alice);
    await alice.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => alice.getByTestId("signed-in").textContent()).toContain("Alice Employee");

    // Bob and Dave watch their tickets before anything exists.
    const bob = await signedIn(t.org.tokens.bob, "/?section=tickets");
    const dave = await signedIn(t.org.tokens.dave, "/?section=tickets");
    await bob.getByText("Nothing is waiting for you").waitFor();
    await shot(bob, "my-tickets-empty");

    // Alice requests GitHub Write Access.
    await alice.getByLabel("Search by name or system").fill("write");
    await alice.getByLabel(/GitHub Write Access/).check();
    await alice.getByRole("button", { name: "Submit request" }).click();
    await alice.getByText("Say why you need this access.").first().waitFor();
    await shot(alice, "request-field-error");
    await alice.getByLabel("Justification").fill("I maintain the documentation repository.");
    await shot(alice, "request");
    await alice.getByRole("button", { name: "Submit request" }).click();
    await alice.waitForURL(/\?request=/);
    await alice.getByRole("heading", { name: /REQ-\d+/ }).waitFor();
    await shot(alice, "request-detail");

    // Alice goes to her requests and keeps the page open.
    await alice.getByRole("navigation").getByRole("link", { name: "My requests" }).click();
    const aliceRow = alice.locator("tr[data-request]").first();
    await expect.poll(() => aliceRow.locator("[data-status]").getAttribute("data-status")).toBe("PENDING_APPROVAL");
    await shot(alice, "my-requests");

    // Bob's ticket list shows the approval without a reload; he approves.
    await ticketRow(bob, "GitHub Write Access").waitFor({ timeout: 5_000 });
    await shot(bob, "my-tickets");
    const bobTicket = await openTicket(bob, "GitHub Write Access");
    // Rejecting needs a reason: without one, the comment field says so and nothing is decided.
    await bobTicket.getByRole("button", { name: "Reject" }).click();
    await bobTicket.getByText("Say why you reject it: the requester is told the reason.").waitFor();
    expect(await bobTicket.getByLabel(/^Comment/).getAttribute("aria-invalid")).toBe("true");
    await bobTicket.getByLabel(/^Comment/).fill("Approved, docs team.");
    await bobTicket.getByRole("button", { name: "Approve" }).click();
    await bob.getByText("Nothing is waiting for you").waitFor({ timeout: 5_000 });
    // The row left the list; what was done stays above it, with focus.
    expect(await bob.getByTestId("bulk-outcomes").textContent()).toMatch(/TKT-\d+: approved/);
    await expect
      .poll(() => bob.evaluate(() => document.activeElement?.getAttribute("data-testid")))
      .toBe("bulk-outcomes");

    // Dave's list shows the fulfillment ticket without a reload; he fulfills with evidence.
    await ticketRow(dave, "Fulfillment").waitFor({ timeout: 5_000 });
    const daveTicket = await openTicket(dave, "Fulfillment");
    await daveTicket.getByLabel(/Comment|Evidence/).fill("Added alice to the docs-writers team.");
    await shot(dave, "fulfillment-ticket");
    await daveTicket.getByRole("button", { name: "Mark fulfilled" }).click();
    await dave.getByText("Nothing is waiting for you").waitFor({ timeout: 5_000 });

    // Alice's list shows FULFILLED without a reload.
    await expect
      .poll(() => aliceRow.locator("[data-status]").getAttribute("data-status"), { timeout: 5_000 })
      .toBe("FULFILLED");
    await shot(alice, "my-requests-fulfilled");
  });

  it("lets an admin request access for someone else", async () => {
    const admin = await signedIn(t.org.tokens.admin, "/admin/requests/new");
    // Without a person the form refuses, instead of filing the request for the admin herself.
    await admin.getByLabel(/GitHub Write Access/).check();
    await admin.getByLabel("Justification").fill("Carol joins the docs rota.");
    await admin.getByRole("button", { name: "Submit request" }).click();
    await admin.getByText("Choose who this request is for.").first().waitFor();
    expect(admin.url()).toContain("/admin/requests/new");
    await admin.getByLabel("Find a person").fill("carol");
    await admin.getByLabel("Requested for").selectOption({ label: "Carol Security (carol.security@example.com)" });
    await shot(admin, "admin-new-request");
    await admin.getByRole("button", { name: "Submit request" }).click();
    await admin.waitForURL(/\?request=/);
    await admin.getByText("For Carol Security, requested by Erin Admin").waitFor();
    for (const view of ["tickets", "requests", "audit", "systems"]) {
      await admin.goto(`${t.url}/admin/${view}`);
      await admin.locator("main h1").waitFor();
      await admin.waitForLoadState("networkidle");
      await shot(admin, `admin-${view}`);
    }
    await admin.goto(`${t.url}/admin/systems`);
    await admin.getByText("GitHub Organisation Owner").waitFor();
  });

  it("says when it is offline, then reconnects and shows what changed meanwhile", async () => {
    const carol = await signedIn(t.org.tokens.carol, "/");
    await carol
      .getByText(/REQ-\d+/)
      .first()
      .waitFor();
    await carol.context().setOffline(true);
    await carol.getByText("Offline: live updates are paused").waitFor({ timeout: 15_000 });
    await shot(carol, "offline");
    // While Carol is offline, the admin cancels her request (made for her in the previous test).
    const requests = await dataOf(t.gql(t.org.tokens.carol, Requests, { first: 1 }));
    const requestId = present(requests.requests.edges[0], "Carol's request").node.id;
    const cancelled = await dataOf(t.gql(t.org.tokens.admin, CancelRequest, { input: { requestId } }));
    expect(cancelled.cancelRequest.errors).toEqual([]);
    await carol.context().setOffline(false);
    await carol.getByText("Offline: live updates are paused").waitFor({ state: "detached", timeout: 15_000 });
    await expect
      .poll(() => carol.locator("tr[data-request] [data-status]").first().getAttribute("data-status"), {
        timeout: 10_000,
      })
      .toBe("CANCELLED");
  });

  it("asks before cancelling a request, and keeps the reason in its trail", async () => {
    const { createResource } = await dataOf(
      t.gql(t.org.tokens.admin, CreateResource, {
        input: { systemId: gid("System", t.org.githubSystemId), name: "Docs wiki", sensitivity: "STANDARD" },
      }),
    );
    const resourceId = present(createResource.resource, "the resource").id;
    const { createRequest } = await dataOf(
      t.gql(t.org.tokens.alice, CreateRequest, { input: { resourceIds: [resourceId], justification: "wiki edits" } }),
    );
    const requestId = present(createRequest.request, "the request").id;
    const alice = await signedIn(t.org.tokens.alice, `/?request=${encodeURIComponent(requestId)}`);
    await alice.getByRole("button", { name: "Cancel request" }).click();
    await alice.getByText("this cannot be undone").waitFor();
    await shot(alice, "cancel-confirm");
    await alice.getByRole("button", { name: "Keep it" }).click();
    await alice.getByRole("button", { name: "Cancel request" }).waitFor();
    const kept = await dataOf(t.gql(t.org.tokens.alice, RequestDetail, { id: requestId }));
    expect(kept.request?.status).toBe("PENDING_APPROVAL");

    await alice.getByRole("button", { name: "Cancel request" }).click();
    await alice.getByLabel(/Reason/).fill("Not needed any more.");
    await alice.getByRole("button", { name: "Yes, cancel the request" }).click();
    await expect.poll(() => alice.locator("h1 [data-status]").getAttribute("data-status")).toBe("CANCELLED");
    const cancelled = await dataOf(t.gql(t.org.tokens.alice, RequestDetail, { id: requestId }));
    const events = cancelled.request?.auditEvents.edges.map((e) => e.node) ?? [];
    expect(events.find((e) => e.action === "REQUEST_CANCELLED")?.comment).toBe("Not needed any more.");
  });

  it("shows the audit trail newest first, so the latest changes are on top", async () => {
    const erin = await signedIn(t.org.tokens.admin, "/admin/audit");
    const meta = erin.getByText(/events, newest first/);
    await meta.waitFor();
    const total = Number(/^(\d+) events/.exec((await meta.textContent())?.trim() ?? "")?.[1]);
    expect(total).toBeGreaterThan(0);
    // Sequences have no gaps: the newest event's number is the count.
    expect(Number(await erin.locator("tbody tr").first().locator("td").first().textContent())).toBe(total);
    // An event about someone's access names whose, and what: Alice's grant from the first story.
    await erin.getByRole("cell", { name: "Access granted (Alice Employee, GitHub Write Access)" }).waitFor();
    await shot(erin, "admin-audit");
    // A "To" before the "From" is said, not shown as an empty trail; "Whole trail" clears both.
    await erin.getByLabel("From").fill("2026-03-02T10:00");
    await erin.getByLabel("To").fill("2026-03-01T10:00");
    await erin.getByText("“To” is before “From”: nothing can match.").waitFor();
    expect(await erin.getByLabel("To").getAttribute("aria-invalid")).toBe("true");
    await erin.getByRole("button", { name: "Whole trail" }).click();
    await expect.poll(() => erin.locator("tbody tr").count()).toBe(total);
  });

  it("refuses the admin pages to an end user", async () => {
    const alice = await signedIn(t.org.tokens.alice, "/admin/tickets");
    await alice.getByRole("heading", { name: "Admins only" }).waitFor();
    expect(await alice.getByRole("link", { name: "All tickets" }).count()).toBe(0);
    await shot(alice, "admin-refused");
  });
});

describe("browser policies", () => {
  it("serves the dashboard under a self-only Content-Security-Policy that none of its pages broke", async () => {
    const page = await (await newContext()).newPage();
    const response = await page.goto(`${t.url}/admin/audit`);
    const policy = (await response?.headerValue("content-security-policy")) ?? "";
    expect(policy).toContain("script-src 'self'");
    expect(policy).not.toContain("unsafe");
    expect(await response?.headerValue("x-frame-options")).toBe("DENY");
    // Every page of the story above ran under it.
    expect(dashboard.violations).toEqual([]);
  });

  it("runs GraphiQL under its hash policy, with no violation, and tells a visitor how to sign in", async () => {
    const page = await (await newContext()).newPage();
    const response = await page.goto(`${t.url}/graphql`);
    expect((await response?.headerValue("content-security-policy")) ?? "").toMatch(/script-src 'sha256-/);
    await page.locator(".graphiql-container").first().waitFor({ timeout: 20_000 });
    await expect.poll(() => page.locator("#access-signin").textContent()).toContain("Not signed in.");
    await page.waitForTimeout(500);
    await shot(page, "graphiql");
    expect(dashboard.violations).toEqual([]);
  });
});
