// Runs the benchmarks: bundles bench/run.ts (it imports the frontend, whose protocol
// descriptor is inlined at build time) and executes the bundle.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { nodeBundleOptions } from "./build.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outfile = join(root, "dist/bench.mjs");
await esbuild.build({
  entryPoints: [join(root, "bench/run.ts")],
  outfile,
  ...nodeBundleOptions,
  format: "esm",
  packages: "external",
  define: { "import.meta.dirname": JSON.stringify(join(root, "bench")) },
});
const r = spawnSync(process.execPath, [outfile, ...process.argv.slice(2)], { stdio: "inherit", cwd: root, env: { ...process.env, IMAGESPEC_REPO_ROOT: root } });
process.exit(r.status ?? 1);
