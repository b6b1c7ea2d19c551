// Pure rules: canonical JSON, request status derivation, configuration.
import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.ts";
import { canonicalize, chainHash, GENESIS_HASH } from "../src/domain/audit/canonical.ts";
import { fromGlobalId, toGlobalId } from "../src/domain/global-id.ts";
import { deriveRequestStatus } from "../src/domain/requests/status.ts";
import { fieldLabel } from "../src/domain/validate.ts";

describe("canonicalize (RFC 8785)", () => {
  it("sorts keys at every level and writes no whitespace", () => {
    expect(canonicalize({ b: 1, a: { d: [3, { z: null, y: "é" }], c: true } })).toBe('{"a":{"c":true,"d":[3,{"y":"é","z":null}]},"b":1}');
  });

  it("serialises numbers as ECMAScript does", () => {
    expect(canonicalize([1e21, 0.1, -0, 100])).toBe("[1e+21,0.1,0,100]");
  });

  it("chains hashes from the genesis hash", () => {
    const content = { sequence: 1, at: "2026-11-27T00:00:00.000Z", actorId: null, action: "CONFIG_CHANGED", requestId: null, ticketId: null, comment: null, data: {} };
    expect(chainHash(GENESIS_HASH, content)).toMatch(/^[0-9a-f]{64}$/);
    expect(chainHash(GENESIS_HASH, content)).not.toBe(chainHash(GENESIS_HASH, { ...content, comment: "x" }));
  });
});

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

describe("global ids", () => {
  it("round-trips and rejects malformed ids", () => {
    expect(fromGlobalId(toGlobalId("Request", "abc123"))).toEqual({ type: "Request", id: "abc123" });
    expect(fromGlobalId("%%%")).toBeNull();
    expect(fromGlobalId(Buffer.from("no-colon").toString("base64"))).toBeNull();
  });
});

describe("loadConfig", () => {
  it("uses the documented defaults", () => {
    expect(loadConfig({})).toMatchObject({ port: 4000, host: "127.0.0.1", databaseUrl: "file:./data/access.db", databaseProvider: "sqlite", logLevel: "info" });
  });

  it.each([
    [{ PORT: "70000" }, /^PORT: /],
    [{ PORT: "abc" }, /^PORT: /],
    [{ DATABASE_URL: "mysql://x" }, /^DATABASE_URL: /],
    [{ REDIS_URL: "http://x" }, /^REDIS_URL: /],
    [{ LOG_LEVEL: "loud" }, /^LOG_LEVEL: /],
    [{ BOOTSTRAP_ADMIN_TOKEN: "short" }, /^BOOTSTRAP_ADMIN_TOKEN: /],
  ])("names the variable of a bad value (%j)", (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});

describe("fieldLabel", () => {
  it("names input fields the way people read them", () => {
    expect(fieldLabel(["input", "justification"])).toBe("Justification");
    expect(fieldLabel(["input", "resourceIds", "3"])).toBe("Resource ids");
    expect(fieldLabel(["input", "displayName"])).toBe("Display name");
  });
});
