// Pure rules: request status derivation, when access ends, configuration, rate-limit buckets, input hygiene.
// (Canonical JSON and the chain hash are tested in packages/audit-chain.)
import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.ts";
import { auditSubjectOf } from "../src/domain/audit/subjects.ts";
import { fromGlobalId, toGlobalId } from "../src/domain/global-id.ts";
import { checkEnd, describeSeconds, grantEndFor } from "../src/domain/grants/grant-ends.ts";
import { deriveRequestStatus } from "../src/domain/lifecycle.ts";
import { fieldLabel } from "../src/domain/validate.ts";
import { checkInput } from "../src/graphql/input-guard.ts";
import { RateLimiter } from "../src/http/rate-limit.ts";

describe("deriveRequestStatus", () => {
  it.each([
    [["PENDING_APPROVAL", "FULFILLED"], "PENDING_APPROVAL"],
    [["APPROVED", "FAILED"], "APPROVED"],
    [["FAILED", "FULFILLED"], "FAILED"],
    [["FULFILLED", "FULFILLED"], "FULFILLED"],
    [["FULFILLED", "REJECTED"], "PARTIALLY_FULFILLED"],
    [["FULFILLED", "CANCELLED"], "PARTIALLY_FULFILLED"],
    [["REJECTED", "REJECTED"], "REJECTED"],
    [["CANCELLED", "CANCELLED"], "CANCELLED"],
    [["REJECTED", "CANCELLED"], "REJECTED"],
  ] as const)("derives %j as %s", (items, status) => {
    expect(deriveRequestStatus(items)).toBe(status);
  });
});

describe("auditSubjectOf", () => {
  const person = toGlobalId("Identity", "p1");
  const resource = toGlobalId("Resource", "r1");
  const system = toGlobalId("System", "s1");
  const group = toGlobalId("Group", "g1");
  const none = { identityId: null, resourceId: null, systemId: null, groupId: null };
  const of = (action: string, data: Record<string, unknown>) => auditSubjectOf(action, JSON.stringify(data));

  it("reads the person, resource, system and group an event names, and nothing from ids of another type", () => {
    expect(
      of("GRANT_REVOKED", { grantId: toGlobalId("Grant", "g"), identityId: person, resourceId: resource }),
    ).toEqual({
      ...none,
      identityId: "p1",
      resourceId: "r1",
    });
    expect(of("DELEGATION_SET", { delegatorId: person, delegateId: toGlobalId("Identity", "p2") })).toEqual({
      ...none,
      identityId: "p1",
    });
    expect(of("POLICY_APPLIED", { policy: "AUTO_APPROVAL", resourceId: resource })).toEqual({
      ...none,
      resourceId: "r1",
    });
    expect(of("SYSTEM_HEALTH_CHANGED", { systemId: system, status: "DOWN" })).toEqual({ ...none, systemId: "s1" });
    expect(of("CONFIG_CHANGED", { entity: "Identity", entityId: person, change: "updated" })).toEqual({
      ...none,
      identityId: "p1",
    });
    expect(
      of("CONFIG_CHANGED", { entity: "Resource", entityId: resource, change: "created", systemId: system }),
    ).toEqual({ ...none, resourceId: "r1", systemId: "s1" });
    expect(
      of("CONFIG_CHANGED", { entity: "Group", entityId: group, change: "member added", identityId: person }),
    ).toEqual({ ...none, groupId: "g1", identityId: "p1" });
    // An entity id counts only for its own entity; a token's "identity" that is not one, not at all.
    expect(of("CONFIG_CHANGED", { entity: "Settings", entityId: group, change: "updated" })).toEqual(none);
    expect(of("TOKEN_ISSUED", { identityId: resource, name: "x" })).toEqual(none);
  });
});

describe("global ids", () => {
  it("round-trips and rejects malformed ids", () => {
    expect(fromGlobalId(toGlobalId("Request", "abc123"))).toEqual({ type: "Request", id: "abc123" });
    expect(fromGlobalId("%%%")).toBeNull();
    expect(fromGlobalId(Buffer.from("no-colon").toString("base64"))).toBeNull();
  });
});

describe("loadConfig", () => {
  it("uses the documented defaults", () => {
    expect(loadConfig({})).toMatchObject({
      port: 4000,
      host: "127.0.0.1",
      databaseUrl: "file:./data/access.db",
      databaseProvider: "sqlite",
      logLevel: "info",
      graphiql: true,
    });
    expect(loadConfig({ GRAPHIQL: "false" }).graphiql).toBe(false);
  });

  it.each([
    [{ PORT: "70000" }, /^PORT: /],
    [{ PORT: "abc" }, /^PORT: /],
    [{ DATABASE_URL: "mysql://x" }, /^DATABASE_URL: /],
    [{ REDIS_URL: "http://x" }, /^REDIS_URL: /],
    [{ LOG_LEVEL: "loud" }, /^LOG_LEVEL: /],
    [{ BOOTSTRAP_ADMIN_TOKEN: "short" }, /^BOOTSTRAP_ADMIN_TOKEN: /],
    [{ BOOTSTRAP_ADMIN_TOKEN: "0123456789abcdef0123456789abcde" }, /^BOOTSTRAP_ADMIN_TOKEN: .*32 to 256/],
    [{ GRAPHIQL: "maybe" }, /^GRAPHIQL: /],
    [{ CONNECTOR_ALLOWED_ADDRESSES: "169.254.0.0/40" }, /^CONNECTOR_ALLOWED_ADDRESSES: /],
    [{ CONNECTOR_ALLOWED_ADDRESSES: "metadata.google.internal" }, /^CONNECTOR_ALLOWED_ADDRESSES: /],
    [{ SMTP_URL: "http://mail.example.com" }, /^SMTP_URL: /],
    [{ SMTP_URL: "smtp://mail.example.com" }, /^SMTP_FROM: .*required/],
    [{ SMTP_URL: "smtp://mail.example.com", SMTP_FROM: "not an address" }, /^SMTP_FROM: /],
    [{ SMTP_URL: "smtp://mail.example.com", SMTP_FROM: "a@example.com\r\nBcc: x@y.z" }, /^SMTP_FROM: /],
    [{ SMTP_FROM: "a@example.com" }, /^SMTP_FROM: .*SMTP_URL is not/],
    [
      { SMTP_URL: "smtp://u@mail.example.com", SMTP_FROM: "a@example.com", SMTP_PASSWORD: "env:ACCESS_SECRET_NOPE" },
      /^SMTP_PASSWORD: /,
    ],
    [
      { SMTP_URL: "smtp://mail.example.com", SMTP_FROM: "a@example.com", EMAIL_MAX_ATTEMPTS: "0" },
      /^EMAIL_MAX_ATTEMPTS: /,
    ],
  ])("names the variable of a bad value (%j)", (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });

  it("reads SMTP settings: none without SMTP_URL, the password from the URL or a secret reference", () => {
    expect(loadConfig({}).smtp).toBeUndefined();
    expect(
      loadConfig({ SMTP_URL: "smtps://mailer:p%40ss@mail.example.com", SMTP_FROM: "Access <access@example.com>" }).smtp,
    ).toMatchObject({
      host: "mail.example.com",
      port: 465,
      secure: true,
      user: "mailer",
      password: "p@ss",
      maxAttempts: 8,
    });
    expect(
      loadConfig({
        SMTP_URL: "smtp://mailer@mail.example.com:2525",
        SMTP_FROM: "access@example.com",
        SMTP_PASSWORD: "env:ACCESS_SECRET_SMTP",
        ACCESS_SECRET_SMTP: "from-the-secret",
      }).smtp,
    ).toMatchObject({ port: 2525, secure: false, password: "from-the-secret", from: "access@example.com" });
  });
});

describe("fieldLabel", () => {
  it("names input fields the way people read them", () => {
    expect(fieldLabel(["input", "justification"])).toBe("Justification");
    expect(fieldLabel(["input", "resourceIds", "3"])).toBe("Resource ids");
    expect(fieldLabel(["input", "displayName"])).toBe("Display name");
  });
});

describe("RateLimiter", () => {
  it("allows a minute's allowance at once, then limit/60 a second, and says when to come back", () => {
    let now = 0;
    const limiter = new RateLimiter(60, () => now);
    for (let i = 0; i < 60; i += 1) expect(limiter.take("a").ok).toBe(true);
    expect(limiter.take("a")).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(limiter.take("b").ok).toBe(true);
    now += 1_000;
    expect(limiter.take("a").ok).toBe(true);
    expect(limiter.take("a").ok).toBe(false);
    limiter.stop();
  });

  it("rounds Retry-After up to whole seconds for slow limits, and is off at 0", () => {
    const now = 0;
    const slow = new RateLimiter(1, () => now);
    expect(slow.take("a").ok).toBe(true);
    expect(slow.take("a")).toEqual({ ok: false, retryAfterSeconds: 60 });
    const off = new RateLimiter(0, () => now);
    for (let i = 0; i < 1_000; i += 1) expect(off.take("a").ok).toBe(true);
    expect(off.size).toBe(0);
    slow.stop();
    off.stop();
  });
});

describe("checkInput", () => {
  it("accepts ordinary text, emoji and shallow objects", () => {
    expect(() => checkInput({ a: ["é", "😀", { b: "x" }] }, "The variables")).not.toThrow();
  });

  it("refuses lone surrogates, NUL and nesting beyond 32 levels with VALIDATION", () => {
    for (const bad of ["\ud800", "a\udfffb", "😀\ud83d", "nul\u0000", { ["k\u0000"]: 1 }]) {
      expect(() => checkInput({ v: bad }, "The variables")).toThrow(
        expect.objectContaining({ extensions: expect.objectContaining({ code: "VALIDATION" }) }),
      );
    }
    let deep: unknown = 1;
    for (let i = 0; i < 40; i += 1) deep = [deep];
    expect(() => checkInput(deep, "The variables")).toThrow(/nested more than 32/);
  });
});

describe("when access ends", () => {
  const at = new Date("2026-12-01T12:00:00.000Z");
  const hours = (n: number) => new Date(at.getTime() + n * 3600_000);
  const plain = { name: "Wiki", maxGrantDuration: null, sensitivity: "STANDARD" } as const;
  const capped = { ...plain, maxGrantDuration: 24 * 3600 };
  const privileged = { ...plain, sensitivity: "PRIVILEGED" } as const;

  it("takes the item's end, capped by the limit counted from granting", () => {
    expect(grantEndFor(at, null, plain)).toBeNull();
    expect(grantEndFor(at, hours(5), plain)).toEqual(hours(5));
    expect(grantEndFor(at, null, capped)).toEqual(hours(24));
    expect(grantEndFor(at, hours(5), capped)).toEqual(hours(5));
    expect(grantEndFor(at, hours(48), capped)).toEqual(hours(24));
    expect(grantEndFor(at, null, privileged)).toEqual(hours(7 * 24));
  });

  it("refuses ends in the past or beyond the limit, in words, on the field", () => {
    expect(checkEnd(hours(1), at, capped, ["input", "grantExpiresAt"])).toBeNull();
    expect(checkEnd(hours(0), at, capped, ["f"])?.message).toBe("The end of access must be in the future.");
    const beyond = checkEnd(hours(25), at, capped, ["input", "grantExpiresAt"]);
    expect({ code: beyond?.code, field: beyond?.field, message: beyond?.message }).toEqual({
      code: "VALIDATION",
      field: ["input", "grantExpiresAt"],
      message: "Wiki may be held for at most 1 day: choose an end on or before 2026-12-02 12:00 UTC.",
    });
    expect(checkEnd(hours(10_000), at, plain, ["f"])).toBeNull();
  });

  it.each([
    [86400 * 7, "7 days"],
    [3600, "1 hour"],
    [5400, "90 minutes"],
    [61, "61 seconds"],
  ])("says %i seconds as %s", (seconds, words) => {
    expect(describeSeconds(seconds)).toBe(words);
  });
});
