/**
 * Time on an input twice as large over time on the input itself: about 2 for linear work, about
 * 4 or far worse for quadratic or backtracking work. A measurement for the benchmark; the unit
 * tests bound counted work instead, which no load on the machine can disturb.
 */
import { performance } from "node:perf_hooks";

/** Each sample runs long enough that timer resolution and one-off pauses do not dominate it. */
const SAMPLE_MS = 4;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function timeMs(run: () => void, times: number): number {
  const t0 = performance.now();
  for (let i = 0; i < times; i++) run();
  return performance.now() - t0;
}

function ratioOnce(small: () => void, large: () => void, reps: number): number {
  let times = 1;
  while (timeMs(small, times) < SAMPLE_MS && times < 1 << 16) times *= 2;
  // Interleaved, so a burst of load elsewhere on the machine hits both sizes alike.
  const smallTimes: number[] = [];
  const largeTimes: number[] = [];
  for (let r = 0; r < reps; r++) {
    smallTimes.push(timeMs(small, times));
    largeTimes.push(timeMs(large, times));
  }
  return median(largeTimes) / median(smallTimes);
}

/**
 * Time ratio of `run(make(2n))` to `run(make(n))`; `run` may throw (a refused input is still
 * timed). The best of three measurements: noise on a shared machine only ever inflates a
 * ratio, while superlinear work cannot get under 3 on any attempt.
 */
export function doublingRatio<T>(make: (n: number) => T, run: (input: T) => unknown, n: number, reps = 9): number {
  const attempt = (input: T) => () => {
    try {
      run(input);
    } catch {
      // rejection is an outcome like any other; only the time matters here
    }
  };
  const small = attempt(make(n));
  const large = attempt(make(2 * n));
  for (let w = 0; w < 3; w++) {
    small();
    large();
  }
  let best = Infinity;
  for (let a = 0; a < 3 && best >= 2.5; a++) best = Math.min(best, ratioOnce(small, large, reps));
  return best;
}
