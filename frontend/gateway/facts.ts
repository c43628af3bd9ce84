/** Reads what the compiler needs to know from the client's files and the base image. */
import type { Definition } from "../../llb/src/marshal.js";
import type { Platform } from "../../llb/src/platform.js";
import { imageDefinition, localFilesDefinition } from "../lower/reads.js";
import { parseDockerignore } from "../../common/src/context/dockerignore.js";
import { basePipSettings, pipConfPaths } from "../plan/index-settings.js";
import { interpreterVersion, pyvenvVersion, venvCandidates, type PythonFacts } from "../plan/python.js";
import { trimTrailingSlashes } from "../common/paths.js";
import { requirementIncludes } from "./requirements.js";
import type { ImageSpec } from "../imagespec/model.js";
import { MAX_SPEC_BYTES } from "../imagespec/limits.js";
import { contextPath } from "../common/paths.js";
import { SpecError } from "../imagespec/problems.js";
import type { Gateway } from "./gateway.js";
import type { FrontendOptions } from "../options/options.js";

export interface SpecFileRead {
  data: Uint8Array;
  filename: string;
  /** The Definition that loaded the file (for source maps). */
  definition?: Definition;
}

/** Reads the spec: the inline `spec` option, or the file from the spec local. */
export async function readSpecFile(gw: Gateway, o: FrontendOptions, sessionId: string): Promise<SpecFileRead> {
  if (o.inlineSpec !== undefined) return { data: new TextEncoder().encode(o.inlineSpec), filename: "spec (inline option)" };
  const def = localFilesDefinition({ name: o.specLocal, sessionId, paths: [o.filename], sharedKeyHint: o.specLocal, noDiffer: true, customName: `[internal] load build definition from ${o.filename}` });
  const ref = await gw.solve(def, { evaluate: true });
  const data = await gw.readFileIfExists(ref, o.filename, MAX_SPEC_BYTES + 1);
  if (data === undefined) {
    throw new SpecError([{ path: "", message: `spec file "${o.filename}" not found in the "${o.specLocal}" directory` }], o.filename);
  }
  return { data, filename: o.filename, definition: def };
}

/** The context's .dockerignore as exclude patterns, read as Docker and the build task read it. */
export async function readDockerignore(gw: Gateway, o: FrontendOptions, sessionId: string): Promise<string[]> {
  const def = localFilesDefinition({ name: o.contextLocal, sessionId, paths: [".dockerignore"], sharedKeyHint: `${o.contextLocal}-.dockerignore`, noDiffer: true, customName: "[internal] load .dockerignore" });
  const ref = await gw.solve(def, { evaluate: true });
  const data = await gw.readFileIfExists(ref, ".dockerignore", 1 << 20);
  return data ? parseDockerignore(new TextDecoder().decode(data)) : [];
}

/** Solves the context local narrowed to `paths` and returns its ref, to read files from. */
async function contextRef(gw: Gateway, o: FrontendOptions, sessionId: string, paths: string[], exclude: string[], name: string): Promise<string> {
  const def = localFilesDefinition({ name: o.contextLocal, sessionId, paths, sharedKeyHint: o.contextLocal, excludePatterns: exclude, customName: name });
  return gw.solve(def, { evaluate: true });
}

/**
 * Runs daemon reads concurrently but fails as reading them one by one would: with the first
 * failure in list order, not the first to arrive.
 */
async function allInOrder<T>(tasks: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(tasks);
  for (const s of settled) if (s.status === "rejected") throw s.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}

/** Wheel files in each python_wheels directory that has no package_name. */
export async function listWheels(gw: Gateway, spec: ImageSpec, o: FrontendOptions, sessionId: string, exclude: string[]): Promise<Record<string, string[]>> {
  const dirs = [...new Set(spec.layers.flatMap((l) => (l.kind === "python_wheels" && !l.packageName ? [contextPath(l.dir)!] : [])))];
  if (dirs.length === 0) return {};
  const ref = await contextRef(gw, o, sessionId, dirs, exclude, "[internal] list wheel directories");
  // Listed concurrently, checked in order: the same error wins as when listing one by one.
  const listed = await Promise.allSettled(dirs.map((dir) => gw.readDirIfExists(ref, dir, "*.whl")));
  const out: Record<string, string[]> = {};
  for (const [i, dir] of dirs.entries()) {
    const entries = listed[i]!;
    if (entries.status === "rejected") throw entries.reason;
    out[dir] = entries.value.map((e) => (dir === "." ? e.path : `${dir}/${e.path}`)).sort();
    if (out[dir]!.length === 0) {
      const layer = spec.layers.find((l) => l.kind === "python_wheels" && contextPath(l.dir) === dir)!;
      throw new SpecError([{ path: `${layer.at}.python_wheels.dir`, message: `no .whl files found in "${dir}" of the build context` }], o.filename);
    }
  }
  return out;
}

/** Reads small text files from the build context (for the compiler's own use). */
export async function readContextFiles(gw: Gateway, paths: string[], o: FrontendOptions, sessionId: string, exclude: string[]): Promise<Record<string, string>> {
  if (paths.length === 0) return {};
  const ref = await contextRef(gw, o, sessionId, paths, exclude, `[internal] read ${paths.join(", ")}`);
  const contents = await allInOrder(paths.map((p) => gw.readFileIfExists(ref, p, 8 << 20)));
  const out: Record<string, string> = {};
  for (const [i, p] of paths.entries()) {
    const data = contents[i];
    if (data !== undefined) out[p] = new TextDecoder().decode(data);
  }
  return out;
}

/**
 * Every file each requirements layer needs: the file and, recursively, what it includes with
 * -r/-c. Read through BuildKit so only those files are mounted into the install step.
 */
export async function requirementClosure(gw: Gateway, spec: ImageSpec, o: FrontendOptions, sessionId: string, exclude: string[]): Promise<{ closure: Record<string, string[]>; texts: Record<string, string> }> {
  const out: Record<string, string[]> = {};
  const texts: Record<string, string> = {};
  for (const l of spec.layers) {
    if (l.kind !== "requirements") continue;
    const root = contextPath(l.file)!;
    if (out[root]) continue;
    const seen = new Set<string>();
    let pending = [root];
    while (pending.length > 0 && seen.size < 200) {
      const files = await readContextFiles(gw, pending.filter((p) => !seen.has(p)), o, sessionId, exclude);
      const next: string[] = [];
      for (const p of pending) {
        if (seen.has(p)) continue;
        seen.add(p);
        const text = files[p];
        if (text === undefined) {
          const what = p === root ? "requirements file" : `file "${p}" (included from ${l.file})`;
          throw new SpecError([{ path: `${l.at}.requirements.file`, message: `${what} not found in the build context` }], o.filename);
        }
        texts[p] = text;
        try {
          next.push(...requirementIncludes(p, text));
        } catch (e) {
          throw new SpecError([{ path: `${l.at}.requirements.file`, message: (e as Error).message }], o.filename);
        }
      }
      pending = next;
    }
    out[root] = [...seen].sort();
  }
  return { closure: out, texts };
}

const INTERPRETER_DIRS = ["/usr/bin", "/usr/local/bin"];

/** Finds Python interpreters and virtual environments in the base image. */
export async function probePython(gw: Gateway, baseRef: string, platform: Platform, baseEnv: ReadonlyMap<string, string>): Promise<PythonFacts> {
  const ref = await gw.solve(imageDefinition(baseRef, platform, `[internal] inspect Python in ${baseRef}`));
  const candidates = venvCandidates(baseEnv);
  const [listings, configs, links, pipConfs] = await Promise.all([
    Promise.all(INTERPRETER_DIRS.map((dir) => gw.readDirIfExists(ref, dir, "python3*"))),
    Promise.all(candidates.map((path) => gw.readFileIfExists(ref, `${path}/pyvenv.cfg`, 64 * 1024))),
    Promise.all(INTERPRETER_DIRS.map((dir) => gw.statFile(ref, `${dir}/python3`))),
    Promise.all(pipConfPaths(baseEnv).map((path) => gw.readFileIfExists(ref, path, 64 * 1024))),
  ]);
  const interpreters: PythonFacts["interpreters"] = [];
  INTERPRETER_DIRS.forEach((dir, i) => {
    for (const e of listings[i]!) {
      const version = interpreterVersion(e.path);
      if (version && !interpreters.some((x) => x.version === version)) interpreters.push({ path: `${dir}/${e.path}`, version });
    }
  });
  interpreters.sort((a, b) => Number(b.version.split(".")[1]) - Number(a.version.split(".")[1]));
  const venvs: PythonFacts["venvs"] = [];
  candidates.forEach((path, i) => {
    const cfg = configs[i];
    const version = cfg ? pyvenvVersion(new TextDecoder().decode(cfg)) : undefined;
    if (version) venvs.push({ path, version });
  });
  const defaultVersion = links
    .map((st) => (st?.linkname ? interpreterVersion(st.linkname.split("/").pop()!) : undefined))
    .find((v) => v !== undefined);
  const pip = basePipSettings(baseEnv, pipConfs.map((c) => (c ? new TextDecoder().decode(c) : undefined)));
  return { interpreters, venvs, ...(defaultVersion ? { defaultVersion } : {}), ...(Object.keys(pip).length > 0 ? { pip } : {}) };
}
