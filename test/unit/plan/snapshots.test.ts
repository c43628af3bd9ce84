/**
 * What the planner and optimize mean, as readable plans: one snapshot per fixture spec (in
 * test/fixtures/plans/), per installer, without and with optimize (with canned daemon answers).
 * A change to a snapshot is a change of what images are made of: review it like code.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { FactSource } from "../../../frontend/optimize/facts.js";
import { optimizeInPhases } from "../../../frontend/optimize/phases.js";
import type { ResolvedDist } from "../../../frontend/optimize/resolution.js";
import { planSpec } from "../../support/compile-fixture.js";
import { repoRoot } from "../../support/paths.js";
import { planView } from "../../support/plan-view.js";

const DIR = join(repoRoot, "test/fixtures/plans");
const ctx = (name: string) => readFileSync(join(DIR, "context", name), "utf8");

/** The build context each fixture reads, as the gateway would have read it. */
const CONTEXT = {
  files: {
    "app/pyproject.toml": ctx("app.pyproject.toml"),
    "app/uv.lock": ctx("app.uv.lock"),
    "tools/pyproject.toml": ctx("tools.pyproject.toml"),
    "tools/uv.lock": ctx("tools.uv.lock"),
    "pyproject.toml": ctx("poetry.pyproject.toml"),
    "poetry.lock": ctx("poetry.lock"),
  },
  wheels: { dist: ["dist/acme-1.0-py3-none-any.whl"] },
  requirementFiles: { "reqs/requirements.txt": ["reqs/requirements.txt", "reqs/constraints.txt"] },
};

const wheel = (name: string, version: string, requested = true): ResolvedDist => ({
  name,
  key: name.toLowerCase(),
  version,
  requested,
  source: { kind: "wheel", filename: `${name}-${version}-py3-none-any.whl`, sha256: [name.length.toString(16).repeat(64).slice(0, 64)], fromContext: false },
  requires: [],
});

/** What each kind of entry resolves to: the packages it names (at 1.0 unless pinned), or fixed ones, plus one shared dependency. */
function cannedSource(layers: Record<string, { packages?: string[] }>[]): FactSource {
  return {
    resolve: async (req) => {
      const [kind, body] = Object.entries(layers[req.layer]!)[0]!;
      const named = (body.packages ?? (kind === "python_wheels" ? ["acme"] : [`${kind.split("_")[0]}-dep`])).map((r) => {
        const [n, v] = r.split("==") as [string, string | undefined];
        return wheel(n, v ?? "1.0");
      });
      return { ok: true, dists: [...named, wheel("certifi", "2024.8.30", false)], installed: { pip: "23.0.1" } };
    },
    inspect: async (req) => new Map(req.ids.map((id, i) => [id, { size: (req.ids.length - i) * 1000, count: 1, shared: [`opt/venv/lib/python3.11/site-packages/${id.split("==")[0]}/__init__.py`] }])),
  };
}

const fixtures = readdirSync(DIR).filter((f) => f.endsWith(".yaml"));

describe("plan snapshots", () => {
  it("covers every layer kind", () => {
    const text = fixtures.map((f) => readFileSync(join(DIR, f), "utf8")).join("\n");
    for (const kind of ["apt_packages", "pip_packages", "requirements", "python_wheels", "uv_project", "poetry_project", "commands", "workdir", "copy_config", "env"]) {
      expect(text, kind).toContain(`${kind}:`);
    }
  });

  for (const file of fixtures) {
    for (const installer of ["pip", "uv"] as const) {
      it(`${file} (${installer})`, async () => {
        const spec = parse(readFileSync(join(DIR, file), "utf8")) as { layers: Record<string, { packages?: string[] }>[] };
        const p = planSpec(spec, { ...CONTEXT, settings: { installer } });
        const optimized = await optimizeInPhases(p.plan, cannedSource(spec.layers), { maxLayers: 64 });
        const name = file.replace(/\.yaml$/, "");
        await expect(JSON.stringify(planView(p.plan), null, 1) + "\n").toMatchFileSnapshot(join(DIR, "__snapshots__", `${name}.${installer}.plan.json`));
        await expect(JSON.stringify(planView(optimized.plan), null, 1) + "\n").toMatchFileSnapshot(join(DIR, "__snapshots__", `${name}.${installer}.optimized.plan.json`));
      });
    }
  }
});
