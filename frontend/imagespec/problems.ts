/** Spec problems: what is wrong, where (JSON path and line:column), and how to fix it. */
import type { SourceRange } from "../common/positions.js";
import { UserError } from "../common/errors.js";

export interface SpecProblem {
  /** Path in protobuf-JSON terms, e.g. `layers[2].pip_packages.packages[0]`. */
  path: string;
  message: string;
  range?: SourceRange;
  hint?: string;
}

/** Thrown inside a decoder once it has more problems than are worth listing. */
export class TooManyProblems extends Error {}

/** All problems found in a spec; thrown before any build step runs. */
export class SpecError extends UserError {
  constructor(
    readonly problems: readonly SpecProblem[],
    readonly filename: string,
  ) {
    super(formatProblems(problems, filename));
  }
}

export function formatProblem(p: SpecProblem, filename: string): string {
  const where = p.range ? `${filename}:${p.range.start.line}:${p.range.start.column}` : filename;
  return `${where}: ${p.path ? p.path + ": " : ""}${p.message}${p.hint ? ` (${p.hint})` : ""}`;
}

export function formatProblems(problems: readonly SpecProblem[], filename: string): string {
  if (problems.length === 1) return `invalid image spec: ${formatProblem(problems[0]!, filename)}`;
  return `invalid image spec (${problems.length} problems):\n` + problems.map((p) => "  " + formatProblem(p, filename)).join("\n");
}

/** Damerau-free Levenshtein distance, for "did you mean" hints. */
function distance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0]!;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j]!;
      dp[j] = Math.min(dp[j]! + 1, dp[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length]!;
}

/** The closest candidate within a small edit distance, if any. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  // The distance is quadratic in the lengths; a name this long is no typo of a field name.
  if (word.length > 64) return undefined;
  const w = word.toLowerCase().replace(/[-_]/g, "");
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const score = distance(w, c.toLowerCase().replace(/[-_]/g, ""));
    if (score < bestScore) {
      best = c;
      bestScore = score;
    }
  }
  return best !== undefined && bestScore <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}
