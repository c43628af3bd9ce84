/**
 * Optimize benchmark: a real ML spec (torch, numpy, pandas, scikit-learn from the machine's
 * package mirror) built and pushed to a registry the bench owns, by our frontend with optimize
 * on and off and by the Dockerfile Flyte's local builder writes, through scenarios that each
 * change one thing, then on an emptied builder that imports the registry cache the cold build
 * exported. Reports wall time including the push, where that time went (from BuildKit's status
 * stream), the bytes the registry newly stores, the pushed image's layers and size, and checks
 * optimize's targets.
 *
 * IMAGESPEC_BENCH_OPTIMIZE_SPEC=bench/specs/ml-light runs it on a light spec of the same shape,
 * to check the wiring in a few minutes (its numbers say nothing of the targets).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { startEngine } from "../test/support/engine.js";
import { repoRoot } from "../test/support/paths.js";
import { applyEdits, lostSnapshot, reversed, sh } from "./builds.js";
import { mirrorMissing, serveMirror } from "./mirror.js";
import { mirrorWhat, NO_CHANGE_RUNS } from "./optimize-markdown.js";
import { ML_SPEC, type CacheExport, type OptimizeBench, type OptimizeMeasure, type OptimizeRoute, type OptimizeSelection } from "./optimize-model.js";
import { breakdown, type Breakdown } from "./phases.js";
import { BENCH_REGISTRY, BenchRegistry } from "./registry.js";
import { quantile, round } from "./stats.js";
import { parseStatusStream } from "./status-stream.js";
import { checkTargets, verdict } from "./targets.js";

type Edits = Record<string, [string, string][]>;

/** The spec directory the bench builds, relative to the repository. */
export function optimizeSpec(env: NodeJS.ProcessEnv = process.env): string {
  return env.IMAGESPEC_BENCH_OPTIMIZE_SPEC ?? ML_SPEC;
}

interface Target {
  /** Spec file (ours) or Dockerfile, in the build dir. */
  file: string;
  repo: string;
}

function targetOf(spec: string, route: OptimizeRoute, sibling: boolean): Target {
  const name = sibling ? "sibling" : "main";
  const file = route === "dockerfile" ? (sibling ? "sibling.Dockerfile" : "Dockerfile") : sibling ? "sibling.yaml" : "spec.yaml";
  return { file, repo: `bench/${basename(spec)}-${name}-${route}` };
}

/** The registry cache each route's cold build exports and the fresh-builder scenarios import. */
function cacheRef(spec: string, route: OptimizeRoute): string {
  return `${BENCH_REGISTRY}/bench/${basename(spec)}-cache-${route}:cold`;
}

interface Timed {
  seconds: number;
  breakdown: Breakdown;
}

interface CacheFlags {
  from?: string;
  to?: string;
}

function build(env: NodeJS.ProcessEnv, frontend: string, dir: string, route: OptimizeRoute, t: Target, cache: CacheFlags = {}): Timed {
  const ref = `${BENCH_REGISTRY}/${t.repo}:latest`;
  const args = ["buildx", "build", "--progress=rawjson", "--network", "host", "--provenance=false", "--output", `type=image,name=${ref},push=true`, "-f", join(dir, t.file)];
  if (cache.from) args.push("--cache-from", `type=registry,ref=${cache.from}`);
  if (cache.to) args.push("--cache-to", `type=registry,ref=${cache.to},mode=max`);
  if (route !== "dockerfile") {
    args.push("--build-arg", `BUILDKIT_SYNTAX=${frontend}`, "--build-arg", "installer=pip", "--build-arg", `optimize=${route === "optimize-on"}`);
  }
  args.push(dir);
  const startedAt = Date.now();
  const start = performance.now();
  // The status stream goes to stderr; pip's output rides in it, hence the large buffer.
  const r = spawnSync("docker", args, { env, encoding: "utf8", maxBuffer: 1 << 30 });
  const seconds = (performance.now() - start) / 1000;
  if (r.status !== 0) throw new Error(`docker ${args.join(" ")} failed:\n${r.stderr.slice(-3000)}`);
  return { seconds, breakdown: breakdown(parseStatusStream(r.stderr), startedAt, startedAt + seconds * 1000) };
}

function removeImages(env: NodeJS.ProcessEnv, spec: string, route: OptimizeRoute): void {
  for (const sibling of [false, true]) spawnSync("docker", ["image", "rm", "-f", `${BENCH_REGISTRY}/${targetOf(spec, route, sibling).repo}:latest`], { env });
}

/**
 * Empties the builder as a new machine would have it: the bench's images and the whole build
 * cache, every build's on this engine, as before each route's cold build. Where other work shares
 * the engine, run the bench under the same lock as that work (for example `flock <lock file>`), so
 * that no other build loses its cache mid-way.
 */
function emptyBuilder(env: NodeJS.ProcessEnv, spec: string, route: OptimizeRoute): void {
  removeImages(env, spec, route);
  sh(env, "docker", ["buildx", "prune", "-af"]);
}

const FRESH = new Set(["fresh-same", "fresh-sibling"]);

export async function benchOptimize(selection: OptimizeSelection): Promise<OptimizeBench | undefined> {
  const missing = mirrorMissing();
  if (missing) {
    console.log(`optimize bench: skipped the real-package scenarios (${missing})`);
    return undefined;
  }
  const spec = optimizeSpec();
  const engine = startEngine();
  const env = { ...process.env, ...engine.env };
  const src = join(repoRoot, spec);
  const allEdits = JSON.parse(readFileSync(join(src, "scenarios.json"), "utf8")) as Record<string, Edits>;
  const mirror = await serveMirror();
  console.log(`package mirror: ${mirrorWhat(mirror.metadata)}; spec ${spec}`);
  const registry = new BenchRegistry();
  const measures: OptimizeMeasure[] = [];
  try {
    await registry.start();
    for (const route of selection.routes) {
      // `dir` takes the scenarios' edits one after another; `pristine` stays as cold built it.
      const dir = mkdtempSync(join(tmpdir(), `imagespec-bench-ml-${route}-`));
      const pristine = mkdtempSync(join(tmpdir(), `imagespec-bench-ml-${route}-pristine-`));
      cpSync(src, dir, { recursive: true });
      cpSync(src, pristine, { recursive: true });
      const main = targetOf(spec, route, false);
      const cache = cacheRef(spec, route);
      const buildMain = () => build(env, engine.frontendImage, dir, route, main);
      for (const scenario of selection.scenarios) {
        const fresh = FRESH.has(scenario);
        const edits = fresh ? undefined : allEdits[scenario];
        const t = targetOf(spec, route, scenario === "sibling" || scenario === "fresh-sibling");
        const at = fresh ? pristine : dir;
        const flags: CacheFlags = fresh ? { from: cache } : {};
        if (scenario === "cold") {
          emptyBuilder(env, spec, route);
          await registry.wipe();
        } else if (fresh) {
          emptyBuilder(env, spec, route);
        } else if (edits) {
          applyEdits(dir, edits);
        }
        // The state the scenario starts from, rebuilt after the engine lost a snapshot.
        const restore = () => {
          if (scenario === "cold" || fresh) return;
          if (edits) applyEdits(dir, reversed(edits));
          buildMain();
          if (edits) applyEdits(dir, edits);
        };
        const runs = Array.from({ length: scenario === "no-change" ? NO_CHANGE_RUNS : 1 }, () => {
          const before = registry.storedBytes();
          try {
            return { ...build(env, engine.frontendImage, at, route, t, flags), newBytes: registry.storedBytes() - before, retried: false };
          } catch (e) {
            if (!lostSnapshot(e)) throw e;
            console.log(`${route} ${scenario}: the engine lost a snapshot; pruning, rebuilding the previous state and timing again`);
          }
          sh(env, "docker", ["buildx", "prune", "-af"]);
          restore();
          const again = registry.storedBytes();
          return { ...build(env, engine.frontendImage, at, route, t, flags), newBytes: registry.storedBytes() - again, retried: true };
        });
        const image = await registry.pushedImage(t.repo, "latest");
        const median = quantile(runs.map((r) => r.seconds), 0.5);
        const m: OptimizeMeasure = {
          route,
          scenario,
          seconds: round(median),
          retried: runs.some((r) => r.retried),
          newBytes: runs.reduce((n, r) => n + r.newBytes, 0),
          ...image,
          breakdown: runs.find((r) => r.seconds === median)!.breakdown,
        };
        if (scenario === "cold") m.cacheExport = exportCache(env, engine.frontendImage, dir, route, main, cache, registry);
        measures.push(m);
        console.log(`ml ${scenario} ${route}: ${m.seconds} s, ${mb(m.newBytes)} MB newly stored, ${m.layers} layers, ${mb(m.imageBytes)} MB${m.retried ? " (re-run after a lost snapshot)" : ""}; ${summary(m.breakdown!)}`);
        if (m.cacheExport) console.log(`ml cache export ${route}: ${m.cacheExport.seconds} s, ${mb(m.cacheExport.newBytes)} MB newly stored`);
      }
      rmSync(dir, { recursive: true, force: true });
      rmSync(pristine, { recursive: true, force: true });
      // Some 2 GB each in the engine's image store, and only the registry's copy is looked at.
      removeImages(env, spec, route);
    }
  } finally {
    await registry.remove();
    mirror.stop();
  }
  const targets = checkTargets(measures);
  for (const t of targets) console.log(`optimize target: ${t.target}: ${t.measured} — ${verdict(t)}`);
  return { spec, ...selection, mirrorMetadata: mirror.metadata, measures, targets };
}

/**
 * Exports the registry cache after cold, as a build of its own (the cold build again, all
 * cached, with `--cache-to … mode=max`), so that cold's time is a build without an export.
 */
function exportCache(env: NodeJS.ProcessEnv, frontend: string, dir: string, route: OptimizeRoute, t: Target, ref: string, registry: BenchRegistry): CacheExport {
  const before = registry.storedBytes();
  const r = build(env, frontend, dir, route, t, { to: ref });
  return { seconds: round(r.seconds), newBytes: registry.storedBytes() - before, breakdown: r.breakdown };
}

function summary(b: Breakdown): string {
  const top = Object.entries(b.union)
    .filter(([, v]) => v >= 0.01)
    .sort((x, y) => y[1] - x[1])
    .map(([k, v]) => `${k} ${v.toFixed(2)}`);
  return `${[...top, `idle ${b.idle.toFixed(2)}`].join(", ")} s; ${b.requests} requests`;
}

const mb = (b: number) => (b / 1e6).toFixed(1);
