/**
 * The steps optimize adds, as argv and mounts: the resolve step, one install per distribution,
 * and the step that reads every package layer's RECORD. Pure builders; the optimizer decides
 * when. The helper script they run (driver.py) is shipped to them as a file mount.
 */
import { installerMounts, pipInstallPrefix, reinstallFlag, RESOLVER_PIP_MOUNT, resolverPipPrefix, UV_BIN, type Installer } from "../plan/installer.js";
import type { Mount, PythonSplit, ResolveRequest } from "../plan/plan.js";
import { DRIVER_PY } from "./driver.js";
import { distId, type ResolvedDist } from "./resolution.js";

const OPTIMIZE_DIR = "/run/imagespec/optimize";
export const TOOLS_DIR = `${OPTIMIZE_DIR}/tools`;
export const RESOLVE_OUT = `${OPTIMIZE_DIR}/out`;
export const INPUT_DIR = `${OPTIMIZE_DIR}/in`;
/** Where a chained resolve step finds the previous layer's resolve output (its pins-out.txt). */
export const PREVIOUS_RESOLVE = `${OPTIMIZE_DIR}/previous`;
const INSPECT_DIR = `${OPTIMIZE_DIR}/layers`;
/** Where a group install puts each member's files (PACKAGES_DIR/0, /1, …): its layer. */
const PACKAGES_DIR = `${OPTIMIZE_DIR}/packages`;
/** Where an install step sums each member's layer up (FACTS_OUT/0/record.json, …), for the inspect step. */
export const FACTS_OUT = `${OPTIMIZE_DIR}/facts`;
const DRIVER = `${TOOLS_DIR}/driver.py`;

/** SOURCE_DATE_EPOCH makes py_compile write hash-based .pyc files, whose bytes do not record a time. */
export const DETERMINISTIC_ENV: Readonly<Record<string, string>> = { SOURCE_DATE_EPOCH: "0" };

export const TOOLS_MOUNT: Mount = { kind: "files", dest: TOOLS_DIR, files: { "driver.py": DRIVER_PY }, name: "[internal] optimize: package install helper" };

/** Small text files (pins, requirement lists) a step reads. */
export function inputsMount(files: Record<string, string>, what: string): Mount {
  return { kind: "files", dest: INPUT_DIR, files, name: `[internal] optimize: ${what}` };
}

/** How step names call the installer: "pip" or "uv pip". */
export function installerName(inst: Installer): string {
  return inst.kind === "uv" ? "uv pip" : "pip";
}

/** "pip install torch==2.13.0+cpu" */
export function installing(inst: Installer, d: ResolvedDist): string {
  return `${installerName(inst)} install ${distId(d)}`;
}

/** "a==1, b==2, c==3 and 4 more" */
export function listed(ids: readonly string[]): string {
  return ids.length <= 3 ? ids.join(", ") : `${ids.slice(0, 3).join(", ")} and ${ids.length - 3} more`;
}

function venvPython(inst: Installer): string {
  return `${inst.venv}/bin/python`;
}

/** Where the resolve step reads earlier layers' pins: none, INPUT_DIR's pins.txt, or the previous resolve step's answer. */
export type PinsFrom = "none" | "inputs" | "previous";

/** argv of the resolve step. */
export function resolveArgv(inst: Installer, req: ResolveRequest, pins: PinsFrom): string[] {
  const file = { none: "-", inputs: `${INPUT_DIR}/pins.txt`, previous: `${PREVIOUS_RESOLVE}/pins-out.txt` }[pins];
  const head = [venvPython(inst), "-I", DRIVER, "resolve", RESOLVE_OUT, file];
  const constraints = ["-c", `${RESOLVE_OUT}/constraints.txt`];
  const noDeps = req.noDeps ? ["--no-deps"] : [];
  if (inst.kind === "uv") {
    const input = "file" in req.uvInput ? req.uvInput.file : `${INPUT_DIR}/requirements.in`;
    // uv pip compile does not look at the environment: what it has is pinned, as uv would keep it.
    return [...head, "1", "--", UV_BIN, "pip", "compile", "--python", venvPython(inst), "--format", "pylock.toml", "--output-file", `${RESOLVE_OUT}/pylock.toml`, "--no-header", "--quiet", ...constraints, ...noDeps, ...req.options, input];
  }
  // Not --ignore-installed: what the environment already has and satisfies stays, as pip would keep it.
  const pip = inst.resolverPip ? resolverPipPrefix(inst) : pipInstallPrefix(inst);
  return [...head, "0", "--", ...pip, "--dry-run", "--quiet", "--report", `${RESOLVE_OUT}/report.json`, ...constraints, ...noDeps, ...req.options, ...req.targets];
}

/**
 * The resolve step of a Python entry: argv and mounts. Earlier layers' pins come as a file, or,
 * when the layer before is resolved in the same round, from that resolve step's answer.
 */
export function resolveStep(inst: Installer, py: PythonSplit, at: string, pins: { pins: string } | { previous: string }): { argv: string[]; mounts: Mount[] } {
  const resolve = py.resolve!;
  const inputs: Record<string, string> = {};
  if ("pins" in pins && pins.pins) inputs["pins.txt"] = pins.pins;
  if (inst.kind === "uv" && "text" in resolve.uvInput) inputs["requirements.in"] = resolve.uvInput.text;
  const previous: Mount[] = "previous" in pins ? [{ kind: "fs", dest: PREVIOUS_RESOLVE, fs: { kind: "output", id: pins.previous, dest: RESOLVE_OUT } }] : [];
  const ownPip: Mount[] = inst.resolverPip ? [{ kind: "resolver-pip", dest: RESOLVER_PIP_MOUNT }] : [];
  const mounts: Mount[] = [...installerMounts(inst, "shared"), ...ownPip, TOOLS_MOUNT, inputsMount(inputs, `what ${at} asks for`), ...previous, { kind: "output", dest: RESOLVE_OUT }, ...py.mounts];
  const from: PinsFrom = "previous" in pins ? "previous" : pins.pins ? "inputs" : "none";
  return { argv: resolveArgv(inst, resolve, from), mounts };
}

/**
 * argv of a resolve step run beside the venv (beside-venv.ts): the driver makes a venv without
 * pip where the real one goes, as the real one is made, then runs `resolve` (the step's argv) in it.
 */
export function besideVenvArgv(venv: { interpreter: string; clear: boolean; venv: string }, resolve: readonly string[]): string[] {
  return [venv.interpreter, "-I", DRIVER, "venv", RESOLVE_OUT, venv.venv, venv.clear ? "1" : "0", "--", ...resolve];
}

/** argv of the step that reads every package layer's RECORD files (`site`: site-packages, absolute); layer i is mounted by `layerMount(i)`. */
export function inspectArgv(inst: Installer, ids: readonly string[], site: string): string[] {
  return [venvPython(inst), "-I", DRIVER, "inspect", RESOLVE_OUT, INSPECT_DIR, site.replace(/^\/+/, ""), "--", ...ids];
}

export function inspectMountDir(i: number): string {
  return `${INSPECT_DIR}/${i}`;
}

/** The requirements line that pins one distribution (with its hashes when the resolver gave them). */
export function pinLine(d: ResolvedDist): string {
  const hashes = d.source.kind === "wheel" || d.source.kind === "sdist" ? d.source.sha256 : [];
  return `${d.name}==${d.version}${hashes.map((h) => ` --hash=sha256:${h}`).join("")}\n`;
}

/**
 * The driver's REQUESTED argument: "0" has it remove the REQUESTED marker. pip marks everything
 * named on its command line as requested; uv marks everything anyway.
 */
function requestedFlag(inst: Installer, d: ResolvedDist): "0" | "1" {
  return inst.kind === "uv" || d.requested ? "1" : "0";
}

export function packageOutDir(i: number): string {
  return `${PACKAGES_DIR}/${i}`;
}

/**
 * argv that installs a group's distributions in one go, member i ending in packageOutDir(slots[i]).
 * The pins go as argv (the driver writes the requirements file), so the step needs no file op
 * before it. pip installs a lone one straight there (--root); the members of a larger group, and
 * uv's (it has no --root), are moved there after one install.
 */
export function groupInstallArgv(inst: Installer, members: readonly ResolvedDist[], slots: readonly number[], perPackage: readonly string[]): string[] {
  const pin = (d: ResolvedDist) => pinLine(d).trimEnd();
  if (members.length === 1 && inst.kind === "pip") {
    const d = members[0]!;
    const out = packageOutDir(0);
    const root = ["--root", out, "--no-warn-script-location"];
    return [venvPython(inst), "-I", DRIVER, "install-into", out, FACTS_OUT, d.name, requestedFlag(inst, d), pin(d), "--", ...pipInstallPrefix(inst), "--no-deps", ...root, ...perPackage];
  }
  const names = members.flatMap((d, i) => [d.name, requestedFlag(inst, d), pin(d), String(slots[i])]);
  return [venvPython(inst), "-I", DRIVER, "install-group", PACKAGES_DIR, FACTS_OUT, reinstallFlag(inst), ...names, "--", ...pipInstallPrefix(inst), "--no-deps", ...perPackage];
}

/** argv that installs one distribution alone, without its dependencies. */
export function installArgv(inst: Installer, d: ResolvedDist, perPackage: readonly string[]): string[] {
  const target = d.source.kind === "context-wheel" ? [d.source.path] : ["-r", `${INPUT_DIR}/requirements.txt`];
  return [venvPython(inst), "-I", DRIVER, "install", d.name, requestedFlag(inst, d), "--", ...pipInstallPrefix(inst), "--no-deps", ...perPackage, ...target];
}
