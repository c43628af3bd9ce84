/**
 * The image's graph carries optimize's probe steps (resolve, inspect) as empty diffs merged over
 * it: the image is the same, but a registry cache exported from the build now holds the probes'
 * answers, so a fresh builder importing it reads them from the cache instead of running the
 * resolve again and pulling every package layer for the inspect step.
 */
import { diff, merge, type State } from "../../llb/src/index.js";

export function carryProbes(image: State, probes: readonly State[]): State {
  if (probes.length === 0) return image;
  return merge([image, ...probes.map((p) => diff(p, p, { customName: "[internal] optimize: keep the answer in the build cache" }))]);
}
