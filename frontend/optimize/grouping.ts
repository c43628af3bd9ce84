/**
 * Which distributions of a layer share an install step. Pure.
 *
 * An install step costs a container start and an installer start, whatever it installs; one
 * step may still give each distribution a layer of its own (one output directory each). So:
 * - a wheel with compiled code (its tags name an ABI or a platform: torch, numpy, the CUDA
 *   libraries) installs alone: its step, and so its cache key, depends on that pin only, and a
 *   change to a light package never installs a heavy one again;
 * - pure-Python wheels install together, spread over a few buckets by a hash of their name: a
 *   package added or bumped only reinstalls the light packages of its bucket;
 * - what cannot go through a shared step keeps a step of its own, as before: an sdist (built on
 *   everything before it), a wheel of the build context (it needs the context and the working
 *   directory), and an upgrade of what the base image has (its layer must also delete files).
 */
import { createHash } from "node:crypto";
import type { ResolvedDist } from "./resolution.js";

/** How many install steps the light (pure-Python) wheels of one layer are spread over, at most. */
export const LIGHT_BUCKETS = 4;

export type InstallUnit =
  /** One step; each member's files become a layer of their own (an output directory of the step). */
  | { kind: "group"; members: ResolvedDist[] }
  /** One step for one distribution, its layer cut from what the step changed. */
  | { kind: "single"; dist: ResolvedDist };

/** Whether a wheel's filename says it is pure Python (`…-py3-none-any.whl`). */
export function isPureWheel(filename: string): boolean {
  const tags = filename.replace(/\.whl$/, "").split("-");
  return tags.length >= 5 && tags[tags.length - 2] === "none" && tags[tags.length - 1] === "any";
}

function bucketOf(key: string): number {
  return createHash("sha256").update(key).digest()[0]! % LIGHT_BUCKETS;
}

/**
 * The install steps of a layer's distributions (in install order), in the order they are
 * emitted: each step where its first member came. `replacing` names what upgrades the base image.
 */
export function installUnits(ordered: readonly ResolvedDist[], replacing: ReadonlySet<string>): InstallUnit[] {
  const units: InstallUnit[] = [];
  const buckets = new Map<string, ResolvedDist[]>();
  for (const d of ordered) {
    const s = d.source;
    if (s.kind !== "wheel" || s.fromContext || replacing.has(d.key)) {
      units.push({ kind: "single", dist: d });
    } else if (!isPureWheel(s.filename)) {
      units.push({ kind: "group", members: [d] });
    } else {
      // pip checks every line's hashes once one line has any: members agree on having them.
      const key = `${bucketOf(d.key)} ${s.sha256.length > 0}`;
      let members = buckets.get(key);
      if (!members) {
        members = [];
        buckets.set(key, members);
        units.push({ kind: "group", members });
      }
      members.push(d);
    }
  }
  return units;
}
