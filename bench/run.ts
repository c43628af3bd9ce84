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
console.log(`LLB marshal of ${llb.ops} ops (cold graphs): median ${llb.marshalCold.medianMs} ms, p95 ${llb.marshalCold.p95Ms} ms (target < 50 ms)`);
console.log(`LLB Definition encode (${(llb.encodeBytes / 1024).toFixed(0)} KiB): median ${llb.encode.medianMs} ms, p95 ${llb.encode.p95Ms} ms`);

const dir = join(import.meta.dirname ?? ".", "results");
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, "latest.json"), JSON.stringify(results, null, 2) + "\n");
