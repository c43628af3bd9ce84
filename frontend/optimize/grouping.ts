/**
 * Which distributions of a layer share an install step. Pure.
 *
 * An install step costs a container start and an installer start, whatever it installs; one
 * step may still give each distribution a layer of its own (one output directory each). So:
 * - a wheel with compiled code (its tags name an ABI or a platform: torch, numpy, the CUDA
 *   libraries) installs alone: its step, and so its cache key, depends on that pin only, and a
 *   change to a light package never installs a heavy one again. A compiled wheel known to be
 *   small (MarkupSafe's 23 kB) is light: it reinstalls as fast as a pure one;
 * - light wheels install together with what brings them in: the light dependencies of a
 *   heavy distribution in one step (torch's filelock, sympy, jinja2…), a light top-level package
 *   with its own light dependencies in another (requests with urllib3, idna, certifi). A sibling
 *   spec with the same heavy packages has the same groups for them, so it reuses their steps; a
 *   light package added or bumped reinstalls only its own group;
 * - what cannot go through a shared step keeps a step of its own, as before: an sdist (built on
 *   everything before it), a wheel of the build context (it needs the context and the working
 *   directory), and an upgrade of what the base image has (its layer must also delete files).
 *
 * Within a step, the small wheels (known from the resolve step to weigh at most
 * SMALL_WHEEL_BYTES) share one layer: a layer costs about as much to commit, export, push and
 * pull as a megabyte does to move, and a wheel that small saves less than that when it has one.
 * Their step reruns whenever one of them changes anyway, so sharing costs a rebuild nothing.
 */
import type { ResolvedDist } from "./resolution.js";

export type InstallUnit =
  /**
   * One step; the members' files come out in output directories of the step, one per slot:
   * `slots[i]` is member i's (slots are numbered from 0 in order of first use). A slot is a layer.
   */
  | { kind: "group"; members: ResolvedDist[]; slots: number[] }
  /** One step for one distribution, its layer cut from what the step changed. */
  | { kind: "single"; dist: ResolvedDist };

/** The largest wheel (file bytes) that shares its step's small-package layer: ~1 MB installed. */
export const SMALL_WHEEL_BYTES = 256 * 1024;

/** Whether a wheel's filename says it is pure Python (`…-py3-none-any.whl`). */
export function isPureWheel(filename: string): boolean {
  const tags = filename.replace(/\.whl$/, "").split("-");
  return tags.length >= 5 && tags[tags.length - 2] === "none" && tags[tags.length - 1] === "any";
}

/**
 * Who each light distribution installs with: the nearest heavy distribution that needs it, else
 * the top-level package that brings it in. Heavy ones are walked first, then the top of the
 * dependency graph, each in name order, so the answer does not depend on the resolver's order.
 */
function owners(dists: readonly ResolvedDist[], shared: (d: ResolvedDist) => boolean, heavy: (d: ResolvedDist) => boolean): Map<string, string> {
  const byKey = new Map(dists.map((d) => [d.key, d]));
  const owner = new Map<string, string>();
  const seen = new Set<string>();
  const walk = (d: ResolvedDist, current: string) => {
    if (seen.has(d.key)) return;
    seen.add(d.key);
    const here = heavy(d) ? d.key : current;
    if (shared(d) && !heavy(d)) owner.set(d.key, current);
    for (const r of d.requires) {
      const dep = byKey.get(r);
      if (dep) walk(dep, here);
    }
  };
  const byName = [...dists].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const required = new Set(dists.flatMap((d) => d.requires));
  for (const d of byName) if (heavy(d)) walk(d, d.key);
  for (const d of byName) if (!required.has(d.key)) walk(d, d.key);
  for (const d of byName) walk(d, d.key);
  return owner;
}

/**
 * The install steps of a layer's distributions (given in install order), in the order they are
 * emitted: each step where its first member comes. `replacing` names what upgrades the base image.
 */
export function installUnits(ordered: readonly ResolvedDist[], replacing: ReadonlySet<string>): InstallUnit[] {
  const shared = (d: ResolvedDist) => d.source.kind === "wheel" && !d.source.fromContext && !replacing.has(d.key);
  const heavy = (d: ResolvedDist) => d.source.kind === "wheel" && shared(d) && !isPureWheel(d.source.filename) && !isSmall(d);
  const owner = owners(ordered, shared, heavy);
  const units: InstallUnit[] = [];
  const groups = new Map<string, ResolvedDist[]>();
  for (const d of ordered) {
    if (!shared(d)) {
      units.push({ kind: "single", dist: d });
      continue;
    }
    if (heavy(d)) {
      units.push({ kind: "group", members: [d], slots: [] });
      continue;
    }
    // pip checks every line's hashes once one line has any: members agree on having them.
    const key = `${owner.get(d.key)} ${d.source.kind === "wheel" && d.source.sha256.length > 0}`;
    let members = groups.get(key);
    if (!members) {
      members = [];
      groups.set(key, members);
      units.push({ kind: "group", members, slots: [] });
    }
    members.push(d);
  }
  return units.map((u) => (u.kind === "group" ? { ...u, slots: slotsOf(u.members) } : u));
}

const isSmall = (d: ResolvedDist) => d.source.kind === "wheel" && d.source.size !== undefined && d.source.size <= SMALL_WHEEL_BYTES;

/** Each member its own slot, but the small wheels one slot together (where the first of them is). */
function slotsOf(members: readonly ResolvedDist[]): number[] {
  const small = members.filter(isSmall).length >= 2;
  let shared: number | undefined;
  let next = 0;
  return members.map((d) => {
    if (!small || !isSmall(d)) return next++;
    shared ??= next++;
    return shared;
  });
}
