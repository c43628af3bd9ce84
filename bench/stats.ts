/** Small timing helpers for benchmarks: repeated runs, median and p95. */
export interface Timing {
  runs: number;
  medianMs: number;
  p95Ms: number;
  minMs: number;
}

/** Times `fn` over `runs` runs after `warmup` untimed ones; `before` runs untimed ahead of each. */
export function measure(fn: () => unknown, runs: number, warmup = 3, before?: () => void): Timing {
  for (let i = 0; i < warmup; i++) {
    before?.();
    fn();
  }
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    before?.();
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  return timingOf(times);
}

/** Median, p95 and minimum of measured times (ms). */
export function timingOf(times: readonly number[]): Timing {
  return { runs: times.length, medianMs: round(quantile(times, 0.5)), p95Ms: round(quantile(times, 0.95)), minMs: round(Math.min(...times)) };
}

/** The value at quantile `q` (0..1) of a non-empty list: the nearest rank at or below. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export const round = (n: number) => Math.round(n * 100) / 100;

