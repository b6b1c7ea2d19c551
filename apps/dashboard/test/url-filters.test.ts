import { describe, expect, it } from "vitest";
import { DATE, readFilters, withFilters } from "../src/lib/url-filters.svelte.ts";

const defaults = { status: "ATTENTION", systemId: "", from: "" };
const allowed = { status: ["", "ATTENTION", "OPEN", "FAILED"], from: DATE };

describe("filters kept in the address", () => {
  it("reads what the query string gives, and the defaults for what it lacks or spoils", () => {
    expect(readFilters("?status=FAILED&systemId=U3lzdGVtOjE%3D", defaults, allowed)).toEqual({
      status: "FAILED",
      systemId: "U3lzdGVtOjE=",
      from: "",
    });
    expect(readFilters("", defaults, allowed)).toEqual(defaults);
    // "Any" is an empty value, not a missing one.
    expect(readFilters("?status=", defaults, allowed).status).toBe("");
    expect(readFilters("?status=DROP%20TABLE&from=yesterday", defaults, allowed)).toEqual(defaults);
    expect(readFilters("?from=2026-11-01", defaults, allowed).from).toBe("2026-11-01");
  });

  it("writes the filters that differ from their defaults, and keeps the address's other parameters", () => {
    const href = "https://access.example.com/admin/tickets?section=x&status=OPEN";
    expect(withFilters(href, { status: "FAILED", systemId: "abc", from: "" }, defaults)).toBe(
      "https://access.example.com/admin/tickets?section=x&status=FAILED&systemId=abc",
    );
    expect(withFilters(href, defaults, defaults)).toBe("https://access.example.com/admin/tickets?section=x");
    expect(withFilters("https://access.example.com/admin/tickets", { ...defaults, status: "" }, defaults)).toBe(
      "https://access.example.com/admin/tickets?status=",
    );
  });
});
