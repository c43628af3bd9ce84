/**
 * .dockerignore as Docker reads and matches it. The cases follow the behaviour that
 * moby/patternmatcher's own tests pin down (its ignorefile reader, MatchesOrParentMatches, the
 * filepath.Match syntax cases, the compile shapes), restated here with our own paths.
 */
import { describe, expect, it } from "vitest";
import { parseDockerignore } from "../../../common/src/context/dockerignore.js";
import { PatternMatcher } from "../../../common/src/context/matcher.js";

describe("reading a .dockerignore", () => {
  const read: [string, string[]][] = [
    ["# a comment\n\nsrc\n", ["src"]],
    [" # after a space it is a pattern\n", ["# after a space it is a pattern"]],
    ["  padded.txt \t\n", ["padded.txt"]],
    ["!  spaced/exception  \n", ["!spaced/exception"]],
    ["./here\nthere/\n/rooted\nmany//slashes///x\n", ["here", "there", "rooted", "many/slashes/x"]],
    ["a/./b/../c\n", ["a/c"]],
    ["../above\nx/../../y\n", ["../above", "../y"]],
    ["/../z\n/\n.\n", ["z", "/", "."]],
    ["!/neg/abs/\n", ["!neg/abs"]],
    ["!\n! \n", ["!", "!"]],
    ["**/*.pyc\nsub/**/\n", ["**/*.pyc", "sub/**"]],
    ["\uFEFFfirst\nsecond\r\nthird\r\n", ["first", "second", "third"]],
    ["\uFEFF# a comment after the BOM\n", []],
    ["last line without newline", ["last line without newline"]],
  ];
  it.each(read)("%j", (text, patterns) => {
    expect(parseDockerignore(text)).toEqual(patterns);
  });
});

describe("matching a path as Docker's build context does", () => {
  // [pattern, path, matches]
  const single: [string, string, boolean][] = [
    // ** spans any number of segments, also none
    ["**", "file", true],
    ["**", "dir/file", true],
    ["**/", "dir/file", true],
    ["**/**", "dir/file", true],
    ["pkg/**", "pkg/mod.go", true],
    ["pkg/**", "pkg/sub/mod.go", true],
    ["pkg/**", "pkg", false],
    ["**/cache", "cache", true],
    ["**/cache", "cache/entry", true],
    ["**/cache", "a/b/cache/entry", true],
    ["**/cache", "nocache", false],
    ["**/lib/*", "x/lib/f", true],
    ["**/lib/**", "x/lib/y/f", true],
    ["**/lib/**", "lib/f", true],
    ["**name", "name", true],
    ["**name", "d/d/name", true],
    ["**name", "surname", true], // a leading ** with a literal rest compares as a suffix
    ["**/name", "surname", false],
    ["**/report*", "d/report", true],
    ["**/report*", "d/e/report.csv", true],
    ["**/report*csv", "d/report.csv", true],
    ["**/**/*.csv", "d/e/f.csv", true],
    ["**/**/*.csv", "f.csv", true],
    ["**/**/*.csv2", "d/f.csv", false],
    ["**/*.csv", "f.csv", true],
    ["k**/*.csv", "k/f.csv", true],
    ["k**/*.csv", "k/a/b/f.csv", true],
    ["k/*.csv", "k/a/f.csv", false],
    ["k/*.csv", "k/f.csv", true],
    ["k/*.csv**", "k/f.csv", true],
    ["**/.env", ".env", true],
    ["**/.env", "dev.env", false],
    ["**/proj/cfg", "proj/cfg", true],
    ["**/proj/cfg", "a/b/proj/cfg", true],
    // * and ? stay within a segment
    ["*", "anything.txt", true],
    ["*.md", "notes.md", true],
    ["*.md", "docs/notes.md", false],
    ["b*", "b", true],
    ["b*", "bin/tool", true], // through its parent "bin"
    ["b*/t", "bin/t", true],
    ["b*/t", "b/x/t", false],
    ["x*y", "x/y", false],
    ["x?y", "x/y", false],
    ["*z", "zzz", true],
    ["v?0", "v10", true],
    ["v?0", "v0", false],
    ["a?b", "a☺b", true],
    ["a???b", "a☺b", false],
    ["p*q?r*s", "pXqYrZs", true],
    ["p*q?r*s", "pXqYrZt", false],
    // classes and escapes (Go's filepath.Match syntax)
    ["m[b-d]n", "mcn", true],
    ["m[b-d]n", "man", false],
    ["m[b-d]n", "mn", false],
    ["m[^b-d]n", "mzn", true],
    ["m[^b-d]n", "mcn", false],
    ["m[!]n", "m!n", true], // only ^ negates; ! is a member
    ["[a-ω]*", "λ", true],
    ["*[a-ω]", "L", false],
    ["[\\]x]", "]", true],
    ["[y\\-]", "-", true],
    ["[y\\-]", "y", true],
    ["[y\\-]", "q", false],
    ["t\\*u", "t*u", true],
    ["t\\*u", "tu", false],
    ["t\\\\", "t\\", true],
    // everything else is literal
    [".*", ".hidden", true],
    [".*", "hidden", false],
    ["v1.2", "v1.2", true],
    ["v1.2", "v1x2", false],
    ["f(n)g/h", "f(n)g/h", true],
    ["f(n)g/h", "f(n)g/i", false],
    ["a.|)$(}+{b", "a.|)$(}+{b", true],
    ["wheels/tool-1.0rc1.dev2+gabc-py3-none-any.whl", "wheels/tool-1.0rc1.dev2+gabc-py3-none-any.whl", true],
    ["wheels/*.whl", "wheels/tool-1.0rc1.dev2+gabc-py3-none-any.whl", true],
    // cleaned before matching
    ["./lib/", "lib/x", true],
    ["/lib", "lib", true],
    ["lib//x/../y", "lib/y", true],
  ];
  it.each(single)("%j matches %j: %s", (pattern, path, matches) => {
    expect(new PatternMatcher([pattern]).matches(path)).toBe(matches);
  });

  // [patterns, path, matches]: the last pattern that matches decides
  const several: [string[], string, boolean][] = [
    [["!main.go", "*.go"], "main.go", true],
    [["*.go", "!main.go"], "main.go", false],
    [["docs", "!docs/README.md"], "docs/README.md", false],
    [["docs/", "!docs/README.md"], "docs/README.md", false],
    [["docs/*", "!docs/README.md"], "docs/README.md", false],
    [["docs/*", "!docs/README.md"], "docs/other.md", true],
    [["**", "!keep/these"], "keep/these/f", false],
    [["**", "!keep/these", "keep/these/f"], "keep/these/f", true],
    [["**", "!wheels/tool-1.0+g1-py3-none-any.whl"], "wheels/tool-1.0+g1-py3-none-any.whl", false],
    [["**", "!wheels/*.whl"], "wheels/tool-1.0+g1-py3-none-any.whl", false],
    [["  docs", "  !docs/README.md  "], "docs/README.md", false],
    [["docs", ""], "docs", true],
    [[], "anything", false],
  ];
  it.each(several)("%j matches %j: %s", (patterns, path, matches) => {
    expect(new PatternMatcher(patterns).matches(path)).toBe(matches);
  });

  it.each(["!", "  !  ", "[", "[^", "[^bc", "p[", "[]x]", "[-]", "[y-]", "[-y]", "[a-b-c]", "[z-a]", "tail\\"])("rejects %j as Docker does", (pattern) => {
    expect(() => new PatternMatcher([pattern])).toThrow();
  });
});
