// How access reviews read: progress, grouping a reviewer's items by campaign, the nav's count,
// and the start form's deadline.
import { describe, expect, it } from "vitest";
import { defaultDeadline, groupByCampaign, localToIso, progressText, undecidedCount } from "../src/lib/reviews.ts";

const review = (id: string, number: number, deadline: string) => ({ id, number, name: `Campaign ${number}`, deadline });
const later = review("r1", 1, "2026-12-31T17:00:00Z");
const sooner = review("r2", 2, "2026-12-10T17:00:00Z");
const item = (
  id: string,
  r: typeof later,
  decision: "KEEP" | "REVOKE" | null,
  viewerCanDecide = decision === null,
) => ({
  id,
  review: r,
  decision,
  viewerCanDecide,
});

describe("access reviews in people's words", () => {
  it("says how far a campaign is: decided of total, and how many revoked", () => {
    expect(progressText({ total: 30, kept: 9, revoked: 3, undecided: 18 })).toBe("12 of 30 decided, 3 revoked");
  });

  it("groups items by campaign, the one due first first, undecided apart from decided", () => {
    const groups = groupByCampaign([item("a", later, null), item("b", sooner, "KEEP"), item("c", later, "REVOKE")]);
    expect(groups.map((g) => g.review.number)).toEqual([2, 1]);
    expect(groups[1]?.toDo.map((i) => i.id)).toEqual(["a"]);
    expect(groups[1]?.decided.map((i) => i.id)).toEqual(["c"]);
    expect(groups[0]?.toDo).toEqual([]);
  });

  it("counts only the undecided items the viewer may decide", () => {
    expect(undecidedCount([item("a", later, null), item("b", later, null, false), item("c", later, "KEEP")])).toBe(1);
  });

  it("reads the deadline field as an instant and refuses an empty or broken one", () => {
    expect(localToIso("2026-12-31T17:00")).toBe(new Date(2026, 11, 31, 17, 0).toISOString());
    expect(localToIso("")).toBeNull();
    expect(localToIso("not a date")).toBeNull();
  });

  it("proposes a deadline two weeks ahead at 17:00", () => {
    expect(defaultDeadline(new Date(2026, 0, 25, 9, 30))).toBe("2026-02-08T17:00");
  });
});
