/** `npm run bench`: runs the benchmarks and writes bench/results/. */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { benchLlb } from "./llb.js";

const results: Record<string, unknown> = {
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
  date: new Date().toISOString(),
};

const llb = benchLlb();
results.llb = llb;
console.log(`LLB marshal+encode of ${llb.ops} ops: median ${llb.marshal.medianMs} ms, p95 ${llb.marshal.p95Ms} ms (target < 50 ms)`);

const dir = join(import.meta.dirname ?? ".", "results");
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, "latest.json"), JSON.stringify(results, null, 2) + "\n");
