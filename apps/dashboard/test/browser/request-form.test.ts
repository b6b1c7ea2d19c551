// The request form as an employee in a hurry and an admin asking for someone see it: what each
// resource is and who would approve it before anything is sent, resources already held or asked for
// marked with a link instead of refused after submit, and every problem shown at once.
import { ApproveTicket, CreateRequest } from "@access/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accepted, dataOf, gid, present } from "@access/api/test/harness";
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

describe("the request form", () => {
  it("shows every problem at once, says who approves, and marks what is already asked for with a link to it", async () => {
    const alice = await dashboard.signedIn(t.org.tokens.alice, "/request");

    await alice.getByRole("button", { name: "Submit request" }).click();
    const problems = alice.getByTestId("form-problems");
    await problems.waitFor();
    expect(await problems.getAttribute("role")).toBe("alert");
    // The summary is the submit's result: focus lands on it.
    await expect
      .poll(() => alice.evaluate(() => document.activeElement?.getAttribute("data-testid")))
      .toBe("form-problems");
    expect(await problems.locator("li").allTextContents()).toEqual([
      "Pick at least one resource.",
      "Say why you need this access.",
    ]);
    expect(await alice.getByLabel("Justification").getAttribute("aria-invalid")).toBe("true");
    await shot(alice, "request-form-problems");

    const writeAccess = alice.locator('li[data-resource="GitHub Write Access"]');
    await expect
      .poll(() => writeAccess.textContent())
      .toContain("Push to the company's repositories · Set up by hand by IT Fulfillers");
    await alice.getByLabel(/GitHub Write Access/).check();
    const chain = alice.getByTestId("approval-chain");
    await expect
      .poll(() => chain.textContent())
      .toContain("GitHub Write Access: Approved by your manager Bob Manager.");
    await alice.getByLabel(/GitHub Organisation Owner/).check();
    await expect
      .poll(() => chain.textContent())
      .toContain("GitHub Organisation Owner: Approved by your manager Bob Manager, then Carol Security.");
    await alice.getByLabel(/GitHub Organisation Owner/).uncheck();
    await alice.getByLabel("Justification").fill("I maintain the documentation repository.");
    await alice.getByRole("button", { name: "Submit request" }).click();
    await alice.waitForURL(/\?request=/);
    const number = (await alice.getByRole("heading", { level: 1 }).textContent())?.match(/REQ-\d+/)?.[0];
    expect(number).toMatch(/REQ-\d+/);

    await alice.getByRole("navigation").getByRole("link", { name: "Request access" }).click();
    await expect.poll(() => writeAccess.textContent()).toContain(`Requested in ${number}`);
    expect(await alice.getByLabel(/GitHub Write Access/).isDisabled()).toBe(true);
    await shot(alice, "request-form-marked");
    await writeAccess.getByRole("link", { name: `Open ${number}` }).click();
    await alice.waitForURL(/\?request=/);
    expect(await alice.getByRole("heading", { level: 1 }).textContent()).toContain(number);
  });

  it("requires the person when an admin asks for someone, and warns when nobody would approve as configured", async () => {
    const admin = await dashboard.signedIn(t.org.tokens.admin, "/admin/requests/new");
    await admin.getByLabel(/GitHub Write Access/).check();
    await admin.getByLabel("Justification").fill("Bob needs to push the release.");
    await admin.getByRole("button", { name: "Submit request" }).click();
    await expect
      .poll(() => admin.getByTestId("form-problems").textContent())
      .toContain("Choose who this request is for.");
    expect(admin.url()).toContain("/admin/requests/new");

    await admin.getByLabel("Find a person").fill("bob");
    await admin.getByLabel("Requested for").selectOption({ label: "Bob Manager (bob.manager@example.com)" });
    // The problem goes once the person is chosen.
    await expect.poll(() => admin.getByTestId("form-problems").count()).toBe(0);
    const chain = admin.getByTestId("approval-chain");
    await expect.poll(() => chain.textContent()).toContain("Step 1 goes to the admins instead: no manager on record.");
    await expect.poll(() => chain.textContent()).toContain("You are making this request, so you cannot decide it");
    await shot(admin, "request-form-fallback-warning");

    // Switching to Alice, who has already asked for it: the pick is refused before anything is sent.
    await admin.getByLabel("Find a person").fill("alice");
    await admin.getByLabel("Requested for").selectOption({ label: "Alice Employee (alice@example.com)" });
    await admin.getByRole("button", { name: "Submit request" }).click();
    await expect
      .poll(() => admin.getByTestId("form-problems").textContent())
      .toMatch(/GitHub Write Access: requested in REQ-\d+\. Untick it\./);
    expect(admin.url()).toContain("/admin/requests/new");
  });

  it("fits a phone: the form never scrolls sideways", async () => {
    const context = await dashboard.newContext();
    const alice = await dashboard.signedIn(t.org.tokens.dave, "/request", context);
    await alice.setViewportSize({ width: 390, height: 844 });
    await alice.getByLabel(/GitHub Organisation Owner/).check();
    await alice.getByTestId("approval-chain").waitFor();
    expect(await alice.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shot(alice, "request-form-phone");
  });
});

describe("the request's page and list", () => {
  it("shows the whole chain live, whom it waits on and since when, approved-but-not-set-up apart from done, and audit rows naming the ticket", async () => {
    const created = accepted(
      (
        await dataOf(
          t.gql(t.org.tokens.alice, CreateRequest, {
            input: {
              resourceIds: [gid("Resource", t.org.resources.orgOwner)],
              justification: "I run the organisation's settings this quarter.",
            },
          }),
        )
      ).createRequest,
      "request",
    );
    const request = present(created.request, "request");
    const alice = await dashboard.signedIn(t.org.tokens.alice, `/?request=${encodeURIComponent(request.id)}`);
    await expect.poll(() => alice.title()).toBe(`REQ-${request.number} · Access requests`);
    const steps = alice.locator('section[data-item="GitHub Organisation Owner"] li.step');
    const stepTexts = async () =>
      (await steps.allTextContents()).map((text) =>
        text
          .replace(/^\s*[✓●○✕]/, "")
          .replace(/\s+/g, " ")
          .trim(),
      );
    await expect
      .poll(stepTexts)
      .toEqual([
        expect.stringMatching(/^Now: Approval, step 1 of 2 · Waiting on Bob Manager, opened .+\s*·\s*TKT-\d+$/),
        "To come: Approval, step 2 of 2 · Then Carol Security",
        "To come: Access set up · Then set up by anyone in IT Fulfillers",
      ]);

    const first = present(request.tickets[0], "first approval");
    accepted(
      (await dataOf(t.gql(t.org.tokens.bob, ApproveTicket, { input: { ticketId: first.id } }))).approveTicket,
      "approve",
    );
    await expect
      .poll(stepTexts)
      .toEqual([
        expect.stringMatching(/^Done: Approval, step 1 of 2 · Approved by Bob Manager,.+\s*·\s*TKT-\d+$/),
        expect.stringMatching(/^Now: Approval, step 2 of 2 · Waiting on Carol Security, opened .+\s*·\s*TKT-\d+$/),
        "To come: Access set up · Then set up by anyone in IT Fulfillers",
      ]);
    await expect
      .poll(() => alice.locator("table").last().textContent())
      .toMatch(new RegExp(`TKT-${first.number} approved: Open → Approved`));

    const second = present(
      (await t.server.db.read.ticket.findFirst({ where: { number: first.number + 1 }, select: { id: true } }))?.id,
      "second approval",
    );
    accepted(
      (await dataOf(t.gql(t.org.tokens.carol, ApproveTicket, { input: { ticketId: gid("Ticket", second) } })))
        .approveTicket,
      "approve",
    );
    await expect.poll(() => alice.getByRole("heading", { level: 1 }).textContent()).toContain("Approved, being set up");
    await expect
      .poll(stepTexts)
      .toContainEqual(expect.stringMatching(/^Now: Access set up · Waiting on .+ to set it up, opened /));
    await shot(alice, "request-progress");

    await alice.getByRole("navigation").getByRole("link", { name: "My requests" }).click();
    const row = alice.locator(`tr[data-request="REQ-${request.number}"]`);
    await expect.poll(() => row.getByTestId("waiting-on").textContent()).toMatch(/IT Fulfillers, opened .+/);
    expect(await row.locator("[data-status]").textContent()).toBe("Approved, being set up");
  });
});
