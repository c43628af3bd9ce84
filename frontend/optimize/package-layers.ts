/**
 * The image layers of the package layers waiting to be merged: laid out under the budget from
 * what the inspect step found in them, each layout group one layer (several squashed into one).
 */
import type { Fs, SquashStep } from "../plan/plan.js";
import { EmptyPackageLayerError } from "./facts.js";
import { layoutLayers, type LayoutGroup } from "./layout.js";
import type { DistContents } from "./record.js";

/** A package layer (one distribution's, or a few small ones' together), waiting to be laid out with the others. */
export interface PendingPackage {
  /** "torch==2.13.0+cpu", or for a shared layer "a==1, b==2, c==3 and 4 more". */
  id: string;
  /** Its layer: what its install wrote, in an empty filesystem. */
  layer: Fs;
  /** Where its install step summed the layer up (a directory of `fs` holding record.json), when it did. */
  facts?: { fs: Fs; dir: string };
  order: number;
  app: boolean;
  /** The name of its install, for the history. */
  step: string;
  /** Its layer deletes files (it upgrades what the base image has), so it cannot be squashed. */
  solo?: boolean;
}

export interface PackageLayers {
  /** In image order. */
  layers: Fs[];
  /** The squash steps those layers need. */
  steps: SquashStep[];
  /** One history entry per layer. */
  history: string[];
}

/**
 * Lays `pending` out as at most `budget` layers; undefined when some layer's contents are not
 * known yet (the caller asks for all of them in one question). `nextId` names new steps.
 */
export function layOutPackages(pending: readonly PendingPackage[], contents: ReadonlyMap<string, DistContents>, budget: number, nextId: (offset: number) => string): PackageLayers | undefined {
  if (pending.some((p) => !contents.has(p.id))) return undefined;
  const empty = pending.filter((p) => contents.get(p.id)!.count === 0);
  if (empty.length > 0) throw new EmptyPackageLayerError(empty.map((p) => p.id));
  const byId = new Map(pending.map((p) => [p.id, p]));
  const groups = layoutLayers(
    pending.map((p) => ({ id: p.id, size: contents.get(p.id)!.size, files: contents.get(p.id)!.shared, order: p.order, app: p.app, ...(p.solo ? { solo: true } : {}) })),
    budget,
  );
  const out: PackageLayers = { layers: [], steps: [], history: [] };
  groups.forEach((g, i) => {
    const members = g.members.map((m) => byId.get(m.id)!);
    const label = groupLabel(g, i, groups.length);
    out.layers.push(groupLayer(members, `[python] ${label}`, () => nextId(out.steps.length), out.steps));
    out.history.push(members.length === 1 ? `${members[0]!.step} (${label.split(":")[0]})` : `[python] ${label}`);
  });
  return out;
}

/** One package's layer, or several as one. */
function groupLayer(members: PendingPackage[], name: string, nextId: () => string, steps: SquashStep[]): Fs {
  if (members.length === 1) return members[0]!.layer;
  // A layer that deletes files is merged, not squashed: a copy would drop the deletions.
  if (members.some((m) => m.solo)) return { kind: "merge", of: members.map((m) => m.layer) };
  const squash: SquashStep = { kind: "squash", id: nextId(), name, at: "base_image", of: members.map((m) => m.layer) };
  steps.push(squash);
  return { kind: "step", id: squash.id };
}

/** "package layer 3 of 17: torch==2.13.0+cpu", or for a shared layer the first few of its packages. */
function groupLabel(g: LayoutGroup, i: number, n: number): string {
  const names = g.members.map((m) => m.id);
  const shown = names.length <= 4 ? names.join(", ") : `${names.slice(0, 3).join(", ")} and ${names.length - 3} more`;
  return `package layer ${i + 1} of ${n}: ${shown}`;
}
