import { describe, expect, it } from "vitest";
import { pageTitle, parseRoute } from "../src/router.svelte.ts";

describe("routes of the product documentation", () => {
  it.each([
    ["/", "", "my-requests", false],
    ["/", "?section=tickets", "my-tickets", false],
    ["/", "?section=reviews", "my-reviews", false],
    ["/", "?section=elsewhere", "my-requests", false],
    ["/admin/reviews", "", "admin-reviews", true],
    ["/request", "", "request", false],
    ["/access", "", "my-access", false],
    ["/admin/requests/new", "", "admin-new-request", true],
    ["/admin/tickets", "", "admin-tickets", true],
    ["/admin/requests", "", "admin-requests", true],
    ["/admin/audit", "", "admin-audit", true],
    ["/admin/systems/", "", "admin-systems", true],
    ["/admin/access", "", "admin-access", true],
    ["/admin/insights", "", "admin-insights", true],
    ["/nowhere", "", "not-found", false],
  ])("%s%s → %s", (path, search, name, admin) => {
    expect(parseRoute(path, search)).toMatchObject({ name, admin });
  });

  it("keeps the open request in the query", () => {
    expect(parseRoute("/", "?request=abc").params.get("request")).toBe("abc");
  });

  it("names each page in the tab's title, after what waits on the person", () => {
    expect(pageTitle(parseRoute("/", ""), 0)).toBe("My requests · Access requests");
    expect(pageTitle(parseRoute("/", "?section=tickets"), 2)).toBe("(2) My tickets · Access requests");
    expect(pageTitle(parseRoute("/admin/insights", ""), 0)).toBe("Insights · Access requests");
    expect(pageTitle(parseRoute("/", "?request=abc"), 0)).toBe("Request · Access requests");
    expect(pageTitle(parseRoute("/", "?request=abc"), 1, "REQ-12")).toBe("(1) REQ-12 · Access requests");
  });
});
