/**
 * Validation benchmark: the worst input of each hostile class (bench/hostile-inputs.ts), each
 * loaded in a fresh child process so its peak memory (maxRSS) is its own. Target: every input
 * up to the 1 MiB limit in at most 1 s and 256 MB.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSpec } from "../frontend/imagespec/load.js";
import { SpecError } from "../frontend/imagespec/problems.js";
import { fullInput, HOSTILE_INPUTS } from "./hostile-inputs.js";
import { round } from "./stats.js";

/** The argument that makes the benchmark bundle measure one input instead of benchmarking. */
export const VALIDATE_CHILD_FLAG = "--validate-one";

export const VALIDATE_TARGET = { ms: 1000, rssMB: 256 } as const;

const WARM_RUNS = 3;

export interface ValidateMeasurement {
  /** Time of the first load in the process (includes compiling the code paths). */
  coldMs: number;
  /** Median of the loads after it. */
  warmMs: number;
  /** Peak resident memory of the whole process after the first load, and before the input was read. */
  peakRssMB: number;
  baselineRssMB: number;
  verdict: string;
}

export interface ValidateBench extends ValidateMeasurement {
  case: string;
  bytes: number;
}

const rssMB = () => round(process.resourceUsage().maxRSS / 1024);

function verdictOf(data: Uint8Array, filename: string): string {
  try {
    loadSpec(data, filename);
    return "valid";
  } catch (e) {
    if (!(e instanceof SpecError)) throw e;
    const first = e.problems[0]!;
    return `${e.problems.length} problem${e.problems.length === 1 ? "" : "s"}: ${first.message.slice(0, 70)}`;
  }
}

/** Child side: loads one file and prints the measurement as JSON. */
export function validateChild(file: string, filename: string): number {
  const baselineRssMB = rssMB();
  const data = new Uint8Array(readFileSync(file));
  let t = performance.now();
  const verdict = verdictOf(data, filename);
  const coldMs = round(performance.now() - t);
  // The peak of one load: taken before the warm runs, whose garbage would add to it.
  const peakRssMB = rssMB();
  const warm: number[] = [];
  for (let i = 0; i < WARM_RUNS; i++) {
    t = performance.now();
    verdictOf(data, filename);
    warm.push(performance.now() - t);
  }
  warm.sort((a, b) => a - b);
  const m: ValidateMeasurement = { coldMs, warmMs: round(warm[Math.floor(warm.length / 2)]!), peakRssMB, baselineRssMB, verdict };
  process.stdout.write(JSON.stringify(m) + "\n");
  return 0;
}

/** Parent side: one child process per hostile input. `bundle` is the benchmark script itself. */
export function benchValidate(bundle: string): ValidateBench[] {
  const dir = mkdtempSync(join(tmpdir(), "bench-validate-"));
  try {
    return HOSTILE_INPUTS.map((h, i) => {
      const data = fullInput(h);
      const file = join(dir, `${i}-${h.filename}`);
      writeFileSync(file, data);
      const r = spawnSync(process.execPath, [bundle, VALIDATE_CHILD_FLAG, file, h.filename], { encoding: "utf8", env: process.env });
      if (r.status !== 0) throw new Error(`validate benchmark of "${h.name}" failed (exit ${r.status}): ${r.stderr}`);
      const m = JSON.parse(r.stdout.trim().split("\n").pop()!) as ValidateMeasurement;
      return { case: h.name, bytes: data.length, ...m };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function validateMarkdown(results: readonly ValidateBench[]): string[] {
  const over = results.filter((r) => r.coldMs > VALIDATE_TARGET.ms || r.peakRssMB > VALIDATE_TARGET.rssMB);
  return [
    "## Validation of hostile inputs (each in its own process)",
    "",
    `Target: every input up to the 1 MiB limit in ≤ ${VALIDATE_TARGET.ms} ms and ≤ ${VALIDATE_TARGET.rssMB} MB peak RSS (of the whole Node process). ${over.length === 0 ? "All within target." : `Over target: ${over.map((r) => r.case).join(", ")}.`}`,
    "",
    "| input | bytes | verdict | first load ms | warm median ms | peak RSS MB | RSS before MB |",
    "| --- | ---: | --- | ---: | ---: | ---: | ---: |",
    ...results.map((r) => `| ${r.case} | ${r.bytes} | ${r.verdict.replace(/\|/g, "\\|")} | ${r.coldMs} | ${r.warmMs} | ${r.peakRssMB} | ${r.baselineRssMB} |`),
  ];
}
