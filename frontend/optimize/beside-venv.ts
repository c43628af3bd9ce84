/**
 * Resolving beside the venv: `python -m venv` spends seconds in ensurepip, and the resolve step
 * needs nothing of the venv but its interpreter and what it has installed, which for a fresh
 * venv is only what ensurepip seeds it with. So the resolve step may run on the filesystem
 * before the venv, in a venv of its own made without pip at the same path (its writes are
 * thrown away with the step), while BuildKit makes the real venv beside it. Pure.
 *
 * Its answer holds only if it names none of the seeded distributions: the real venv would have
 * kept (or upgraded) those, so such an answer is asked again on the real venv. Answers that name
 * none of them are the ones the real venv gives: nothing in them asks for what only it has.
 */
import type { Plan } from "../plan/plan.js";
import type { ResolveFact } from "./facts.js";

/** What a fresh venv may hold before anything is installed: ensurepip's pip and, before Python 3.12, setuptools. */
export const VENV_SEEDS: ReadonlySet<string> = new Set(["pip", "setuptools", "wheel", "distribute"]);

/**
 * The venv the plan creates, when its resolve steps may run beside it: pip resolving with the
 * frontend's own pip (the venv's is what ensurepip would put there); uv makes its venvs at once.
 */
export function venvToResolveBeside(plan: Plan): { interpreter: string; clear: boolean; venv: string } | undefined {
  const create = plan.python?.create;
  if (!create || plan.installer?.kind !== "pip" || !plan.installer.resolverPip) return undefined;
  return { ...create, venv: plan.python!.venv };
}

/** Whether an answer from beside the venv is the one the venv would give. */
export function holdsBesideVenv(fact: ResolveFact): boolean {
  return fact.ok && !fact.dists.some((d) => VENV_SEEDS.has(d.key));
}
