/**
 * The work bound as a property: for each class of pathological input, doubling its size at
 * most about doubles the time to load it (ratio < 3 on the median of interleaved runs), so no
 * input up to the size limit can take quadratic time. Absolute speed is the benchmark's job.
 */
import { describe, expect, it } from "vitest";
import { HOSTILE_INPUTS } from "../../../bench/hostile-inputs.js";
import { loadSpec } from "../../../frontend/imagespec/load.js";
import { SpecError } from "../../../frontend/imagespec/problems.js";
import { doublingRatio } from "../../support/linear-time.js";

const MAX_RATIO = 3;

function load(data: Uint8Array, filename: string): void {
  try {
    loadSpec(data, filename);
  } catch (e) {
    if (!(e instanceof SpecError)) throw e;
  }
}

describe("work bound: doubling a pathological input at most about doubles the time", () => {
  it.each(HOSTILE_INPUTS.map((h) => [h.name, h] as const))("%s", (_name, h) => {
    // Half the benchmark's work size: doublingRatio repeats short runs until they can be timed.
    const n = Math.ceil(h.workSize / 2);
    const small = h.make(n);
    const large = h.make(2 * n);
    expect(large.length / small.length).toBeGreaterThan(1.8);
    // Both sizes end in a verdict, never an internal error (doublingRatio only times them).
    load(small, h.filename);
    load(large, h.filename);
    const ratio = doublingRatio((size) => (size === n ? small : large), (data) => loadSpec(data, h.filename), n, 3);
    expect(ratio, h.name).toBeLessThan(MAX_RATIO);
  }, 60_000);
});
