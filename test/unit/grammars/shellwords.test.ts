import { describe, expect, it } from "vitest";
import { splitShellWords } from "../../../frontend/grammars/shellwords.js";
import { doublingRatio } from "../../support/linear-time.js";

describe("splitting extra_args into words", () => {
  it.each([
    ["--a  b\t c", ["--a", "b", "c"]],
    [`--opt='a b' "c \\"d\\"" e\\ f`, ["--opt=a b", 'c "d"', "e f"]],
    [`'' ""`, ["", ""]],
    ["a\\\nb", ["ab"]],
  ])("%j", (input, words) => {
    expect(splitShellWords(input)).toEqual(words);
  });

  it.each([
    ["'open", "unterminated single quote"],
    ['"open', "unterminated double quote"],
    ["end\\", "trailing backslash"],
  ])("refuses %j", (input, message) => {
    expect(() => splitShellWords(input)).toThrow(message);
  });

  it("takes time linear in the input", () => {
    const N = 16_000;
    for (const make of [(n: number) => "a ".repeat(n), (n: number) => `'x' "y" \\z `.repeat(n / 4), (n: number) => '"' + '\\"'.repeat(n), (n: number) => "'a'".repeat(n) + "'"]) {
      expect(doublingRatio(make, splitShellWords, N)).toBeLessThan(3);
    }
  });
});
