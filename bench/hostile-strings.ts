/**
 * Hostile strings for the hand-written parsers, one list of shapes per parser, scaled by `n`:
 * the unit tests count each parser's work on n and 2n, the micro-benchmark times them.
 */
import { expandVariables } from "../frontend/grammars/env-expansion.js";
import { isDebianPackage } from "../frontend/grammars/debian.js";
import { isProjectName, parseRequirement } from "../frontend/grammars/pep508.js";
import { splitShellWords } from "../frontend/grammars/shellwords.js";
import { parseImageReference, parseLinuxPlatform } from "../llb/src/index.js";

export interface Work {
  steps: number;
}

export interface HostileStrings {
  name: string;
  /** Size parameter: the tests compare n with 2n, the benchmark times them. */
  n: number;
  /** The parser, counting its work into `work` when given; it may throw (a refusal is an outcome). */
  run: (input: string, work?: Work) => unknown;
  shapes: ReadonlyArray<readonly [what: string, make: (n: number) => string]>;
}

const ENV: Record<string, string> = { A: "a", B: "b", EMPTY: "" };

export const SHELL_WORDS: HostileStrings = {
  name: "splitShellWords",
  n: 16_000,
  run: splitShellWords,
  shapes: [
    ["spaced words", (n) => "a ".repeat(n)],
    ["quotes and escapes", (n) => `'x' "y" \\z `.repeat(n / 4)],
    ["escaped quotes in one double quote", (n) => '"' + '\\"'.repeat(n)],
    ["single quotes, the last unclosed", (n) => "'a'".repeat(n) + "'"],
  ],
};

export const REQUIREMENTS: HostileStrings = {
  name: "parseRequirement",
  // Within the spec's 64 KB string limit, and far past where the old regex took minutes (4 KB).
  n: 16_000,
  run: parseRequirement,
  shapes: [
    ["a long name that fails at its end", (n) => "a".repeat(n) + "!"],
    ["a long name of separators", (n) => "a" + "-._".repeat(n) + "a"],
    ["a long name and spaces before junk", (n) => "a" + " ".repeat(n) + "x"],
    ["many version specifiers", (n) => "pkg" + ">=1.0, ".repeat(n / 4) + "<2"],
    ["a long version", (n) => "pkg==" + "1.".repeat(n) + "0 x"],
    ["many extras, never closed", (n) => "pkg[" + "a, ".repeat(n / 2)],
    ["a long marker chain", (n) => "pkg; " + "python_version >= '3' and ".repeat(n / 20) + "extra == 'x'"],
    ["many parenthesized markers, the last unclosed", (n) => "pkg; " + "(os_name == 'a') or ".repeat(n / 20) + "(os_name == 'b'"],
    ["nesting at the depth limit, repeated", (n) => "pkg; " + `${"(".repeat(32)}extra == 'x'${")".repeat(32)} or `.repeat(n / 100) + "x"],
    ["a long quoted string, never closed", (n) => "pkg; extra == '" + "x".repeat(n * 10)],
    ["a long version of release parts", (n) => "pkg==" + "1.".repeat(n) + "0"],
    ["a long local version ending in a separator", (n) => "pkg==1.0+" + "a.".repeat(n) + "."],
    ["a long number before junk", (n) => "pkg==1" + "0".repeat(n) + "!"],
    ["the 4 KB string the old regex took 105 s on, scaled", (n) => "a" + "0".repeat(n) + "=="],
  ],
};

export const DEBIAN_PACKAGES: HostileStrings = {
  name: "isDebianPackage",
  n: 16_000,
  run: isDebianPackage,
  shapes: [
    ["a long name ending in a colon", (n) => "a" + "-".repeat(n) + ":"],
    ["a long arch before junk", (n) => "ab:" + "-".repeat(n) + "!"],
    ["a long version before a slash", (n) => "ab=" + "1".repeat(n) + "/"],
  ],
};

export const PROJECT_NAMES: HostileStrings = {
  name: "isProjectName",
  n: 16_000,
  run: isProjectName,
  shapes: [["a long run of separators before junk", (n) => "a" + "-".repeat(n) + "!"]],
};

export const ENV_VALUES: HostileStrings = {
  name: "expandVariables",
  n: 4_000,
  run: (value, work) => expandVariables(value, (name) => ENV[name], work),
  shapes: [
    ["a long chain of substitutions", (n) => "${A:-x}$B".repeat(n)],
    ["a long chain of nested defaults", (n) => "${X:-${Y:-${B}}}".repeat(n)],
    ["many openings, never closed", (n) => "${A:-".repeat(n / 8) + "x".repeat(n)],
    ["many bad names before one brace", (n) => "${A B ".repeat(n) + "}"],
    ["dollars and escapes", (n) => "$$\\$$-$".repeat(n)],
  ],
};

export const IMAGE_REFERENCES: HostileStrings = {
  name: "parseImageReference",
  n: 16_000,
  run: parseImageReference,
  shapes: [
    ["a long dashed name before junk", (n) => "a" + "-".repeat(n) + "!"],
    ["a long dotted path ending in a dot", (n) => "a" + "._a".repeat(n) + "."],
    ["a long registry host", (n) => "reg." + "a-".repeat(n) + ".test/app"],
    ["a long tag", (n) => "app:" + "t".repeat(n)],
    ["a long digest", (n) => "app@sha256:" + "a".repeat(n)],
    ["many path components, the last empty", (n) => "a/".repeat(n) + "/"],
    ["a long IPv6 host", (n) => "[" + ":".repeat(n) + "x]/app"],
  ],
};

export const PLATFORMS: HostileStrings = {
  name: "parseLinuxPlatform",
  n: 16_000,
  run: parseLinuxPlatform,
  shapes: [
    ["a long architecture", (n) => "linux/" + "a".repeat(n)],
    ["many parts", (n) => "a/".repeat(n)],
    ["a long variant", (n) => "linux/arm/" + "v".repeat(n)],
  ],
};

export const HOSTILE_STRINGS: HostileStrings[] = [SHELL_WORDS, REQUIREMENTS, DEBIAN_PACKAGES, PROJECT_NAMES, ENV_VALUES, IMAGE_REFERENCES, PLATFORMS];
