/** The image's graph carries optimize's probe steps as empty diffs, so a registry cache exported from it holds their answers. */
import { describe, expect, it } from "vitest";
import { carryProbes } from "../../../frontend/lower/carry-probes.js";
import type { ResolvedDist } from "../../../frontend/optimize/resolution.js";
import { compileOptimized } from "../../support/compile-fixture.js";
import { decodeOps } from "../../support/llb-inspect.js";

const wheel = (name: string, version: string): ResolvedDist => ({
  name,
  key: name,
  version,
  requested: true,
  source: { kind: "wheel", filename: `${name}-${version}-py3-none-any.whl`, sha256: [name[0]!.repeat(64)], fromContext: false },
  requires: [],
});
const SPEC = { base_image: "registry.test/python:3.11", python_version: "3.11", layers: [{ apt_packages: { packages: ["jq"] } }, { pip_packages: { packages: ["alpha", "beta"] } }] };

describe("carryProbes", () => {
  it("merges an empty diff of each probe's answer over the image, and nothing else", async () => {
    const { image, asked } = await compileOptimized(SPEC, () => ({ ok: true, dists: [wheel("alpha", "1.0"), wheel("beta", "2.0")], installed: {} }), { settings: { installer: "pip" } }, () => ({ size: 1, count: 1, shared: [] }));
    expect(asked.map((a) => a.kind)).toEqual(["resolve", "inspect"]);
    const alone = image.state.marshal();
    const carried = carryProbes(image.state, asked.map((a) => a.state)).marshal();
    const ops = decodeOps(carried);
    const byDigest = new Map(ops.map((o) => [o.digest, o]));
    // The last op is the result's pointer; the one before it the merge over the image.
    const top = byDigest.get(ops[ops.length - 1]!.op.inputs[0].digest)!;
    expect(top.op.merge).toBeDefined();
    const inputs = top.op.inputs as { digest: string; index?: number }[];
    expect(inputs).toHaveLength(1 + asked.length);
    expect(inputs[0]!.digest).toBe(decodeOps(alone).at(-1)!.op.inputs[0].digest);
    asked.forEach((a, i) => {
      const d = byDigest.get(inputs[i + 1]!.digest)!;
      const probeOut = decodeOps(a.state.marshal()).at(-1)!.op.inputs[0];
      expect(d.op.inputs[d.op.diff.lower.input ?? 0]).toEqual(probeOut);
      expect(d.op.inputs[d.op.diff.upper.input ?? 0]).toEqual(probeOut);
    });
    // Every op of the image and of the probes is in the carried graph.
    const digests = new Set(carried.digests);
    for (const d of [...alone.digests.slice(0, -1), ...asked.flatMap((a) => a.state.marshal().digests.slice(0, -1))]) expect(digests.has(d)).toBe(true);
    expect(carryProbes(image.state, []).marshal().digests).toEqual(alone.digests);
  });
});
