/** Builds CompileInputs for unit tests without a daemon. */
import { compileImage, compileOrRequest, type CompileInput, type CompiledImage, type CompileOutcome, type OptimizeFacts } from "../../frontend/compile/compile.js";
import type { OciImage } from "../../frontend/compile/image-config.js";
import type { PythonFacts } from "../../frontend/compile/python.js";
import { DEFAULT_UV_IMAGE, type BuildSettings } from "../../frontend/options/settings.js";
import { loadSpec } from "../../frontend/imagespec/load.js";
import { SourceMap, type Platform } from "../../llb/src/index.js";
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

export function compileSpec(spec: object | string, o: FixtureOptions = {}): CompiledImage {
  return compileImage(compileInput(spec, o));
}

/** One phase of an optimized compile: the image, or the fact the compiler asks for next. */
export function compileOptimized(spec: object | string, facts: OptimizeFacts, o: FixtureOptions = {}): CompileOutcome {
  return compileOrRequest({ ...compileInput(spec, o), optimize: facts });
}

function compileInput(spec: object | string, o: FixtureOptions): CompileInput {
  const text = typeof spec === "string" ? spec : JSON.stringify(spec, null, 2);
  recordSpec(text, o);
  const data = new TextEncoder().encode(text);
  const loaded = loadSpec(data, "spec.json");
  const input: CompileInput = {
    loaded,
    platform: o.platform ?? { os: "linux", architecture: "amd64" },
    base: { ref: BASE_REF, config: o.config ?? baseConfig() },
    python: o.python ?? PYTHON_311,
    facts: { wheels: o.wheels ?? {}, files: o.files ?? {}, ...(o.requirementFiles ? { requirementFiles: o.requirementFiles } : {}) },
    settings: settings(o.settings),
    context: { localName: "context", sessionId: "session-1", excludePatterns: o.exclude ?? [] },
    specDigest: "sha256:" + "c".repeat(64),
    frontendVersion: "1.2.3",
    sourceMap: new SourceMap("spec.json", data, "json"),
  };
  return input;
}
