/**
 * The phase loop: optimize the plan, answer what it asks through a FactSource, and again, until
 * it is whole. The gateway runs it with the daemon as the source, tests with canned answers.
 */
import type { Plan } from "../plan/plan.js";
import type { DistContents } from "./record.js";
import type { FactSource, FactsRequest, ResolveFact } from "./facts.js";
import { optimizePlan, type OptimizeBudget } from "./optimize-plan.js";

export interface PhasesResult {
  plan: Plan;
  /** Each round's questions, in order (one round is one set of solves before the final one). */
  rounds: FactsRequest[][];
  /** How long each round's answers took, in ms (same order as `rounds`). */
  roundMs: number[];
}

export async function optimizeInPhases(plan: Plan, source: FactSource, budget: OptimizeBudget): Promise<PhasesResult> {
  const resolutions = new Map<number, ResolveFact>();
  const contents = new Map<string, DistContents>();
  const rounds: FactsRequest[][] = [];
  const roundMs: number[] = [];
  const asked = new Set<string>();
  for (;;) {
    const out = optimizePlan(plan, { resolutions, contents }, budget);
    if ("plan" in out) return { plan: out.plan, rounds, roundMs };
    for (const req of out.needs) {
      // An answer that lacks what was asked would otherwise be asked for forever.
      const key = req.kind === "resolve" ? `resolve ${req.layer} ${req.basis}` : `inspect ${req.ids.join(" ")}`;
      if (asked.has(key)) throw new Error(`internal: optimize asked again for a ${req.kind} fact it was given`);
      asked.add(key);
    }
    rounds.push(out.needs);
    const started = performance.now();
    await Promise.all(
      out.needs.map(async (req) => {
        if (req.kind === "resolve") resolutions.set(req.layer, { ...(await source.resolve(req)), onWhole: req.onWhole, beside: req.beside });
        else for (const [id, c] of await source.inspect(req)) contents.set(id, c);
      }),
    );
    roundMs.push(performance.now() - started);
  }
}
