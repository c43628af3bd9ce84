/**
 * What BuildKit can build while optimize asks its questions: the spec's entries before the first
 * Python install (apt packages, commands…, and the venv when resolve steps run beside it), as planned. Optimize keeps them as they are, so
 * solving them beside the first round runs them beside the venv, the resolve and the installs
 * instead of after them; the final solve finds them done. Pure.
 */
import type { Plan } from "../plan/plan.js";
import { venvToResolveBeside } from "./beside-venv.js";

/**
 * A plan whose result is the entries before the first Python install, or undefined when there
 * are none worth it. `venv: false` leaves a venv that resolve steps run beside out of it.
 */
export function warmUpPlan(plan: Plan, opts: { venv: boolean } = { venv: true }): Plan | undefined {
  const layers = plan.layers ?? [];
  const first = layers.findIndex((l) => l.python !== undefined);
  if (first < 0) return undefined;
  // The venv too when resolve steps run beside it rather than on it (and the caller wants it).
  const venvToo = opts.venv && venvToResolveBeside(plan) !== undefined;
  const before = layers.slice(0, first).filter((l) => (venvToo || l.kind !== "python-env") && l.steps.length > 0);
  const runs = (id: string) => plan.steps.find((s) => s.id === id)?.kind === "exec";
  if (!before.some((l) => l.steps.some(runs))) return undefined;
  const last = before[before.length - 1]!;
  const { layers: _layers, ...rest } = plan;
  return { ...rest, result: { kind: "step", id: last.steps[last.steps.length - 1]! }, history: [], notes: [] };
}
