// The Insights page's words: durations as people read them, the period's start, chart summaries.
import { describe, expect, it } from "vitest";
import { activitySummary, durationSummary, formatDuration, periodStart } from "../src/lib/insights.ts";

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
