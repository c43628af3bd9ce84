/**
 * Lays installed distributions out as image layers under a budget. Pure.
 *
 * - Distributions that write the same file share a layer, merged in install order, so the file
 *   ends up as one install would leave it (the later install wins), whatever the sizes.
 * - Within budget, every distribution (or such a cluster) is a layer of its own.
 * - Over budget, the largest keep their own layers and the rest share one "tail" layer.
 * - Order: largest first (name breaks ties), so the big and rarely changed layers keep their
 *   position when a light package is added; then the tail; the build context's own wheels last.
 */

export interface LayoutEntry {
  /** Unique and stable, e.g. "torch==2.13.0+cpu". */
  id: string;
  /** Installed bytes (0 when unknown). */
  size: number;
  /** Files it writes (venv-relative), when known. */
  files?: readonly string[];
  /** Position in install order (dependencies before what needs them, earlier spec layers first). */
  order: number;
  /** From the build context (the app's own wheels): laid out after everything else. */
  app: boolean;
  /** Must be a layer of its own (it cannot be squashed with others). */
  solo?: boolean;
}

export interface LayoutGroup {
  /** In install order. */
  members: LayoutEntry[];
  size: number;
  /** The shared layer of the long tail. */
  tail: boolean;
}

function clusters(entries: readonly LayoutEntry[]): LayoutEntry[][] {
  const parent = entries.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  const owner = new Map<string, number>();
  entries.forEach((e, i) => {
    for (const f of e.files ?? []) {
      const j = owner.get(f);
      if (j === undefined) owner.set(f, i);
      else parent[find(i)] = find(j);
    }
  });
  const byRoot = new Map<number, LayoutEntry[]>();
  entries.forEach((e, i) => {
    const r = find(i);
    byRoot.set(r, [...(byRoot.get(r) ?? []), e]);
  });
  return [...byRoot.values()].map((m) => m.sort((a, b) => a.order - b.order));
}

function group(members: LayoutEntry[], tail: boolean): LayoutGroup {
  return { members, size: members.reduce((s, m) => s + m.size, 0), tail };
}

const bySizeThenName = (a: LayoutGroup, b: LayoutGroup) => b.size - a.size || (a.members[0]!.id < b.members[0]!.id ? -1 : 1);

/** The layers for `entries` in image order, at most `budget` of them (budget ≥ 1). */
export function layoutLayers(entries: readonly LayoutEntry[], budget: number): LayoutGroup[] {
  if (entries.length === 0) return [];
  const all = clusters(entries).map((m) => group(m, false));
  let solo = all;
  let tail: LayoutGroup | undefined;
  if (all.length > budget) {
    // Must-be-solo clusters first, then the largest, leaving one layer for the tail.
    const ranked = [...all].sort((a, b) => Number(b.members.some((m) => m.solo)) - Number(a.members.some((m) => m.solo)) || bySizeThenName(a, b));
    // Layers that must stay apart do, even past the budget (there are few: upgrades of what the base has).
    const keep = Math.max(budget - 1, all.filter((g) => g.members.some((m) => m.solo)).length);
    solo = ranked.slice(0, keep);
    const rest = ranked.slice(keep);
    tail = group(rest.flatMap((g) => g.members).sort((a, b) => a.order - b.order), true);
  }
  const isApp = (g: LayoutGroup) => g.members.every((m) => m.app);
  const libs = solo.filter((g) => !isApp(g)).sort(bySizeThenName);
  const apps = solo.filter(isApp).sort(bySizeThenName);
  return [...libs, ...(tail ? [tail] : []), ...apps];
}

/**
 * Install order within one layer: a dependency before what needs it (as pip and uv install),
 * otherwise the resolver's order.
 */
export function installOrder<T extends { key: string; requires: readonly string[] }>(dists: readonly T[]): T[] {
  const byKey = new Map(dists.map((d) => [d.key, d]));
  const out: T[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (d: T) => {
    if (state.get(d.key)) return; // done, or a cycle: keep the order reached so far
    state.set(d.key, "visiting");
    for (const r of d.requires) {
      const dep = byKey.get(r);
      if (dep) visit(dep);
    }
    state.set(d.key, "done");
    out.push(d);
  };
  dists.forEach(visit);
  return out;
}
