// Sign-in through the identity provider in headless Chromium: a real OpenID provider
// (oidc-provider, started here), its login and consent pages, back to the dashboard with a
// session cookie that every tab of the browser shares, live updates over the cookie's
// WebSocket, the person's sessions, and sign-out.
import { CreateRequest } from "@access/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dataOf, gid } from "@access/api/test/harness";
import { freePort } from "@access/api/test/instances";
import { type OidcPeer, startOidcPeer } from "@access/api/test/oidc-peer";
import { type DashboardUnderTest, shot, startDashboard } from "./browser.ts";

let peer: OidcPeer;
let dashboard: DashboardUnderTest;

beforeAll(async () => {
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  peer = await startOidcPeer([`${publicUrl}/auth/callback`]);
  peer.accounts.set("alice", { email: "alice@example.com", email_verified: true, name: "Alice" });
  peer.accounts.set("erin", { email: "erin.admin@example.com", email_verified: true, name: "Erin" });
  dashboard = await startDashboard({
    PORT: String(port),
    PUBLIC_URL: publicUrl,
    OIDC_ISSUER: peer.issuer,
    OIDC_CLIENT_ID: peer.clientId,
    OIDC_CLIENT_SECRET: peer.clientSecret,
    OIDC_PROVIDER_NAME: "Test IdP",
  });
});

afterAll(async () => {
  await dashboard?.close();
  await peer?.close();
});

describe("signing in through the identity provider", () => {
  it("signs in on the provider's page, lands where it started, stays signed in across tabs, and signs out", async () => {
    const { t } = dashboard;
    const context = await dashboard.newContext();
    const page = await context.newPage();
    await page.goto(`${t.url}/?section=tickets`);
    // The token form is still there, as the advanced way.
    await expect.poll(() => page.getByText("Advanced: sign in with an API token").isVisible()).toBe(true);
    await shot(page, "sign-in-oidc");
    await page.getByRole("link", { name: "Sign in with Test IdP" }).click();

    // The provider's own pages: login, then consent.
    await page.waitForURL((url) => url.href.startsWith(peer.issuer));
    await page.locator('input[name="login"]').fill("alice");
    await page.locator('input[name="password"]').fill("any password");
    await page.locator('button[type="submit"]').click();
    await page.locator('button[type="submit"]').click();

    await page.waitForURL(`${t.url}/?section=tickets`);
    await expect.poll(() => page.getByTestId("signed-in").textContent()).toContain("Alice Employee");
    const cookies = await context.cookies(t.url);
    expect(cookies.find((c) => c.name === "access_session")).toMatchObject({ httpOnly: true, sameSite: "Lax" });

    // A second tab is signed in too: the session is the browser's, not the tab's.
    const second = await context.newPage();
    await second.goto(`${t.url}/settings`);
    await expect.poll(() => second.getByTestId("signed-in").textContent()).toContain("Alice Employee");
    await second.getByTestId("sessions").getByText("(this browser)").waitFor();
    await shot(second, "your-sessions");

    // Live updates reach the cookie's WebSocket: a request Alice makes elsewhere (with her token)
    // shows in her tab without a reload.
    await page.getByRole("navigation").getByRole("link", { name: "My requests" }).click();
    await page.getByText("You have no requests yet.").waitFor();
    const created = await dataOf(
      t.gql(t.org.tokens.alice, CreateRequest, {
        input: { resourceIds: [gid("Resource", t.org.resources.writeAccess)], justification: "From the sign-in test." },
      }),
    );
    expect(created.createRequest.errors).toEqual([]);
    await page.locator("tr[data-request]").first().waitFor({ timeout: 5_000 });

    // Sign-out ends the session for every tab.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("link", { name: "Sign in with Test IdP" }).waitFor();
    await second.reload();
    await second.getByRole("link", { name: "Sign in with Test IdP" }).waitFor();
    expect(dashboard.violations).toEqual([]);
  });

  it("lets an admin signed in to the dashboard use GraphiQL with no token pasted", async () => {
    const { t } = dashboard;
    const context = await dashboard.newContext();
    const page = await context.newPage();
    // Signed out, the page says how to sign in.
    await page.goto(`${t.url}/graphql`);
    await expect.poll(() => page.locator("#access-signin").textContent()).toContain("Not signed in.");
    await page.locator("#access-signin").getByRole("link", { name: "Sign in" }).click();
    await page.waitForURL((url) => url.href.startsWith(peer.issuer));
    await page.locator('input[name="login"]').fill("erin");
    await page.locator('input[name="password"]').fill("any password");
    await page.locator('button[type="submit"]').click();
    await page.locator('button[type="submit"]').click();
    // Back on GraphiQL, signed in by the session cookie: the line says so, and the schema loads.
    await page.waitForURL(`${t.url}/graphql`);
    await expect.poll(() => page.locator("#access-signin").textContent()).toContain("Signed in as Erin Admin (ADMIN)");
    await page.locator(".graphiql-container").first().waitFor({ timeout: 20_000 });
    // Run the walk's first step: ▶ asks which operation of the document to run.
    // (The menu appears once the editor has read the document's operations: click until it does.)
    const me = page.getByRole("menuitem", { name: "Me", exact: true });
    await expect
      .poll(
        async () => {
          if (!(await me.isVisible())) await page.locator(".graphiql-execute-button").click();
          return me.isVisible();
        },
        { timeout: 20_000, interval: 500 },
      )
      .toBe(true);
    await me.click();
    await expect
      .poll(() => page.locator(".graphiql-response").textContent(), { timeout: 10_000 })
      .toContain("erin.admin@example.com");
    await shot(page, "graphiql-signed-in");
    // Signed out elsewhere (here: the same browser's sign-out), the line says so when the tab is back in view.
    expect(await page.evaluate(async () => (await fetch("/auth/logout", { method: "POST" })).status)).toBe(204);
    await page.evaluate(() => window.dispatchEvent(new Event("focus")));
    await expect.poll(() => page.locator("#access-signin").textContent()).toContain("Not signed in.");
    expect(dashboard.violations).toEqual([]);
  });
});
