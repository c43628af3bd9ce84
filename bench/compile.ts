/** Compile micro-benchmark: spec text to Definition bytes, for growing specs. */
import { planImage } from "../frontend/plan/plan-image.js";
import { lower } from "../frontend/lower/lower.js";
import { DEFAULT_UV_IMAGE } from "../frontend/options/settings.js";
import { loadSpec } from "../frontend/imagespec/load.js";
import { SourceMap } from "../llb/src/index.js";
import { measure, type Timing } from "./stats.js";

const KINDS = [
  (i: number) => ({ pip_packages: { packages: [`pkg-${i}==1.0`, `other-${i}>=2`], options: { index_url: "https://idx.test/simple" } } }),
  (i: number) => ({ commands: { cmd: [`echo ${i} > /tmp/${i}`] } }),
  (i: number) => ({ env: { env_variables: { [`VAR_${i}`]: `value-${i}`, PATH: `/opt/t${i}/bin:$PATH` } } }),
  (i: number) => ({ apt_packages: { packages: [`lib${i}-dev`] } }),
  (i: number) => ({ copy_config: { src: `src/m${i}`, dst: `/app/m${i}` } }),
  (i: number) => ({ workdir: { workdir: `/w/${i}` } }),
];

export function specWithLayers(n: number): string {
  return JSON.stringify({ base_image: "python:3.12-slim", python_version: "3.12", layers: Array.from({ length: n }, (_, i) => KINDS[i % KINDS.length]!(i)) }, null, 2);
}

export function specWithPackages(n: number): string {
  return JSON.stringify({ base_image: "python:3.12-slim", python_version: "3.12", layers: [{ pip_packages: { packages: Array.from({ length: n }, (_, i) => `package-${i}==${i % 7}.${i % 5}`) } }] }, null, 2);
}

function compileText(text: string): Uint8Array {
  const data = new TextEncoder().encode(text);
  const loaded = loadSpec(data, "spec.json");
  const settings = { installer: "uv" as const, uvImage: DEFAULT_UV_IMAGE, network: "sandbox" as const, noCache: false, cacheNamespace: "", labels: {}, resolveMode: "default" as const };
  const plan = planImage({
    loaded,
    base: { ref: "docker.io/library/python:3.12-slim@sha256:" + "a".repeat(64), config: { architecture: "amd64", os: "linux", config: { Env: ["PATH=/usr/local/bin:/usr/bin:/bin"] } } },
    python: { interpreters: [{ path: "/usr/local/bin/python3.12", version: "3.12" }], venvs: [], defaultVersion: "3.12" },
    facts: { wheels: {} },
    settings,
  });
  const platform = { os: "linux", architecture: "amd64" };
  const state = lower(plan, { platform, context: { localName: "context", sessionId: "bench", excludePatterns: [] }, settings, sourceMap: new SourceMap("spec.json", data, "json"), ranges: loaded.ranges });
  return state.marshal({ platform }).encode();
}

export interface CompileBench {
  case: string;
  specBytes: number;
  definitionBytes: number;
  timing: Timing;
}

export function benchCompile(): CompileBench[] {
  const cases: [string, string, number][] = [
    ["10 layers", specWithLayers(10), 200],
    ["100 layers", specWithLayers(100), 100],
    ["1,000 layers", specWithLayers(1000), 30],
    ["10,000 packages", specWithPackages(10_000), 30],
  ];
  return cases.map(([name, text, runs]) => ({
    case: name,
    specBytes: text.length,
    definitionBytes: compileText(text).length,
    timing: measure(() => compileText(text), runs),
  }));
}
