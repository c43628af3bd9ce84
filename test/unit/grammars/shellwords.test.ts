import { describe, expect, it } from "vitest";
import { splitShellWords } from "../../../frontend/grammars/shellwords.js";
import { SHELL_WORDS } from "../../../bench/hostile-strings.js";
import { expectLinearWork } from "../../support/work-count.js";

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

  it.each(SHELL_WORDS.shapes)("examines each character a bounded number of times: %s", (_what, make) => {
    expectLinearWork(SHELL_WORDS, make);
  });
});
