import { describe, expect, it } from "vitest";
import { expandVariables, MAX_SUBSTITUTION_DEPTH } from "../../../frontend/grammars/env-expansion.js";
import { doublingRatio } from "../../support/linear-time.js";

const ENV: Record<string, string> = { A: "a", B: "b", EMPTY: "" };
const expand = (value: string) => expandVariables(value, (name) => ENV[name]);

describe("variable expansion", () => {
  it.each([
    ["$A-${B}", "a-b"],
    ["${MISSING}", ""],
    ["${A:-x}", "a"],
    ["${EMPTY:-x}", "x"],
    ["${A:+x}", "x"],
    ["${MISSING:+x}", ""],
    ["${A:-${B}}", "a"],
    ["${MISSING:-${B}}", "b"],
    ["${MISSING:-${NONE:-deep}}", "deep"],
    ["${A:+[${B}:${MISSING:-m}]}", "[b:m]"],
    ["${MISSING:-${B}}tail${A}", "btaila"],
    ["\\$A", "$A"],
    ["${MISSING:-a\\}b}", "a}b"],
    ["cost: $5 and $", "cost: $5 and $"],
  ])("%s → %s", (value, expected) => {
    expect(expand(value)).toBe(expected);
  });

  it.each([
    ["/x:${PATH", 'missing "}" in "/x:${PATH"'],
    ["${A:-${B}", 'missing "}" in "${A:-${B}"'],
    ["/srv/${APP NAME}", 'bad substitution "${APP NAME}" in "/srv/${APP NAME}"'],
    ["${}", 'bad substitution "${}" in "${}"'],
    ["${A:?required}", 'bad substitution "${A:?required}" in "${A:?required}"'],
    ["${MISSING:-${B C}}", 'bad substitution "${B C}" in "${MISSING:-${B C}}"'],
  ])("refuses %s", (value, message) => {
    expect(() => expand(value)).toThrow(message);
  });

  it("checks the branch it does not take, too", () => {
    expect(() => expand("${A:-${BAD NAME}}")).toThrow("bad substitution");
  });

  it(`refuses nesting deeper than ${MAX_SUBSTITUTION_DEPTH} instead of recursing`, () => {
    const nested = (d: number) => "${X:-".repeat(d) + "v" + "}".repeat(d);
    expect(expand(nested(MAX_SUBSTITUTION_DEPTH))).toBe("v");
    expect(() => expand(nested(MAX_SUBSTITUTION_DEPTH + 1))).toThrow(`substitutions nested more than ${MAX_SUBSTITUTION_DEPTH} deep`);
    expect(() => expand(nested(50_000))).toThrow(`nested more than ${MAX_SUBSTITUTION_DEPTH} deep`);
  });

  describe("takes time linear in the value", () => {
    const N = 4_000;
    it.each([
      ["a long chain of substitutions", (n: number) => "${A:-x}$B".repeat(n)],
      ["a long chain of nested defaults", (n: number) => "${X:-${Y:-${B}}}".repeat(n)],
      ["many openings, never closed", (n: number) => "${A:-".repeat(n / 8) + "x".repeat(n)],
      ["many bad names before one brace", (n: number) => "${A B ".repeat(n) + "}"],
      ["dollars and escapes", (n: number) => "$$\\$$-$".repeat(n)],
    ])("%s", (_what, make) => {
      expect(doublingRatio(make, expand, N)).toBeLessThan(3);
    });
  });
});
