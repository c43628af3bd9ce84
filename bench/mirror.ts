/**
 * The machine's local mirror of real Python packages (two PEP 503 trees and a find-links dir
 * holding the CPU torch wheel), served over loopback HTTP so pip inside build steps reaches it.
 *
 * It is served as PyPI serves an index: each wheel's METADATA beside it (PEP 658/714) and PEP 691
 * JSON by Accept, from test/env/index_server.py with PyPI's cache headers. With `metadata: false`
 * (or IMAGESPEC_BENCH_MIRROR_METADATA=0) it serves what the plain tree does, none of that, so the
 * bench can say what an index without metadata costs.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../test/support/paths.js";
import { layFindLinks, layTree } from "./mirror-tree.js";
import { WheelFactsCache } from "./wheel-cache.js";

/** bench/specs/ml names http://127.0.0.1:5103/{pypi,pypi-more}/simple and /wheels/. */
export const MIRROR_PORT = 5103;
const TREES: Record<string, string> = { pypi: "/opt/pypi", "pypi-more": "/opt/pypi-more" };
const WHEELS = "/opt/wheels";
const TORCH_WHEEL = "torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl";

/** Why the mirror cannot serve the ml specs here, or undefined when it can. */
export function mirrorMissing(): string | undefined {
  for (const tree of Object.values(TREES)) if (!existsSync(join(tree, "simple"))) return `no package tree at ${tree}/simple`;
  if (!existsSync(join(WHEELS, TORCH_WHEEL))) return `no ${TORCH_WHEEL} in ${WHEELS}`;
  return undefined;
}

export interface Mirror {
  url: string;
  /** Whether it serves PEP 658 metadata and PEP 691 JSON. */
  metadata: boolean;
  stop(): void;
}

export interface MirrorOptions {
  metadata?: boolean;
  port?: number;
  /** A file to append "METHOD PATH STATUS" to for every request. */
  log?: string;
}

/** IMAGESPEC_BENCH_MIRROR_METADATA=0 serves the mirror as a plain PEP 503 tree. */
export function metadataFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.IMAGESPEC_BENCH_MIRROR_METADATA !== "0";
}

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).ok;
  } catch {
    return false;
  }
}

export async function serveMirror(opts: MirrorOptions = {}): Promise<Mirror> {
  const metadata = opts.metadata ?? metadataFromEnv();
  const port = opts.port ?? MIRROR_PORT;
  const url = `http://127.0.0.1:${port}`;
  if (await answers(`${url}/`)) throw new Error(`port ${port} is already taken; the ml specs need it for the package mirror`);
  const root = mkdtempSync(join(tmpdir(), "imagespec-bench-mirror-"));
  const cache = new WheelFactsCache();
  for (const [name, tree] of Object.entries(TREES)) await layTree(root, name, tree, cache);
  await layFindLinks(join(root, "wheels"), WHEELS, cache);
  const args = [join(repoRoot, "test/env/index_server.py"), root, String(port), "--immutable-files", ...(metadata ? [] : ["--no-metadata"]), ...(opts.log ? ["--log", opts.log] : [])];
  const server: ChildProcess = spawn("python3", args, { stdio: "ignore" });
  const stop = () => {
    server.kill();
    rmSync(root, { recursive: true, force: true });
  };
  for (let i = 0; i < 40 && server.exitCode === null; i++) {
    if (await answers(`${url}/wheels/`)) return { url, metadata, stop };
    await new Promise((r) => setTimeout(r, 250));
  }
  stop();
  throw new Error(`the package mirror did not come up on ${url}`);
}
