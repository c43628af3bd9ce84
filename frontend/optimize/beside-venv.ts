/**
 * Resolving beside the venv: `python -m venv` spends seconds in ensurepip, and the resolve step
 * needs nothing of a fresh venv but its interpreter and what it has installed, which is what
 * ensurepip seeds it with. So the resolve step may run on the filesystem before the venv, in a
 * venv of its own made at the same path without pip but with the .dist-info METADATA of the
 * wheels ensurepip would install (its writes are thrown away with the step), while BuildKit
 * makes the real venv beside it. Pure.
 *
 * An answer from there that failed (ensurepip did not say what it installs, or the resolve
 * failed) is asked again on the real venv, whose answer is the one to act on or report.
 */
import type { Plan } from "../plan/plan.js";

/**
 * The venv the plan creates, when its resolve steps may run beside it: pip resolving with the
 * frontend's own pip (the venv's is what ensurepip would put there); uv makes its venvs at once.
 */
export function venvToResolveBeside(plan: Plan): { interpreter: string; clear: boolean; venv: string } | undefined {
  const create = plan.python?.create;
  if (!create || plan.installer?.kind !== "pip" || !plan.installer.resolverPip) return undefined;
  return { ...create, venv: plan.python!.venv };
}
