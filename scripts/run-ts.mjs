// Runs a TypeScript script of the repo: bundles it as the bench is bundled (the frontend's
// protocol descriptor is inlined at build time, so plain tsx cannot load it) and executes it.
//   node scripts/run-ts.mjs scripts/plan-digests.ts --check
import { spawnSync } from "node:child_process";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { nodeBundleOptions } from "./build.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error("usage: node scripts/run-ts.mjs FILE.ts [ARGS…]");
  process.exit(2);
}
const outfile = join(root, "dist", basename(entry).replace(/\.ts$/, ".mjs"));
await esbuild.build({
  entryPoints: [resolve(entry)],
  outfile,
  ...nodeBundleOptions,
  format: "esm",
  packages: "external",
  define: { "import.meta.dirname": JSON.stringify(dirname(resolve(entry))) },
});
const r = spawnSync(process.execPath, [outfile, ...args], { stdio: "inherit", cwd: root, env: { ...process.env, IMAGESPEC_REPO_ROOT: root } });
process.exit(r.status ?? 1);
