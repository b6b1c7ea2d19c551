import { describe, expect, it } from "vitest";
import { parseRoute } from "../src/router.svelte.ts";

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
    ["/nowhere", "", "not-found", false],
  ])("%s%s → %s", (path, search, name, admin) => {
    expect(parseRoute(path, search)).toMatchObject({ name, admin });
  });

  it("keeps the open request in the query", () => {
    expect(parseRoute("/", "?request=abc").params.get("request")).toBe("abc");
  });
});
