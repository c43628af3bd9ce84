/**
 * The work bound as a property: for each class of pathological input, doubling its size at
 * most about doubles the time to load it (ratio < 3 on the median of interleaved runs), so no
 * input up to the size limit can take quadratic time. Absolute speed is the benchmark's job.
 */
import { describe, expect, it } from "vitest";
import { HOSTILE_INPUTS } from "../../../bench/hostile-inputs.js";
import { loadSpec } from "../../../frontend/spec/load.js";
import { SpecError } from "../../../frontend/spec/problems.js";

const RUNS = 3;
const MAX_RATIO = 3;

function load(data: Uint8Array, filename: string): void {
  try {
    loadSpec(data, filename);
  } catch (e) {
    if (!(e instanceof SpecError)) throw e;
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Median times of loading `small` and `large`, measured alternately so drift hits both. */
function medianTimes(small: Uint8Array, large: Uint8Array, filename: string, runs = RUNS): [number, number] {
  load(small, filename); // warm up the code paths
  load(large, filename);
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < runs; i++) {
    let t = performance.now();
    load(small, filename);
    a.push(performance.now() - t);
    t = performance.now();
    load(large, filename);
    b.push(performance.now() - t);
  }
  return [median(a), median(b)];
}

describe("work bound: doubling a pathological input at most about doubles the time", () => {
  it.each(HOSTILE_INPUTS.map((h) => [h.name, h] as const))("%s", (_name, h) => {
    const small = h.make(h.workSize);
    const large = h.make(2 * h.workSize);
    expect(large.length / small.length).toBeGreaterThan(1.8);
    // Below a millisecond the ratio is timer noise; such an input is bounded by a constant anyway.
    const ratioOf = ([a, b]: [number, number]) => (b + 1) / (a + 1);
    let [ts, tl] = medianTimes(small, large, h.filename);
    // Other test files share the cores: a ratio over the bound is measured once more, longer,
    // before it counts (a real quadratic stays near 4 however often it is measured).
    if (ratioOf([ts, tl]) >= MAX_RATIO) [ts, tl] = medianTimes(small, large, h.filename, 3 * RUNS);
    const ratio = ratioOf([ts, tl]);
    expect(ratio, `${h.name}: ${ts.toFixed(1)} ms → ${tl.toFixed(1)} ms`).toBeLessThan(MAX_RATIO);
  }, 60_000);
});
