/** imagespec-build: builds a spec on BuildKit with the imagespec frontend and prints the pushed image. */
import { createHash } from "node:crypto";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  connectFirst,
  contextDigest,
  describeError,
  engineCanPush,
  formatAddress,
  HashRing,
  livePrinter,
  makeFilter,
  parseAddress,
  parseDockerignore,
  plainPrinter,
  quietPrinter,
  registryAuth,
  runBuild,
  secretStore,
  tagDigest,
  tlsFromDir,
  type BuildkitAddress,
  type ProgressPrinter,
  type TlsFiles,
} from "../src/index.js";
import { parseArgs, UsageError, USAGE, type BuildArgs } from "./args.js";
import { parseCacheFlag } from "./cache-flag.js";
import { sharedCacheEntries, sharedCacheRepository } from "./shared-cache.js";
import { defaultTag, specKey } from "./default-tag.js";
import { InputError, prepareContext, readSpec, workDir } from "./inputs.js";
import { pushExportAttrs } from "./push-export.js";
import { registryHost, resolveTarget } from "./target.js";

declare const __IMAGESPEC_VERSION__: string | undefined;
const VERSION = typeof __IMAGESPEC_VERSION__ === "string" ? __IMAGESPEC_VERSION__ : "dev";

export interface Io {
  stdout: (s: string) => void;
  stderr: NodeJS.WriteStream | { write(s: string): unknown; isTTY?: boolean };
}

const defaultIo: Io = { stdout: (s) => process.stdout.write(s), stderr: process.stderr };

function printer(mode: BuildArgs["progress"], io: Io): ProgressPrinter {
  if (mode === "quiet") return quietPrinter;
  if (mode === "auto" && io.stderr.isTTY && process.env.TERM !== "dumb") return livePrinter(io.stderr as NodeJS.WriteStream);
  return plainPrinter((s) => io.stderr.write(s));
}

async function dockerignoreOf(dir: string): Promise<string[]> {
  try {
    return parseDockerignore(await readFile(join(dir, ".dockerignore"), "utf8"));
  } catch {
    return [];
  }
}

function addresses(a: BuildArgs, env: NodeJS.ProcessEnv): BuildkitAddress[] {
  let tls: TlsFiles | undefined = a.tls;
  if (a.tlsDir) tls = { ...tlsFromDir(a.tlsDir), ...a.tls };
  return a.buildkit.map((b) => parseAddress(b, env, tls));
}

async function build(a: BuildArgs, env: NodeJS.ProcessEnv, io: Io, work: string): Promise<number> {
  const log = (s: string) => io.stderr.write(s + "\n");
  const builders = addresses(a, env);
  const target = resolveTarget(a.targetImage, a.defaultRepository);
  const sharedRepo = sharedCacheRepository(a.sharedCache, a.defaultRepository);
  const shared = sharedRepo ? sharedCacheEntries(sharedRepo, target.repository, a.insecureRegistry) : { imports: [], exports: [] };
  const cacheFrom = [...a.cacheFrom.map((c) => parseCacheFlag(c, "--cache-from")), ...shared.imports];
  const cacheTo = [...a.cacheTo.map((c) => parseCacheFlag(c, "--cache-to")), ...shared.exports];

  const spec = await readSpec(a.spec, work);
  const context = await prepareContext(a.context, work);

  const attrs: Record<string, string> = { filename: spec.filename };
  if (a.optimize !== undefined) attrs.optimize = String(a.optimize);
  if (a.platforms.length) attrs.platform = a.platforms.join(",");
  // BuildKit's own key: the frontend answers it with its SBOM (and the default tag differs from the image without one).
  if (a.sbom && !("attest:sbom" in attrs)) attrs["attest:sbom"] = "";
  for (const [k, v] of a.opts) attrs[k] = v;
  if (a.network && a.network !== "default") attrs["force-network-mode"] = a.network;

  let tag = target.tag;
  if (!tag) {
    const filter = await makeFilter(context, {}, [await dockerignoreOf(context)]);
    tag = defaultTag({ spec: spec.data, context: await contextDigest(context, filter), settings: attrs });
  }
  const ref = `${target.repository}:${tag}`;
  const host = registryHost(target.repository);
  const auth = registryAuth(a.auth, env);

  const report = async (digest: string) => {
    const line = `${ref}@${digest}`;
    io.stdout(line + "\n");
    if (a.outputFile) await writeFile(a.outputFile, line + "\n");
  };

  if (!a.force) {
    const existing = await tagDigest(target.repository, tag, host, { auth, insecure: a.insecureRegistry });
    if (existing) {
      log(`${ref} already exists; not building (--force builds anyway)`);
      await report(existing);
      return 0;
    }
  }

  const key = specKey(spec.data);
  const order = builders.length > 1 ? new HashRing(builders.map(formatAddress)).order(key).map((n) => builders.find((b) => formatAddress(b) === n)!) : builders;
  const builder = await connectFirst(order, (b, e) => log(`BuildKit ${formatAddress(b)} did not answer (${e.message}); trying the next`));
  try {
    if (builder.address.kind === "docker" && !engineCanPush(builder.workers)) {
      throw new InputError("this Docker engine keeps images in its graph-driver store, whose BuildKit cannot push; enable the containerd image store or use a buildkitd");
    }
    if (builders.length > 1) log(`building on ${formatAddress(builder.address)}`);
    const progress = printer(a.progress, io);
    const imageAttrs = pushExportAttrs(ref, a.insecureRegistry);
    let response: Record<string, string>;
    try {
      response = await runBuild(builder, {
        frontendImage: a.frontend,
        frontendAttrs: attrs,
        exports: [{ type: "image", attrs: imageAttrs }],
        cacheImports: cacheFrom,
        cacheExports: cacheTo,
        entitlements: a.allow,
        dirs: [
          { name: "context", dir: context, dockerignore: true },
          { name: "dockerfile", dir: spec.dir },
        ],
        auth,
        secrets: secretStore(a.secrets, env),
        // A header value, so ASCII whatever the path: the same directory, the same key.
        sharedKey: createHash("sha256").update(context).digest("hex").slice(0, 32),
        onStatus: (s) => progress.status(s),
      });
    } catch (e) {
      progress.finish(true);
      log(`error: ${describeError(e)}`);
      return 1;
    }
    progress.finish(false);
    const digest = response["containerimage.digest"];
    if (!digest) throw new Error("BuildKit reported no image digest");
    await report(digest);
    return 0;
  } finally {
    builder.close();
  }
}

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, io: Io = defaultIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs(argv, env);
  } catch (e) {
    io.stderr.write(`imagespec-build: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.kind === "help") {
    io.stdout(USAGE);
    return 0;
  }
  if (parsed.kind === "version") {
    io.stdout(`imagespec-build ${VERSION}\n`);
    return 0;
  }
  const work = await workDir();
  try {
    return await build(parsed.args, env, io, work);
  } catch (e) {
    const usage = e instanceof UsageError || e instanceof InputError || (e as Error).name === "AddressError";
    io.stderr.write(`imagespec-build: ${describeError(e)}\n`);
    return usage ? 2 : 1;
  } finally {
    await rm(work, { recursive: true, force: true }).catch(() => undefined);
  }
}
