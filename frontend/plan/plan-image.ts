/**
 * The spec's semantics as a plan: the base image, the Python environment, each spec entry in
 * order, and the image config. Pure: every fact from the daemon (the base image's config, its
 * Pythons, context files) is an input. Python installs are planned as installed in one step and
 * marked for optimize, which may rewrite them package by package.
 */
import type { ImageSpec, Layer } from "../imagespec/model.js";
import type { LoadedSpec } from "../imagespec/load.js";
import { PlanBuilder } from "./builder.js";
import { contextPathsOf, type ContextFacts } from "./context.js";
import { DEFAULT_PATH, envMap, type OciImage } from "./image-config.js";
import { indexEnv } from "./index-settings.js";
import { resolvesWithOwnPip } from "./installer.js";
import type { Plan } from "./plan.js";
import { planPoetryProject } from "./poetry-project.js";
import { planPipPackages, planPythonEnv, planRequirements, planWheels } from "./python-packages.js";
import { planPython, type PythonFacts } from "./python.js";
import type { Planning, PlanSettings } from "./planning.js";
import { ownerOf, planApt, planCommands, planCopy, planEnv, planWorkdir } from "./system-layers.js";
import { stepEnv } from "./reproducible.js";
import { planUvProject } from "./uv-project.js";

const PYTHON_LAYERS = new Set<Layer["kind"]>(["pip_packages", "requirements", "python_wheels", "uv_project", "poetry_project"]);

/** Whether the image needs a Python environment (a python_version or any Python layer). */
export function needsPython(spec: ImageSpec): boolean {
  return spec.pythonVersion !== "" || spec.layers.some((l) => PYTHON_LAYERS.has(l.kind));
}

export interface PlanInput {
  loaded: LoadedSpec;
  /** The base image reference pinned by digest, and its config. */
  base: { ref: string; config: OciImage };
  /** Required when the spec needs Python (see {@link needsPython}). */
  python?: PythonFacts;
  facts: ContextFacts;
  settings: PlanSettings;
}

export function planImage(input: PlanInput): Plan {
  const { loaded, base, settings } = input;
  const spec = loaded.spec;
  const baseEnv = envMap(base.config.config?.Env);
  if (!baseEnv.has("PATH")) baseEnv.set("PATH", DEFAULT_PATH);
  const b = new PlanBuilder(baseEnv, base.config.config?.WorkingDir || "/", spec.layers.length, stepEnv(settings));
  const owner = ownerOf(base.config.config?.User);
  const p: Planning = { b, facts: input.facts, settings, ...(owner ? { owner } : {}) };
  let python: Plan["python"];
  if (needsPython(spec)) {
    if (!input.python) throw new Error("internal: Python facts missing for a spec that needs Python");
    python = planPython(spec.pythonVersion, baseEnv, input.python);
    p.installer = { kind: settings.installer, venv: python.venv, settings };
    if (input.python.pip) p.basePip = input.python.pip;
    const env = indexEnv(settings.installer, settings.indexDefaults, input.python.pip, baseEnv);
    if (Object.keys(env).length > 0) p.indexEnv = env;
    const sync = indexEnv(settings.installer, settings.indexDefaults, input.python.pip, baseEnv, ["trustedHosts"]);
    if (Object.keys(sync).length > 0) p.syncEnv = sync;
    planPythonEnv(p, python, loaded.ranges.has("python_version") ? "python_version" : "base_image");
  }
  for (const l of spec.layers) {
    const planned = b.begin(l.index, l.at, l.kind);
    planLayer(p, l);
    if (planned.python && p.indexEnv) planned.python.indexEnv = p.indexEnv;
  }
  return {
    base: { ref: base.ref, config: base.config, at: "base_image" },
    steps: b.steps,
    result: b.fs,
    env: b.envNow(),
    cwd: b.cwd,
    history: b.history,
    ...(python ? { python, installer: { kind: settings.installer, venv: python.venv, python: python.version, cacheNamespace: settings.cacheNamespace, ...(resolvesWithOwnPip(settings, python.version) ? { resolverPip: true as const } : {}) } } : {}),
    notes: [],
    contextPaths: contextPathsOf(b.steps),
    layers: b.layers,
  };
}

function planLayer(p: Planning, l: Layer): void {
  switch (l.kind) {
    case "apt_packages":
      return planApt(p, l);
    case "pip_packages":
      return planPipPackages(p, l);
    case "requirements":
      return planRequirements(p, l);
    case "python_wheels":
      return planWheels(p, l);
    case "uv_project":
      return planUvProject(p, l);
    case "poetry_project":
      return planPoetryProject(p, l);
    case "commands":
      return planCommands(p, l);
    case "workdir":
      return planWorkdir(p, l);
    case "copy_config":
      return planCopy(p, l);
    case "env":
      return planEnv(p, l);
  }
}

