// Where focus goes when the page changes under the person (lib/focus.ts).
import { afterEach, describe, expect, it } from "vitest";
import { focusHeadingWhenShown, focusOnShow, focusResult } from "../src/lib/focus.ts";

afterEach(() => document.body.replaceChildren());

function main(html: string): HTMLElement {
  const element = document.createElement("main");
  element.innerHTML = html;
  document.body.append(element);
  return element;
}

describe("focus after a navigation", () => {
  it("focuses the page's heading at once when it is there, without making it a tab stop", () => {
    const page = main("<h1>My access</h1><p>…</p>");
    focusHeadingWhenShown(page);
    expect(document.activeElement?.textContent).toBe("My access");
    expect(document.activeElement?.getAttribute("tabindex")).toBe("-1");
  });

  it("waits for a heading that the view renders later", async () => {
    const page = main("<p>Loading…</p>");
    focusHeadingWhenShown(page);
    page.innerHTML = "<h1>Insights</h1>";
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(document.activeElement?.textContent).toBe("Insights");
  });

  it("moves on to the new page's heading when the previous page's goes away after it was focused", async () => {
    const page = main("<h1>All tickets</h1>");
    const cancel = focusHeadingWhenShown(page);
    expect(document.activeElement?.textContent).toBe("All tickets");
    page.innerHTML = "<h1>Insights</h1>";
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(document.activeElement?.textContent).toBe("Insights");
    cancel();
  });

  it("leaves focus where the person put it meanwhile", async () => {
    const page = main("<h1>Audit</h1><input aria-label='From'>");
    const cancel = focusHeadingWhenShown(page);
    page.querySelector("input")?.focus();
    page.querySelector("h1")?.replaceWith(Object.assign(document.createElement("h1"), { textContent: "Audit" }));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(document.activeElement?.tagName).toBe("INPUT");
    cancel();
  });

  it("stops waiting when the next navigation cancels it", async () => {
    const page = main("<p>Loading…</p>");
    focusHeadingWhenShown(page)();
    page.innerHTML = "<h1>Audit</h1>";
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(document.activeElement).toBe(document.body);
  });
});

describe("focus after a submit", () => {
  it("focuses the result found by a selector, or the element itself", async () => {
    main('<p role="status">Request REQ-3 sent.</p><button>Other</button>');
    await focusResult("[role=status]");
    expect(document.activeElement?.textContent).toBe("Request REQ-3 sent.");
    const button = document.querySelector("button");
    await focusResult(button);
    expect(document.activeElement).toBe(button);
    expect(button?.hasAttribute("tabindex")).toBe(false);
  });

  it("focuses a result as it is shown (use:focusOnShow)", () => {
    const result = main('<p class="notice">Access revoked.</p>').querySelector("p");
    if (result) focusOnShow(result);
    expect(document.activeElement).toBe(result);
  });
});
