/** Chooses the Python environment: reuse a venv of the right version, or create /opt/venv. */
import type { IndexSettings } from "./index-settings.js";
import { UserError } from "../common/errors.js";
import { trimTrailingSlashes } from "../common/paths.js";

export const DEFAULT_VENV = "/opt/venv";


/** What the frontend found in the base image's filesystem. */
export interface PythonFacts {
  /** Interpreters like /usr/bin/python3.11, with their X.Y version. */
  interpreters: { path: string; version: string }[];
  /** Virtual environments found (pyvenv.cfg), with their full version. */
  venvs: { path: string; version: string }[];
  /** X.Y of the image's `python3`, if it has one. */
  defaultVersion?: string;
  /** The image's pip settings (its PIP_* env and pip.conf files), which uv does not read itself. */
  pip?: IndexSettings;
}

export interface PythonPlan {
  /** X.Y */
  version: string;
  venv: string;
  /** Set when the venv must be created (from this interpreter); `clear` when one exists with another version. */
  create?: { interpreter: string; clear: boolean };
  /** Env the rest of the build and the image get, in order. */
  env: [string, string][];
}

export class PythonUnavailableError extends UserError {
  constructor(
    readonly wanted: string,
    readonly available: string[],
  ) {
    super(
      `python_version ${wanted} is not available in the base image: ` +
        (available.length > 0 ? `it has ${available.join(", ")}` : "it has no Python interpreter") +
        `; pick a base image with python${wanted} or set python_version to one it has`,
    );
  }
}

function matches(fullVersion: string, wanted: string): boolean {
  return fullVersion === wanted || fullVersion.startsWith(wanted + ".");
}

/** Venv directory a base image's env points at (VIRTUAL_ENV, or UV_PYTHON's venv). */
export function venvCandidates(baseEnv: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  const virtualEnv = baseEnv.get("VIRTUAL_ENV");
  if (virtualEnv) out.push(trimTrailingSlashes(virtualEnv));
  const uvPython = baseEnv.get("UV_PYTHON");
  const m = uvPython ? /^(\/.+)\/bin\/python[0-9.]*$/.exec(uvPython) : null;
  if (m && !out.includes(m[1]!)) out.push(m[1]!);
  if (!out.includes(DEFAULT_VENV)) out.push(DEFAULT_VENV);
  return out;
}

export function planPython(wantedVersion: string, baseEnv: ReadonlyMap<string, string>, facts: PythonFacts): PythonPlan {
  const version = wantedVersion || facts.defaultVersion || facts.interpreters[0]?.version;
  const available = [...new Set(facts.interpreters.map((i) => `${i.version} (${i.path})`))];
  if (!version) throw new PythonUnavailableError(wantedVersion || "3", available);
  const reusable = venvCandidates(baseEnv)
    .map((path) => facts.venvs.find((v) => v.path === path))
    .find((v) => v && matches(v.version, version));
  let venv = reusable?.path ?? DEFAULT_VENV;
  let create: PythonPlan["create"];
  if (!reusable) {
    const interpreter = facts.interpreters.find((i) => i.version === version);
    if (!interpreter) throw new PythonUnavailableError(version, available);
    create = { interpreter: interpreter.path, clear: facts.venvs.some((v) => v.path === DEFAULT_VENV) };
    venv = DEFAULT_VENV;
  }
  const env: [string, string][] = [
    ["VIRTUALENV", venv],
    ["VIRTUAL_ENV", venv],
    ["UV_PYTHON", `${venv}/bin/python`],
    ["PATH", `${venv}/bin:$PATH`],
    ["UV_COMPILE_BYTECODE", "1"],
    ["UV_LINK_MODE", "copy"],
    ["UV_PYTHON_DOWNLOADS", "never"],
  ];
  return create ? { version, venv, create, env } : { version, venv, env };
}

/** Parses the `version` (or `version_info`) line of a pyvenv.cfg. */
export function pyvenvVersion(cfg: string): string | undefined {
  const m = /^[ \t]*version(?:_info)?[ \t]*=[ \t]*(\d+\.\d+(?:\.\d+)?)/m.exec(cfg);
  return m?.[1];
}

/** Interpreter names such as `python3.11` (not `python3.11-config`) to their X.Y version. */
export function interpreterVersion(name: string): string | undefined {
  return /^python(3\.\d+)$/.exec(name)?.[1];
}
