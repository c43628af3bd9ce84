/**
 * The work bound as a property: for each class of pathological input, doubling its size at
 * most about doubles the JavaScript executed to load it (blocks counted by V8's precise
 * coverage, parsers included), so no input up to the size limit can take quadratic time.
 * Absolute speed, and the time ratios, are `npm run bench:micro`'s job.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HOSTILE_INPUTS } from "../../../bench/hostile-inputs.js";
import { loadSpec } from "../../../frontend/imagespec/load.js";
import { SpecError } from "../../../frontend/imagespec/problems.js";
import { BlockCounter } from "../../support/js-work.js";

/** Linear work doubles; fixed costs only lower the ratio, quadratic work about quadruples it. */
const MAX_RATIO = 2.2;

function load(data: Uint8Array, filename: string): void {
  try {
    loadSpec(data, filename);
  } catch (e) {
    if (!(e instanceof SpecError)) throw e;
  }
}

describe("work bound: doubling a pathological input at most about doubles the work", () => {
  const blocks = new BlockCounter();
  beforeAll(() => blocks.start());
  afterAll(() => blocks.stop());

  it.each(HOSTILE_INPUTS.map((h) => [h.name, h] as const))("%s", async (_name, h) => {
    const n = Math.ceil(h.workSize / 2);
    const small = h.make(n);
    const large = h.make(2 * n);
    expect(large.length / small.length).toBeGreaterThan(1.8);
    // Both sizes end in a verdict, never an internal error.
    const smallWork = await blocks.count(() => load(small, h.filename));
    const largeWork = await blocks.count(() => load(large, h.filename));
    expect(smallWork, h.name).toBeGreaterThan(0);
    expect(largeWork / smallWork, h.name).toBeLessThan(MAX_RATIO);
  }, 60_000);
});
