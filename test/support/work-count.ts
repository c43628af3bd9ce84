/**
 * Linear time as a count, not a clock: a parser given a `{ steps }` counter adds the characters
 * it examines, so doubling a linear parser's input about doubles the count, while quadratic or
 * backtracking work about quadruples it. Deterministic, whatever else the machine is doing.
 */
import { expect } from "vitest";
import type { HostileStrings, Work } from "../../bench/hostile-strings.js";

/** Largest count(2n) / count(n) a linear parser shows (the constant parts only lower it). */
export const MAX_WORK_RATIO = 2.2;

/** The steps `run` counts on `input`; a refusal (a throw) is an outcome like any other. */
export function countSteps(run: HostileStrings["run"], input: string): number {
  const work: Work = { steps: 0 };
  try {
    run(input, work);
  } catch {
    // only the work done matters here
  }
  return work.steps;
}

/** Most steps per input character any of the parsers counts (a constant, whatever the size). */
export const MAX_STEPS_PER_CHAR = 8;

/** count(2n) / count(n) for one shape, and the count on n per input character. */
export function workGrowth(run: HostileStrings["run"], make: (n: number) => string, n: number): { ratio: number; perChar: number } {
  const small = make(n);
  const smallSteps = countSteps(run, small);
  return { ratio: countSteps(run, make(2 * n)) / smallSteps, perChar: smallSteps / small.length };
}

/** Every regex `run` executes on `input` (RegExp test, match, replace and split all go through exec). */
export function regexesRun(run: HostileStrings["run"], input: string): RegExp[] {
  const seen = new Map<string, RegExp>();
  const exec = RegExp.prototype.exec;
  RegExp.prototype.exec = function (this: RegExp, s: string) {
    seen.set(String(this), this);
    return exec.call(this, s);
  };
  try {
    run(input);
  } catch {
    // a refusal still ran its regexes
  } finally {
    RegExp.prototype.exec = exec;
  }
  return [...seen.values()];
}

/**
 * Why `re` might backtrack more than linearly, or undefined when it cannot: a regex is linear by
 * construction when at most one unbounded quantifier (`*`, `+`, `{n,}`) repeats a single
 * character, class or escape, and, if there is one, the regex can only start where it is
 * anchored (`^` without the m flag and without a top-level `|`, or the sticky flag). The
 * quantifier then consumes each character once and gives each back once, against a
 * fixed-length rest. Conservative: some linear regexes are refused too.
 */
export function backtrackingRisk(re: RegExp): string | undefined {
  const src = re.source;
  let unbounded = 0;
  let depth = 0;
  let topLevelAlternation = false;
  let afterGroup = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    const wasAfterGroup = afterGroup;
    afterGroup = false;
    if (c === "\\") {
      if (/[1-9k]/.test(src[i + 1] ?? "")) return "a backreference";
      i++;
    } else if (c === "[") {
      for (i++; i < src.length && src[i] !== "]"; i++) if (src[i] === "\\") i++;
    } else if (c === "(") {
      depth++;
    } else if (c === ")") {
      depth--;
      afterGroup = true;
    } else if (c === "|" && depth === 0) {
      topLevelAlternation = true;
    } else if (c === "*" || c === "+" || (c === "{" && /^\{\d+,\}/.test(src.slice(i)))) {
      if (wasAfterGroup) return "an unbounded quantifier on a group";
      unbounded++;
      if (src[i + 1] === "?" || src[i + 1] === "+") i++;
    }
  }
  if (unbounded > 1) return `${unbounded} unbounded quantifiers`;
  const anchored = re.sticky || (src.startsWith("^") && !re.multiline && !topLevelAlternation);
  if (unbounded === 1 && !anchored) return "an unbounded quantifier in a regex that may start anywhere";
  return undefined;
}

/** Doubling the input at most about doubles the steps, which stay a few per character. */
export function expectLinearWork(strings: HostileStrings, make: (n: number) => string): void {
  const { ratio, perChar } = workGrowth(strings.run, make, strings.n);
  expect(ratio, `${strings.name}: steps on 2n over steps on n`).toBeLessThanOrEqual(MAX_WORK_RATIO);
  expect(perChar, `${strings.name}: no steps counted`).toBeGreaterThan(0);
  expect(perChar, `${strings.name}: steps per character`).toBeLessThanOrEqual(MAX_STEPS_PER_CHAR);
}
