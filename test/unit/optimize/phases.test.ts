/** The phase loop the gateway runs: rounds of questions until the plan is whole, and no question twice. */
import { describe, expect, it } from "vitest";
import type { FactSource } from "../../../frontend/optimize/facts.js";
import { optimizeInPhases } from "../../../frontend/optimize/phases.js";
import type { ResolvedDist } from "../../../frontend/optimize/resolution.js";
import { planSpec } from "../../support/compile-fixture.js";

const wheel = (name: string): ResolvedDist => ({ name, key: name, version: "1.0", requested: true, source: { kind: "wheel", filename: `${name}-1.0-py3-none-any.whl`, sha256: ["a".repeat(64)], fromContext: false }, requires: [] });
const spec = (...layers: object[]) => ({ base_image: "registry.test/python:3.11", python_version: "3.11", layers });
const pip = (name: string) => ({ pip_packages: { packages: [name] } });

function source(answers: { resolved: number[]; inspected: string[][] }, contentsOf = (id: string) => ({ size: 1, files: [`${id}/x.py`] })): FactSource {
  return {
    resolve: async (req) => (answers.resolved.push(req.layer), { ok: true, dists: [wheel(`p${req.layer}`)], installed: {} }),
    inspect: async (req) => (answers.inspected.push(req.ids), new Map(req.ids.map((id) => [id, contentsOf(id)]))),
  };
}

describe("optimize's phase loop", () => {
  it("asks for each entry's resolution once, then for every package layer in one inspection", async () => {
    const answers = { resolved: [] as number[], inspected: [] as string[][] };
    const out = await optimizeInPhases(planSpec(spec(pip("a"), { env: { env_variables: { X: "1" } } }, pip("b"))).plan, source(answers), { maxLayers: 64 });
    expect(answers.resolved).toEqual([0, 2]);
    expect(answers.inspected).toEqual([["p0==1.0", "p2==1.0"]]);
    expect(out.rounds.map((r) => r.map((q) => q.kind))).toEqual([["resolve"], ["resolve"], ["inspect"]]);
    expect(out.plan.steps.filter((s) => s.kind === "package-layer").map((s) => s.name)).toEqual(["[1/3] layer of p0==1.0", "[3/3] layer of p2==1.0"]);
  });

  it("asks nothing for a spec without Python installs", async () => {
    const answers = { resolved: [] as number[], inspected: [] as string[][] };
    const out = await optimizeInPhases(planSpec(spec({ workdir: { workdir: "/app" } })).plan, source(answers), { maxLayers: 64 });
    expect(out.rounds).toEqual([]);
  });

  it("fails, not loops, when an answer does not give optimize what it asked for", async () => {
    const forgetful: FactSource = {
      resolve: async () => ({ ok: true, dists: [wheel("a")], installed: {} }),
      inspect: async () => new Map(),
    };
    await expect(optimizeInPhases(planSpec(spec(pip("a"))).plan, forgetful, { maxLayers: 64 })).rejects.toThrow(/asked again for a inspect fact/);
  });
});
