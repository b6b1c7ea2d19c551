// What every browser suite needs: the real API on a random port serving the built dashboard,
// headless Chromium (Debian's, never a download), signed-in tabs, screenshots, and the
// Content-Security-Policy violations seen on any page.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from "playwright-core";
import { startTestServer, type TestServer } from "@access/api/test/harness";
import { repoRoot } from "@access/api/paths";

const shots = path.join(repoRoot, "artifacts", "screenshots");

export interface DashboardUnderTest {
  t: TestServer;
  /** Everything Chromium refused because of a Content-Security-Policy, on every page so far. */
  violations: string[];
  /** A browser context (its own session storage, cookies and network) whose pages report CSP violations. */
  newContext(): Promise<BrowserContext>;
  /** A tab signed in as `token` (the token goes where the sign-in form would put it), on `pathname`. */
  signedIn(token: string, pathname: string, context?: BrowserContext): Promise<Page>;
  close(): Promise<void>;
}

export async function startDashboard(env: Record<string, string> = {}): Promise<DashboardUnderTest> {
  mkdirSync(shots, { recursive: true });
  const t = await startTestServer({ env });
  const browser: Browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
  const contexts: BrowserContext[] = [];
  const violations: string[] = [];
  const newContext = async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    context.on("console", (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    return context;
  };
  return {
    t,
    violations,
    newContext,
    async signedIn(token, pathname, context) {
      const page = await (context ?? (await newContext())).newPage();
      await page.addInitScript((value) => sessionStorage.setItem("access.token", value), token);
      await page.goto(`${t.url}${pathname}`);
      await page.getByTestId("signed-in").waitFor();
      return page;
    },
    async close() {
      await Promise.all(contexts.map((c) => c.close()));
      await browser.close();
      await t.close();
    },
  };
}

export const shot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });

/** The row of a ticket table whose text has `text` (the first when several have it). */
export const ticketRow = (page: Page, text: string | RegExp): Locator =>
  page.locator("tr[data-ticket]", { hasText: text }).first();

/**
 * Opens the detail of the ticket whose row has `text` (its card, with the decision form) and
 * returns the card.
 */
export async function openTicket(page: Page, text: string | RegExp): Promise<Locator> {
  const row = ticketRow(page, text);
  const toggle = row.getByRole("button", { name: /^Open/ });
  await toggle.click();
  const detail = await row.getByRole("button", { name: /^Close/ }).getAttribute("aria-controls");
  return page.locator(`[id="${detail}"] article.ticket`);
}
