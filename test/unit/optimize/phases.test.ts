/** The phase loop the gateway runs: rounds of questions until the plan is whole, and no question twice. */
import { describe, expect, it } from "vitest";
import type { FactSource } from "../../../frontend/optimize/facts.js";
import { optimizeInPhases } from "../../../frontend/optimize/phases.js";
import type { ResolvedDist } from "../../../frontend/optimize/resolution.js";
import { planSpec } from "../../support/compile-fixture.js";

const wheel = (name: string): ResolvedDist => ({ name, key: name, version: "1.0", requested: true, source: { kind: "wheel", filename: `${name}-1.0-py3-none-any.whl`, sha256: ["a".repeat(64)], fromContext: false }, requires: [] });
const spec = (...layers: object[]) => ({ base_image: "registry.test/python:3.11", python_version: "3.11", layers });
const pip = (name: string) => ({ pip_packages: { packages: [name] } });

function source(answers: { resolved: number[]; inspected: string[][] }, contentsOf = (id: string) => ({ size: 1, count: 1, shared: [`${id}/x.py`] })): FactSource {
  return {
    resolve: async (req) => (answers.resolved.push(req.layer), { ok: true, dists: [wheel(`p${req.layer}`)], installed: {} }),
    inspect: async (req) => (answers.inspected.push(req.ids), new Map(req.ids.map((id) => [id, contentsOf(id)]))),
  };
}

describe("optimize's phase loop", () => {
  it("asks for every entry's resolution in one round, then for every package layer in one inspection", async () => {
    const answers = { resolved: [] as number[], inspected: [] as string[][] };
    const out = await optimizeInPhases(planSpec(spec(pip("a"), { env: { env_variables: { X: "1" } } }, pip("b"), pip("c"))).plan, source(answers), { maxLayers: 64 });
    expect(answers.resolved).toEqual([0, 2, 3]);
    expect(answers.inspected).toEqual([["p0==1.0", "p2==1.0", "p3==1.0"]]);
    expect(out.rounds.map((r) => r.map((q) => q.kind))).toEqual([["resolve", "resolve", "resolve"], ["inspect"]]);
    const installs = out.plan.steps.filter((s) => s.kind === "exec" && (s.args.includes("install-group") || s.args.includes("install-into")));
    expect(installs.map((s) => s.name)).toEqual(["[1/4] uv pip install p0==1.0 (package 1 of 1)", "[3/4] uv pip install p2==1.0 (package 1 of 1)", "[4/4] uv pip install p3==1.0 (package 1 of 1)"]);
  });

  it("asks again, on its own, for a resolution whose pins turned out wrong; a command between entries is a round of its own", async () => {
    const asked: string[] = [];
    const source: FactSource = {
      resolve: async (req) => {
        asked.push(`${req.layer} ${req.basis}`);
        // The second entry's chained answer claims pins the first entry does not give it.
        const pinsUsed = req.layer === 1 && req.basis.startsWith("after") ? ["zzz==9"] : undefined;
        return { ok: true, dists: [wheel(`p${req.layer}`)], installed: {}, ...(pinsUsed ? { pinsUsed } : {}) };
      },
      inspect: async (req) => new Map(req.ids.map((id) => [id, { size: 1, count: 1, shared: [`${id}/x.py`] }])),
    };
    const out = await optimizeInPhases(planSpec(spec(pip("a"), pip("b"), { commands: { cmd: ["true"] } }, pip("c"))).plan, source, { maxLayers: 64 });
    expect(asked).toEqual(["0 python-env ", "1 after [resolve 0 python-env ]", "1 python-env p0==1.0", "3 whole p0==1.0 p1==1.0"]);
    expect(out.rounds.map((r) => r.map((q) => (q.kind === "resolve" ? `resolve ${q.layer}` : q.kind)))).toEqual([["resolve 0", "resolve 1"], ["resolve 1"], ["inspect"], ["resolve 3"], ["inspect"]]);
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
