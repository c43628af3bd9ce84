import { describe, expect, it } from "vitest";
import { HOSTILE_STRINGS } from "../../bench/hostile-strings.js";
import { backtrackingRisk, regexesRun } from "../support/work-count.js";

describe("the regexes the hand-written parsers run cannot backtrack superlinearly", () => {
  it.each([
    [/^(a+)+$/, "an unbounded quantifier on a group"],
    [/^(?:ab)*c/, "an unbounded quantifier on a group"],
    [/^a*a*$/, "2 unbounded quantifiers"],
    [/^[a-z]+\.[a-z]+$/, "2 unbounded quantifiers"],
    [/a+b/, "an unbounded quantifier in a regex that may start anywhere"],
    [/^a|b+c/, "an unbounded quantifier in a regex that may start anywhere"],
    [/^a{2,}b/m, "an unbounded quantifier in a regex that may start anywhere"],
    [/^(a)\1$/, "a backreference"],
  ])("%s is refused", (re, risk) => {
    expect(backtrackingRisk(re)).toBe(risk);
  });

  it.each([/^[a-z0-9]$/, /[a-z0-9+.-]+/y, /^[A-Za-z][A-Za-z0-9+.-]*:/, /[^0-9a-f]/, /^\/\/[^/]/, /^(?:\.\d)?x+$/, /^[\w.-]*$/])("%s is accepted", (re) => {
    expect(backtrackingRisk(re)).toBeUndefined();
  });

  it.each(HOSTILE_STRINGS.map((h) => [h.name, h] as const))("every regex %s runs on its hostile inputs", (_name, h) => {
    const seen = new Set(h.shapes.flatMap(([, make]) => regexesRun(h.run, make(100))));
    expect(seen.size).toBeGreaterThan(0);
    for (const re of seen) expect(backtrackingRisk(re), String(re)).toBeUndefined();
  });
});
