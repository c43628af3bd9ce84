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
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
  return { runs, medianMs: round(at(0.5)), p95Ms: round(at(0.95)), minMs: round(times[0]!) };
}

export const round = (n: number) => Math.round(n * 100) / 100;

