/**
 * `npm run bench`: compile and LLB micro-benchmarks, the build benchmark against Dockerfiles,
 * then the optimize benchmark on real packages. `--micro` runs the first part only,
 * `--optimize [--routes=…] [--scenarios=…]` the last only (IMAGESPEC_BENCH_OPTIMIZE_SPEC: another spec dir,
 * its results in files of their own), `--optimize-report[=name]` re-renders its Markdown and chart,
 * `--wide` runs the 150-distribution spec only.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { benchCompile } from "./compile.js";
import { benchBuilds, buildsMarkdown } from "./builds.js";
import { benchLinear, linearMarkdown } from "./linear.js";
import { benchLlb } from "./llb.js";
import { benchOptimize } from "./optimize.js";
import { optimizeChartSvg } from "./optimize-chart.js";
import { checkTargets } from "./targets.js";
import { optimizeMarkdown } from "./optimize-markdown.js";
import { ML_SPEC, optimizeSelection, resultsName, type OptimizeBench } from "./optimize-model.js";
import { benchValidate, validateChild, validateMarkdown, VALIDATE_CHILD_FLAG, VALIDATE_TARGET } from "./validate.js";
import { benchWide, wideMarkdown } from "./wide.js";

if (process.argv[2] === VALIDATE_CHILD_FLAG) process.exit(validateChild(process.argv[3]!, process.argv[4]!));

const onlyMicro = process.argv.includes("--micro");
const onlyOptimize = process.argv.includes("--optimize");
const onlyWide = process.argv.includes("--wide");
const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version };
const date = new Date().toISOString();
const machineLine = `${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}; ${date}`;
const dir = join(import.meta.dirname, "results");
mkdirSync(dir, { recursive: true });

/** The optimize benchmark's Markdown and chart, beside its JSON. */
function writeOptimizeReport(bench: OptimizeBench, line: string): void {
  const name = resultsName(bench.spec);
  writeFileSync(join(dir, `${name}.md`), optimizeMarkdown(bench, line, `${name}.svg`).join("\n") + "\n");
  writeFileSync(join(dir, `${name}.svg`), optimizeChartSvg(bench, line));
  console.log(`wrote ${join(dir, name)}.{md,svg}`);
}

/** The optimize benchmark writes its own results files, whether run alone or with the rest. */
async function runOptimize(): Promise<void> {
  const bench = await benchOptimize(optimizeSelection(process.argv));
  if (!bench) return;
  writeFileSync(join(dir, `${resultsName(bench.spec)}.json`), JSON.stringify({ machine, date, ...bench }, null, 2) + "\n");
  writeOptimizeReport(bench, machineLine);
}

/** The wide spec (150 distributions, cold, optimize on vs off) writes its own results file too. */
async function runWide(): Promise<void> {
  const wide = await benchWide();
  writeFileSync(join(dir, "wide.json"), JSON.stringify({ machine, date, ...wide }, null, 2) + "\n");
  writeFileSync(join(dir, "wide.md"), [`# Wide spec benchmark`, "", `Machine: ${machineLine}`, "", ...wideMarkdown(wide)].join("\n") + "\n");
  console.log(`wrote ${join(dir, "wide")}.{json,md}`);
}

if (onlyOptimize) {
  await runOptimize();
  process.exit(0);
}
if (onlyWide) {
  await runWide();
  process.exit(0);
}

// `--optimize-report[=name]`: the Markdown and chart again from bench/results/<name>.json (default optimize), without building.
const report = process.argv.find((a) => a.startsWith("--optimize-report"));
if (report) {
  const name = report.split("=")[1] ?? "optimize";
  const saved = JSON.parse(readFileSync(join(dir, `${name}.json`), "utf8")) as OptimizeBench & { machine: typeof machine; date: string };
  const bench: OptimizeBench = { ...saved, spec: saved.spec ?? ML_SPEC, targets: checkTargets(saved.measures) };
  const m = saved.machine;
  writeOptimizeReport(bench, `${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}; ${saved.date}`);
  process.exit(0);
}

const results: Record<string, unknown> = { machine, date };
const md: string[] = [`# Benchmark results`, "", `Machine: ${machineLine}`, ""];

const compile = benchCompile();
results.compile = compile;
md.push("## Compile (spec text → Definition bytes)", "", "| spec | spec bytes | Definition bytes | median ms | p95 ms |", "| --- | ---: | ---: | ---: | ---: |");
for (const c of compile) {
  md.push(`| ${c.case} | ${c.specBytes} | ${c.definitionBytes} | ${c.timing.medianMs} | ${c.timing.p95Ms} |`);
  console.log(`compile ${c.case}: median ${c.timing.medianMs} ms, p95 ${c.timing.p95Ms} ms`);
}

const llb = benchLlb();
results.llb = llb;
md.push("", "## LLB library (5,000-op graph)", "", "| step | median ms | p95 ms |", "| --- | ---: | ---: |");
md.push(`| build the graph (State API) | ${llb.build.medianMs} | ${llb.build.p95Ms} |`, `| marshal (cold graphs) | ${llb.marshalCold.medianMs} | ${llb.marshalCold.p95Ms} |`, `| encode Definition (${(llb.encodeBytes / 1024).toFixed(0)} KiB) | ${llb.encode.medianMs} | ${llb.encode.p95Ms} |`);
console.log(`LLB graph of ${llb.ops} ops built with the State API: median ${llb.build.medianMs} ms, p95 ${llb.build.p95Ms} ms`);
console.log(`LLB marshal of ${llb.ops} ops (cold graphs): median ${llb.marshalCold.medianMs} ms, p95 ${llb.marshalCold.p95Ms} ms (target < 50 ms)`);
console.log(`LLB Definition encode (${(llb.encodeBytes / 1024).toFixed(0)} KiB): median ${llb.encode.medianMs} ms, p95 ${llb.encode.p95Ms} ms`);

const validate = benchValidate(process.argv[1]!);
results.validate = { target: VALIDATE_TARGET, cases: validate };
md.push("", ...validateMarkdown(validate));
for (const v of validate) console.log(`validate ${v.case} (${v.bytes} B): first ${v.coldMs} ms, warm ${v.warmMs} ms, peak RSS ${v.peakRssMB} MB — ${v.verdict}`);

const linear = benchLinear();
results.linear = linear;
md.push("", ...linearMarkdown(linear));
for (const r of linear) console.log(`doubling ${r.parser} ${r.input} (n=${r.n}): time ratio ${r.ratio}`);

if (!onlyMicro) {
  const builds = await benchBuilds();
  results.builds = builds;
  md.push("", ...buildsMarkdown(builds));
}
writeFileSync(join(dir, onlyMicro ? "micro.json" : "latest.json"), JSON.stringify(results, null, 2) + "\n");
writeFileSync(join(dir, onlyMicro ? "micro.md" : "latest.md"), md.join("\n") + "\n");
console.log(`wrote ${join(dir, onlyMicro ? "micro" : "latest")}.{json,md}`);

if (!onlyMicro) {
  await runWide();
  await runOptimize();
}
