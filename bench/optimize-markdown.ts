/** The optimize bench's results as Markdown: times and bytes, ratios, targets, and where the time went. */
import { BENCH_REGISTRY } from "./registry.js";
import { ML_SPEC, OPTIMIZE_ROUTES, OPTIMIZE_SCENARIOS, measureAt, type OptimizeBench } from "./optimize-model.js";
import { PHASE_MEANING, PHASES, REQUEST_GAP_MS, type Breakdown } from "./phases.js";
import { verdict } from "./targets.js";

/** no-change is timed this many times and the median reported. */
export const NO_CHANGE_RUNS = 3;

const mb = (b: number) => (b / 1e6).toFixed(1);
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b === 0 ? "–" : (a / b).toFixed(2));
const s = (x: number | undefined) => (x === undefined ? "–" : x === 0 ? "0" : x.toFixed(2));

export function mirrorWhat(metadata: boolean): string {
  return metadata ? "serving PEP 658 metadata and PEP 691 JSON, as PyPI does" : "served as a plain PEP 503 tree, no metadata (IMAGESPEC_BENCH_MIRROR_METADATA=0)";
}

function breakdownRow(scenario: string, route: string, b: Breakdown): string {
  const start = `${s(b.clientStartup)} / ${s(b.frontendStartup)}`;
  return `| ${scenario} | ${route} | ${s(b.seconds)} | ${start} | ${b.requests} | ${PHASES.map((p) => s(b.union[p])).join(" | ")} | ${s(b.idle)} | ${b.steps.ran} / ${b.steps.cached} |`;
}

/** `chart`: the SVG file's name, beside the Markdown. */
export function optimizeMarkdown(bench: OptimizeBench, machine: string, chart: string): string[] {
  const at = (route: (typeof OPTIMIZE_ROUTES)[number], scenario: (typeof OPTIMIZE_SCENARIOS)[number]) => measureAt(bench.measures, route, scenario);
  const partial = bench.routes.length < OPTIMIZE_ROUTES.length || bench.scenarios.length < OPTIMIZE_SCENARIOS.length;
  const md = [
    "# Optimize benchmark: real packages, built and pushed",
    "",
    `Machine: ${machine}.`,
    "",
    `![Wall time per scenario and route, stacked by where the time went](${chart})`,
    "",
    bench.spec === ML_SPEC
      ? "Spec `bench/specs/ml` (torch 2.13.0+cpu, numpy, pandas, scikit-learn, requests, zipp; apt jq; workdir, copied src, env) from the machine's package mirror over loopback HTTP, installer pip, base `127.0.0.1:5000/debian-python:3.11-bookworm`."
      : `Spec \`${bench.spec}\` (IMAGESPEC_BENCH_OPTIMIZE_SPEC; not the ML spec, so these numbers say nothing of the targets) from the machine's package mirror over loopback HTTP, installer pip.`,
    `Package mirror: ${mirrorWhat(bench.mirrorMetadata)}.`,
    `Every build is \`docker buildx build --network host --provenance=false --progress=rawjson\` pushing to a registry the bench owns (${BENCH_REGISTRY}), wiped with the build cache before each route's cold build.`,
    "Routes: our frontend with `optimize=true` (optimize-on) and `optimize=false` (optimize-off), and the Dockerfile Flyte's local builder writes for the same spec.",
    "Time includes the push; \"new MB\" is how much the registry's blob storage grew (cold's includes the base image, pushed there too); layers and image MB (sum of compressed layer sizes) are read from the pushed manifest.",
    "Scenarios run in this order, each on top of the last: cold, no-change, add-package (tabulate), bump-package (zipp 3.23.0 → 4.1.0), edit-file, apt-change (+ tree), sibling (`sibling.yaml`: the same heavy packages with click and colorama instead of requests and zipp, pushed to another repository of the same registry), then the two fresh-builder scenarios, which start from an emptied builder (`docker buildx prune -af` and the bench's images removed, as before cold) and import the registry cache exported after cold (`--cache-from type=registry,ref=…`): fresh-same builds the spec as cold built it (none of the edits), fresh-sibling builds `sibling.yaml` (with the original copied files), each after emptying the builder again.",
    "The cache: right after each route's cold build, the same build runs again with `--cache-to type=registry,ref=<bench registry>/bench/<spec>-cache-<route>:cold,mode=max` (a no-change build plus the export), so cold's time stays what a build without a cache export takes and stays comparable with earlier runs; what that export cost is listed below.",
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
  md.push("", "| scenario | time on/off | time on/Dockerfile | time off/Dockerfile | new bytes on/off | new bytes on/Dockerfile |", "| --- | ---: | ---: | ---: | ---: | ---: |");
  for (const scenario of bench.scenarios) {
    const [on, off, df] = OPTIMIZE_ROUTES.map((r) => at(r, scenario));
    md.push(`| ${scenario} | ${ratio(on?.seconds, off?.seconds)} | ${ratio(on?.seconds, df?.seconds)} | ${ratio(off?.seconds, df?.seconds)} | ${ratio(on?.newBytes, off?.newBytes)} | ${ratio(on?.newBytes, df?.newBytes)} |`);
  }
  md.push("", "## Targets (issue 19, optimize on)", "", "| target | measured | verdict |", "| --- | ---: | --- |");
  for (const t of bench.targets) md.push(`| ${t.target} | ${t.measured} | ${verdict(t)} |`);

  const exports = bench.routes.flatMap((r) => {
    const c = at(r, "cold")?.cacheExport;
    return c ? [`| ${r} | ${c.seconds} | ${mb(c.newBytes)} | ${s(c.breakdown?.union["cache-export"])} |`] : [];
  });
  if (exports.length > 0) md.push("", "## Registry cache export after cold", "", "| route | wall s (no-change build + export) | new MB | cache-export s |", "| --- | ---: | ---: | ---: |", ...exports);

  if (bench.measures.some((m) => m.breakdown)) md.push(...breakdownSection(bench));
  md.push("", `no-change is the median of ${NO_CHANGE_RUNS} builds (its new MB their sum); every other row is one build, on a 2-core machine that other work may share. A ratio whose denominator is 0 or missing shows –.`);
  if (bench.measures.some((m) => m.retried)) md.push("", "† the engine lost a containerd snapshot during this build; it was timed again after pruning the cache and rebuilding the state before the scenario.");
  return md;
}

function breakdownSection(bench: OptimizeBench): string[] {
  const md = [
    "",
    "## Where the time goes",
    "",
    "From each build's BuildKit status stream (`--progress=rawjson`): every step is put in a phase by its name, and a phase's seconds are the wall-clock union of its steps' intervals (steps run side by side on 2 cores, so never their sum; the phases of a row may add up to more than its wall time). " +
      "The chart instead splits each instant evenly among the phases running at it, so its stacks add up to the wall time. " +
      '"idle" is the time no step ran: the client starting, the frontend starting, and the frontend between its requests. ' +
      '"start-up" is the client\'s (command start to the first step) / the frontend\'s (its image ready to its first request; – on the Dockerfile route). ' +
      `"requests" counts bursts of steps separated by at least ${REQUEST_GAP_MS} ms with no step running, after the frontend was ready: each a request the frontend waited on (a file read, an image config, a solve), the last the final solve with the export; an estimate, since the stream does not say which solve a step belongs to. ` +
      "no-change's row is its median build.",
    "",
    `| scenario | route | wall s | start-up s | requests | ${PHASES.join(" | ")} | idle | steps ran / cached |`,
    `| --- | --- | ---: | ---: | ---: | ${PHASES.map(() => "---:").join(" | ")} | ---: | ---: |`,
  ];
  for (const scenario of bench.scenarios) {
    for (const route of bench.routes) {
      const b = measureAt(bench.measures, route, scenario)?.breakdown;
      if (b) md.push(breakdownRow(scenario, route, b));
    }
  }
  md.push("", "Phases:", ...PHASES.map((p) => `- **${p}**: ${PHASE_MEANING[p]}.`));
  return md;
}
