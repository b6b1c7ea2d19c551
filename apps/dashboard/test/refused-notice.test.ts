// What a tab signed out by the server tells its person.
import { describe, expect, it } from "vitest";
import { refusedNotice } from "../src/lib/refused-notice.ts";

describe("refusedNotice", () => {
  it("tells a deactivated person whom to ask, not to sign in again", () => {
    const notice = refusedNotice("The identity was deactivated.");
    expect(notice).toContain("your account was deactivated");
    expect(notice).toContain("Ask an administrator");
    expect(notice).not.toContain("Sign in again");
  });

  it("gives any other reason and asks to sign in again", () => {
    expect(refusedNotice("The token was revoked.")).toBe("You were signed out. The token was revoked. Sign in again.");
    expect(refusedNotice(undefined)).toMatch(
      /^You were signed out\. The server refused this sign-in .* Sign in again\.$/,
    );
  });
});
