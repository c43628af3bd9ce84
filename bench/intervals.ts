/**
 * Time intervals of labelled work that may overlap (BuildKit runs independent steps in
 * parallel): how long each label had something running (its wall-clock union), and a split of
 * the covered time in which each instant is shared evenly by the labels running at it, so that
 * the shares add up to the time anything ran.
 */

export interface Interval<L extends string> {
  label: L;
  start: number;
  end: number;
}

export interface Coverage<L extends string> {
  /** Per label: the length of the union of its intervals. */
  union: Map<L, number>;
  /** Per label: its even share of every instant; the shares sum to `covered`. */
  share: Map<L, number>;
  /** Length of the union of all intervals. */
  covered: number;
}

export function coverage<L extends string>(intervals: readonly Interval<L>[]): Coverage<L> {
  const live = intervals.filter((i) => i.end > i.start);
  const bounds = [...new Set(live.flatMap((i) => [i.start, i.end]))].sort((a, b) => a - b);
  const union = new Map<L, number>();
  const share = new Map<L, number>();
  let covered = 0;
  for (let k = 0; k + 1 < bounds.length; k++) {
    const from = bounds[k]!;
    const to = bounds[k + 1]!;
    const running = new Set(live.filter((i) => i.start <= from && i.end >= to).map((i) => i.label));
    if (running.size === 0) continue;
    const len = to - from;
    covered += len;
    for (const l of running) {
      union.set(l, (union.get(l) ?? 0) + len);
      share.set(l, (share.get(l) ?? 0) + len / running.size);
    }
  }
  return { union, share, covered };
}

/**
 * Runs of activity: intervals (zero-length ones too) merged while the next starts less than
 * `gap` after everything before it ended. Returned as [start, end] pairs, in time order.
 */
export function bursts(intervals: readonly { start: number; end: number }[], gap: number): [number, number][] {
  const sorted = [...intervals].sort((a, b) => a.start - b.start);
  const out: [number, number][] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last && i.start - last[1] < gap) last[1] = Math.max(last[1], i.end);
    else out.push([i.start, i.end]);
  }
  return out;
}

/** `whole` minus the union of `holes`, as intervals in time order. */
export function subtract(whole: { start: number; end: number }, holes: readonly { start: number; end: number }[]): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  let at = whole.start;
  for (const h of [...holes].sort((a, b) => a.start - b.start)) {
    if (h.end <= at) continue;
    if (h.start >= whole.end) break;
    if (h.start > at) out.push({ start: at, end: h.start });
    at = Math.max(at, h.end);
  }
  if (at < whole.end) out.push({ start: at, end: whole.end });
  return out;
}
