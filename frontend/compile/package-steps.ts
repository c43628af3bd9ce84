/**
 * The LLB of optimized Python layers: the resolve step, one install step per distribution, the
 * layer cut out of it, and the squash of a group. Pure builders; the compiler decides when.
 *
 * A package's layer is a copy of what its install changed in the venv (a diff against the
 * filesystem it was installed onto) into an empty filesystem, with every time set to one fixed
 * value. BuildKit keys such a copy by the content of what it copies, not by the step that made
 * it, so equal bytes give the same layer blob whichever image they were installed for.
 */
import { diff, FileAction, merge, scratch, type RunMount, type State } from "../../llb/src/index.js";
import { DRIVER_PY } from "../optimize/driver.js";
import type { ResolvedDist } from "../optimize/resolution.js";
import { pipInstallPrefix, UV_BIN, type Installer } from "./installer.js";

const OPTIMIZE_DIR = "/run/imagespec/optimize";
export const TOOLS_DIR = `${OPTIMIZE_DIR}/tools`;
export const RESOLVE_OUT = `${OPTIMIZE_DIR}/out`;
export const INPUT_DIR = `${OPTIMIZE_DIR}/in`;
const INSPECT_DIR = `${OPTIMIZE_DIR}/layers`;
const DRIVER = `${TOOLS_DIR}/driver.py`;

/** The time every file of a package layer gets (so its bytes do not depend on when it was built). */
export const LAYER_TIME = new Date(0);

/** SOURCE_DATE_EPOCH makes py_compile write hash-based .pyc files, whose bytes do not record a time. */
export const DETERMINISTIC_ENV: Readonly<Record<string, string>> = { SOURCE_DATE_EPOCH: "0" };

/** What the resolve step needs to know about the layer. */
export interface ResolveRequest {
  /** Index options and extra args, for the installer at hand. */
  options: string[];
  /** What pip installs (`-r file`, package names, wheel paths), as argv. */
  targets: string[];
  /** For uv, which resolves from files: the requirements file, or the text of one. */
  uvInput: { file: string } | { text: string };
  /** The layer installs exactly what it names (locked pins). */
  noDeps: boolean;
}

export function toolsState(): State {
  return scratch().file(FileAction.mkfile("/driver.py", 0o644, DRIVER_PY), { customName: "[internal] optimize: package install helper" });
}

export function toolsMount(tools: State): RunMount {
  return { type: "bind", dest: TOOLS_DIR, source: tools, readonly: true };
}

/** A scratch filesystem holding small text files (pins, requirement lists) a step reads. */
export function inputsMount(files: Record<string, string>, what: string): RunMount {
  let action: FileAction | undefined;
  for (const [name, text] of Object.entries(files)) {
    action = action ? action.mkfile(`/${name}`, 0o644, text) : FileAction.mkfile(`/${name}`, 0o644, text);
  }
  const source = action ? scratch().file(action, { customName: `[internal] optimize: ${what}` }) : scratch();
  return { type: "bind", dest: INPUT_DIR, source, readonly: true };
}

function venvPython(inst: Installer): string {
  return `${inst.venv}/bin/python`;
}

/** argv of the resolve step; `pins` says whether INPUT_DIR holds earlier layers' pins. */
export function resolveArgv(inst: Installer, req: ResolveRequest, pins: boolean): string[] {
  const head = [venvPython(inst), "-I", DRIVER, "resolve", RESOLVE_OUT, pins ? `${INPUT_DIR}/pins.txt` : "-"];
  const constraints = ["-c", `${RESOLVE_OUT}/constraints.txt`];
  const noDeps = req.noDeps ? ["--no-deps"] : [];
  if (inst.kind === "uv") {
    const input = "file" in req.uvInput ? req.uvInput.file : `${INPUT_DIR}/requirements.in`;
    // uv pip compile does not look at the environment: what it has is pinned, as uv would keep it.
    return [...head, "1", "--", UV_BIN, "pip", "compile", "--python", venvPython(inst), "--format", "pylock.toml", "--output-file", `${RESOLVE_OUT}/pylock.toml`, "--no-header", "--quiet", ...constraints, ...noDeps, ...req.options, input];
  }
  // Not --ignore-installed: what the environment already has and satisfies stays, as pip would keep it.
  return [...head, "0", "--", ...pipInstallPrefix(inst), "--dry-run", "--quiet", "--report", `${RESOLVE_OUT}/report.json`, ...constraints, ...noDeps, ...req.options, ...req.targets];
}

/** argv and mounts of the step that reads every package layer's RECORD files (`site`: site-packages, absolute). */
export function inspectStep(inst: Installer, layers: readonly { id: string; state: State }[], site: string): { args: string[]; mounts: RunMount[] } {
  return {
    args: [venvPython(inst), "-I", DRIVER, "inspect", RESOLVE_OUT, INSPECT_DIR, site.replace(/^\/+/, ""), "--", ...layers.map((l) => l.id)],
    mounts: layers.map((l, i) => ({ type: "bind", dest: `${INSPECT_DIR}/${i}`, source: l.state, readonly: true })),
  };
}

/** The requirements line that pins one distribution (with its hashes when the resolver gave them). */
export function pinLine(d: ResolvedDist): string {
  const hashes = d.source.kind === "wheel" || d.source.kind === "sdist" ? d.source.sha256 : [];
  return `${d.name}==${d.version}${hashes.map((h) => ` --hash=sha256:${h}`).join("")}\n`;
}

/** argv that installs one distribution alone, without its dependencies. */
export function installArgv(inst: Installer, d: ResolvedDist, perPackage: readonly string[]): string[] {
  const target = d.source.kind === "context-wheel" ? [d.source.path] : ["-r", `${INPUT_DIR}/requirements.txt`];
  // pip marks everything named on its command line as requested; uv marks everything anyway.
  const requested = inst.kind === "uv" || d.requested ? "1" : "0";
  return [venvPython(inst), "-I", DRIVER, "install", d.name, requested, "--", ...pipInstallPrefix(inst), "--no-deps", ...perPackage, ...target];
}

/**
 * What an install changed under the venv, alone in a layer of fixed times. The copy selects the
 * venv's top directory rather than the venv: a directory the copy only creates on the way keeps
 * the time it was made, while one it copies gets the fixed time (nothing else changes there).
 */
export function packageLayer(onto: State, installed: State, venv: string, id: string, name: string): State {
  const top = venv.replace(/^\/+/, "").split("/")[0]!;
  return scratch().file(
    FileAction.copy(diff(onto, installed), "/", "/", {
      includePatterns: [top],
      // Matches nothing: it makes each package's copy an op of its own. BuildKit keys a copy by
      // its definition and the content it copies; a definition shared by every package let a
      // cache record of one package's copy answer for another's (seen with torch, whose layer
      // came back empty).
      excludePatterns: [`${top}/.imagespec-layer-${id.replace(/[^A-Za-z0-9._-]/g, "_")}`],
      copyDirContentsOnly: true,
      createDestPath: true,
      allowEmptyWildcard: true,
      timestamp: LAYER_TIME,
    }),
    { customName: name },
  );
}

/** Several package layers as one (merged in order, so a later one wins a file both write). */
export function squashLayers(layers: readonly State[], name: string): State {
  if (layers.length === 1) return layers[0]!;
  return scratch().file(
    FileAction.copy(merge(layers), "/", "/", { copyDirContentsOnly: true, createDestPath: true, timestamp: LAYER_TIME }),
    { customName: name },
  );
}
