/**
 * The hostile corpus: inputs written as a hostile or careless user would, one folder per class
 * under test/fixtures/hostile/. Each folder's expect.json lists its cases:
 *   { "cases": [{ "file": "alias-options.yaml", "exit": 0 | 1, "contains": ["…"], "absent": ["…"] }] }
 * Each file goes through the CLI's `validate` (the loader the gateway uses). Every input ends in
 * exit 0 or 1 with the expected verdict and text, never a crash or a leaked internal error.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../../frontend/cli.js";
import { repoRoot } from "../../support/paths.js";

interface HostileCase {
  file: string;
  exit: 0 | 1;
  /** Substrings the output must contain. */
  contains?: string[];
  /** Substrings the output must not contain. */
  absent?: string[];
}

const root = join(repoRoot, "test/fixtures/hostile");
const classes = readdirSync(root).filter((d) => statSync(join(root, d)).isDirectory()).sort();

/** What a leaked internal error looks like in user-facing output. */
const LEAKS = [/Maximum call stack/, /\b(TypeError|ReferenceError|RangeError|SyntaxError):/, /\n\s+at \S+ \(/, /internal error/i, /\bundefined\b/, /\[object Object\]/, /\bNaN\b/];

describe("hostile corpus", () => {
  it("has several inputs in each class", () => {
    expect(classes.length).toBeGreaterThanOrEqual(6);
    for (const c of classes) {
      const { cases } = JSON.parse(readFileSync(join(root, c, "expect.json"), "utf8")) as { cases: HostileCase[] };
      expect(cases.length, c).toBeGreaterThanOrEqual(3);
    }
  });

  for (const c of classes) {
    const { cases } = JSON.parse(readFileSync(join(root, c, "expect.json"), "utf8")) as { cases: HostileCase[] };
    describe(c, () => {
      it.each(cases.map((k) => [k.file, k] as const))("%s", async (_f, k) => {
        let output = "";
        const code = await runCli(["validate", join(root, c, k.file)], (s) => (output += s));
        for (const leak of LEAKS) expect(output).not.toMatch(leak);
        expect({ code, output }).toMatchObject({ code: k.exit });
        for (const s of k.contains ?? []) expect(output).toContain(s);
        for (const s of k.absent ?? []) expect(output).not.toContain(s);
      });
    });
  }
});
