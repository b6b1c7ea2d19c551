// The Insights page's words: durations as people read them, the period's start, chart summaries.
import { describe, expect, it } from "vitest";
import { activitySummary, customPeriod, durationSummary, formatDuration, periodStart } from "../src/lib/insights.ts";

describe("insights wording", () => {
  it.each([
    [null, "—"],
    [42, "42 s"],
    [600, "10 min"],
    [5_400, "1.5 h"],
    [129_600, "36 h"],
    [216_000, "2.5 days"],
  ])("reads %s seconds as %s", (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it("starts a 30-day period at midnight UTC 29 days before today", () => {
    expect(periodStart(30, Date.parse("2026-11-28T15:00:00Z"))).toBe("2026-10-30T00:00:00.000Z");
  });

  it("sums a period's days and names its busiest one", () => {
    const day = (date: string, requests: number) => ({ date, requests, approved: 1, rejected: 0, fulfilled: 1 });
    expect(activitySummary([day("2026-11-01", 2), day("2026-11-02", 5)])).toBe(
      "Over 2 days: 7 requests made, 2 steps approved, 0 rejected, 2 fulfilled; the most requests, 5, on 2026-11-02.",
    );
  });

  it("says when nothing was measured", () => {
    const none = { system: null, resource: null, count: 0, medianSeconds: null, p90Seconds: null };
    expect(durationSummary("time to approve", none, [])).toBe("No time to approve measured in this period.");
  });
});

describe("customPeriod", () => {
  it("turns whole days into the API's period, the last day included, and says what is wrong otherwise", () => {
    expect(customPeriod("2026-01-01", "2026-01-31")).toEqual({
      from: "2026-01-01T00:00:00.000Z",
      to: "2026-02-01T00:00:00.000Z",
    });
    expect(customPeriod("2026-03-05", "2026-03-05")).toEqual({
      from: "2026-03-05T00:00:00.000Z",
      to: "2026-03-06T00:00:00.000Z",
    });
    expect(customPeriod("", "2026-01-31")).toEqual({ problem: "Give both the first and the last day." });
    expect(customPeriod("2026-02-01", "2026-01-31")).toEqual({ problem: "The last day must not be before the first." });
    // 2024 is a leap year: 366 days fit, 367 do not.
    expect(customPeriod("2024-01-01", "2024-12-31")).toHaveProperty("from");
    expect(customPeriod("2024-01-01", "2025-01-01")).toEqual({ problem: "Choose at most 366 days." });
  });
});
