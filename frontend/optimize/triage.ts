/**
 * Which distributions of a layer's resolution the layer installs package by package, or why it
 * must be installed in one step instead. Pure.
 */
import type { ResolvedDist } from "./resolution.js";

export type Triage =
  /** `todo` in resolution order; `replacing`: the keys of those that upgrade what the base image has. */
  | { kind: "packages"; todo: ResolvedDist[]; replacing: Set<string> }
  | { kind: "one-step"; reason: string };

export function triage(
  resolution: { dists: readonly ResolvedDist[]; installed: Readonly<Record<string, string>> },
  pins: ReadonlyMap<string, { version: string }>,
): Triage {
  const todo: ResolvedDist[] = [];
  const replacing = new Set<string>();
  for (const d of resolution.dists) {
    if (d.source.kind === "unsupported") return { kind: "one-step", reason: `${d.name} comes from ${d.source.why}` };
    const installed = resolution.installed[d.key];
    if (installed !== undefined && !pins.has(d.key)) {
      if (installed === d.version) continue;
      // It replaces what the base image has: its layer must also delete the old files.
      replacing.add(d.key);
    }
    const earlier = pins.get(d.key);
    if (earlier) {
      if (earlier.version === d.version) continue;
      return { kind: "one-step", reason: `it changes ${d.name} ${earlier.version}, which an earlier layer installed, to ${d.version}` };
    }
    todo.push(d);
  }
  return { kind: "packages", todo, replacing };
}
