import { describe, expect, it } from "vitest";
import {
  durationWords,
  endsSoon,
  endWords,
  isoFromLocal,
  limitWords,
  localInputValue,
  quickEnds,
  tightestLimit,
} from "../src/lib/access-ends.ts";

const now = Date.parse("2026-11-27T10:00:00Z");
const DAY = 86_400;

describe("access ends in words", () => {
  it("says a resource's limit in the largest exact unit, or that there is none", () => {
    expect(limitWords(7 * DAY)).toBe("at most 7 days");
    expect(limitWords(DAY)).toBe("at most 1 day");
    expect(limitWords(36 * 3600)).toBe("at most 36 hours");
    expect(limitWords(90 * 60)).toBe("at most 90 minutes");
    expect(limitWords(null)).toBe("no limit");
    expect(durationWords(3600)).toBe("1 hour");
  });

  it("takes the tightest of several limits, ignoring resources without one", () => {
    expect(tightestLimit([null, 30 * DAY, 7 * DAY])).toBe(7 * DAY);
    expect(tightestLimit([null, undefined])).toBeNull();
  });

  it("says when access ends relative to now, and 'no end' without one", () => {
    expect(endWords("2026-11-30T10:00:00Z", now)).toBe("ends in 3 days");
    expect(endWords("2026-11-28T10:00:00Z", now)).toBe("ends tomorrow");
    expect(endWords("2026-11-27T15:00:00Z", now)).toBe("ends in 5 hours");
    expect(endWords("2026-11-27T08:00:00Z", now)).toBe("ended 2 hours ago");
    expect(endWords("2026-11-27T10:00:10Z", now)).toBe("ends now");
    expect(endWords("2026-12-07T10:00:00Z", now)).toBe("ends in 10 days");
    expect(endWords("2027-02-25T10:00:00Z", now)).toBe("ends in 3 months");
    expect(endWords("2026-11-27T10:20:00Z", now)).toBe("ends in 20 minutes");
    expect(endWords(null, now)).toBe("no end");
  });

  it("counts access as ending soon within seven days, not after, and not once ended", () => {
    expect(endsSoon("2026-12-03T10:00:00Z", now)).toBe(true);
    expect(endsSoon("2026-12-05T10:00:00Z", now)).toBe(false);
    expect(endsSoon("2026-11-27T09:00:00Z", now)).toBe(false);
    expect(endsSoon(null, now)).toBe(false);
  });

  it("offers only the quick choices within the limit", () => {
    expect(quickEnds(null).map((c) => c.label)).toEqual(["1 day", "1 week", "30 days", "90 days"]);
    expect(quickEnds(7 * DAY).map((c) => c.label)).toEqual(["1 day", "1 week"]);
  });

  it("turns a datetime-local value into the instant it means, and back", () => {
    const date = new Date(2026, 10, 27, 9, 5);
    expect(localInputValue(date)).toBe("2026-11-27T09:05");
    expect(isoFromLocal("2026-11-27T09:05")).toBe(date.toISOString());
    expect(isoFromLocal("")).toBeNull();
    expect(isoFromLocal("not a date")).toBeNull();
  });
});
