/** Plans, optimizes and lowers specs for unit tests, without a daemon. */
import { planImage } from "../../frontend/plan/plan-image.js";
import type { Plan } from "../../frontend/plan/plan.js";
import { imageConfig, type ImageIdentity } from "../../frontend/plan/config.js";
import { lower, type LowerContext } from "../../frontend/lower/lower.js";
import { optimizePlan } from "../../frontend/optimize/optimize-plan.js";
import { optimizeInPhases } from "../../frontend/optimize/phases.js";
import type { FactSource, FactsRequest } from "../../frontend/optimize/facts.js";
import type { Resolution } from "../../frontend/optimize/resolution.js";
import type { DistContents } from "../../frontend/optimize/record.js";
import { DEFAULT_MAX_LAYERS } from "../../frontend/options/options.js";
import type { OciImage } from "../../frontend/plan/image-config.js";
import type { PythonFacts } from "../../frontend/plan/python.js";
import { DEFAULT_UV_IMAGE, type BuildSettings } from "../../frontend/options/settings.js";
import { createdFrom } from "../../frontend/options/source-date.js";
import { loadSpec } from "../../frontend/imagespec/load.js";
import { SourceMap, type Platform, type State } from "../../llb/src/index.js";
import { appendFileSync } from "node:fs";

/** With IMAGESPEC_RECORD_SPECS=FILE, every spec a unit test compiles is appended to FILE (the plan-digest corpus). */
function recordSpec(text: string, o: FixtureOptions): void {
  const file = process.env.IMAGESPEC_RECORD_SPECS;
  if (file) appendFileSync(file, JSON.stringify({ source: "unit", spec: text, options: o }) + "\n");
}

export const BASE_REF = "registry.test/python:3.11@sha256:" + "a".repeat(64);

export function baseConfig(over: Partial<OciImage["config"]> = {}): OciImage {
  return {
    architecture: "amd64",
    os: "linux",
    config: { Env: ["PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8"], Cmd: ["python3"], WorkingDir: "/", ...over },
    rootfs: { type: "layers", diff_ids: ["sha256:" + "b".repeat(64)] },
    history: [{ created_by: "base" }],
  };
}

export const PYTHON_311: PythonFacts = {
  interpreters: [{ path: "/usr/bin/python3.11", version: "3.11" }],
  venvs: [],
  defaultVersion: "3.11",
};

export function settings(over: Partial<BuildSettings> = {}): BuildSettings {
  return { installer: "uv", uvImage: DEFAULT_UV_IMAGE, network: "sandbox", noCache: false, cacheNamespace: "", labels: {}, resolveMode: "default", ...over };
}

export interface FixtureOptions {
  settings?: Partial<BuildSettings>;
  python?: PythonFacts;
  config?: OciImage;
  wheels?: Record<string, string[]>;
  files?: Record<string, string>;
  requirementFiles?: Record<string, string[]>;
  platform?: Platform;
  exclude?: string[];
}

/** The plan of a spec, with what lowering needs to turn it into LLB. */
export interface Planned {
  plan: Plan;
  lowering: LowerContext;
  identity: ImageIdentity;
}

export interface Compiled {
  plan: Plan;
  state: State;
  config: OciImage;
  notes: string[];
  python?: Plan["python"];
}

/** A question optimize asked, with its probe lowered (what the daemon would be asked to solve). */
export type AskedRequest = FactsRequest & { state: State };

export function planSpec(spec: object | string, o: FixtureOptions = {}): Planned {
  const text = typeof spec === "string" ? spec : JSON.stringify(spec, null, 2);
  recordSpec(text, o);
  const data = new TextEncoder().encode(text);
  const loaded = loadSpec(data, "spec.json");
  const s = settings(o.settings);
  const platform = o.platform ?? { os: "linux", architecture: "amd64" };
  const plan = planImage({
    loaded,
    base: { ref: BASE_REF, config: o.config ?? baseConfig() },
    python: o.python ?? PYTHON_311,
    facts: { wheels: o.wheels ?? {}, files: o.files ?? {}, ...(o.requirementFiles ? { requirementFiles: o.requirementFiles } : {}) },
    settings: s,
  });
  return {
    plan,
    lowering: {
      platform,
      context: { localName: "context", sessionId: "session-1", excludePatterns: o.exclude ?? [] },
      settings: s,
      sourceMap: new SourceMap("spec.json", data, "json"),
      ranges: loaded.ranges,
    },
    identity: { platform, specDigest: "sha256:" + "c".repeat(64), frontendVersion: "1.2.3", ...(s.imageId ? { imageId: s.imageId } : {}), labels: s.labels, created: createdFrom(s.sourceDateEpoch) },
  };
}

function lowered(p: Planned, plan: Plan): Compiled {
  return { plan, state: lower(plan, p.lowering), config: imageConfig(plan, p.identity), notes: plan.notes, ...(plan.python ? { python: plan.python } : {}) };
}

/** Plan and lower a spec without optimize. */
export function compileSpec(spec: object | string, o: FixtureOptions = {}): Compiled {
  const p = planSpec(spec, o);
  return lowered(p, p.plan);
}

const asked = (p: Planned, req: FactsRequest): AskedRequest => ({ ...req, state: lower(req.probe, p.lowering) });

/** The first question optimize asks for a spec, knowing nothing yet. */
export function firstRequest(spec: object | string, o: FixtureOptions = {}): AskedRequest {
  const p = planSpec(spec, o);
  const out = optimizePlan(p.plan, { resolutions: new Map(), contents: new Map() }, { maxLayers: o.settings?.maxLayers ?? DEFAULT_MAX_LAYERS });
  if ("plan" in out) throw new Error("optimize asked nothing");
  return asked(p, out.needs[0]!);
}

/**
 * Plans a spec and runs the gateway's phase loop with canned answers: `resolve(layer index)`
 * for each resolve step, `contents(id)` for each package layer.
 */
export async function compileOptimized(
  spec: object | string,
  resolve: (layer: number) => Resolution,
  o: FixtureOptions = {},
  contents: (id: string) => DistContents,
): Promise<{ image: Compiled; asked: AskedRequest[] }> {
  const p = planSpec(spec, o);
  const source: FactSource = {
    resolve: async (req) => resolve(req.layer),
    inspect: async (req) => new Map(req.ids.map((id) => [id, contents(id)])),
  };
  const out = await optimizeInPhases(p.plan, source, { maxLayers: o.settings?.maxLayers ?? DEFAULT_MAX_LAYERS });
  return { image: lowered(p, out.plan), asked: out.rounds.flat().map((r) => asked(p, r)) };
}
