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
