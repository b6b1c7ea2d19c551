import { render } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import StatusBadge from "../src/components/StatusBadge.svelte";

describe("StatusBadge", () => {
  it("shows a readable status with its tone", () => {
    const { container } = render(StatusBadge, { props: { status: "PARTIALLY_FULFILLED" } });
    const badge = container.querySelector(".badge");
    expect(badge?.textContent).toBe("Partially fulfilled");
    expect(badge?.className).toContain("tone-waiting");
    expect(badge?.getAttribute("data-status")).toBe("PARTIALLY_FULFILLED");
  });
});
