/**
 * What the optimize benchmark measures and reports: its routes, its scenarios in the order they
 * run, one measure per scenario and route, and the selection of them a run makes.
 */
import { basename } from "node:path";
import type { Breakdown } from "./phases.js";

export const OPTIMIZE_ROUTES = ["optimize-on", "optimize-off", "dockerfile"] as const;
export type OptimizeRoute = (typeof OPTIMIZE_ROUTES)[number];

/**
 * In the order they run, each on top of the last; the fresh-builder ones empty the builder
 * first and import the registry cache the cold build exported, and build the spec as cold did.
 */
export const OPTIMIZE_SCENARIOS = ["cold", "no-change", "add-package", "bump-package", "edit-file", "apt-change", "sibling", "fresh-same", "fresh-sibling"] as const;
export type OptimizeScenario = (typeof OPTIMIZE_SCENARIOS)[number];

export const ROUTE_LABEL: Record<OptimizeRoute, string> = { "optimize-on": "optimize on", "optimize-off": "optimize off", dockerfile: "Dockerfile" };

export const SCENARIO_LABEL: Record<OptimizeScenario, string> = {
  cold: "cold",
  "no-change": "no change",
  "add-package": "add a light package",
  "bump-package": "bump the light package",
  "edit-file": "edit a copied file",
  "apt-change": "change the apt list",
  sibling: "sibling spec, warm builder",
  "fresh-same": "fresh builder, same spec",
  "fresh-sibling": "fresh builder, sibling spec",
};

/** The registry cache export that follows each route's cold build, untimed in cold. */
export interface CacheExport {
  seconds: number;
  /** Growth of the registry's blob storage: the cache's own blobs (the image's are there already). */
  newBytes: number;
  breakdown?: Breakdown;
}

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
  /** Where the time went, from the status stream (of the median run for no-change). */
  breakdown?: Breakdown;
  /** Only on cold: exporting the registry cache the fresh-builder scenarios import. */
  cacheExport?: CacheExport;
}

export interface TargetCheck {
  target: string;
  measured: string;
  /** undefined: a scenario it needs was not run. */
  pass: boolean | undefined;
}

export interface OptimizeBench {
  /** The spec directory, relative to the repository. */
  spec: string;
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

/** `--routes=a,b` and `--scenarios=x,y` (default: all, in their fixed order; a fresh-builder scenario needs cold). */
export function optimizeSelection(argv: readonly string[]): OptimizeSelection {
  const pick = <T extends string>(flag: string, all: readonly T[]): T[] => {
    const given = argv.find((a) => a.startsWith(`--${flag}=`));
    if (!given) return [...all];
    const names = given.slice(flag.length + 3).split(",");
    for (const n of names) if (!all.includes(n as T)) throw new Error(`--${flag}: unknown "${n}" (one of ${all.join(", ")})`);
    return all.filter((n) => names.includes(n));
  };
  const scenarios = pick("scenarios", OPTIMIZE_SCENARIOS);
  const fresh = scenarios.filter((s) => s.startsWith("fresh-"));
  if (fresh.length > 0 && !scenarios.includes("cold")) throw new Error(`--scenarios: ${fresh.join(", ")} import the registry cache that cold exports; select cold too`);
  return { routes: pick("routes", OPTIMIZE_ROUTES), scenarios };
}

export function measureAt(measures: readonly OptimizeMeasure[], route: OptimizeRoute, scenario: OptimizeScenario): OptimizeMeasure | undefined {
  return measures.find((m) => m.route === route && m.scenario === scenario);
}

/** The ML spec the targets are about; another spec's results go to files of their own. */
export const ML_SPEC = "bench/specs/ml";

/** Base name of the results files in bench/results/: optimize.{json,md,svg} for the ML spec. */
export function resultsName(spec: string): string {
  return spec === ML_SPEC ? "optimize" : `optimize-${basename(spec)}`;
}
