"use strict";
// Entry point of the frontend image: runs the bundle with V8's code cache for it, which the
// image build writes once (`boot.cjs --write-v8-cache`, same node binary), cutting start-up by
// tens of milliseconds on every build. Without a usable cache it simply compiles the bundle.
const fs = require("node:fs");
const path = require("node:path");
const vm = require("node:vm");
const { wrap } = require("node:module");

// `serve` is the build service, an ES module bundle of its own (the frontend's start-up is untouched).
if (process.argv[2] === "serve") {
  import(path.join(__dirname, "imagespec-serve.mjs")).then((m) => m.main(process.argv.slice(3))).then((code) => {
    if (code >= 0) process.exitCode = code;
  });
  return;
}

const bundle = path.join(__dirname, "frontend.cjs");
const cacheFile = `${bundle}.v8cache`;
const writeCache = process.argv[2] === "--write-v8-cache";
if (writeCache) process.argv.splice(2, 1, "help");

let cachedData;
if (!writeCache) {
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
}
const source = fs.readFileSync(bundle, "utf8").replace(/^#!.*\n/, "");
const script = new vm.Script(wrap(source), { filename: bundle, ...(cachedData ? { cachedData } : {}) });
const mod = { exports: {} };
script.runInThisContext().call(mod.exports, mod.exports, require, mod, bundle, __dirname);
// The cache holds the bytecode of every function compiled by the time it is made: so first the
// compiler runs over a sample spec (in memory), and a build finds its functions compiled.
if (writeCache) {
  Promise.resolve(mod.exports.exerciseCompiler?.()).then(() => fs.writeFileSync(cacheFile, script.createCachedData()));
}
