// RFC 8785 (JCS): the canonical text the chain hashes, checked against the RFC's own examples.
import { describe, expect, it } from "vitest";
import { canonicalize } from "../src/index.js";

describe("canonicalize (RFC 8785)", () => {
  it("reproduces the RFC's sample: sorted members, no whitespace, ECMAScript numbers and minimal escapes", () => {
    const input = String.raw`{
      "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
      "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
      "literals": [null, true, false]
    }`;
    expect(canonicalize(JSON.parse(input))).toBe(
      String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`,
    );
  });

  it("sorts member names by UTF-16 code units, so an emoji (a surrogate pair) sorts before U+FB33", () => {
    const input = {
      "\u20ac": "Euro Sign",
      "\r": "Carriage Return",
      "\ufb33": "Hebrew Letter Dalet With Dagesh",
      1: "One",
      "\ud83d\ude00": "Emoji: Grinning Face",
      "\u0080": "Control",
      "\u00f6": "Latin Small Letter O With Diaeresis",
    };
    expect(canonicalize(input)).toBe(
      // JS escapes for legibility only: the canonical text holds these characters raw (JCS escapes
      // nothing above U+001F but the quote and the backslash).
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it.each([
    [0, "0"],
    [-0, "0"],
    [1e21, "1e+21"],
    [999999999999999900000, "999999999999999900000"],
    [0.1, "0.1"],
    [1e-7, "1e-7"],
    [0.000001, "0.000001"],
    [5e-324, "5e-324"],
    [1.7976931348623157e308, "1.7976931348623157e+308"],
    [9007199254740992, "9007199254740992"],
    [-1.5, "-1.5"],
  ])("writes the number %d as %s", (value, text) => {
    expect(canonicalize(value)).toBe(text);
  });

  it("sorts members at every level of nested objects and arrays, keeping array order", () => {
    expect(canonicalize({ b: [[], {}, [3, 1]], a: { z: [1, [2, { y: 1, x: { d: 0, c: 0 } }]], c: true } })).toBe(
      '{"a":{"c":true,"z":[1,[2,{"x":{"c":0,"d":0},"y":1}]]},"b":[[],{},[3,1]]}',
    );
  });

  it("keeps non-ASCII text as is and escapes control characters in lowercase hex", () => {
    expect(canonicalize({ name: "Zoë Łukasz 山田 😀", tab: "a\tb", bell: "\u0007", nul: "\u0000" })).toBe(
      '{"bell":"\\u0007","name":"Zoë Łukasz 山田 😀","nul":"\\u0000","tab":"a\\tb"}',
    );
  });

  it("leaves out members whose value is undefined and writes undefined array elements as null", () => {
    expect(canonicalize({ kept: 1, dropped: undefined, list: [undefined, 2] })).toBe('{"kept":1,"list":[null,2]}');
  });

  it("accepts objects without a prototype, as JSON.parse reviver output may be", () => {
    const bare = Object.assign(Object.create(null), { b: 2, a: 1 });
    expect(canonicalize(bare)).toBe('{"a":1,"b":2}');
  });

  it.each([
    ["NaN", NaN],
    ["Infinity", Infinity],
    ["a bigint", 1n],
    ["a function", () => 1],
    ["a symbol", Symbol("s")],
    ["a Date", new Date(0)],
    ["a Map", new Map([["a", 1]])],
  ])("refuses %s, which JSON cannot carry", (_, value) => {
    expect(() => canonicalize({ value })).toThrow(TypeError);
  });
});
