/**
 * Compiles every spec the tests, examples and bench use, with fixed facts, under each mode
 * (optimize off; optimize on with plain, rich and failing resolutions, and a tight layer budget;
 * installers pip and uv), and records each marshaled definition's digest: the final image's and
 * every probe's the phases asked for. A refactor of the compiler must leave them all equal.
 *
 *   node scripts/run-ts.mjs scripts/plan-digests.ts --record-corpus   # rebuild test/fixtures/plan-corpus.jsonl
 *   node scripts/run-ts.mjs scripts/plan-digests.ts                   # write test/fixtures/plan-digests.json
 *   node scripts/run-ts.mjs scripts/plan-digests.ts --check           # compare with it; list what differs
 *
 * The corpus comes from the unit tests' compile fixture and the e2e harness (both append what
 * they compile when IMAGESPEC_RECORD_SPECS names a file), examples/ and bench/specs/.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { needsPython, planImage, type PlanInput } from "../frontend/plan/plan-image.js";
import type { OciImage } from "../frontend/plan/image-config.js";
import { imageConfig } from "../frontend/plan/config.js";
import { createdFrom } from "../frontend/options/source-date.js";
import type { PythonFacts } from "../frontend/plan/python.js";
import { DEFAULT_UV_IMAGE, type BuildSettings } from "../frontend/options/settings.js";
import { DEFAULT_MAX_LAYERS } from "../frontend/options/options.js";
import type { FactsRequest } from "../frontend/optimize/facts.js";
import { optimizeInPhases } from "../frontend/optimize/phases.js";
import { lower, type LowerContext } from "../frontend/lower/lower.js";
import type { DistContents } from "../frontend/optimize/record.js";
import { normalizeName, type Resolution, type ResolvedDist } from "../frontend/optimize/resolution.js";
import { loadSpec, type LoadedSpec } from "../frontend/imagespec/load.js";
import type { Layer } from "../frontend/imagespec/model.js";
import { SourceMap, type Platform } from "../llb/src/index.js";
import type { FixtureOptions } from "../test/support/compile-fixture.js";
import { decodeOp } from "../llb/src/decode.js";
import { appendFileSync } from "node:fs";
function dumpDef(def: readonly Uint8Array[]): void {
  appendFileSync(process.env.DUMP!, def.map((b) => JSON.stringify(decodeOp(b), (_k, v) => (typeof v === "bigint" ? String(v) : v instanceof Uint8Array ? Buffer.from(v).toString() : v))).join("\n") + "\n=====\n");
}

const ROOT = process.env.IMAGESPEC_REPO_ROOT ?? process.cwd();
const CORPUS = join(ROOT, "test/fixtures/plan-corpus.jsonl");
const DIGESTS = join(ROOT, "test/fixtures/plan-digests.json");


/** One spec and the context facts it is compiled with. */
interface Entry {
  name: string;
  filename: string;
  spec: string;
  options: FixtureOptions;
}

type CorpusLine = { source: "unit"; spec: string; options: FixtureOptions } | { source: "e2e" | "tree"; name?: string; files: Record<string, string | null> };

const sha = (s: string) => createHash("sha256").update(s).digest("hex");

const BASE_REF = "registry.test/python:3.11@sha256:" + "a".repeat(64);
const BASE_CONFIG: OciImage = {
  architecture: "amd64",
  os: "linux",
  config: { Env: ["PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8"], Cmd: ["python3"], WorkingDir: "/" },
  rootfs: { type: "layers", diff_ids: ["sha256:" + "b".repeat(64)] },
  history: [{ created_by: "base" }],
};
const ALL_PYTHONS: PythonFacts = {
  interpreters: ["3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14"].map((v) => ({ path: `/usr/bin/python${v}`, version: v })),
  venvs: [],
  defaultVersion: "3.11",
};

function isSpecName(n: string): boolean {
  return /\.(ya?ml|json)$/.test(n) || n.endsWith(".pb");
}

/** Facts of a context held in memory, computed the same way every time. */
function contextOptions(files: Record<string, string | null>, loaded: LoadedSpec): FixtureOptions {
  const names = Object.keys(files).sort();
  const wheels: Record<string, string[]> = {};
  const requirementFiles: Record<string, string[]> = {};
  const text: Record<string, string> = {};
  for (const [k, v] of Object.entries(files)) if (v !== null) text[k] = v;
  for (const l of loaded.spec.layers) {
    if (l.kind === "python_wheels") {
      const dir = l.dir.replace(/^\.\/?/, "").replace(/\/+$/, "") || ".";
      wheels[dir] = names.filter((n) => n.endsWith(".whl") && (dir === "." || n.startsWith(dir + "/")));
    }
    if (l.kind === "requirements") {
      const file = l.file.replace(/^\.\//, "");
      const closure = [file];
      for (const line of (text[file] ?? "").split("\n")) {
        const m = /^\s*-[rc]\s+(\S+)/.exec(line);
        if (m) closure.push(join(file.includes("/") ? file.slice(0, file.lastIndexOf("/")) : "", m[1]!));
      }
      requirementFiles[file] = closure;
    }
  }
  return { wheels, files: text, requirementFiles };
}

function readTree(dir: string): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else {
        const buf = readFileSync(p);
        out[relative(dir, p)] = buf.includes(0) || statSync(p).size > 256 << 10 ? null : buf.toString("utf8");
      }
    }
  };
  walk(dir);
  return out;
}

function treeLines(): CorpusLine[] {
  const dirs = [join(ROOT, "examples/hello"), ...readdirSync(join(ROOT, "bench/specs")).map((d) => join(ROOT, "bench/specs", d))];
  return dirs.filter((d) => existsSync(d)).map((d) => ({ source: "tree" as const, name: relative(ROOT, d), files: readTree(d) }));
}

function entries(lines: CorpusLine[]): Entry[] {
  const out = new Map<string, Entry>();
  for (const line of lines) {
    if (line.source === "unit") {
      const name = `unit:${sha(line.spec + JSON.stringify(line.options)).slice(0, 16)}`;
      out.set(name, { name, filename: "spec.json", spec: line.spec, options: line.options });
      continue;
    }
    for (const [file, text] of Object.entries(line.files)) {
      if (text === null || !isSpecName(file) || file.endsWith("scenarios.json")) continue;
      let loaded: LoadedSpec;
      try {
        loaded = loadSpec(new TextEncoder().encode(text), file);
      } catch {
        continue; // not a spec, or a spec a test expects to be refused
      }
      const name = `${line.source}:${line.name ?? sha(JSON.stringify(line.files)).slice(0, 12)}:${file}`;
      out.set(name, { name, filename: file, spec: text, options: contextOptions(line.files, loaded) });
    }
  }
  return [...out.values()].sort((a, b) => a.name.localeCompare(b.name));
}

// ---- fixed daemon answers ---------------------------------------------------------------

type Flavor = "plain" | "rich" | "failing";

function dist(name: string, version: string, over: Partial<ResolvedDist> = {}): ResolvedDist {
  const key = normalizeName(name);
  return {
    name,
    key,
    version,
    requested: true,
    source: { kind: "wheel", filename: `${name}-${version}-py3-none-any.whl`, sha256: [sha(`${key}==${version}`)], fromContext: false },
    requires: [],
    ...over,
  };
}

/** Names a layer asks for (requirement strings' names), or stand-ins for files and projects. */
function askedFor(l: Layer): { name: string; version: string }[] {
  const fromReq = (r: string) => {
    const m = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*(?:===?\s*([^\s,;]+))?/.exec(r);
    return m ? [{ name: m[1]!, version: m[2] ?? "1.0.0" }] : [];
  };
  switch (l.kind) {
    case "pip_packages":
      return l.packages.flatMap(fromReq);
    case "python_wheels":
      return [{ name: l.packageName || `wheel-${l.index}`, version: "0.1.0" }];
    default:
      return [
        { name: `dep-${l.index}-a`, version: "1.0.0" },
        { name: `dep-${l.index}-b`, version: "2.0.0" },
      ];
  }
}

function resolutionFor(loaded: LoadedSpec, req: Extract<FactsRequest, { kind: "resolve" }>, flavor: Flavor, firstPython: number): Resolution {
  const l = loaded.spec.layers[req.layer]!;
  if (flavor === "failing" && req.layer === firstPython) return { ok: false, reason: "ResolutionImpossible: stand-in conflict" };
  const dists = askedFor(l).map((a) => dist(a.name, a.version));
  const installed: Record<string, string> = { pip: "23.0.1", setuptools: "66.1.1" };
  dists.push(dist("shared-dep", "1.2.3", { requested: false }));
  if (flavor === "rich") {
    dists[0] = { ...dists[0]!, requires: ["shared-dep", `tail-${req.layer}`] };
    dists.push(dist(`tail-${req.layer}`, "0.9", { requested: false, source: { kind: "sdist", filename: `tail-${req.layer}-0.9.tar.gz`, sha256: [sha(`tail${req.layer}`)], fromContext: false } }));
    dists.push(dist("setuptools", "70.0.0", { requested: false }));
    dists.push(dist("pip", "23.0.1", { requested: false }));
  }
  return { ok: true, dists, installed };
}

function contentsFor(id: string, flavor: Flavor): DistContents {
  const name = id.split("==")[0]!;
  const size = parseInt(sha(id).slice(0, 6), 16);
  const files = [`opt/venv/lib/python3.11/site-packages/${name}/__init__.py`];
  if (flavor === "rich" && (name.startsWith("tail-") || name === "shared-dep")) files.push("opt/venv/lib/python3.11/site-packages/common/clash.py");
  return { size, count: files.length, shared: files };
}

interface Mode {
  name: string;
  installer: "pip" | "uv";
  optimize?: Flavor;
  maxLayers?: number;
}

const MODES: Mode[] = (["pip", "uv"] as const).flatMap((installer) => [
  { name: `${installer}/off`, installer },
  { name: `${installer}/plain`, installer, optimize: "plain" as const },
  { name: `${installer}/rich`, installer, optimize: "rich" as const },
  { name: `${installer}/failing`, installer, optimize: "failing" as const },
  { name: `${installer}/rich-budget4`, installer, optimize: "rich" as const, maxLayers: 4 },
]);

interface Compile {
  input: PlanInput;
  lowering: LowerContext;
  settings: BuildSettings;
  loaded: LoadedSpec;
}

function compileInput(e: Entry, mode: Mode): Compile {
  const data = new TextEncoder().encode(e.spec);
  const loaded = loadSpec(data, e.filename);
  const o = e.options;
  const settings: BuildSettings = {
    uvImage: DEFAULT_UV_IMAGE,
    network: "sandbox",
    noCache: false,
    cacheNamespace: "",
    labels: {},
    resolveMode: "default",
    ...o.settings,
    installer: mode.installer,
    ...(mode.maxLayers ? { maxLayers: mode.maxLayers } : {}),
  };
  const platform = o.platform ?? { os: "linux", architecture: "amd64" };
  const input: PlanInput = {
    loaded,
    base: { ref: BASE_REF, config: o.config ?? BASE_CONFIG },
    ...(needsPython(loaded.spec) ? { python: o.python ?? ALL_PYTHONS } : {}),
    facts: { wheels: o.wheels ?? {}, files: o.files ?? {}, ...(o.requirementFiles ? { requirementFiles: o.requirementFiles, requirementTexts: o.files ?? {} } : {}) },
    settings,
  };
  const lowering: LowerContext = {
    platform,
    context: { localName: "context", sessionId: "session-1", excludePatterns: o.exclude ?? [] },
    settings,
    sourceMap: new SourceMap(e.filename, data, e.filename.endsWith(".json") ? "json" : "yaml"),
    ranges: loaded.ranges,
  };
  return { input, lowering, settings, loaded };
}

const digestOf = (st: { marshal(o?: object): { def: readonly Uint8Array[] } }, platform: Platform) => {
  const def = st.marshal({ platform });
  if (process.env.DUMP) dumpDef(def.def);
  return sha(def.def.map((b) => Buffer.from(b).toString("base64")).join("\n")).slice(0, 24);
};

/** The final definition's digest and each probe's, or the error the compile ended with. */
async function digestsOf(e: Entry, mode: Mode): Promise<string[]> {
  try {
    const c = compileInput(e, mode);
    const { loaded, lowering } = c;
    const firstPython = loaded.spec.layers.find((l) => ["pip_packages", "requirements", "python_wheels", "uv_project", "poetry_project"].includes(l.kind))?.index ?? -1;
    let plan = planImage(c.input);
    const probes: string[] = [];
    const probe = (req: FactsRequest) => probes.push(`${req.kind} ${digestOf(lower(req.probe, lowering), lowering.platform)}`);
    if (mode.optimize) {
      const flavor = mode.optimize;
      const source = {
        resolve: async (req: Extract<FactsRequest, { kind: "resolve" }>) => (probe(req), resolutionFor(loaded, req, flavor, firstPython)),
        inspect: async (req: Extract<FactsRequest, { kind: "inspect" }>) => (probe(req), new Map(req.ids.map((id) => [id, contentsFor(id, flavor)]))),
      };
      plan = (await optimizeInPhases(plan, source, { maxLayers: c.settings.maxLayers ?? DEFAULT_MAX_LAYERS })).plan;
    }
    const config = imageConfig(plan, { platform: lowering.platform, specDigest: "sha256:" + "c".repeat(64), frontendVersion: "1.2.3", ...(c.settings.imageId ? { imageId: c.settings.imageId } : {}), labels: c.settings.labels, created: createdFrom(c.settings.sourceDateEpoch) });
    return [`image ${digestOf(lower(plan, lowering), lowering.platform)} config ${sha(JSON.stringify(config)).slice(0, 16)}`, ...probes];
  } catch (err) {
    return [`error: ${(err as Error).message.split("\n")[0]}`];
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes("--record-corpus")) {
    const recorded = process.env.IMAGESPEC_RECORD_SPECS ? readFileSync(process.env.IMAGESPEC_RECORD_SPECS, "utf8").split("\n").filter(Boolean) : [];
    const lines = [...new Set(recorded)].map((l) => JSON.parse(l) as CorpusLine);
    const all = [...lines, ...treeLines()];
    writeFileSync(CORPUS, all.map((l) => JSON.stringify(l)).join("\n") + "\n");
    console.log(`corpus: ${all.length} lines`);
    return;
  }
  const lines = readFileSync(CORPUS, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as CorpusLine);
  const result: Record<string, string[]> = {};
  for (const e of entries(lines).filter((x) => !process.env.ONLY || x.name === process.env.ONLY)) for (const m of MODES.filter((x) => !process.env.MODE || x.name === process.env.MODE)) result[`${e.name} ${m.name}`] = await digestsOf(e, m);
  if (args.includes("--check")) {
    const want = JSON.parse(readFileSync(DIGESTS, "utf8")) as Record<string, string[]>;
    const keys = [...new Set([...Object.keys(want), ...Object.keys(result)])].sort();
    const differ = keys.filter((k) => JSON.stringify(want[k]) !== JSON.stringify(result[k]));
    for (const k of differ) console.log(`${k}\n  was: ${JSON.stringify(want[k])}\n  now: ${JSON.stringify(result[k])}`);
    console.log(`${keys.length - differ.length} of ${keys.length} identical`);
    process.exitCode = differ.length > 0 ? 1 : 0;
    return;
  }
  writeFileSync(DIGESTS, JSON.stringify(result, null, 1) + "\n");
  const errors = Object.values(result).filter((v) => v[0]!.startsWith("error")).length;
  console.log(`${Object.keys(result).length} compiles recorded (${errors} end in an error)`);
}

await main();
