/**
 * Compiles an ImageSpec into LLB for one platform, plus the image config. Pure: every fact it
 * needs from the daemon (base image config, Python interpreters, context file lists) is an input.
 */
import {
  diff,
  FileAction,
  image,
  local,
  merge,
  resolvePath,
  scratch,
  type Chown,
  type OpOptions,
  type Platform,
  type RunMount,
  type SecretEnv,
  type SourceLocation,
  type SourceMap,
  type State,
  type ExecState,
  type RunOptions,
} from "../../llb/src/index.js";
import { layoutLayers, installOrder, type LayoutGroup } from "../optimize/layout.js";
import type { DistContents } from "../optimize/record.js";
import type { Resolution, ResolvedDist } from "../optimize/resolution.js";
import { requirementFileOptions, splitInstallerArgs } from "../optimize/installer-args.js";
import { DETERMINISTIC_ENV, inputsMount, inspectStep, installArgv, packageLayer, pinLine, RESOLVE_OUT, resolveArgv, squashLayers, toolsMount, toolsState, type ResolveRequest } from "./package-steps.js";
import type { LoadedSpec } from "../imagespec/load.js";
import type { ImageSpec, Layer, PipOptions, Secret } from "../imagespec/model.js";
import { splitShellWords } from "../grammars/shellwords.js";
import { contextPath, secretEnvName, secretId } from "../imagespec/validate.js";
import { expandVariables } from "../grammars/env-expansion.js";
import { DEFAULT_PATH, envMap, HISTORY_COMMENT, LABEL_SPEC_DIGEST, LABEL_VERSION, type OciHistory, type OciImage } from "./image-config.js";
import { defaultExtraIndexUrls, indexEnv } from "./index-settings.js";
import { installerMounts, pipInstallPrefix, pipOptionArgs, reinstallFlag, UV_BIN, type Installer } from "./installer.js";
import { planPython, type PythonFacts, type PythonPlan } from "./python.js";
import { uvProjectShape, lockedRequirements, PipCannotInstallError, pyprojectDependencies } from "./uv-lock.js";
import { poetryLockedRequirements } from "./poetry-lock.js";
import { cacheId, type BuildSettings } from "../options/settings.js";

/** Where the build context is mounted for install steps that read files from it. */
export const CONTEXT_MOUNT = "/run/imagespec/context";
/** Where a project directory assembled for uv/poetry is mounted. */
export const PROJECT_MOUNT = "/run/imagespec/project";
/** Where FILE secrets appear (Flyte's convention). */
export const SECRET_DIR = "/etc/flyte/secrets";

/** Facts read from the build context before compiling. */
export interface ContextFacts {
  /** Wheel files found in each `python_wheels.dir` (context-relative paths). */
  wheels: Record<string, string[]>;
  /** Text of context files the compiler reads itself (uv projects under installer=pip). */
  files?: Record<string, string>;
  /** Every file each requirements file needs (itself and what it includes), context-relative. */
  requirementFiles?: Record<string, string[]>;
  /** The text of those files (optimize reads the index options written in them). */
  requirementTexts?: Record<string, string>;
}

/** What optimize has learnt from the daemon so far (each phase of the build adds to it). */
export interface OptimizeFacts {
  /** What each Python layer installs, by the layer's index in the spec. */
  resolutions: ReadonlyMap<number, Resolution>;
  /** What each package layer holds, by package layer id. */
  contents: ReadonlyMap<string, DistContents>;
}

/** A fact the compiler needs before it can go on: the gateway solves `state` and reads it. */
export type FactsRequest =
  | { kind: "resolve"; layer: number; at: string; installer: "pip" | "uv"; state: State }
  /** `state` holds records.json: each layer id's RECORD texts; paths in them are relative to `sitePackages`. */
  | { kind: "inspect"; ids: string[]; state: State; sitePackages: string };

export interface CompileInput {
  loaded: LoadedSpec;
  platform: Platform;
  /** The base image reference pinned by digest, and its config. */
  base: { ref: string; config: OciImage };
  /** Required when the spec needs Python (see {@link needsPython}). */
  python?: PythonFacts;
  facts: ContextFacts;
  settings: BuildSettings;
  context: { localName: string; sessionId: string; excludePatterns: string[] };
  specDigest: string;
  frontendVersion: string;
  sourceMap?: SourceMap;
  /** Set when Python layers are laid out package by package (the `optimize` option, with merge/diff caps). */
  optimize?: OptimizeFacts;
}

export interface CompiledImage {
  state: State;
  config: OciImage;
  python?: PythonPlan;
  /** Lines for the build output (why a layer was not laid out package by package, budget notes). */
  notes: string[];
}

/** Thrown inside the compiler to stop at the first fact it lacks. */
class NeedFacts {
  constructor(readonly request: FactsRequest) {}
}

/** A distribution installed in a step of its own, waiting to be laid out with the others. */
interface PendingPackage {
  id: string;
  dist: ResolvedDist;
  /** Its layer: what the install changed, in an empty filesystem. */
  layer: State;
  order: number;
  app: boolean;
  /** The spec layer it came from, for names. */
  step: string;
  /** Its layer deletes files (it upgrades what the base image has), so it cannot be squashed. */
  solo?: boolean;
}

/** What an optimized Python layer asks for; `oneStep` lays it out as without optimize. */
interface PythonInstall {
  layer: Layer & { secrets: Secret[] };
  resolve: ResolveRequest;
  /** Context mounts the layer's installs need. */
  mounts: RunMount[];
  /** Index options the layer's files carry (requirements files), for each package's install. */
  fileOptions: string[];
  oneStep: () => void;
}

const PYTHON_LAYERS = new Set<Layer["kind"]>(["pip_packages", "requirements", "python_wheels", "uv_project", "poetry_project"]);

/** Context files the compiler must read for the spec under the given installer. */
export function filesToRead(spec: ImageSpec, installer: "uv" | "pip", optimize = false): string[] {
  const out: string[] = [];
  for (const l of spec.layers) {
    if (l.kind === "poetry_project" && optimize) out.push(fileIn(projectDir(l.pyproject), "pyproject.toml"), contextPath(l.poetryLock)!);
    if (l.kind !== "uv_project") continue;
    // Both installers need to know whether the project is a package; pip and optimize also need the lock.
    out.push(fileIn(projectDir(l.pyproject), "pyproject.toml"));
    if ((installer === "pip" || optimize) && l.uvlock) out.push(contextPath(l.uvlock)!);
  }
  return [...new Set(out)];
}

/** Whether the image needs a Python environment (a python_version or any Python layer). */
export function needsPython(spec: ImageSpec): boolean {
  return spec.pythonVersion !== "" || spec.layers.some((l) => PYTHON_LAYERS.has(l.kind));
}

/** Every context path the spec reads, so only those are transferred. */
export function contextFollowPaths(spec: ImageSpec, facts?: ContextFacts): string[] {
  const paths = new Set<string>();
  const add = (p: string) => {
    const c = p ? contextPath(p) : undefined;
    if (c) paths.add(c);
  };
  for (const l of spec.layers) {
    switch (l.kind) {
      case "requirements":
        requirementPaths(l, facts).forEach(add);
        break;
      case "python_wheels":
        add(l.dir);
        break;
      case "uv_project":
        add(projectDir(l.pyproject));
        if (l.uvlock) add(l.uvlock);
        if (l.sourceDir) add(l.sourceDir);
        break;
      case "poetry_project":
        add(projectDir(l.pyproject));
        add(l.poetryLock);
        break;
      case "copy_config":
        add(l.src);
        break;
      default:
        break;
    }
  }
  return [...paths].sort();
}

/** Context paths a requirements layer needs: the file and what it includes; without that list, its whole directory. */
function requirementPaths(l: Extract<Layer, { kind: "requirements" }>, facts: ContextFacts | undefined): string[] {
  const file = contextPath(l.file) ?? "";
  return facts?.requirementFiles?.[file] ?? [parentDir(file)];
}

function parentDir(p: string): string {
  const c = contextPath(p) ?? ".";
  const i = c.lastIndexOf("/");
  return i < 0 ? "." : c.slice(0, i);
}

/** A `pyproject` field may name the directory or the pyproject.toml inside it. */
function projectDir(p: string): string {
  const c = contextPath(p) ?? ".";
  return /(^|\/)pyproject\.toml$/.test(c) ? parentDir(c) : c;
}

/** A file in a context directory ("." is the context root). */
function fileIn(dir: string, name: string): string {
  return dir === "." ? name : `${dir}/${name}`;
}

function inContext(p: string): string {
  const c = contextPath(p) ?? ".";
  return c === "." ? CONTEXT_MOUNT : `${CONTEXT_MOUNT}/${c}`;
}

function summarize(text: string, max = 100): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length > max ? oneLine.slice(0, max - 1) + "…" : oneLine;
}

/** Splits a `user[:group]` config value into a chown owner; undefined for root. */
export function ownerOf(user: string | undefined): Chown | undefined {
  if (!user) return undefined;
  const [u, g] = user.split(":", 2) as [string, string | undefined];
  if (u === "" || u === "root" || u === "0") return undefined;
  const ref = (x: string) => (/^\d+$/.test(x) ? Number(x) : x);
  return g !== undefined && g !== "" ? { user: ref(u), group: ref(g) } : { user: ref(u), group: ref(u) };
}

type StepExtras = { mounts?: RunMount[]; env?: Record<string, string>; secrets?: Secret[] };

class Compiler {
  private state: State;
  private readonly history: OciHistory[] = [];
  private readonly ctx: State;
  private readonly installer: Installer | undefined;
  private readonly total: number;
  /** Index settings that do not come from a layer, as env of every step that installs packages. */
  private readonly indexEnv: Readonly<Record<string, string>> | undefined;
  /**
   * The same for `uv sync`, less the indexes: a uv project's indexes are its own (uv would rank
   * env above its pyproject.toml, and refuses a lock made against an index it is not given).
   */
  private readonly syncEnv: Readonly<Record<string, string>> | undefined;
  readonly python: PythonPlan | undefined;
  readonly notes: string[] = [];
  /** The spec layer being compiled (for the layer budget: what is still to come). */
  private cursor = 0;

  // Optimize: package layers wait in `pending` (and the app's own layers in `appLayers`) while
  // other steps go on in `state`; they are laid out and merged onto it when something needs the
  // whole filesystem (a command, a one-step install) or at the end.
  private readonly optimize: OptimizeFacts | undefined;
  /** The filesystem wheels install onto: base and venv, or everything up to the last barrier. */
  private pyBase: State | undefined;
  /** A copy, command or one-step install happened since pyBase was set. */
  private barrier = false;
  private pending: PendingPackage[] = [];
  private appLayers: { state: State; history: string }[] = [];
  /** Distributions optimized layers installed so far, by normalized name. */
  private readonly pins = new Map<string, { name: string; version: string }>();
  private tools: State | undefined;
  private stepNote = "";

  constructor(private readonly input: CompileInput) {
    const { base, settings, platform } = input;
    const spec = input.loaded.spec;
    let st = image(base.ref, {
      platform,
      ...(settings.resolveMode !== "default" ? { resolveMode: settings.resolveMode } : {}),
      customName: `[base] ${base.ref}`,
      ...this.locationOpts("base_image"),
    });
    const baseEnv = envMap(base.config.config?.Env);
    if (!baseEnv.has("PATH")) baseEnv.set("PATH", DEFAULT_PATH);
    for (const [k, v] of baseEnv) st = st.withEnv(k, v);
    st = st.withCwd(base.config.config?.WorkingDir || "/").withNetwork(settings.network);
    this.state = st;
    this.ctx = local(input.context.localName, {
      sessionId: input.context.sessionId,
      sharedKeyHint: input.context.localName,
      ...(input.context.excludePatterns.length > 0 ? { excludePatterns: input.context.excludePatterns } : {}),
      followPaths: contextFollowPaths(spec, input.facts),
      customName: "[internal] load build context",
    });
    this.total = spec.layers.length;
    this.optimize = input.optimize;
    if (needsPython(spec)) {
      if (!input.python) throw new Error("internal: Python facts missing for a spec that needs Python");
      this.python = planPython(spec.pythonVersion, baseEnv, input.python);
      this.installer = {
        kind: settings.installer,
        venv: this.python.venv,
        settings,
        ...(settings.installer === "uv"
          ? { uvImage: image(settings.uvImage, { platform, customName: `[internal] uv from ${settings.uvImage}` }) }
          : {}),
      };
      const env = indexEnv(settings.installer, settings.indexDefaults, input.python.pip, baseEnv);
      if (Object.keys(env).length > 0) this.indexEnv = env;
      const sync = indexEnv(settings.installer, settings.indexDefaults, input.python.pip, baseEnv, ["trustedHosts"]);
      if (Object.keys(sync).length > 0) this.syncEnv = sync;
    }
  }

  private locationOpts(path: string): OpOptions {
    const range = this.input.loaded.ranges.get(path);
    const sm = this.input.sourceMap;
    if (!sm || !range) return {};
    const loc: SourceLocation = sm.location({
      start: { line: range.start.line, character: range.start.column - 1 },
      end: { line: range.end.line, character: range.end.column - 1 },
    });
    return { sourceLocations: [loc] };
  }

  private opts(name: string, path: string): OpOptions {
    return {
      customName: name,
      ...(this.input.settings.noCache ? { ignoreCache: true } : {}),
      ...this.locationOpts(path),
    };
  }

  private record(createdBy: string, emptyLayer: boolean): void {
    this.history.push({ created_by: createdBy, comment: HISTORY_COMMENT, ...(emptyLayer ? { empty_layer: true } : {}) });
  }

  /** One exec step on this.state, which becomes its result (one layer). */
  private run(name: string, path: string, args: string[], extra: StepExtras = {}): void {
    this.state = this.exec(this.state, name, path, args, extra).root();
    this.record(name, false);
  }

  /** An exec on `onto`; a layer's `secrets` add their mounts after `mounts` and their env under `env`. */
  private exec(onto: State, name: string, path: string, args: string[], extra: StepExtras = {}): ExecState {
    const sec = extra.secrets ? this.secrets(extra.secrets) : undefined;
    const mounts = sec ? [...(extra.mounts ?? []), ...sec.mounts] : extra.mounts;
    const env = sec ? { ...sec.env, ...extra.env } : extra.env;
    const proxy = this.input.settings.proxy;
    const opts: RunOptions = {
      args,
      ...(env ? { env } : {}),
      ...(mounts ? { mounts } : {}),
      ...(sec ? { secretEnv: sec.secretEnv } : {}),
      ...(proxy ? { proxyEnv: proxy } : {}),
      ...this.opts(name, path),
    };
    return onto.run(opts);
  }

  /** BuildKit secret mounts/env for a layer's secrets; values never enter the LLB. */
  private secrets(list: Secret[]): { mounts: RunMount[]; env: Record<string, string>; secretEnv: SecretEnv[] } {
    const mounts: RunMount[] = [];
    const env: Record<string, string> = {};
    const secretEnv: SecretEnv[] = [];
    for (const s of list) {
      const id = secretId(s);
      if (s.mount === "FILE") {
        const dest = `${SECRET_DIR}/${id}`;
        mounts.push({ type: "secret", dest, id, mode: 0o400, uid: 0, gid: 0 });
        if (s.envVar) env[s.envVar] = dest;
      } else {
        secretEnv.push({ id, name: secretEnvName(s)! });
      }
    }
    return { mounts, env, secretEnv };
  }

  private step(layer: Layer, what: string): string {
    return `[${layer.index + 1}/${this.total}] ${summarize(what)}${this.stepNote}`;
  }

  private pythonEnv(): void {
    const plan = this.python;
    if (!plan || !this.installer) return;
    const path = this.input.loaded.ranges.has("python_version") ? "python_version" : "base_image";
    if (plan.create) {
      const clear = plan.create.clear ? ["--clear"] : [];
      if (this.installer.kind === "uv") {
        this.run(`[python] uv venv ${plan.venv} (python ${plan.version})`, path, [UV_BIN, "venv", ...clear, "--python", plan.create.interpreter, plan.venv], {
          mounts: installerMounts(this.installer),
          env: { UV_PYTHON_DOWNLOADS: "never" },
        });
      } else {
        this.run(`[python] ${plan.create.interpreter} -m venv ${plan.venv}`, path, [plan.create.interpreter, "-m", "venv", ...clear, plan.venv]);
      }
    }
    for (const [k, v] of plan.env) this.setEnv(k, v);
    this.record(`ENV ${plan.env.map(([k, v]) => `${k}=${v}`).join(" ")}`, true);
    this.pyBase = this.state;
  }

  private setEnv(key: string, raw: string): void {
    const value = expandVariables(raw, (name) => this.state.getEnv(name));
    this.state = this.state.withEnv(key, value);
  }

  private install(layer: Layer & { secrets: Secret[] }, name: string, args: string[], mounts: RunMount[] = []): void {
    this.run(name, layer.at, args, { mounts: [...installerMounts(this.installer!), ...mounts], ...(this.indexEnv ? { env: this.indexEnv } : {}), secrets: layer.secrets });
  }

  /**
   * Read-only mounts of just these context paths. BuildKit keys a mount with a selector on the
   * content of the selected path only, so editing other files does not re-run the step.
   */
  private contextMounts(paths: string[]): RunMount[] {
    if (paths.includes(".")) return [{ type: "bind", dest: CONTEXT_MOUNT, source: this.ctx, readonly: true }];
    return [...new Set(paths)].sort().map((p) => ({ type: "bind", dest: `${CONTEXT_MOUNT}/${p}`, source: this.ctx, selector: p, readonly: true }));
  }

  private optionArgs(o: PipOptions): string[] {
    const args = pipOptionArgs(this.installer!.kind, o);
    if (this.installer!.kind === "uv" && o.extraIndexUrls.length > 0) {
      for (const u of defaultExtraIndexUrls(this.input.settings.indexDefaults, this.input.python?.pip)) args.push("--extra-index-url", u);
    }
    return args;
  }

  layer(l: Layer): void {
    this.cursor = l.index;
    if (this.optimize) {
      const install = this.pythonInstall(l);
      if (install) {
        this.optimizedInstall(install);
        return;
      }
      if (l.kind === "poetry_project") return this.optimizedPoetry(l);
      if (l.kind === "commands") {
        // Commands see the whole filesystem, and what they change is not known to the frontend.
        this.finalize();
        this.layerAsIs(l);
        this.barrier = true;
        return;
      }
      if (l.kind === "copy_config") {
        // The app's files go after the packages: the copy is made on the other steps' filesystem
        // and kept as its own layer, so packages and copy stay independent of each other.
        const before = this.state;
        this.layerAsIs(l);
        const history = this.history.pop()!.created_by!;
        this.appLayers.push({ state: diff(before, this.state), history });
        this.state = this.state.withOutput(before.output);
        this.barrier = true;
        return;
      }
    }
    this.layerAsIs(l);
  }

  private layerAsIs(l: Layer): void {
    const inst = this.installer;
    switch (l.kind) {
      case "apt_packages": {
        this.run(this.step(l, `apt-get install ${l.packages.join(" ")}`), l.at, ["/bin/sh", "-c", 'apt-get update && apt-get install -y --no-install-recommends "$@"', "apt-get", ...l.packages], {
          mounts: [
            { type: "cache", dest: "/var/cache/apt", id: cacheId(this.input.settings, "apt-cache"), sharing: "locked" },
            { type: "cache", dest: "/var/lib/apt/lists", id: cacheId(this.input.settings, "apt-lists"), sharing: "locked" },
          ],
          env: { DEBIAN_FRONTEND: "noninteractive" },
          secrets: l.secrets,
        });
        return;
      }
      case "pip_packages":
        this.install(l, this.step(l, `${inst!.kind === "uv" ? "uv pip" : "pip"} install ${l.packages.join(" ")}`), [...pipInstallPrefix(inst!), ...this.optionArgs(l.options), ...l.packages]);
        return;
      case "requirements": {
        this.install(l, this.step(l, `pip install -r ${l.file}`), [...pipInstallPrefix(inst!), ...this.optionArgs(l.options), "-r", inContext(l.file)], this.contextMounts(requirementPaths(l, this.input.facts)));
        return;
      }
      case "python_wheels": {
        const dir = inContext(l.dir);
        const targets = l.packageName ? [l.packageName] : (this.input.facts.wheels[contextPath(l.dir) ?? l.dir] ?? []).map(inContext);
        if (targets.length === 0) throw new Error(`internal: no wheels listed for ${l.dir}`);
        const what = l.packageName || `${targets.length} wheel(s) from ${l.dir}`;
        const opt = this.optionArgs(l.options);
        const mounts = this.contextMounts([contextPath(l.dir)!]);
        this.install(l, this.step(l, `pip install ${what} (dependencies, --find-links ${l.dir})`), [...pipInstallPrefix(inst!), ...opt, "--find-links", dir, ...targets], mounts);
        this.install(l, this.step(l, `pip install ${what} (local wheel, --no-deps --no-index)`), [...pipInstallPrefix(inst!), ...opt, "--find-links", dir, "--no-deps", "--no-index", reinstallFlag(inst!), ...targets], mounts);
        return;
      }
      case "uv_project":
        this.uvProject(l);
        return;
      case "poetry_project":
        this.poetryProject(l);
        return;
      case "commands":
        for (const cmd of l.cmd) this.run(this.step(l, cmd), l.at, ["/bin/sh", "-c", cmd], { secrets: l.secrets });
        return;
      case "workdir": {
        const dir = resolvePath(this.state.cwd, expandVariables(l.workdir, (n) => this.state.getEnv(n)));
        this.state = this.state.file(FileAction.mkdir(dir, 0o755, { parents: true }), this.opts(this.step(l, `WORKDIR ${dir}`), l.at)).withCwd(dir);
        this.record(`WORKDIR ${dir}`, false);
        return;
      }
      case "copy_config": {
        const src = contextPath(l.src)!;
        const dst = l.dst || ".";
        const owner = ownerOf(this.input.base.config.config?.User);
        this.state = this.state.file(
          FileAction.copy(this.ctx, src, dst, {
            copyDirContentsOnly: true,
            createDestPath: true,
            allowWildcard: true,
            followSymlinks: true,
            ...(owner ? { owner } : {}),
            ...(this.input.context.excludePatterns.length > 0 ? { excludePatterns: this.input.context.excludePatterns } : {}),
          }),
          this.opts(this.step(l, `COPY ${l.src} ${dst}`), l.at),
        );
        this.record(`COPY ${l.src} ${dst}`, false);
        return;
      }
      case "env":
        for (const [k, v] of l.vars) this.setEnv(k, v);
        this.record(`ENV ${l.vars.map(([k]) => k).join(" ")}`, true);
        return;
    }
  }

  /** A scratch directory holding the given context files at the given names. */
  private assemble(files: [src: string, name: string][]): State {
    let action: FileAction | undefined;
    for (const [src, name] of files) {
      const from = contextPath(src)!;
      action = action ? action.copy(this.ctx, from, `/${name}`, { createDestPath: true }) : FileAction.copy(this.ctx, from, `/${name}`, { createDestPath: true });
    }
    return scratch().file(action!, { customName: `[internal] prepare ${files.map(([s]) => s).join(", ")}` });
  }

  private uvProject(l: Extract<Layer, { kind: "uv_project" }>): void {
    const inst = this.installer!;
    const dir = projectDir(l.pyproject);
    const extra = splitShellWords(l.options.extraArgs);
    const opt = pipOptionArgs(inst.kind, { ...l.options, extraArgs: "" });
    const lock = l.uvlock ? (contextPath(l.uvlock) ?? l.uvlock) : "";
    const pyprojectFile = fileIn(dir, "pyproject.toml");
    const pyText = this.input.facts.files?.[pyprojectFile];
    // A virtual project (not a package for uv) only has its dependencies installed; unless it has
    // workspace members or path sources, its manifest and lock are all it needs.
    const { isPackage, needsTree } = pyText === undefined ? { isPackage: true, needsTree: true } : uvProjectShape(pyText);
    const depsOnly = extra.includes("--no-install-project") || (!isPackage && !needsTree);
    if (this.optimize && !this.stepNote) {
      this.optimizedUvProject(l, { dir, pyprojectFile, lock, depsOnly: depsOnly || !isPackage, extra, opt });
      return;
    }
    if (inst.kind === "pip") {
      try {
        this.uvProjectWithPip(l, { dir, pyprojectFile, lock, depsOnly: depsOnly || !isPackage, extra, opt });
      } catch (e) {
        if (e instanceof PipCannotInstallError) throw new UnsupportedWithPipError(l.at, "uv_project", e.message);
        throw e;
      }
      return;
    }
    let project: State;
    let mount: RunMount;
    let projectPath = PROJECT_MOUNT;
    if (depsOnly) {
      // Only the manifest and the lock: editing source files does not invalidate this layer.
      const files: [string, string][] = [[pyprojectFile, "pyproject.toml"]];
      if (lock) files.push([lock, "uv.lock"]);
      project = this.assemble(files);
      mount = { type: "bind", dest: PROJECT_MOUNT, source: project, readonly: true };
    } else {
      // The project, or source_dir (the common ancestor of the project and its path dependencies).
      const root = l.sourceDir ? contextPath(l.sourceDir)! : dir;
      const rel = relativeTo(dir, root);
      project = scratch().copy(this.ctx, root, "/", { copyDirContentsOnly: true, createDestPath: true, followSymlinks: true });
      const lockInTree = fileIn(dir, "uv.lock");
      if (lock && lock !== lockInTree) project = project.copy(this.ctx, lock, rel === "." ? "/uv.lock" : `/${rel}/uv.lock`, { createDestPath: true });
      projectPath = rel === "." ? PROJECT_MOUNT : `${PROJECT_MOUNT}/${rel}`;
      // uv may write build artifacts into the project; they are discarded with the mount.
      mount = { type: "bind", dest: PROJECT_MOUNT, source: project, readonly: false };
    }
    // For a virtual project the flag only says explicitly what uv would do anyway.
    const mode = !depsOnly ? ["--no-editable"] : extra.includes("--no-install-project") ? [] : ["--no-install-project"];
    const args = [UV_BIN, "sync", "--active", "--inexact", ...(lock ? ["--locked"] : []), ...mode, "--project", projectPath, ...opt, ...extra];
    this.run(this.step(l, `uv sync ${l.pyproject}${depsOnly ? (isPackage ? " (dependencies only)" : " (virtual project: dependencies only)") : ""}`), l.at, args, {
      mounts: [...installerMounts(inst), mount],
      env: { ...this.syncEnv, VIRTUAL_ENV: inst.venv },
      secrets: l.secrets,
    });
  }

  /** installer=pip: the lock's exact pins (or the declared dependencies), then the project itself. */
  /** A uv project's exact pins from its lock, or without one its declared dependencies (PipCannotInstallError when unreadable). */
  private uvProjectRequirements(p: { pyprojectFile: string; lock: string }): string[] {
    const files = this.input.facts.files ?? {};
    const pyText = files[p.pyprojectFile];
    if (pyText === undefined) throw new PipCannotInstallError(`${p.pyprojectFile} was not found in the build context`);
    const project = pyprojectDependencies(pyText);
    if (!p.lock) return project.dependencies;
    const lockText = files[p.lock];
    if (lockText === undefined) throw new PipCannotInstallError(`${p.lock} was not found in the build context`);
    return lockedRequirements(lockText, project.name);
  }

  private uvProjectWithPip(
    l: Extract<Layer, { kind: "uv_project" }>,
    p: { dir: string; pyprojectFile: string; lock: string; depsOnly: boolean; extra: string[]; opt: string[] },
  ): void {
    const uvOnly = p.extra.filter((a) => a !== "--no-install-project");
    if (uvOnly.length > 0) throw new PipCannotInstallError(`extra_args ${uvOnly.join(" ")} are uv options that pip does not have`);
    const deps = this.uvProjectRequirements(p);
    const { opt } = p;
    const prefix = pipInstallPrefix(this.installer!);
    if (deps.length > 0) {
      const what = p.lock ? `${deps.length} locked packages from ${p.lock}` : `dependencies of ${p.pyprojectFile}`;
      this.install(l, this.step(l, `pip install ${what}`), [...prefix, ...opt, ...(p.lock ? ["--no-deps"] : []), ...deps]);
    }
    if (!p.depsOnly) {
      const tree = scratch().copy(this.ctx, p.dir, "/", { copyDirContentsOnly: true, createDestPath: true, followSymlinks: true });
      this.install(l, this.step(l, `pip install ${p.dir} (the project)`), [...prefix, ...opt, ...(p.lock ? ["--no-deps"] : []), PROJECT_MOUNT], [
        { type: "bind", dest: PROJECT_MOUNT, source: tree, readonly: false },
      ]);
    }
  }

  /** `poetry install` as one step; with `root`, only the project itself (`--only-root`) onto that filesystem. */
  private poetryProject(l: Extract<Layer, { kind: "poetry_project" }>, root?: { onto: State }): State | undefined {
    const inst = this.installer!;
    const dir = projectDir(l.pyproject);
    const extra = root ? ["--only-root"] : splitShellWords(l.extraArgs);
    const depsOnly = extra.includes("--no-root");
    const pyprojectFile = fileIn(dir, "pyproject.toml");
    const project = depsOnly
      ? this.assemble([
          [pyprojectFile, "pyproject.toml"],
          [l.poetryLock, "poetry.lock"],
        ])
      : scratch()
          .copy(this.ctx, dir, "/", { copyDirContentsOnly: true, createDestPath: true, followSymlinks: true })
          .copy(this.ctx, contextPath(l.poetryLock)!, "/poetry.lock", { createDestPath: true });
    // Poetry lives in a cache mount (a tool location), so it never becomes part of the image.
    const toolVenv = POETRY_TOOL_DIR + "/venv";
    const installPoetry =
      inst.kind === "uv"
        ? `[ -x ${toolVenv}/bin/poetry ] || { ${UV_BIN} venv --python "$VIRTUAL_ENV/bin/python" ${toolVenv} && ${UV_BIN} pip install --python ${toolVenv}/bin/python poetry; }`
        : `[ -x ${toolVenv}/bin/poetry ] || { "$VIRTUAL_ENV/bin/python" -m venv ${toolVenv} && ${toolVenv}/bin/python -m pip install --disable-pip-version-check poetry; }`;
    const script = `${installPoetry} && cd ${PROJECT_MOUNT} && exec ${toolVenv}/bin/poetry install --no-interaction "$@"`;
    const name = this.step(l, `poetry install ${l.pyproject}${depsOnly ? " (dependencies only)" : root ? " (the project only)" : ""}`);
    const extras: StepExtras = {
      mounts: [
        ...installerMounts(inst),
        { type: "cache", dest: POETRY_TOOL_DIR, id: cacheId(this.input.settings, "poetry-tool"), sharing: "locked" },
        { type: "cache", dest: "/root/.cache/pypoetry", id: cacheId(this.input.settings, "poetry"), sharing: "locked" },
        { type: "bind", dest: PROJECT_MOUNT, source: project, readonly: false },
      ],
      env: { ...this.indexEnv, VIRTUAL_ENV: inst.venv, POETRY_VIRTUALENVS_CREATE: "false", POETRY_CACHE_DIR: "/root/.cache/pypoetry" },
      secrets: l.secrets,
    };
    const argv = ["/bin/sh", "-c", script, "poetry", ...extra];
    if (root) return this.exec(root.onto, name, l.at, argv, extras).root();
    this.run(name, l.at, argv, extras);
    return undefined;
  }

  /** A poetry project's locked packages one by one, then poetry installs the project itself. */
  private optimizedPoetry(l: Extract<Layer, { kind: "poetry_project" }>): void {
    const asIs = () => void this.poetryProject(l);
    const fallback = (reason: string) => this.oneStep(l, asIs, reason);
    const extra = splitShellWords(l.extraArgs);
    const other = extra.filter((a) => a !== "--no-root");
    if (other.length > 0) return fallback(`extra_args ${other.join(" ")} are poetry options`);
    const files = this.input.facts.files ?? {};
    const pyprojectFile = fileIn(projectDir(l.pyproject), "pyproject.toml");
    const lockFile = contextPath(l.poetryLock)!;
    const [pyText, lockText] = [files[pyprojectFile], files[lockFile]];
    if (pyText === undefined || lockText === undefined) return fallback(`${pyText === undefined ? pyprojectFile : lockFile} was not read`);
    let deps: string[];
    try {
      deps = poetryLockedRequirements(pyText, lockText);
    } catch (e) {
      if (e instanceof PipCannotInstallError) return fallback(e.message);
      throw e;
    }
    const laidOut =
      deps.length === 0 ||
      this.optimizedInstall({ layer: l, resolve: { options: [], targets: deps, uvInput: { text: deps.join("\n") + "\n" }, noDeps: true }, mounts: [], fileOptions: [], oneStep: asIs });
    if (!laidOut || extra.includes("--no-root")) return;
    const onto = this.whole();
    const installed = this.poetryProject(l, { onto })!;
    this.appLayers.push({ state: diff(onto, installed), history: this.step(l, `poetry install ${l.pyproject} (the project only)`) });
    this.barrier = true;
  }

  // ---- optimize ---------------------------------------------------------------------------

  /** The optimized form of a Python install layer, or undefined for other layers. */
  private pythonInstall(l: Layer): PythonInstall | undefined {
    const inst = this.installer;
    if (!inst) return undefined;
    switch (l.kind) {
      case "pip_packages":
        return {
          layer: l,
          resolve: { options: this.optionArgs(l.options), targets: l.packages, uvInput: { text: l.packages.join("\n") + "\n" }, noDeps: false },
          mounts: [],
          fileOptions: [],
          oneStep: () => this.layerAsIs(l),
        };
      case "requirements": {
        const file = contextPath(l.file)!;
        const texts = this.input.facts.requirementTexts ?? {};
        const fileOptions = requirementPaths(l, this.input.facts).flatMap((p) => {
          const dir = parentDir(p);
          return requirementFileOptions(texts[p] ?? "", (rel) => inContext(dir === "." ? rel : `${dir}/${rel}`));
        });
        return {
          layer: l,
          resolve: { options: this.optionArgs(l.options), targets: ["-r", inContext(file)], uvInput: { file: inContext(file) }, noDeps: false },
          mounts: this.contextMounts(requirementPaths(l, this.input.facts)),
          fileOptions,
          oneStep: () => this.layerAsIs(l),
        };
      }
      case "python_wheels": {
        const dir = inContext(l.dir);
        const targets = l.packageName ? [l.packageName] : (this.input.facts.wheels[contextPath(l.dir) ?? l.dir] ?? []).map(inContext);
        return {
          layer: l,
          resolve: { options: [...this.optionArgs(l.options), "--find-links", dir], targets, uvInput: { text: targets.join("\n") + "\n" }, noDeps: false },
          mounts: this.contextMounts([contextPath(l.dir)!]),
          fileOptions: [],
          oneStep: () => this.layerAsIs(l),
        };
      }
      default:
        return undefined;
    }
  }

  /** Lays the layer out as without optimize (`asIs`), on the whole filesystem, saying why in its step name. */
  private oneStep(l: Layer, asIs: () => void, reason: string): void {
    this.finalize();
    this.notes.push(`${l.at}: installed in one step, not package by package: ${reason}`);
    this.stepNote = ` (one step: ${summarize(reason, 80)})`;
    try {
      asIs();
    } finally {
      this.stepNote = "";
    }
    this.barrier = true;
  }

  /** Everything so far as one filesystem (package layers not yet laid out, in install order). */
  private whole(): State {
    return merge([this.state, ...this.pending.map((p) => p.layer), ...this.appLayers.map((a) => a.state)]);
  }

  /** The filesystem a wheel installs onto, with the env and working directory of this point. */
  private installBase(): State {
    return this.barrier ? this.whole() : this.state.withOutput(this.pyBase!.output);
  }

  private toolsMount(): RunMount {
    this.tools ??= toolsState();
    return toolsMount(this.tools);
  }

  /** Lays the layer out package by package; false when it was installed in one step instead. */
  private optimizedInstall(install: PythonInstall): boolean {
    const l = install.layer;
    const inst = this.installer!;
    const inOneStep = (reason: string): false => (this.oneStep(l, install.oneStep, reason), false);
    const split = splitInstallerArgs(install.resolve.options, this.pins.size > 0);
    if (split.unsupported) return inOneStep(split.unsupported);
    const resolution = this.optimize!.resolutions.get(l.index);
    if (!resolution) throw new NeedFacts({ kind: "resolve", layer: l.index, at: l.at, installer: inst.kind, state: this.resolveStep(install) });
    if (!resolution.ok) return inOneStep(`resolving it against what is installed failed: ${resolution.reason}`);
    const todo: ResolvedDist[] = [];
    const replacing = new Set<string>();
    for (const d of resolution.dists) {
      if (d.source.kind === "unsupported") return inOneStep(`${d.name} comes from ${d.source.why}`);
      const installed = resolution.installed[d.key];
      if (installed !== undefined && !this.pins.has(d.key)) {
        if (installed === d.version) continue;
        // It replaces what the base image has: its layer must also delete the old files.
        replacing.add(d.key);
      }
      const earlier = this.pins.get(d.key);
      if (earlier) {
        if (earlier.version === d.version) continue;
        return inOneStep(`it changes ${d.name} ${earlier.version}, which an earlier layer installed, to ${d.version}`);
      }
      todo.push(d);
    }
    const ordered = installOrder(todo);
    const perPackage = [...split.perPackage, ...install.fileOptions];
    ordered.forEach((d, i) => {
      const what = `${inst.kind === "uv" ? "uv pip" : "pip"} install ${d.name}==${d.version}`;
      const name = this.step(l, `${what} (package ${i + 1} of ${ordered.length})`);
      // An sdist is built on top of everything before it, as without optimize.
      const onto = d.source.kind === "sdist" ? this.whole() : this.installBase();
      const fromContext = d.source.kind === "context-wheel" || ((d.source.kind === "wheel" || d.source.kind === "sdist") && d.source.fromContext);
      const mounts: RunMount[] = [
        ...installerMounts(inst, "shared"),
        this.toolsMount(),
        ...(d.source.kind === "context-wheel" ? [] : [inputsMount({ "requirements.txt": pinLine(d) }, `pin ${d.name}==${d.version}`)]),
        ...(fromContext ? install.mounts : []),
      ];
      const installed = this.exec(onto, name, l.at, installArgv(inst, d, perPackage), {
        mounts,
        env: { ...this.indexEnv, ...DETERMINISTIC_ENV },
        secrets: l.secrets,
      }).root();
      const id = `${d.name}==${d.version}`;
      // The diff itself keeps the deletions of an upgrade of what the base image has (its bytes
      // are not fixed: it is a layer of this image only); otherwise a fixed-time copy of it.
      const layer = replacing.has(d.key) ? diff(onto, installed, { customName: this.step(l, `layer of ${id} (replaces ${d.name} ${resolution.installed[d.key]})`) }) : packageLayer(onto, installed, inst.venv, id, this.step(l, `layer of ${id}`));
      this.pending.push({ id, dist: d, layer, order: this.pending.length, app: fromContext, step: this.step(l, what), ...(replacing.has(d.key) ? { solo: true } : {}) });
      this.pins.set(d.key, { name: d.name, version: d.version });
    });
    return true;
  }

  /** The step that finds out what the layer installs; its output directory holds the answer. */
  private resolveStep(install: PythonInstall): State {
    const l = install.layer;
    const inst = this.installer!;
    const pins = [...this.pins.values()].map((p) => `${p.name}==${p.version}\n`).sort().join("");
    const inputs: Record<string, string> = {};
    if (pins) inputs["pins.txt"] = pins;
    if (inst.kind === "uv" && "text" in install.resolve.uvInput) inputs["requirements.in"] = install.resolve.uvInput.text;
    const mounts: RunMount[] = [
      ...installerMounts(inst, "shared"),
      this.toolsMount(),
      inputsMount(inputs, `what ${l.at} asks for`),
      { type: "bind", dest: RESOLVE_OUT, source: scratch(), readonly: false },
      ...install.mounts,
    ];
    const what = inst.kind === "uv" ? "uv pip compile" : "pip install --dry-run";
    const exec = this.exec(this.installBase(), this.step(l, `resolve: ${what} (optimize)`), l.at, resolveArgv(inst, install.resolve, pins !== ""), {
      mounts,
      ...(this.indexEnv ? { env: this.indexEnv } : {}),
      secrets: l.secrets,
    });
    return exec.getMount(RESOLVE_OUT);
  }

  private optimizedUvProject(
    l: Extract<Layer, { kind: "uv_project" }>,
    p: { dir: string; pyprojectFile: string; lock: string; depsOnly: boolean; extra: string[]; opt: string[] },
  ): void {
    const inst = this.installer!;
    const asIs = () => this.uvProject(l);
    const fallback = (reason: string) => this.oneStep(l, asIs, reason);
    const syncArgs = p.extra.filter((a) => a !== "--no-install-project");
    if (syncArgs.length > 0) return fallback(`extra_args ${syncArgs.join(" ")} are uv sync options`);
    if (!p.lock && inst.kind === "uv") return fallback("without uv.lock, uv resolves the project itself");
    let deps: string[];
    try {
      deps = this.uvProjectRequirements(p);
    } catch (e) {
      if (e instanceof PipCannotInstallError) return fallback(e.message);
      throw e;
    }
    if (deps.length > 0) {
      const laidOut = this.optimizedInstall({
        layer: l,
        resolve: { options: p.opt, targets: deps, uvInput: { text: deps.join("\n") + "\n" }, noDeps: p.lock !== "" },
        mounts: [],
        fileOptions: [],
        oneStep: asIs,
      });
      if (!laidOut) return; // installed in one step, the project with it
    }
    if (!p.depsOnly) {
      // The project itself is the app: its own layer after the packages, installed without dependencies.
      const tree = scratch().copy(this.ctx, p.dir, "/", { copyDirContentsOnly: true, createDestPath: true, followSymlinks: true });
      const onto = this.whole();
      const name = this.step(l, `${inst.kind === "uv" ? "uv pip" : "pip"} install ${p.dir} (the project, without dependencies)`);
      const installed = this.exec(onto, name, l.at, [...pipInstallPrefix(inst), ...p.opt, "--no-deps", PROJECT_MOUNT], {
        mounts: [...installerMounts(inst), { type: "bind", dest: PROJECT_MOUNT, source: tree, readonly: false }],
        ...(this.indexEnv ? { env: this.indexEnv } : {}),
        secrets: l.secrets,
      }).root();
      this.appLayers.push({ state: diff(onto, installed), history: name });
      this.barrier = true;
    }
  }

  /** One step that reads what the given package layers hold (cached like any step, so a rebuild asks once). */
  private inspectRequest(packages: PendingPackage[]): FactsRequest {
    const inst = this.installer!;
    const sitePackages = `${inst.venv}/lib/python${this.python!.version}/site-packages`;
    const step = inspectStep(inst, packages.map((p) => ({ id: p.id, state: p.layer })), sitePackages);
    const exec = this.exec(this.pyBase!, `[python] optimize: read what ${packages.length} package layer(s) hold`, "base_image", step.args, {
      mounts: [this.toolsMount(), { type: "bind", dest: RESOLVE_OUT, source: scratch(), readonly: false }, ...step.mounts],
    });
    return { kind: "inspect", ids: packages.map((p) => p.id), state: exec.getMount(RESOLVE_OUT), sitePackages };
  }

  /** Layers the spec will still add after the current point (an estimate for the budget). */
  private layersToCome(): number {
    let n = 0;
    for (const l of this.input.loaded.spec.layers.slice(this.cursor)) {
      if (l.kind === "commands") n += l.cmd.length;
      else if (l.kind === "env") continue;
      else if (l.kind === "python_wheels") n += 2;
      else n += 1;
    }
    return n;
  }

  private packageBudget(atEnd: boolean): number {
    const max = this.input.settings.maxLayers ?? 64;
    const base = this.input.base.config.rootfs?.diff_ids?.length ?? 0;
    const ours = this.history.filter((h) => !h.empty_layer).length + this.appLayers.length;
    const left = max - base - ours - (atEnd ? 0 : this.layersToCome());
    if (left < 1) {
      this.notes.push(`optimize: the base image's ${base} layers and the spec's other steps leave no room under optimize-max-layers=${max}; all packages share one layer`);
      return 1;
    }
    return left;
  }

  /** Lays out the waiting package layers and merges them, then the app's layers, onto the state. */
  private finalize(atEnd = false): void {
    if (this.pending.length === 0 && this.appLayers.length === 0) return;
    const layers: State[] = [];
    if (this.pending.length > 0) {
      const contents = this.optimize!.contents;
      const missing = this.pending.filter((p) => !contents.has(p.id));
      if (missing.length > 0) throw new NeedFacts(this.inspectRequest(missing));
      const empty = this.pending.filter((p) => contents.get(p.id)!.files.length === 0);
      if (empty.length > 0) throw new EmptyPackageLayerError(empty.map((p) => p.id));
      const byId = new Map(this.pending.map((p) => [p.id, p]));
      const groups = layoutLayers(
        this.pending.map((p) => ({ id: p.id, size: contents.get(p.id)!.size, files: contents.get(p.id)!.files, order: p.order, app: p.app, ...(p.solo ? { solo: true } : {}) })),
        this.packageBudget(atEnd),
      );
      groups.forEach((g, i) => {
        const members = g.members.map((m) => byId.get(m.id)!);
        const label = groupLabel(g, i, groups.length);
        // A layer that deletes files is merged, not squashed: a copy would drop the deletions.
        const keepApart = members.length > 1 && members.some((m) => m.solo);
        layers.push(members.length === 1 ? members[0]!.layer : keepApart ? merge(members.map((m) => m.layer)) : squashLayers(members.map((m) => m.layer), `[python] ${label}`));
        this.record(members.length === 1 ? `${members[0]!.step} (${label.split(":")[0]})` : `[python] ${label}`, false);
      });
    }
    for (const a of this.appLayers) this.record(a.history, false);
    this.state = merge([this.state, ...layers, ...this.appLayers.map((a) => a.state)]);
    this.pending = [];
    this.appLayers = [];
  }

  finish(): CompiledImage {
    if (this.optimize) {
      this.cursor = this.input.loaded.spec.layers.length;
      this.finalize(true);
    }
    const { base, platform, settings, specDigest } = this.input;
    const baseConfig = base.config.config ?? {};
    const env = this.state.env();
    env.push(`_F_IMG_ID=${settings.imageId || specDigest}`);
    const labels: Record<string, string> = {
      ...(baseConfig.Labels ?? {}),
      ...settings.labels,
      [LABEL_VERSION]: this.input.frontendVersion,
      [LABEL_SPEC_DIGEST]: specDigest,
    };
    const config: OciImage = {
      ...base.config,
      architecture: platform.architecture,
      os: platform.os,
      config: { ...baseConfig, Env: env, WorkingDir: this.state.cwd, Labels: labels },
      rootfs: base.config.rootfs ?? { type: "layers", diff_ids: [] },
      history: [...(base.config.history ?? []), ...this.history],
    };
    if (platform.variant) config.variant = platform.variant;
    else delete config.variant;
    delete config.created;
    return { state: this.state, config, notes: this.notes, ...(this.python ? { python: this.python } : {}) };
  }

  compile(): CompiledImage {
    this.pythonEnv();
    for (const l of this.input.loaded.spec.layers) this.layer(l);
    return this.finish();
  }
}

export const POETRY_TOOL_DIR = "/opt/imagespec/poetry";

/** `path` relative to `base` (both context-relative and normalized; base contains path). */
function relativeTo(path: string, base: string): string {
  if (base === "." || path === base) return path === base ? "." : path;
  if (!path.startsWith(base + "/")) throw new Error(`"${path}" is not inside source_dir "${base}"`);
  return path.slice(base.length + 1);
}

/** A package's layer holds no installed distribution: the daemon returned something else for it. */
export class EmptyPackageLayerError extends Error {
  constructor(readonly ids: string[]) {
    super(
      `the layer of ${ids.join(", ")} came back from BuildKit without the installed package (no .dist-info with a RECORD); ` +
        "its build cache is likely damaged: prune it (docker buildx prune, or buildctl prune) and build again",
    );
    this.name = "EmptyPackageLayerError";
  }
}

/** A layer the pip installer cannot honestly build. */
export class UnsupportedWithPipError extends Error {
  constructor(
    readonly at: string,
    readonly kind: string,
    reason: string,
  ) {
    super(`${at}.${kind}: ${reason}; use installer=uv for this layer`);
    this.name = "UnsupportedWithPipError";
  }
}

/** "layer 3 of 17: torch==2.13.0+cpu", or for a shared layer the first few of its packages. */
function groupLabel(g: LayoutGroup, i: number, n: number): string {
  const names = g.members.map((m) => m.id);
  const shown = names.length <= 4 ? names.join(", ") : `${names.slice(0, 3).join(", ")} and ${names.length - 3} more`;
  return `package layer ${i + 1} of ${n}: ${shown}`;
}

export type CompileOutcome = ({ kind: "image" } & CompiledImage) | { kind: "needs"; request: FactsRequest };

/** Compiles the image, or says which fact from the daemon it needs first (optimize only). */
export function compileOrRequest(input: CompileInput): CompileOutcome {
  try {
    return { kind: "image", ...new Compiler(input).compile() };
  } catch (e) {
    if (e instanceof NeedFacts) return { kind: "needs", request: e.request };
    throw e;
  }
}

export function compileImage(input: CompileInput): CompiledImage {
  const out = compileOrRequest(input);
  if (out.kind === "needs") throw new Error(`internal: the compiler needs a ${out.request.kind} fact it was not given`);
  const { kind: _kind, ...image } = out;
  return image;
}
