/**
 * Optimize benchmark: a real ML spec (torch, numpy, pandas, scikit-learn from the machine's
 * package mirror) built and pushed to a registry the bench owns, by our frontend with optimize
 * on and off and by the Dockerfile Flyte's local builder writes, through scenarios that each
 * change one thing. Reports wall time including the push, the bytes the registry newly stores,
 * the pushed image's layers and size, and checks optimize's targets.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEngine } from "../test/support/engine.js";
import { repoRoot } from "../test/support/paths.js";
import { applyEdits, lostSnapshot, reversed, sh } from "./builds.js";
import { mirrorMissing, serveMirror } from "./mirror.js";
import { BENCH_REGISTRY, BenchRegistry } from "./registry.js";
import { quantile, round } from "./stats.js";

export const OPTIMIZE_ROUTES = ["optimize-on", "optimize-off", "dockerfile"] as const;
export type OptimizeRoute = (typeof OPTIMIZE_ROUTES)[number];
export const OPTIMIZE_SCENARIOS = ["cold", "no-change", "add-package", "bump-package", "edit-file", "apt-change", "sibling"] as const;
export type OptimizeScenario = (typeof OPTIMIZE_SCENARIOS)[number];

const NO_CHANGE_RUNS = 3;
type Edits = Record<string, [string, string][]>;

export interface OptimizeMeasure {
  route: OptimizeRoute;
  scenario: OptimizeScenario;
  /** Wall time of `docker buildx build … push=true`; the median of the runs for no-change. */
  seconds: number;
  /** Timed again after the engine lost a snapshot. */
  retried: boolean;
  /** Growth of the registry's blob storage over this scenario's builds. */
  newBytes: number;
  layers: number;
  /** Sum of the pushed manifest's layer sizes. */
  imageBytes: number;
}

export interface TargetCheck {
  target: string;
  measured: string;
  /** undefined: a scenario it needs was not run. */
  pass: boolean | undefined;
}

export interface OptimizeBench {
  routes: OptimizeRoute[];
  scenarios: OptimizeScenario[];
  /** Whether the mirror served PEP 658 metadata and PEP 691 JSON (IMAGESPEC_BENCH_MIRROR_METADATA=0: it did not). */
  mirrorMetadata: boolean;
  measures: OptimizeMeasure[];
  targets: TargetCheck[];
}

export interface OptimizeSelection {
  routes: OptimizeRoute[];
  scenarios: OptimizeScenario[];
}

/** `--routes=a,b` and `--scenarios=x,y` (default: all, in their fixed order). */
export function optimizeSelection(argv: readonly string[]): OptimizeSelection {
  const pick = <T extends string>(flag: string, all: readonly T[]): T[] => {
    const given = argv.find((a) => a.startsWith(`--${flag}=`));
    if (!given) return [...all];
    const names = given.slice(flag.length + 3).split(",");
    for (const n of names) if (!all.includes(n as T)) throw new Error(`--${flag}: unknown "${n}" (one of ${all.join(", ")})`);
    return all.filter((n) => names.includes(n));
  };
  return { routes: pick("routes", OPTIMIZE_ROUTES), scenarios: pick("scenarios", OPTIMIZE_SCENARIOS) };
}

interface Target {
  /** Spec file (ours) or Dockerfile, in the build dir. */
  file: string;
  repo: string;
}

function targetOf(route: OptimizeRoute, sibling: boolean): Target {
  const name = sibling ? "sibling" : "main";
  const file = route === "dockerfile" ? (sibling ? "sibling.Dockerfile" : "Dockerfile") : sibling ? "sibling.yaml" : "spec.yaml";
  return { file, repo: `bench/ml-${name}-${route}` };
}

function build(env: NodeJS.ProcessEnv, frontend: string, dir: string, route: OptimizeRoute, t: Target): number {
  const ref = `${BENCH_REGISTRY}/${t.repo}:latest`;
  const args = ["buildx", "build", "--progress=quiet", "--network", "host", "--provenance=false", "--output", `type=image,name=${ref},push=true`, "-f", join(dir, t.file)];
  if (route !== "dockerfile") {
    args.push("--build-arg", `BUILDKIT_SYNTAX=${frontend}`, "--build-arg", "installer=pip", "--build-arg", `optimize=${route === "optimize-on"}`);
  }
  args.push(dir);
  const start = performance.now();
  sh(env, "docker", args);
  return (performance.now() - start) / 1000;
}

function removeImages(env: NodeJS.ProcessEnv, route: OptimizeRoute): void {
  for (const sibling of [false, true]) spawnSync("docker", ["image", "rm", "-f", `${BENCH_REGISTRY}/${targetOf(route, sibling).repo}:latest`], { env });
}

export async function benchOptimize(selection: OptimizeSelection): Promise<OptimizeBench | undefined> {
  const missing = mirrorMissing();
  if (missing) {
    console.log(`optimize bench: skipped the real-package scenarios (${missing})`);
    return undefined;
  }
  const engine = startEngine();
  const env = { ...process.env, ...engine.env };
  const src = join(repoRoot, "bench/specs/ml");
  const allEdits = JSON.parse(readFileSync(join(src, "scenarios.json"), "utf8")) as Record<string, Edits>;
  const mirror = await serveMirror();
  console.log(`package mirror: ${mirrorWhat(mirror.metadata)}`);
  const registry = new BenchRegistry();
  const measures: OptimizeMeasure[] = [];
  try {
    await registry.start();
    for (const route of selection.routes) {
      const dir = mkdtempSync(join(tmpdir(), `imagespec-bench-ml-${route}-`));
      cpSync(src, dir, { recursive: true });
      const main = targetOf(route, false);
      const buildMain = () => build(env, engine.frontendImage, dir, route, main);
      for (const scenario of selection.scenarios) {
        const edits = allEdits[scenario];
        const sibling = scenario === "sibling";
        const t = sibling ? targetOf(route, true) : main;
        if (scenario === "cold") {
          removeImages(env, route);
          sh(env, "docker", ["buildx", "prune", "-af"]);
          await registry.wipe();
        } else if (edits) {
          applyEdits(dir, edits);
        }
        // The state the scenario starts from, rebuilt after the engine lost a snapshot.
        const restore = () => {
          if (scenario === "cold") return;
          if (edits) applyEdits(dir, reversed(edits));
          buildMain();
          if (edits) applyEdits(dir, edits);
        };
        const runs = Array.from({ length: scenario === "no-change" ? NO_CHANGE_RUNS : 1 }, () => {
          const before = registry.storedBytes();
          try {
            return { seconds: build(env, engine.frontendImage, dir, route, t), newBytes: registry.storedBytes() - before, retried: false };
          } catch (e) {
            if (!lostSnapshot(e)) throw e;
            console.log(`${route} ${scenario}: the engine lost a snapshot; pruning, rebuilding the previous state and timing again`);
          }
          sh(env, "docker", ["buildx", "prune", "-af"]);
          restore();
          const again = registry.storedBytes();
          return { seconds: build(env, engine.frontendImage, dir, route, t), newBytes: registry.storedBytes() - again, retried: true };
        });
        const image = await registry.pushedImage(t.repo, "latest");
        const m: OptimizeMeasure = {
          route,
          scenario,
          seconds: round(quantile(runs.map((r) => r.seconds), 0.5)),
          retried: runs.some((r) => r.retried),
          newBytes: runs.reduce((n, r) => n + r.newBytes, 0),
          ...image,
        };
        measures.push(m);
        console.log(`ml ${scenario} ${route}: ${m.seconds} s, ${mb(m.newBytes)} MB newly stored, ${m.layers} layers, ${mb(m.imageBytes)} MB${m.retried ? " (re-run after a lost snapshot)" : ""}`);
      }
      rmSync(dir, { recursive: true, force: true });
      // Some 2 GB each in the engine's image store, and only the registry's copy is looked at.
      removeImages(env, route);
    }
  } finally {
    await registry.remove();
    mirror.stop();
  }
  const targets = checkTargets(measures);
  for (const t of targets) console.log(`optimize target: ${t.target}: ${t.measured} — ${verdict(t)}`);
  return { ...selection, mirrorMetadata: mirror.metadata, measures, targets };
}

function mirrorWhat(metadata: boolean): string {
  return metadata ? "serving PEP 658 metadata and PEP 691 JSON, as PyPI does" : "served as a plain PEP 503 tree, no metadata (IMAGESPEC_BENCH_MIRROR_METADATA=0)";
}

const mb = (b: number) => (b / 1e6).toFixed(1);
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const verdict = (t: TargetCheck) => (t.pass === undefined ? "not measured" : t.pass ? "met" : "MISSED");

function checkTargets(measures: readonly OptimizeMeasure[]): TargetCheck[] {
  const at = (route: OptimizeRoute, scenario: OptimizeScenario) => measures.find((m) => m.route === route && m.scenario === scenario);
  const cold = at("optimize-on", "cold");
  const out: TargetCheck[] = [];
  const check = (target: string, value: number | undefined, limit: number, show: (v: number) => string) =>
    out.push(value === undefined || !Number.isFinite(value) ? { target, measured: "–", pass: undefined } : { target, measured: show(value), pass: value <= limit });
  for (const s of ["add-package", "bump-package"] as const) {
    const m = at("optimize-on", s);
    check(`${s}: time ≤ 10% of cold`, m && cold && m.seconds / cold.seconds, 0.1, pct);
    check(`${s}: bytes newly stored ≤ 2% of cold's`, m && cold && m.newBytes / cold.newBytes, 0.02, pct);
  }
  const apt = at("optimize-on", "apt-change");
  check("apt-change: time ≤ 25% of cold", apt && cold && apt.seconds / cold.seconds, 0.25, pct);
  const sib = at("optimize-on", "sibling");
  check("sibling spec: ≤ 5% of its image's bytes newly stored", sib && sib.newBytes / sib.imageBytes, 0.05, pct);
  const offCold = at("optimize-off", "cold");
  check("cold: ≤ 1.15 × cold with optimize off", cold && offCold && cold.seconds / offCold.seconds, 1.15, (v) => `${v.toFixed(2)}×`);
  const nc = at("optimize-on", "no-change");
  const offNc = at("optimize-off", "no-change");
  check("no-change: within 0.3 s of optimize off", nc && offNc && nc.seconds - offNc.seconds, 0.3, (v) => `${v >= 0 ? "+" : ""}${v.toFixed(2)} s`);
  return out;
}

const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b === 0 ? "–" : (a / b).toFixed(2));

export function optimizeMarkdown(bench: OptimizeBench, machine: string): string[] {
  const at = (route: OptimizeRoute, scenario: OptimizeScenario) => bench.measures.find((m) => m.route === route && m.scenario === scenario);
  const partial = bench.routes.length < OPTIMIZE_ROUTES.length || bench.scenarios.length < OPTIMIZE_SCENARIOS.length;
  const md = [
    "# Optimize benchmark: real packages, built and pushed",
    "",
    `Machine: ${machine}.`,
    "",
    "Spec `bench/specs/ml` (torch 2.13.0+cpu, numpy, pandas, scikit-learn, requests, zipp; apt jq; workdir, copied src, env) from the machine's package mirror over loopback HTTP, installer pip, base `127.0.0.1:5000/debian-python:3.11-bookworm`.",
    `Package mirror: ${mirrorWhat(bench.mirrorMetadata)}.`,
    `Every build is \`docker buildx build --network host --provenance=false\` pushing to a registry the bench owns (${BENCH_REGISTRY}), wiped with the build cache before each route's cold build.`,
    "Routes: our frontend with `optimize=true` (optimize-on) and `optimize=false` (optimize-off), and the Dockerfile Flyte's local builder writes for the same spec.",
    "Time includes the push; \"new MB\" is how much the registry's blob storage grew (cold's includes the base image, pushed there too); layers and image MB (sum of compressed layer sizes) are read from the pushed manifest.",
    "Scenarios run in this order, each on top of the last: cold, no-change, add-package (tabulate), bump-package (zipp 3.23.0 → 4.1.0), edit-file, apt-change (+ tree), sibling (`sibling.yaml`: the same heavy packages with click and colorama instead of requests and zipp, pushed to another repository of the same registry).",
    ...(partial ? ["", `**Partial run**: routes ${bench.routes.join(", ")}; scenarios ${bench.scenarios.join(", ")}.`] : []),
    "",
    "| scenario | route | wall s | × cold | new MB | × cold's new MB | layers | image MB |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const scenario of bench.scenarios) {
    for (const route of bench.routes) {
      const m = at(route, scenario);
      if (!m) continue;
      const cold = at(route, "cold");
      md.push(`| ${scenario} | ${route} | ${m.seconds}${m.retried ? " †" : ""} | ${ratio(m.seconds, cold?.seconds)} | ${mb(m.newBytes)} | ${ratio(m.newBytes, cold?.newBytes)} | ${m.layers} | ${mb(m.imageBytes)} |`);
    }
  }
  md.push(
    "",
    "| scenario | time on/off | time on/Dockerfile | time off/Dockerfile | new bytes on/off | new bytes on/Dockerfile |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
  );
  for (const scenario of bench.scenarios) {
    const [on, off, df] = OPTIMIZE_ROUTES.map((r) => at(r, scenario));
    md.push(`| ${scenario} | ${ratio(on?.seconds, off?.seconds)} | ${ratio(on?.seconds, df?.seconds)} | ${ratio(off?.seconds, df?.seconds)} | ${ratio(on?.newBytes, off?.newBytes)} | ${ratio(on?.newBytes, df?.newBytes)} |`);
  }
  md.push("", "| target (optimize on) | measured | verdict |", "| --- | ---: | --- |");
  for (const t of bench.targets) md.push(`| ${t.target} | ${t.measured} | ${verdict(t)} |`);
  md.push("", `no-change is the median of ${NO_CHANGE_RUNS} builds (its new MB their sum); every other row is one build, on a 2-core machine that other work may share. A ratio whose denominator is 0 or missing shows –.`);
  if (bench.measures.some((m) => m.retried)) md.push("", "† the engine lost a containerd snapshot during this build; it was timed again after pruning the cache and rebuilding the state before the scenario.");
  return md;
}
