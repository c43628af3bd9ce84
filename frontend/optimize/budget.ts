/** The layer budget of an optimized image, counted from the plan. */
import type { LayerPlan } from "../plan/plan.js";

/** Layers the given entries make as planned (history entries that are not empty). */
export function layersOf(entries: readonly LayerPlan[]): number {
  let n = 0;
  for (const e of entries) for (const h of e.history) if (!h.emptyLayer) n++;
  return n;
}

/**
 * How many layers the packages may take: what `maxLayers` leaves after the base image's layers
 * and every other layer of the image; at least one, with a note when that is over the budget.
 */
export function layerBudget(maxLayers: number, baseLayers: number, otherLayers: number): { packages: number; note?: string } {
  const left = maxLayers - baseLayers - otherLayers;
  if (left >= 1) return { packages: left };
  return {
    packages: 1,
    note: `optimize: the base image's ${baseLayers} layers and the spec's other steps leave no room under optimize-max-layers=${maxLayers}; all packages share one layer`,
  };
}
