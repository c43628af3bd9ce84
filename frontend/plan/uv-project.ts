/**
 * uv_project: `uv sync` under uv; under pip, the lock's exact pins (or the declared
 * dependencies) and then the project itself. Optimize installs the pins package by package and
 * the project as its own layer after them.
 */
import type { Layer } from "../imagespec/model.js";
import { contextPath, fileIn, projectDir, relativeTo } from "../common/paths.js";
import { splitShellWords } from "../grammars/shellwords.js";
import { PROJECT_MOUNT } from "./context.js";
import { installerMounts, pipInstallPrefix, pipOptionArgs, UV_BIN } from "./installer.js";
import type { ContextTree, Mount, PythonSplit } from "./plan.js";
import { stepEnv } from "./reproducible.js";
import type { Planning } from "./planning.js";
import { install } from "./python-packages.js";
import { lockedRequirements, PipCannotInstallError, pyprojectDependencies, uvProjectShape } from "./uv-lock.js";
import { UserError } from "../common/errors.js";

type UvProject = Extract<Layer, { kind: "uv_project" }>;

interface Shape {
  dir: string;
  pyprojectFile: string;
  lock: string;
  /** Only the dependencies: the project is not installed (asked for, or not a package for uv). */
  depsOnly: boolean;
  extra: string[];
  opt: string[];
}

/** A layer the pip installer cannot honestly build. */
export class UnsupportedWithPipError extends UserError {
  constructor(at: string, kind: string, reason: string) {
    super(`${at}.${kind}: ${reason}; use installer=uv for this layer`, at);
  }
}

/** A directory of the context as an empty filesystem's root (plus a lock copied next to it). */
export function projectTree(dir: string, extra: { src: string; dest: string }[] = []): ContextTree {
  return { ops: [{ copies: [{ src: dir, dest: "/", contents: true, follow: true }] }, ...extra.map((c) => ({ copies: [c] }))] };
}

/** Some context files at given names, in one step named after them. */
export function assembledTree(files: [src: string, name: string][]): ContextTree {
  return { ops: [{ copies: files.map(([src, name]) => ({ src: contextPath(src)!, dest: `/${name}` })), name: `[internal] prepare ${files.map(([s]) => s).join(", ")}` }] };
}

export function planUvProject(p: Planning, l: UvProject): void {
  const inst = p.installer!;
  const dir = projectDir(l.pyproject);
  const extra = splitShellWords(l.options.extraArgs);
  const opt = pipOptionArgs(inst.kind, { ...l.options, extraArgs: "" });
  const lock = l.uvlock ? (contextPath(l.uvlock) ?? l.uvlock) : "";
  const pyprojectFile = fileIn(dir, "pyproject.toml");
  const pyText = p.facts.files?.[pyprojectFile];
  // A virtual project (not a package for uv) only has its dependencies installed; unless it has
  // workspace members or path sources, its manifest and lock are all it needs.
  const { isPackage, needsTree } = pyText === undefined ? { isPackage: true, needsTree: true } : uvProjectShape(pyText);
  const depsOnly = extra.includes("--no-install-project") || (!isPackage && !needsTree);
  const shape: Shape = { dir, pyprojectFile, lock, depsOnly: depsOnly || !isPackage, extra, opt };
  if (inst.kind === "pip") {
    try {
      planWithPip(p, l, shape);
    } catch (e) {
      if (e instanceof PipCannotInstallError) throw new UnsupportedWithPipError(l.at, "uv_project", e.message);
      throw e;
    }
  } else {
    planUvSync(p, l, { ...shape, depsOnly }, isPackage);
  }
  p.b.split(uvSplit(p, l, shape));
}

function planUvSync(p: Planning, l: UvProject, s: Shape, isPackage: boolean): void {
  const { dir, lock, extra, opt, depsOnly } = s;
  let mount: Mount;
  let projectPath = PROJECT_MOUNT;
  if (depsOnly) {
    // Only the manifest and the lock: editing source files does not invalidate this layer.
    const files: [string, string][] = [[s.pyprojectFile, "pyproject.toml"]];
    if (lock) files.push([lock, "uv.lock"]);
    mount = { kind: "tree", dest: PROJECT_MOUNT, tree: assembledTree(files), readonly: true };
  } else {
    // The project, or source_dir (the common ancestor of the project and its path dependencies).
    const root = l.sourceDir ? contextPath(l.sourceDir)! : dir;
    const rel = relativeTo(dir, root);
    const lockInTree = fileIn(dir, "uv.lock");
    const lockCopy = lock && lock !== lockInTree ? [{ src: lock, dest: rel === "." ? "/uv.lock" : `/${rel}/uv.lock` }] : [];
    projectPath = rel === "." ? PROJECT_MOUNT : `${PROJECT_MOUNT}/${rel}`;
    // uv may write build artifacts into the project; they are discarded with the mount.
    mount = { kind: "tree", dest: PROJECT_MOUNT, tree: projectTree(root, lockCopy), readonly: false };
  }
  // For a virtual project the flag only says explicitly what uv would do anyway.
  const mode = !depsOnly ? ["--no-editable"] : extra.includes("--no-install-project") ? [] : ["--no-install-project"];
  const args = [UV_BIN, "sync", "--active", "--inexact", ...(lock ? ["--locked"] : []), ...mode, "--project", projectPath, ...opt, ...extra];
  const note = depsOnly ? (isPackage ? " (dependencies only)" : " (virtual project: dependencies only)") : "";
  p.b.run(p.b.stepName(l, `uv sync ${l.pyproject}${note}`), l.at, args, {
    mounts: [...installerMounts(p.installer!), mount],
    env: { ...p.syncEnv, VIRTUAL_ENV: p.installer!.venv },
    secrets: l.secrets,
  });
}

/** A uv project's exact pins from its lock, or without one its declared dependencies (PipCannotInstallError when unreadable). */
function requirements(p: Planning, s: Pick<Shape, "pyprojectFile" | "lock">): string[] {
  const files = p.facts.files ?? {};
  const pyText = files[s.pyprojectFile];
  if (pyText === undefined) throw new PipCannotInstallError(`${s.pyprojectFile} was not found in the build context`);
  const project = pyprojectDependencies(pyText);
  if (!s.lock) return project.dependencies;
  const lockText = files[s.lock];
  if (lockText === undefined) throw new PipCannotInstallError(`${s.lock} was not found in the build context`);
  return lockedRequirements(lockText, project.name);
}

/** installer=pip: the lock's exact pins (or the declared dependencies), then the project itself. */
function planWithPip(p: Planning, l: UvProject, s: Shape): void {
  const uvOnly = s.extra.filter((a) => a !== "--no-install-project");
  if (uvOnly.length > 0) throw new PipCannotInstallError(`extra_args ${uvOnly.join(" ")} are uv options that pip does not have`);
  const deps = requirements(p, s);
  const prefix = pipInstallPrefix(p.installer!);
  const noDeps = s.lock ? ["--no-deps"] : [];
  if (deps.length > 0) {
    const what = s.lock ? `${deps.length} locked packages from ${s.lock}` : `dependencies of ${s.pyprojectFile}`;
    install(p, l, p.b.stepName(l, `pip install ${what}`), [...prefix, ...s.opt, ...noDeps, ...deps]);
  }
  if (!s.depsOnly) {
    install(p, l, p.b.stepName(l, `pip install ${s.dir} (the project)`), [...prefix, ...s.opt, ...noDeps, PROJECT_MOUNT], [
      { kind: "tree", dest: PROJECT_MOUNT, tree: projectTree(s.dir), readonly: false },
    ]);
  }
}

/** The lock's pins package by package, then the project itself, without dependencies, as its own layer. */
function uvSplit(p: Planning, l: UvProject, s: Shape): PythonSplit {
  const inst = p.installer!;
  const base = { mounts: [], fileOptions: [], secrets: l.secrets };
  const syncArgs = s.extra.filter((a) => a !== "--no-install-project");
  if (syncArgs.length > 0) return { ...base, unsupported: `extra_args ${syncArgs.join(" ")} are uv sync options` };
  if (!s.lock && inst.kind === "uv") return { ...base, unsupported: "without uv.lock, uv resolves the project itself" };
  let deps: string[];
  try {
    deps = requirements(p, s);
  } catch (e) {
    if (e instanceof PipCannotInstallError) return { ...base, unsupported: e.message };
    throw e;
  }
  const resolve = deps.length > 0 ? { options: s.opt, targets: deps, uvInput: { text: deps.join("\n") + "\n" }, noDeps: s.lock !== "" } : undefined;
  if (s.depsOnly) return { ...base, ...(resolve ? { resolve } : {}) };
  const name = p.b.stepName(l, `${inst.kind === "uv" ? "uv pip" : "pip"} install ${s.dir} (the project, without dependencies)`);
  return {
    ...base,
    ...(resolve ? { resolve } : {}),
    app: {
      name,
      args: [...pipInstallPrefix(inst), ...s.opt, "--no-deps", PROJECT_MOUNT],
      extras: {
        mounts: [...installerMounts(inst), { kind: "tree", dest: PROJECT_MOUNT, tree: projectTree(s.dir), readonly: false }],
        env: { ...stepEnv(p.settings), ...p.indexEnv },
        secrets: l.secrets,
      },
    },
  };
}
