import { describe, expect, it } from "vitest";
import { readSlaHours } from "../src/lib/sla.ts";

describe("readSlaHours", () => {
  it("reads whole hours from 1 to 8760, empty only where the default may stand", () => {
    expect(readSlaHours(" 24 ", false)).toEqual({ hours: 24 });
    expect(readSlaHours("8760", true)).toEqual({ hours: 8760 });
    expect(readSlaHours("", true)).toEqual({ hours: null });
    expect(readSlaHours("", false)).toEqual({ problem: "Give a whole number of hours from 1 to 8760." });
    for (const typed of ["0", "1.5", "-3", "abc", "8761"]) {
      expect(readSlaHours(typed, true)).toEqual({
        problem: "Give a whole number of hours from 1 to 8760, or leave it empty for the default.",
      });
    }
  });
});
