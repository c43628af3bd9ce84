/** Maps pip options and package lists onto uv or pip argv, mounts and caches. */
import type { PipOptions } from "../imagespec/model.js";
import type { Mount } from "./plan.js";
import { splitShellWords } from "../grammars/shellwords.js";
import { cacheId, type BuildSettings } from "../options/settings.js";

/** Where the uv image is mounted during install steps (never part of a layer). */
export const UV_MOUNT = "/opt/imagespec/uv";
export const UV_BIN = `${UV_MOUNT}/uv`;

export interface Installer {
  kind: "uv" | "pip";
  venv: string;
  settings: Pick<BuildSettings, "cacheNamespace">;
  /** Resolve with the frontend image's pip, mounted at RESOLVER_PIP_MOUNT, rather than the venv's. */
  resolverPip?: boolean;
}

/** Where the frontend image's pip wheel is mounted during resolve steps (never part of a layer). */
export const RESOLVER_PIP_MOUNT = "/opt/imagespec/pip";
/** The oldest Python the pip in docker/resolver-pip.txt runs on (its Requires-Python). */
const RESOLVER_PIP_MIN_PYTHON: readonly [number, number] = [3, 9];

/** Whether pip resolves with the frontend image's own pip: it carries one, and it runs on the venv's Python (X.Y). */
export function resolvesWithOwnPip(settings: Pick<BuildSettings, "installer" | "resolverPip">, python: string): boolean {
  if (settings.installer !== "pip" || !settings.resolverPip) return false;
  const [major, minor] = python.split(".").map(Number);
  if (major === undefined || minor === undefined || Number.isNaN(major) || Number.isNaN(minor)) return false;
  const [wantMajor, wantMinor] = RESOLVER_PIP_MIN_PYTHON;
  return major > wantMajor || (major === wantMajor && minor >= wantMinor);
}

/** argv prefix of `pip install` with the frontend image's pip: pip runs from its wheel, on the venv's Python (so it sees the venv). */
export function resolverPipPrefix(inst: Installer): string[] {
  return [`${inst.venv}/bin/python`, `${RESOLVER_PIP_MOUNT}/pip.whl/pip`, "install", "--disable-pip-version-check", "--no-input", "--root-user-action=ignore"];
}

/** Index and pre-release options, then extra_args split like a shell would (never run by one). */
export function pipOptionArgs(kind: "uv" | "pip", o: PipOptions): string[] {
  const args: string[] = [];
  if (o.indexUrl) args.push("--index-url", o.indexUrl);
  for (const u of o.extraIndexUrls) args.push("--extra-index-url", u);
  if (o.pre) args.push(kind === "uv" ? "--prerelease=allow" : "--pre");
  if (o.extraArgs) args.push(...splitShellWords(o.extraArgs));
  return args;
}

/**
 * The mounts every install step gets: the installer's cache, and uv itself for uv. Steps of one
 * package each share the cache, so they can run side by side (pip and uv write it atomically).
 */
export function installerMounts(inst: Installer, sharing: "locked" | "shared" = "locked"): Mount[] {
  if (inst.kind === "uv") {
    return [
      { kind: "cache", dest: "/root/.cache/uv", id: cacheId(inst.settings, "uv"), sharing },
      { kind: "uv", dest: UV_MOUNT },
    ];
  }
  return [{ kind: "cache", dest: "/root/.cache/pip", id: cacheId(inst.settings, "pip"), sharing }];
}

/** argv prefix of `pip install` into the venv. */
export function pipInstallPrefix(inst: Installer): string[] {
  if (inst.kind === "uv") return [UV_BIN, "pip", "install", "--python", `${inst.venv}/bin/python`];
  return [`${inst.venv}/bin/python`, "-m", "pip", "install", "--disable-pip-version-check", "--no-input", "--root-user-action=ignore"];
}

/** The flag that forces reinstalling what is already installed. */
export function reinstallFlag(inst: Installer): string {
  return inst.kind === "uv" ? "--reinstall" : "--force-reinstall";
}
