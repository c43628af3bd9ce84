import { describe, expect, it } from "vitest";
import { MAX_MARKER_DEPTH, parseRequirement, RequirementSyntaxError } from "../../../frontend/grammars/pep508.js";
import { versionProblem } from "../../../frontend/grammars/pep440.js";
import { pep508Problem } from "../../../frontend/imagespec/validate.js";
import { REQUIREMENTS } from "../../../bench/hostile-strings.js";
import { countSteps, expectLinearWork } from "../../support/work-count.js";

/** The 1-based character and the detail a requirement is refused with. */
function refusal(text: string): { at: number; detail: string } {
  try {
    parseRequirement(text);
  } catch (e) {
    if (e instanceof RequirementSyntaxError) return { at: e.position + 1, detail: e.detail };
    throw e;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be refused`);
}

describe("PEP 508 requirements that parse", () => {
  it.each([
    "A",
    "A.B-C_D",
    "name<=1",
    "name>=3,<2",
    "numpy (>=1.2, <2)",
    "pkg===1.0+local",
    "pkg==1.*",
    "pkg[]",
    "\tpkg \t",
    "name@http://foo.com",
    "name [fred,bar] @ http://foo.com ; python_version=='2.7'",
    "name[quux, strange];python_version<'2.7' and platform_version=='2'",
    "name; os_name=='a' and (os_name=='b' or os_name=='c')",
    "name; (os_name=='a' or os_name=='b') and os_name=='c'",
    "pkg; 'linux' in sys_platform",
    "pkg; python_version not in '2.6 2.7'",
    "pkg; platform.machine == \"x86_64\" or implementation_name == 'cpython'",
    'pkg; extra == "it\'s"',
    "pkg @ file:///tmp/pkg-1.0-py3-none-any.whl",
    "pkg @ HTTPS://Host.test/pkg.whl#sha256=00",
  ])("%s", (text) => {
    expect(() => parseRequirement(text)).not.toThrow();
  });

  it("returns the parts as written", () => {
    expect(parseRequirement("Req[a, b] (>=1.0, !=1.5.*) ; python_version >= '3.9'")).toEqual({
      name: "Req",
      extras: ["a", "b"],
      specifiers: [
        { operator: ">=", version: "1.0" },
        { operator: "!=", version: "1.5.*" },
      ],
      marker: "python_version >= '3.9'",
    });
    expect(parseRequirement("pkg @ https://h.test/p.whl ; extra == 'x'")).toMatchObject({ url: "https://h.test/p.whl", marker: "extra == 'x'" });
  });
});

describe("PEP 508 requirements that are refused, and where", () => {
  it.each([
    ["numpy>=1.2; python_version >> '3'", 28, 'expected a marker operator (===, ==, !=, ~=, <=, >=, <, >, in, not in), found ">>"'],
    ["six=>1.0", 4, 'found "=>" (did you mean ">="?)'],
    ["requests[socks", 9, 'the "[" of the extras is never closed'],
    ["requests[socks,]", 16, "expected an extra name"],
    ["pkg (>=1", 5, 'this "(" is never closed'],
    ["pkg>=", 6, 'expected a version after ">="'],
    ["pkg-", 4, 'a package name must end with a letter or digit, not "-"'],
    ["-pkg", 1, "expected a package name"],
    ["pkg\n", 4, 'found "\\n"'],
    ["six && rm -rf /", 5, 'found "&&"'],
    ["pkg;", 5, "expected a marker"],
    ["pkg; (python_version > '3'", 6, 'this "(" is never closed'],
    ["pkg; python_version > '3')", 26, 'this ")" has no matching "("'],
    ["pkg; python_version > 3", 23, 'unknown marker variable "3"'],
    ["pkg; python_versoin > '3'", 6, "did you mean python_version?"],
    ["pkg; python_version > 'x", 23, "this ' string is never closed"],
    ["pkg; python_version not '3'", 25, 'expected "in" after "not"'],
    ["pkg; extra == 'a' andd os_name == 'b'", 19, 'expected "and", "or" or the end of the marker'],
    ["pkg @ ", 7, 'expected a URL after "@"'],
    ["pkg @ foo", 7, "expected a URL with a scheme"],
    ["pkg @ https:foo", 13, 'expected "//" and a host'],
    ["pkg @ https://h.test/p.whl; extra == 'a'", 29, 'a ";" right after the URL is part of it'],
    ["pkg @ https://h.test/p.whl extra", 28, 'expected ";" and a marker after the URL'],
  ])("%s", (text, at, detail) => {
    const r = refusal(text);
    expect(r.detail).toContain(detail);
    expect(r.at).toBe(at);
  });

  it(`refuses parentheses nested more than ${MAX_MARKER_DEPTH} deep instead of recursing`, () => {
    const nested = (d: number) => `pkg; ${"(".repeat(d)}extra == 'x'${")".repeat(d)}`;
    expect(() => parseRequirement(nested(MAX_MARKER_DEPTH))).not.toThrow();
    expect(refusal(nested(MAX_MARKER_DEPTH + 1)).detail).toBe(`parentheses nested more than ${MAX_MARKER_DEPTH} deep`);
    expect(refusal(nested(100_000)).detail).toBe(`parentheses nested more than ${MAX_MARKER_DEPTH} deep`);
  });

  it("puts the position and the text as written into the validation message", () => {
    expect(pep508Problem("numpy>=1.2; python_version >> '3'")).toBe(
      `"numpy>=1.2; python_version >> '3'" is not a valid PEP 508 requirement: at character 28: expected a marker operator (===, ==, !=, ~=, <=, >=, <, >, in, not in), found ">>"`,
    );
    expect(pep508Problem("--pre")).toBe('"--pre" looks like an option, not a package; put options in options.extra_args');
    expect(pep508Problem("a".repeat(5000) + "!")).toMatch(/^"a{100}…" \(5001 characters\) is not a valid PEP 508 requirement: at character 5001: /);
  });
});

describe("PEP 508 parsing work is linear in the input", () => {
  it.each(REQUIREMENTS.shapes)("%s", (_what, make) => {
    expectLinearWork(REQUIREMENTS, make);
  });

  it("reads the 4 KB string the old regex took 105 s on once", () => {
    const hostile = "a" + "0".repeat(4096) + "==";
    expect(pep508Problem(hostile)).toContain("expected a version after");
    expect(countSteps(REQUIREMENTS.run, hostile)).toBeLessThanOrEqual(2 * hostile.length);
  });
});

describe("PEP 440 versions in specifiers", () => {
  it.each([
    "pkg==1.0",
    "pkg==1.0.*",
    "pkg!=1.5.*",
    "pkg>=1!2.0",
    "pkg==1.0-alpha.1",
    "pkg==1.0.post1",
    "pkg==1.0-1",
    "pkg==1.0rev",
    "pkg==1.0rc1.post2.dev3+ubuntu.1",
    "pkg~=1.4",
    "pkg~=1.4.5rc1",
    "pkg>v1.0",
    "pkg==1.0_Beta2",
    "pkg==1.0PREVIEW3",
    "pkg===anything-goes",
  ])("%s", (text) => {
    expect(() => parseRequirement(text)).not.toThrow();
  });

  it.each([
    ["pkg>=latest", 6, '"latest" is not a PEP 440 version (like 1.2, 1.2.3rc1 or 2!1.0.post1.dev2)'],
    ["pkg>=1.0, <=2.*", 13, 'a ".*" version is only allowed after == or !=, not after <='],
    ["pkg~=1", 6, "~= needs a version with at least two parts, like ~=1.0"],
    ["pkg<1.0+local", 5, 'a local version ("+…") is only allowed after == or !=, not after <'],
    ["pkg==1.0+", 6, '"1.0+" is not a PEP 440 version'],
    ["pkg==1.0.*.1", 6, '"1.0.*.1" is not a PEP 440 version'],
    ["pkg==1..0", 6, '"1..0" is not a PEP 440 version'],
    ["pkg==1.0foo", 6, '"1.0foo" is not a PEP 440 version'],
    ["pkg (== *)", 9, '"*" is not a PEP 440 version'],
  ])("refuses %s", (text, at, detail) => {
    const r = refusal(text);
    expect(r.detail).toContain(detail);
    expect(r.at).toBe(at);
  });

  it("counts each version character a bounded number of times", () => {
    const version = (n: number) => "1." + "2.".repeat(n) + "0";
    const steps = (n: number) => {
      const work = { steps: 0 };
      expect(versionProblem("==", version(n), work)).toBeUndefined();
      return work.steps;
    };
    expect(steps(16_000) / version(16_000).length).toBeLessThanOrEqual(2);
    expect(steps(32_000) / steps(16_000)).toBeLessThanOrEqual(2.2);
  });
});
