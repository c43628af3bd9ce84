// Bundles the frontend into one file with no runtime node_modules: dist/frontend.cjs.
import { chmodSync, cpSync, readFileSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { protoDescriptor, VIRTUAL_DESCRIPTORS } from "./proto-descriptor.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));

const protoPlugin = {
  name: "proto-descriptor",
  setup(build) {
    build.onResolve({ filter: /^virtual:(client-)?proto-descriptor$/ }, (args) => ({ path: args.path, namespace: "proto" }));
    build.onLoad({ filter: /.*/, namespace: "proto" }, (args) => ({
      contents: JSON.stringify(protoDescriptor(join(root, "proto"), VIRTUAL_DESCRIPTORS[args.path])),
      loader: "json",
    }));
  },
};

/** esbuild options every bundle of our TypeScript for Node shares (the frontend, the benchmarks). */
export const nodeBundleOptions = {
  bundle: true,
  platform: "node",
  // Prefer packages' ES module builds: some UMD builds (jsonc-parser) require files dynamically.
  mainFields: ["module", "main"],
  target: "node20",
  plugins: [protoPlugin],
  logLevel: "warning",
};

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await bundleFrontend();
  await bundleBuildClient();
  await bundleService();
}

/**
 * The build service (`imagespec-serve`, the image's `serve` command): an ES module bundle, since
 * its libraries (fastify, node-pg-migrate) are ES modules; its SQL migrations sit beside it.
 */
async function bundleService() {
  await bundleExecutable("service/main.ts", "dist/imagespec-serve.mjs", {
    format: "esm",
    // Bundled CommonJS packages call require(); an ES module has none of its own.
    banner: { js: "#!/usr/bin/env node\nimport { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  });
  rmSync(join(root, "dist/migrations"), { recursive: true, force: true });
  cpSync(join(root, "service/migrations"), join(root, "dist/migrations"), { recursive: true });
}

/** A minified, executable bundle of one entry point, with the package's version built in. */
async function bundleExecutable(entry, out, options) {
  const outfile = join(root, out);
  await esbuild.build({
    entryPoints: [join(root, entry)],
    outfile,
    ...nodeBundleOptions,
    minify: true,
    legalComments: "none",
    define: { __IMAGESPEC_VERSION__: JSON.stringify(pkg.version) },
    ...options,
  });
  chmodSync(outfile, 0o755);
  console.error(`built ${out} (${(statSync(outfile).size / 1024).toFixed(0)} KiB)`);
}

/**
 * The BuildKit client CLI, a bundle of its own (the frontend's start-up stays as it is):
 * `imagespec-build` runs it directly, the frontend image's `build` command requires it.
 */
async function bundleBuildClient() {
  await bundleExecutable("client/cli/main.ts", "dist/imagespec-build.cjs", {
    format: "cjs",
    banner: { js: "#!/usr/bin/env node" },
    footer: { js: "if (require.main === module) module.exports.main(process.argv.slice(2)).then((code) => { process.exitCode = code; });" },
  });
}

async function bundleFrontend() {
const result = await esbuild.build({
  entryPoints: [join(root, "frontend/main.ts")],
  outfile: join(root, "dist/frontend.cjs"),
  ...nodeBundleOptions,
  format: "cjs",
  minify: true,
  sourcemap: false,
  legalComments: "none",
  metafile: true,
  define: { __IMAGESPEC_VERSION__: JSON.stringify(pkg.version) },
});
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
console.error(`built dist/frontend.cjs (${(bytes / 1024).toFixed(0)} KiB)`);
}
