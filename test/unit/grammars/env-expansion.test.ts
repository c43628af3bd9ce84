import { describe, expect, it } from "vitest";
import { expandVariables, MAX_SUBSTITUTION_DEPTH } from "../../../frontend/grammars/env-expansion.js";
import { ENV_VALUES } from "../../../bench/hostile-strings.js";
import { expectLinearWork } from "../../support/work-count.js";

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

  it.each(ENV_VALUES.shapes)("examines each character a bounded number of times: %s", (_what, make) => {
    expectLinearWork(ENV_VALUES, make);
  });
});
