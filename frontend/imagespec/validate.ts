/** Semantic checks of a decoded spec, reported with the same shape as structural problems. */
import { parseImageReference } from "../../llb/src/reference.js";
import { parseLinuxPlatform } from "../../llb/src/platform.js";
import type { SpecProblem } from "./problems.js";
import type { ImageSpec, Layer, PipOptions, Secret } from "./model.js";
import { isDebianPackage } from "../grammars/debian.js";
import { isProjectName, parseRequirement, RequirementSyntaxError } from "../grammars/pep508.js";
import { splitShellWords } from "../grammars/shellwords.js";
import { shown } from "../common/words.js";
import { expandVariables, NestingTooDeepError } from "../grammars/env-expansion.js";
import { nearestRange, type SourceRange } from "./tree.js";
import { contextPath } from "../common/paths.js";
import { defaultSecretEnv, secretEnvName, secretId } from "./secrets.js";

export { LIMITS } from "./limits.js";
import { LIMITS } from "./limits.js";
export const SUPPORTED_PYTHON = { min: 8, max: 14 } as const;

export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Whether a package index URL is one pip and uv accept: http(s) or file, any case of scheme. */
export function isIndexUrl(url: string): boolean {
  return /^(?:https?|file):\/\/\S+$/i.test(url);
}

/** How a secret is written in the spec, for messages: `{group: a, key: b}`. */
function describeSecret(s: Secret): string {
  return s.group ? `{group: ${s.group}, key: ${s.key}}` : `{key: ${s.key}}`;
}

class Checker {
  readonly problems: SpecProblem[] = [];
  private readonly secretsById = new Map<string, { s: Secret; sig: string }>();

  constructor(private readonly ranges: ReadonlyMap<string, SourceRange>) {}

  add(path: string, message: string, hint?: string): void {
    const p: SpecProblem = { path, message };
    const range = this.rangeFor(path);
    if (range) p.range = range;
    if (hint) p.hint = hint;
    this.problems.push(p);
  }

  /** The range of a path, or of its nearest located parent. */
  rangeFor(path: string): SourceRange | undefined {
    // The whole-spec path ("") is not located: a problem with no field gets no snippet.
    return path ? nearestRange(this.ranges, path) : undefined;
  }

  contextPathField(path: string, value: string, what: string): void {
    if (!value) return;
    if (contextPath(value) === undefined) {
      this.add(path, `${what} "${value}" must be a relative path inside the build context`, "absolute paths and paths with .. leading out of the context are not allowed");
    }
  }

  /** `$VAR` / `${VAR}` references must be well formed (they expand like Dockerfile ENV). */
  substitutions(path: string, value: string): void {
    try {
      expandVariables(value, () => "");
    } catch (e) {
      this.add(path, (e as Error).message, e instanceof NestingTooDeepError ? undefined : "write \\$ for a literal dollar sign");
    }
  }

  pipOptions(path: string, o: PipOptions): void {
    const urls = [o.indexUrl, ...o.extraIndexUrls].map((u, i) => [u, i === 0 ? `${path}.index_url` : `${path}.extra_index_urls[${i - 1}]`] as const);
    for (const [url, p] of urls) {
      if (url && !isIndexUrl(url)) this.add(p, `"${url}" is not an http(s) or file URL`);
    }
    if (o.extraArgs) this.extraArgs(`${path}.extra_args`, o.extraArgs);
  }

  /** extra_args must split the way a shell would split them (they are never run by one). */
  extraArgs(path: string, value: string): void {
    try {
      splitShellWords(value);
    } catch (e) {
      this.add(path, `cannot split extra_args: ${(e as Error).message}`);
    }
  }

  /** One step's secret_mounts: each secret well formed, consistent with the spec's other uses, no env var set twice. */
  secrets(list: Secret[]): void {
    const idsInStep = new Map<string, Secret>();
    const envInStep = new Map<string, Secret>();
    for (const s of list) {
      if (!this.secret(s)) continue;
      const same = idsInStep.get(secretId(s));
      if (same) {
        this.add(s.at, `secret ${describeSecret(s)} is listed twice in this step (first at ${same.at})`, "remove one of them");
        continue;
      }
      idsInStep.set(secretId(s), s);
      const env = secretEnvName(s);
      if (env === undefined) continue;
      const other = envInStep.get(env);
      if (other) this.add(s.at, `secrets ${describeSecret(other)} and ${describeSecret(s)} both set environment variable "${env}" in this step (first at ${other.at})`, "give one of them a different env_var");
      else envInStep.set(env, s);
    }
  }

  /** Checks one secret on its own and against earlier ones with the same id; false if it is unusable. */
  private secret(s: Secret): boolean {
    if (!s.key) {
      this.add(`${s.at}.key`, "secret key must not be empty", "set key to the name of the secret");
      return false;
    }
    const id = secretId(s);
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(id)) {
      this.add(`${s.at}.key`, `secret id "${id}" may only contain letters, digits, ".", "_" and "-"`);
      return false;
    }
    if (s.envVar && !ENV_NAME.test(s.envVar)) {
      this.add(`${s.at}.env_var`, `"${s.envVar}" is not a valid environment variable name`);
      return false;
    }
    const env = secretEnvName(s);
    if (env !== undefined && !ENV_NAME.test(env)) {
      this.add(`${s.at}.key`, `secret ${describeSecret(s)} would be exposed as environment variable "${env}", which is not a valid name`, "set env_var to a name of letters, digits and _ not starting with a digit");
      return false;
    }
    const sig = `${s.mount}|${s.envVar}|${s.groupVersion}`;
    const prev = this.secretsById.get(id);
    if (!prev) {
      this.secretsById.set(id, { s, sig });
    } else if (prev.s.group !== s.group || prev.s.key !== s.key) {
      this.add(s.at, `secrets ${describeSecret(prev.s)} and ${describeSecret(s)} both become BuildKit secret id "${id}" (first at ${prev.s.at})`, "rename the key or group of one of them");
      return false;
    } else if (prev.sig !== sig) {
      this.add(s.at, `secret "${id}" is declared again with different settings (first at ${prev.s.at})`);
    }
    return true;
  }

  packages(path: string, pkgs: string[], check: (p: string) => string | undefined): void {
    if (pkgs.length === 0) this.add(path, "the package list is empty");
    if (pkgs.length > LIMITS.packagesPerLayer) this.add(path, `too many packages (${pkgs.length} > ${LIMITS.packagesPerLayer})`);
    pkgs.forEach((p, i) => {
      const err = check(p);
      if (err) this.add(`${path}[${i}]`, err);
    });
  }

  layer(l: Layer): void {
    const at = `${l.at}.${l.kind}`;
    switch (l.kind) {
      case "apt_packages":
        this.packages(`${at}.packages`, l.packages, (p) => (isDebianPackage(p) ? undefined : `${shown(p)} is not a valid Debian package name`));
        this.secrets(l.secrets);
        break;
      case "pip_packages":
        this.packages(`${at}.packages`, l.packages, pep508Problem);
        this.pipOptions(`${at}.options`, l.options);
        this.secrets(l.secrets);
        break;
      case "requirements":
        if (!l.file) this.add(`${at}.file`, "file must not be empty");
        this.contextPathField(`${at}.file`, l.file, "requirements file");
        this.pipOptions(`${at}.options`, l.options);
        this.secrets(l.secrets);
        break;
      case "python_wheels":
        if (!l.dir) this.add(`${at}.dir`, "dir must not be empty");
        this.contextPathField(`${at}.dir`, l.dir, "wheel directory");
        if (l.packageName && !isProjectName(l.packageName)) this.add(`${at}.package_name`, `"${l.packageName}" is not a valid Python package name`);
        this.pipOptions(`${at}.options`, l.options);
        this.secrets(l.secrets);
        break;
      case "uv_project":
        if (!l.pyproject) this.add(`${at}.pyproject`, "pyproject must not be empty");
        this.contextPathField(`${at}.pyproject`, l.pyproject, "pyproject");
        this.contextPathField(`${at}.uvlock`, l.uvlock, "uv lock file");
        this.contextPathField(`${at}.source_dir`, l.sourceDir, "source_dir");
        if (l.sourceDir && l.pyproject) {
          const src = contextPath(l.sourceDir);
          const proj = contextPath(l.pyproject.replace(/(^|\/)pyproject\.toml$/, "") || ".");
          if (src !== undefined && proj !== undefined && src !== "." && proj !== src && !proj.startsWith(src + "/")) {
            this.add(`${at}.source_dir`, `source_dir "${l.sourceDir}" must contain the project directory "${proj}"`);
          }
        }
        this.pipOptions(`${at}.options`, l.options);
        this.secrets(l.secrets);
        break;
      case "poetry_project":
        if (!l.pyproject) this.add(`${at}.pyproject`, "pyproject must not be empty");
        this.contextPathField(`${at}.pyproject`, l.pyproject, "pyproject");
        if (!l.poetryLock) this.add(`${at}.poetry_lock`, "poetry_lock is required", "commit poetry.lock and point poetry_lock at it");
        this.contextPathField(`${at}.poetry_lock`, l.poetryLock, "poetry lock file");
        this.extraArgs(`${at}.extra_args`, l.extraArgs);
        this.secrets(l.secrets);
        break;
      case "commands":
        if (l.cmd.length === 0) this.add(`${at}.cmd`, "the command list is empty");
        l.cmd.forEach((c, i) => {
          if (!c.trim()) this.add(`${at}.cmd[${i}]`, "command is empty");
        });
        this.secrets(l.secrets);
        break;
      case "workdir":
        if (!l.workdir) this.add(`${at}.workdir`, "workdir must not be empty");
        this.substitutions(`${at}.workdir`, l.workdir);
        if (l.workdir.includes("\0")) this.add(`${at}.workdir`, "workdir contains a NUL byte");
        break;
      case "copy_config":
        if (!l.src) this.add(`${at}.src`, "src must not be empty");
        this.contextPathField(`${at}.src`, l.src, "copy source");
        break;
      case "env":
        if (l.vars.length === 0) this.add(`${at}.env_variables`, "no variables given");
        for (const [k, v] of l.vars) {
          if (!ENV_NAME.test(k)) this.add(`${at}.env_variables.${k}`, `"${k}" is not a valid environment variable name`, "use letters, digits and _, not starting with a digit");
          else this.substitutions(`${at}.env_variables.${k}`, v);
        }
        break;
    }
  }
}

export function pep508Problem(p: string): string | undefined {
  if (p.startsWith("-")) return `${shown(p)} looks like an option, not a package; put options in options.extra_args`;
  try {
    parseRequirement(p);
  } catch (e) {
    if (!(e instanceof RequirementSyntaxError)) throw e;
    return `${shown(p)} is not a valid PEP 508 requirement: ${e.message}`;
  }
  return undefined;
}

/** Checks what the structure alone cannot; returns every problem found. */
export function validateSpec(spec: ImageSpec, ranges: ReadonlyMap<string, SourceRange>): SpecProblem[] {
  const c = new Checker(ranges);
  if (!spec.baseImage) c.add("base_image", "base_image must not be empty");
  else {
    try {
      parseImageReference(spec.baseImage);
    } catch (e) {
      c.add("base_image", (e as Error).message);
    }
  }
  if (spec.pythonVersion) {
    const m = /^3\.(0|[1-9][0-9]*)$/.exec(spec.pythonVersion);
    const zeros = /^3\.0+([1-9][0-9]*)$/.exec(spec.pythonVersion);
    if (zeros) c.add("python_version", `"${spec.pythonVersion}" is not a Python version of the form 3.X: the minor version has a leading zero`, `write "3.${zeros[1]}"`);
    else if (!m) c.add("python_version", `"${spec.pythonVersion}" is not a Python version of the form 3.X`);
    else if (Number(m[1]) < SUPPORTED_PYTHON.min || Number(m[1]) > SUPPORTED_PYTHON.max) {
      c.add("python_version", `Python ${spec.pythonVersion} is not supported`, `supported: 3.${SUPPORTED_PYTHON.min} to 3.${SUPPORTED_PYTHON.max}`);
    }
  }
  spec.platforms.forEach((p, i) => {
    try {
      parseLinuxPlatform(p);
    } catch (e) {
      c.add(`platform[${i}]`, (e as Error).message);
    }
  });
  if (spec.layers.length > LIMITS.layers) c.add("layers", `too many layers (${spec.layers.length} > ${LIMITS.layers})`);
  for (const l of spec.layers) c.layer(l);
  return c.problems;
}
