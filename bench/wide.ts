/**
 * The wide spec: one pip layer that brings in 150 small distributions (`many-all` of the test
 * index), built cold with optimize on and off, in alternating pairs on an emptied builder.
 * Issue 19's target: optimize on ≤ 1.2 × optimize off.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEngine } from "../test/support/engine.js";
import { sh } from "./builds.js";
import { quantile, round } from "./stats.js";

const PAIRS = 3;
export const WIDE_TARGET = 1.2;

export interface WideBench {
  pairs: { on: number; off: number }[];
  onMedian: number;
  offMedian: number;
  /** Median of the pairs' on/off ratios. */
  ratio: number;
  layers: { on: number; off: number };
}

function spec(registry: string, index: string): string {
  return [
    `base_image: ${registry}/debian-python:3.11-bookworm`,
    'python_version: "3.11"',
    "layers:",
    "  - pip_packages:",
    "      packages: [many-all]",
    `      options: {index_url: "${index}"}`,
    "",
  ].join("\n");
}

/** One cold build (builder emptied first), pushed; seconds and the image's layer count. */
function coldBuild(env: NodeJS.ProcessEnv, frontend: string, dir: string, optimize: boolean, tag: string): { seconds: number; layers: number } {
  sh(env, "docker", ["buildx", "prune", "-af"]);
  const args = ["buildx", "build", "--progress=quiet", "--network", "host", "--provenance=false", "--build-arg", `BUILDKIT_SYNTAX=${frontend}`, "--build-arg", "installer=pip"];
  args.push("--build-arg", `optimize=${optimize}`, "-f", join(dir, "spec.yaml"), "-t", tag, "--push", dir);
  const t = performance.now();
  sh(env, "docker", args);
  const seconds = (performance.now() - t) / 1000;
  const manifest = JSON.parse(sh(env, "docker", ["buildx", "imagetools", "inspect", "--raw", tag])) as { layers?: unknown[] };
  return { seconds, layers: manifest.layers?.length ?? 0 };
}

export async function benchWide(): Promise<WideBench> {
  const { env, frontendImage } = startEngine();
  const fullEnv = { ...process.env, ...env };
  const dir = mkdtempSync(join(tmpdir(), "bench-wide-"));
  writeFileSync(join(dir, "spec.yaml"), spec(env.IMAGESPEC_REGISTRY!, env.IMAGESPEC_INDEX_URL!));
  const pairs: WideBench["pairs"] = [];
  const layers = { on: 0, off: 0 };
  for (let i = 0; i < PAIRS; i++) {
    // Alternate which goes first, so a drift of the machine's speed hits both alike.
    const order = i % 2 === 0 ? [true, false] : [false, true];
    const pair = { on: 0, off: 0 };
    for (const optimize of order) {
      const tag = `${env.IMAGESPEC_REGISTRY}/bench-wide/${optimize ? "on" : "off"}:${i}`;
      const r = coldBuild(fullEnv, frontendImage, dir, optimize, tag);
      pair[optimize ? "on" : "off"] = round(r.seconds);
      layers[optimize ? "on" : "off"] = r.layers;
      console.log(`wide spec cold, optimize ${optimize ? "on" : "off"}: ${round(r.seconds)} s, ${r.layers} layers`);
    }
    pairs.push(pair);
  }
  const median = (xs: number[]) => round(quantile(xs, 0.5));
  return { pairs, onMedian: median(pairs.map((p) => p.on)), offMedian: median(pairs.map((p) => p.off)), ratio: median(pairs.map((p) => p.on / p.off)), layers };
}

export function wideMarkdown(w: WideBench): string[] {
  const verdict = w.ratio <= WIDE_TARGET ? "met" : "MISSED";
  return [
    "## Wide spec: 150 distributions, cold, optimize on vs off",
    "",
    "One pip layer (`many-all` of the test index: 150 small pure-Python distributions), pushed to the test registry, builder emptied before every build; pairs alternate which route goes first.",
    "",
    "| pair | optimize on s | optimize off s | on/off |",
    "| --- | ---: | ---: | ---: |",
    ...w.pairs.map((p, i) => `| ${i + 1} | ${p.on} | ${p.off} | ${round(p.on / p.off)} |`),
    "",
    `Median on ${w.onMedian} s, off ${w.offMedian} s; median ratio ${w.ratio} (target ≤ ${WIDE_TARGET}: ${verdict}). Layers: ${w.layers.on} with optimize, ${w.layers.off} without.`,
  ];
}
