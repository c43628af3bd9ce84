/**
 * Runs the compiler once over a sample spec, in memory, with canned daemon answers, so that the
 * V8 code cache the image build writes (docker/boot.cjs) holds the bytecode of what a build runs:
 * reading, linting, planning, optimizing, lowering and encoding a spec. Without it, the cache holds
 * only what `help` ran, and every build compiles those functions again as it reaches them.
 */
import { LINUX_AMD64 } from "../llb/src/platform.js";
import { SourceMap } from "../llb/src/sourcemap.js";
import { loadSpec } from "./imagespec/load.js";
import { lintSpec } from "./imagespec/lint.js";
import { specDigest } from "./imagespec/digest.js";
import { buildSettings, DEFAULT_MAX_LAYERS, parseOptions } from "./options/options.js";
import { planImage } from "./plan/plan-image.js";
import { imageConfig } from "./plan/config.js";
import { optimizeInPhases } from "./optimize/phases.js";
import type { FactSource } from "./optimize/facts.js";
import type { ResolvedDist } from "./optimize/resolution.js";
import { warmUpPlan } from "./optimize/warm-up.js";
import { createdFrom } from "./options/source-date.js";
import { lower, type LowerContext } from "./lower/lower.js";
import { carryProbes } from "./lower/carry-probes.js";
import type { Plan } from "./plan/plan.js";

const SAMPLE_YAML = `base_image: registry.example/python:3.11-slim@sha256:${"a".repeat(64)}
python_version: "3.11"
layers:
  - apt_packages:
      packages: [jq, curl]
  - pip_packages:
      packages: [torch==2.5.1, numpy, "pandas>=2"]
      options:
        index_url: https://pypi.example/simple
        extra_args: --prefer-binary
  - commands:
      cmd: ["echo ok > /tmp/ok"]
  - workdir:
      workdir: /app
  - copy_config:
      src: src
      dst: .
  - env:
      env_variables: {APP_MODE: prod, PYTHONPATH: /app}
`;

const SAMPLE_JSON = JSON.stringify({
  base_image: `registry.example/python:3.11-slim@sha256:${"a".repeat(64)}`,
  python_version: "3.11",
  layers: [{ pip_packages: { packages: ["requests==2.32.3"] } }, { env: { env_variables: { A: "1" } } }],
});

function dist(name: string, version: string, requested: boolean): ResolvedDist {
  return {
    name,
    key: name.toLowerCase(),
    version,
    requested,
    source: { kind: "wheel", filename: `${name}-${version}-py3-none-any.whl`, sha256: ["0".repeat(64)], fromContext: false },
    requires: [],
  };
}

/** Answers as the daemon would: each named package and one shared dependency; sizes by position. */
const CANNED: FactSource = {
  resolve: async () => ({ ok: true, dists: [dist("torch", "2.5.1", true), dist("numpy", "2.1.0", true), dist("pandas", "2.2.3", true), dist("certifi", "2024.8.30", false)], installed: { pip: "23.0.1" } }),
  inspect: async (req) => new Map(req.ids.map((id, i) => [id, { size: (req.ids.length - i) * 1000, count: 1, shared: [] }])),
};

async function compileSample(text: string, filename: string): Promise<void> {
  const data = new TextEncoder().encode(text);
  const loaded = loadSpec(data, filename);
  lintSpec(loaded.spec, loaded.ranges);
  const o = parseOptions(new Map([["installer", "pip"]]), LINUX_AMD64);
  const settings = buildSettings(o);
  const base = {
    ref: loaded.spec.baseImage,
    config: { architecture: "amd64", os: "linux", config: { Env: ["PATH=/usr/local/bin:/usr/bin:/bin"], WorkingDir: "/" }, rootfs: { type: "layers", diff_ids: [] } },
  };
  const python = { interpreters: [{ path: "/usr/local/bin/python3.11", version: "3.11" }], venvs: [], defaultVersion: "3.11" };
  const plan: Plan = planImage({ loaded, base, python, facts: { wheels: {}, files: {}, requirementFiles: {}, requirementTexts: {} }, settings });
  const lowering: LowerContext = {
    platform: LINUX_AMD64,
    context: { localName: "context", sessionId: "exercise", excludePatterns: [] },
    settings,
    sourceMap: new SourceMap(filename, data, loaded.format === "json" ? "json" : "yaml"),
    ranges: loaded.ranges,
  };
  const warm = warmUpPlan(plan);
  if (warm) lower(warm, lowering).marshal({ platform: LINUX_AMD64 }).encode();
  const optimized = await optimizeInPhases(plan, CANNED, { maxLayers: DEFAULT_MAX_LAYERS });
  const probes = optimized.rounds.flat().map((r) => lower(r.probe, lowering));
  carryProbes(lower(optimized.plan, lowering), probes).marshal({ platform: LINUX_AMD64 }).encode();
  imageConfig(optimized.plan, { platform: LINUX_AMD64, specDigest: specDigest(loaded.spec), frontendVersion: "exercise", labels: {}, created: createdFrom(undefined) });
}

/** Compiles the samples; resolves when done, never rejects (a cache made without it still works). */
export async function exerciseCompiler(): Promise<void> {
  try {
    await compileSample(SAMPLE_YAML, "spec.yaml");
    await compileSample(SAMPLE_JSON, "spec.json");
  } catch (e) {
    process.stderr.write(`code cache: the compiler exercise failed (${e instanceof Error ? e.message : String(e)}); the cache holds less\n`);
  }
}
