import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { readJsonTree } from "../../../frontend/imagespec/json-tree.js";
import { readJsonTreeByVisitor } from "../../support/jsonc-tree.js";
import { readValidJson } from "../../../frontend/imagespec/json-fast.js";
import { loadSpec } from "../../../frontend/imagespec/load.js";
import type { Position } from "../../../frontend/common/positions.js";

/** 1-based line and column of an offset, counting only \n as a line break (as BuildKit's source view does). */
function at(text: string, offset: number): Position {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  return { line, column: offset - (before.lastIndexOf("\n") + 1) + 1 };
}

/** The range of the `nth` occurrence of `token` in the text. */
function rangeOf(text: string, token: string, nth = 0): { start: Position; end: Position } {
  let i = -1;
  for (let n = 0; n <= nth; n++) i = text.indexOf(token, i + 1);
  if (i < 0) throw new Error(`no ${token} in the text`);
  return { start: at(text, i), end: at(text, i + token.length) };
}

describe("JSON spec ranges", () => {
  const text = [
    "{",
    '  "base_image": "python:3.12-slim",',
    '  "layers": [',
    '    {"pip_packages": {"packages": ["numpy==2.0", "pandas"]}},',
    '    {"env": {"env_variables": {"A": "1"}}},',
    "    {\"commands\": {\"cmd\": [\"echo \\u00e9t\\u00e9\"]}}",
    "  ]",
    "}",
  ].join("\r\n");
  const { ranges } = loadSpec(new TextEncoder().encode(text), "spec.json");

  it("gives every value the range of its text, on CRLF lines too", () => {
    expect(ranges.get("base_image")).toEqual(rangeOf(text, '"python:3.12-slim"'));
    expect(ranges.get("layers[0].pip_packages.packages[0]")).toEqual(rangeOf(text, '"numpy==2.0"'));
    expect(ranges.get("layers[0].pip_packages.packages[1]")).toEqual(rangeOf(text, '"pandas"'));
    expect(ranges.get("layers[1].env.env_variables.A")).toEqual(rangeOf(text, '"1"'));
    expect(ranges.get("layers[2].commands.cmd[0]")).toEqual(rangeOf(text, '"echo \\u00e9t\\u00e9"'));
  });

  it("spans an object or a list from its opening to past its closing bracket", () => {
    const layer = '{"pip_packages": {"packages": ["numpy==2.0", "pandas"]}}';
    expect(ranges.get("layers[0]")).toEqual(rangeOf(text, layer));
    expect(ranges.get("layers[0].pip_packages.packages")).toEqual(rangeOf(text, '["numpy==2.0", "pandas"]'));
    expect(ranges.get("")).toEqual({ start: { line: 1, column: 1 }, end: at(text, text.length) });
  });

  it("reports a duplicate key at its second occurrence", () => {
    const dup = '{"base_image": "a",\n "base_image": "b"}';
    expect(() => loadSpec(new TextEncoder().encode(dup), "spec.json")).toThrow(/spec\.json:2:2: .*"base_image" is given twice/);
  });
});

describe("strict JSON", () => {
  // Tokens JSON allows and tokens it refuses, close to each other.
  const token = fc.constantFrom(
    "{", "}", "[", "]", ":", ",", '"a"', '"\\u00e9"', '"\\x"', '"\\u12"', '"a\tb"', '"', "\\",
    "0", "01", "-", "-1", "-01", "1.", "1.5", ".5", "1e", "1e5", "1e+", "1E-2", "+1", "0x1",
    "true", "True", "null", "nul", "NaN", " ", "\t", "\n", "\r", "\u00a0", "\u2028", "\ufeff", "/*c*/", "//c\n",
  );
  it("is read exactly when JSON.parse reads it", () => {
    fc.assert(
      fc.property(fc.array(token, { maxLength: 12 }), (tokens) => {
        const text = tokens.join("");
        fc.pre(text.trim() !== "");
        let native = true;
        try {
          JSON.parse(text);
        } catch {
          native = false;
        }
        expect(readJsonTree(text, 20).ok).toBe(native);
      }),
      { numRuns: 5000 },
    );
  });

  it("takes the fast path exactly for strict JSON, and reads it as jsonc-parser does", () => {
    const check = (text: string) => {
      const slow = readJsonTreeByVisitor(text, 20);
      const fast = readValidJson(text);
      expect(fast !== undefined, JSON.stringify(text)).toBe(slow.syntaxErrors.length === 0);
      if (fast) expect({ root: fast.root, duplicateKeys: fast.duplicateKeys }).toEqual({ root: slow.root, duplicateKeys: slow.duplicateKeys });
    };
    fc.assert(fc.property(fc.array(token, { maxLength: 12 }), (tokens) => check(tokens.join(""))), { numRuns: 5000 });
    // Whole documents, with line breaks and duplicate keys, as JSON.stringify writes them.
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(undefined, 2, "\t"), (value, indent) => check(JSON.stringify(value, null, indent))),
      { numRuns: 1000 },
    );
    check('{"a": 1, "b": {"a": 2, "a": 3}, "a": [true, false, null, -0.5e-3, "x\\u00e9\\n"]}\r\n');
  });

  it("stops after the given number of errors", () => {
    const read = readJsonTree("[" + "1 ".repeat(100_000) + "]", 20);
    expect(read.ok ? [] : read.syntaxErrors).toHaveLength(20);
  });
});

describe("positions", () => {
  it("search each line break once, however many values a line holds", () => {
    // Counts the characters indexOf looks at in the spec's text: a search to the end of a long
    // line for every value on it would be quadratic (seen: 1.4 s for a 1 MB one-line spec).
    const line = JSON.stringify(Array.from({ length: 5000 }, (_, i) => ({ workdir: { workdir: `/w${i}` } })));
    const text = `[${line},\n${line}]`;
    const original = String.prototype.indexOf;
    let scanned = 0;
    const spy = vi.spyOn(String.prototype, "indexOf").mockImplementation(function (this: string, search: string, from?: number) {
      const found = original.call(this, search, from);
      if (this.length === text.length) scanned += (found < 0 ? this.length : found) - (from ?? 0);
      return found;
    });
    let ok: boolean;
    try {
      ok = readJsonTree(text, 20).ok;
    } finally {
      spy.mockRestore();
    }
    expect(ok).toBe(true);
    expect(scanned).toBeLessThanOrEqual(2 * text.length);
  });
});
