import { describe, expect, it } from "vitest";
import { parseDockerignore } from "../../../common/src/context/dockerignore.js";
import { PatternMatcher } from "../../../common/src/context/matcher.js";

const m = (...p: string[]) => new PatternMatcher(p);

describe("PatternMatcher", () => {
  it("matches * and ? within a segment, ** across segments", () => {
    expect(m("*.txt").matches("a.txt")).toBe(true);
    expect(m("*.txt").matches("d/a.txt")).toBe(false);
    expect(m("**/*.txt").matches("d/e/a.txt")).toBe(true);
    expect(m("**/*.txt").matches("a.txt")).toBe(true);
    expect(m("a/**").matches("a/b/c")).toBe(true);
    expect(m("fil?").matches("file")).toBe(true);
    expect(m("fil?").matches("fil/")).toBe(false);
    expect(m("[a-c]x").matches("bx")).toBe(true);
    expect(m("[^a-c]x").matches("bx")).toBe(false);
    expect(m("\\*x").matches("*x")).toBe(true);
    expect(m("\\*x").matches("ax")).toBe(false);
    expect(m("a.b").matches("axb")).toBe(false);
  });

  it("cleans patterns and matches a path through its parents", () => {
    expect(m("/build/").matches("build/out/x")).toBe(true);
    expect(m("./a/../b").matches("b/c")).toBe(true);
    expect(m("node_modules").matches("node_modules")).toBe(true);
  });

  it("lets the last matching pattern decide, ! re-including", () => {
    const pm = m("*.log", "!keep.log", "keep.log.d");
    expect(pm.matches("x.log")).toBe(true);
    expect(pm.matches("keep.log")).toBe(false);
    expect(m("*", "!a", "a/b").matches("a/b")).toBe(true);
    expect(m("*", "!a", "a/b").matches("a/c")).toBe(false);
  });

  it("tells whether a pattern may match below a directory", () => {
    expect(m("a/b/c").mayMatchBelow("a")).toBe(true);
    expect(m("a/b/c").mayMatchBelow("a/b")).toBe(true);
    expect(m("a/b/c").mayMatchBelow("x")).toBe(false);
    expect(m("a/b").mayMatchBelow("a/b")).toBe(false);
    expect(m("*/b").mayMatchBelow("q")).toBe(true);
    expect(m("**/b").mayMatchBelow("q/r/s")).toBe(true);
    expect(m("!a/b").mayMatchBelow("a")).toBe(false);
  });
});

describe("parseDockerignore", () => {
  it("skips comments and blank lines and trims", () => {
    expect(parseDockerignore("# c\n\n  *.log  \r\n!keep.log\n")).toEqual(["*.log", "!keep.log"]);
  });
});
