/** One frontend run: options, spec, facts, then per platform plan, optimize, lower and solve; the result. */
import { formatPlatform, LINUX_AMD64, parsePlatform, platformToOCI, samePlatform, type Platform } from "../../llb/src/platform.js";
import { normalizeImageReference, pinImageReference } from "../../llb/src/reference.js";
import { SourceMap } from "../../llb/src/sourcemap.js";
import { needsPython, planImage } from "../plan/plan-image.js";
import { filesToRead } from "../plan/files-to-read.js";
import type { Plan } from "../plan/plan.js";
import { imageConfig } from "../plan/config.js";
import { PythonUnavailableError } from "../plan/python.js";
import { optimizeInPhases } from "../optimize/phases.js";
import { warmUpPlan } from "../optimize/warm-up.js";
import { lower, type LowerContext } from "../lower/lower.js";
import { noteDefinition } from "../lower/reads.js";
import { carryProbes } from "../lower/carry-probes.js";
import { UserError } from "../common/errors.js";
import { daemonFacts } from "./daemon-facts.js";
import { DEFAULT_PATH, envMap, type OciImage } from "../plan/image-config.js";
import { loadSpec, textFormat, type LoadedSpec } from "../imagespec/load.js";
import { specDigest } from "../imagespec/digest.js";
import { VERSION } from "../version.js";
import type { FrontendEnv } from "./env.js";
import type { SpecFile } from "./errors.js";
import { listWheels, probePython, readContextFiles, readDockerignore, readSpecFile, requirementClosure } from "./facts.js";
import { Gateway, type Caps } from "./gateway.js";
import { buildSettings, DEFAULT_MAX_LAYERS, parseOptions, type FrontendOptions } from "../options/options.js";
import { buildResult, type PlatformResult } from "./result.js";
import { sbomAttestation } from "./sbom.js";
import { createdFrom, epochOf } from "../options/source-date.js";
import { checkBaseImage } from "../options/base-policy.js";
import { ownPip, ownUv } from "./own-image.js";
import { Stopwatch } from "./timings.js";
import type { FactsRequest } from "../optimize/facts.js";
import { describeResult, DESCRIBE, LINT, lintErrorResult, lintResult, needsSpec, OUTLINE, outlineResult, TARGETS, targetsResult, UnsupportedSubrequestError, warningText } from "./subrequests.js";
import { LINT_RULES, lintSpec, ruleUrl } from "../imagespec/lint.js";
import { SpecError } from "../imagespec/problems.js";
import { toPbRange } from "../common/positions.js";

export interface BuildState {
  /** Set once the spec is read, so errors can point into it. */
  specFile?: SpecFile;
  loaded?: LoadedSpec;
}

interface BaseImage {
  ref: string;
  config: OciImage;
  rawConfig: Uint8Array;
}

async function resolveBase(gw: Gateway, caps: Caps, o: FrontendOptions, name: string, platform: Platform): Promise<BaseImage> {
  const override = o.namedContexts.get(`${name}::${formatPlatform(platform)}`) ?? o.namedContexts.get(name);
  let ref = normalizeImageReference(name);
  if (override !== undefined) {
    if (!override.startsWith("docker-image://")) {
      throw new UserError(`named context for the base image must be docker-image://…, got "${override}"`, "base_image");
    }
    ref = normalizeImageReference(override.slice("docker-image://".length));
  }
  // ResolveImageConfig where the daemon has it: through buildx, ResolveSourceMeta took 60 ms for
  // the same answer ResolveImageConfig gave in 17–21 ms (Docker 28, buildx 0.29; 21–29 ms both
  // through our own client), and a no-change build waits for it. Both apply source policies.
  const resolved = await gw.resolveImage(ref, platform, o.resolveMode, !caps.gateway.has("resolveimage") && caps.gateway.has("source.metaresolver"));
  const config = resolved.config.length > 0 ? (JSON.parse(new TextDecoder().decode(resolved.config)) as OciImage) : emptyImage(platform);
  const pinned = resolved.digest ? pinImageReference(resolved.ref || ref, resolved.digest) : resolved.ref || ref;
  return { ref: pinned, config, rawConfig: resolved.config };
}

/** An empty image for `scratch`-like bases, as the Dockerfile frontend makes one. */
export function emptyImage(platform: Platform): OciImage {
  return {
    ...(platformToOCI(platform) as { architecture: string; os: string }),
    rootfs: { type: "layers", diff_ids: [] },
    config: { Env: [`PATH=${DEFAULT_PATH}`], WorkingDir: "/" },
  };
}

function platformsOf(o: FrontendOptions, spec: LoadedSpec, env: FrontendEnv): Platform[] {
  const out: Platform[] = [];
  const add = (p: Platform) => {
    if (!out.some((q) => samePlatform(p, q))) out.push(p);
  };
  if (env.opts.has("platform")) o.platforms.forEach(add);
  spec.spec.platforms.forEach((p) => add(parsePlatform(p)));
  if (out.length === 0) add(o.platforms[0]!);
  return out;
}

export async function runBuild(gw: Gateway, env: FrontendEnv, state: BuildState): Promise<Record<string, unknown>> {
  const defaultPlatform = env.workerPlatforms[0] ?? LINUX_AMD64;
  const watch = new Stopwatch(undefined, performance.timeOrigin);
  const o = parseOptions(env.opts, defaultPlatform);
  // Round trips to the daemon dominate a frontend run: everything independent runs concurrently,
  // the spec's read beside the Ping too (its failure is reported after the caps' checks).
  const reading = !o.requestId || needsSpec(o.requestId) ? Promise.all([readSpecFile(gw, o, env.sessionId), readDockerignore(gw, o, env.sessionId)]) : undefined;
  reading?.catch(() => undefined);
  const caps = await gw.ping();
  caps.gateway.require("return", "returning a result");
  caps.llb.require("file.base", "file operations");
  if (!reading) {
    if (o.requestId === DESCRIBE) return describeResult();
    throw new UnsupportedSubrequestError(o.requestId!);
  }
  const [file, exclude] = await reading;
  watch.lap("spec read");
  const guessed = textFormat(new TextDecoder().decode(file.data.subarray(0, 256)));
  state.specFile = { filename: file.filename, data: file.data, language: guessed };
  let loaded: LoadedSpec;
  try {
    loaded = loadSpec(file.data, file.filename);
  } catch (e) {
    if (o.requestId === LINT && e instanceof SpecError) return lintErrorResult(e, file, guessed);
    throw e;
  }
  state.loaded = loaded;
  // The loader decides JSON or YAML by content; the first bytes were only a guess.
  const language = loaded.format === "json" ? "json" : "yaml";
  state.specFile.language = language;
  if (o.requestId === LINT) return lintResult(loaded, language);
  if (o.requestId === OUTLINE) return outlineResult(loaded, o, ownUv());
  if (o.requestId === TARGETS) return targetsResult(loaded, platformsOf(o, loaded, env));
  if (o.debugFail === "internal") throw new TypeError("injected internal failure (debug-fail=internal)");
  checkBasePolicy(o, loaded.spec.baseImage);
  // The base image and its Python first: they are the longest chain of round trips before planning.
  const platforms = platformsOf(o, loaded, env);
  const readingBases = Promise.all(
    platforms.map(async (platform) => {
      const base = await resolveBase(gw, caps, o, loaded.spec.baseImage, platform);
      const python = needsPython(loaded.spec) ? await probePython(gw, base.ref, platform, envMap(base.config.config?.Env)) : undefined;
      return { platform, base, python };
    }),
  );
  // Awaited below; a failure meanwhile (while the spec's settings are checked) is not unhandled.
  readingBases.catch(() => undefined);
  // A warning that cannot be sent must not fail the build (nor go unhandled while it runs).
  const warnings = caps.gateway.has("gateway.warnings") ? warnLint(gw, loaded, file, language).catch(() => undefined) : Promise.resolve();
  const sourceMap = new SourceMap(file.filename, file.data, language, file.definition);
  const digest = specDigest(loaded.spec);
  const settings = buildSettings(o, { uv: o.installer === "uv" && !o.uvImageGiven ? ownUv() : undefined, pip: o.installer === "pip" ? ownPip() : undefined });
  const mode = optimizeMode(settings.optimize !== false, caps, needsPython(loaded.spec));
  const optimizing = mode.on;
  const notices: Promise<void>[] = mode.notice ? [notify(gw, caps, mode.notice)] : [];
  const sbom = ownSbom(o, caps);
  if (sbom.notice) notices.push(notify(gw, caps, sbom.notice));
  const [wheels, files, requirements, bases] = await Promise.all([
    listWheels(gw, loaded.spec, o, env.sessionId, exclude),
    readContextFiles(gw, filesToRead(loaded.spec, settings.installer, optimizing), o, env.sessionId, exclude),
    requirementClosure(gw, loaded.spec, o, env.sessionId, exclude),
    readingBases,
  ]);

  watch.lap("context, base image and Python reads");
  const results = await Promise.all(
    bases.map(async ({ platform, base, python }): Promise<PlatformResult> => {
      const on = bases.length > 1 ? ` (${formatPlatform(platform)})` : "";
      const started = performance.now();
      let waited = 0;
      const lowering: LowerContext = {
        platform,
        context: { localName: o.contextLocal, sessionId: env.sessionId, excludePatterns: exclude },
        settings,
        sourceMap,
        ranges: loaded.ranges,
      };
      let plan: Plan;
      try {
        plan = planImage({
          loaded,
          base: { ref: base.ref, config: base.config },
          ...(python ? { python } : {}),
          facts: { wheels, files, requirementFiles: requirements.closure, requirementTexts: requirements.texts },
          settings,
        });
      } catch (e) {
        if (e instanceof PythonUnavailableError) {
          throw new UserError(`${e.message} (platform ${formatPlatform(platform)})`, loaded.ranges.has("python_version") ? "python_version" : "base_image");
        }
        throw e;
      }
      let warming: Promise<unknown> = Promise.resolve();
      let probes: Plan[] = [];
      if (optimizing) {
        // Not the venv when a cache is imported: it likely comes from the cache, and while the
        // warm-up loads it from there, BuildKit (Docker 28) cancels the next round's install
        // steps on it and runs them again (seen in an e2e test: a sibling spec on a new builder).
        const warm = warmUpPlan(plan, { venv: o.cacheImports.length === 0 });
        if (warm) {
          const def = lower(warm, lowering).marshal({ platform });
          // Evaluated, since a gateway solve is lazy and builds nothing until asked to. Its
          // failure, if any, is the final solve's to report (it runs the same steps).
          warming = gw.solve(def, { evaluate: true, cacheImports: o.cacheImports }).catch(() => undefined);
        }
        const source = daemonFacts({ gw, caps, lowering, cacheImports: o.cacheImports });
        const optimized = await optimizeInPhases(plan, source, { maxLayers: settings.maxLayers ?? DEFAULT_MAX_LAYERS });
        optimized.roundMs.forEach((ms, i) => watch.add(`optimize round ${i + 1} (${roundKinds(optimized.rounds[i]!)})${on}`, ms));
        waited = optimized.roundMs.reduce((a, b) => a + b, 0);
        plan = optimized.plan;
        probes = optimized.rounds.flat().map((r) => r.probe);
      }
      for (const note of plan.notes) notices.push(notify(gw, caps, note));
      const image = lower(plan, lowering);
      const def = carryProbes(image, probes.map((probe) => lower(probe, lowering))).marshal({ platform });
      caps.llb.requireAll(def);
      watch.add(`plan and compile${on}`, performance.now() - started - waited);
      const solving = performance.now();
      const ref = await gw.solve(def, { cacheImports: o.cacheImports });
      watch.add(`final solve${on}`, performance.now() - solving);
      const warmWait = performance.now();
      await warming;
      watch.add(`warm-up wait${on}`, performance.now() - warmWait);
      const config = imageConfig(plan, { platform, specDigest: digest, frontendVersion: VERSION, ...(settings.imageId ? { imageId: settings.imageId } : {}), labels: settings.labels, created: createdFrom(o.sourceDateEpoch) });
      const attestations = sbom.on
        ? [await sbomAttestation({ gw, ref, plan, spec: loaded.spec, specDigest: digest, specFilename: file.filename, platform, created: createdFrom(o.sourceDateEpoch), tool: `imagespec-frontend-${VERSION}` }, caps)]
        : [];
      return { platform, ref, config, ...(base.rawConfig.length > 0 ? { baseConfig: base.rawConfig } : {}), ...(attestations.length > 0 ? { attestations } : {}) };
    }),
  );
  if (o.timings) notices.push(notify(gw, caps, watch.text()));
  await warnings;
  await Promise.all(notices);
  return buildResult(results, o.multiPlatform ?? results.length > 1, epochOf(o.sourceDateEpoch));
}

/**
 * Whether this frontend attaches its own SBOM: `attest:sbom` without a generator, on a daemon
 * that takes attestations in a result. With a generator (or without the cap) it attaches none,
 * and BuildKit runs the scanner image itself, as for any frontend that returns no SBOM.
 */
export function ownSbom(o: FrontendOptions, caps: Caps): { on: boolean; notice?: string } {
  if (o.sbom?.kind !== "own") return { on: false };
  if (!caps.gateway.has("reference.attestations")) {
    return { on: false, notice: "sbom: this BuildKit takes no attestations from a frontend, so it makes the SBOM with its default scanner image" };
  }
  return { on: true };
}

/** "resolve ×3, inspect ×1": what a round of optimize asked. */
function roundKinds(round: readonly FactsRequest[]): string {
  const counts = new Map<string, number>();
  for (const r of round) counts.set(r.kind, (counts.get(r.kind) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${k} ×${n}`).join(", ");
}

/** Whether Python layers are laid out package by package: asked for, and the daemon can merge and diff. */
export function optimizeMode(wanted: boolean, caps: Caps, python: boolean): { on: boolean; notice?: string } {
  if (!wanted || !python) return { on: false };
  const missing = ["mergeop", "diffop"].filter((c) => !caps.llb.has(c));
  if (missing.length === 0) return { on: true };
  return { on: false, notice: `optimize: this BuildKit lacks ${missing.join(" and ")} (BuildKit 0.10 or later has them), so the image is laid out one layer per spec entry` };
}

/**
 * One line in the build output: a BuildKit warning where the daemon takes them, otherwise a
 * step named after it (older daemons show every vertex they are asked to solve).
 */
async function notify(gw: Gateway, caps: Caps, text: string): Promise<void> {
  try {
    if (caps.gateway.has("gateway.warnings")) {
      await gw.warn({ digest: "", short: text, detail: [], url: "" });
      return;
    }
    await gw.solve(noteDefinition(text), { evaluate: true });
  } catch {
    // A note that cannot be shown must not fail the build.
  }
}

/** The operator's base image policy, for the spec's base image and any named context replacing it; before anything is pulled. */
function checkBasePolicy(o: FrontendOptions, baseImage: string): void {
  try {
    checkBaseImage(baseImage, o.basePolicy);
    for (const [name, value] of o.namedContexts) {
      if ((name === baseImage || name.startsWith(`${baseImage}::`)) && value.startsWith("docker-image://")) {
        checkBaseImage(value.slice("docker-image://".length), o.basePolicy, `the named context replacing base image "${baseImage}"`);
      }
    }
  } catch (e) {
    throw new UserError((e as Error).message, "base_image");
  }
}

/** Lint warnings as BuildKit warnings, attached to the step that loaded the spec (buildx lists them at the end). */
async function warnLint(gw: Gateway, loaded: LoadedSpec, file: { filename: string; data: Uint8Array; definition?: { head: string | undefined } }, language: string): Promise<void> {
  const digest = file.definition?.head ?? "";
  await Promise.all(
    lintSpec(loaded.spec, loaded.ranges).map((w) =>
      gw.warn({
        digest,
        short: warningText(w),
        detail: [LINT_RULES[w.rule].description],
        url: ruleUrl(w.rule),
        info: { filename: file.filename, data: file.data, language },
        ...(w.range ? { ranges: [toPbRange(w.range)] } : {}),
      }),
    ),
  );
}
