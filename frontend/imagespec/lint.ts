/**
 * Lint rules: things a valid spec may do that are usually a mistake. Reported by `--check`
 * (`frontend.lint`) and as BuildKit warnings during normal builds; never a build failure.
 */
import { parseImageReference } from "../../llb/src/reference.js";
import type { ImageSpec, Layer } from "./model.js";
import { nearestRange, type SourceRange } from "./tree.js";

/** Where the README is published; each rule's URL is the anchor of its section there. */
export const README_URL = "https://github.com/imagespec/imagespec-frontend/blob/main/README.md";

export interface LintRule {
  name: string;
  description: string;
}

export const LINT_RULES = {
  BaseImageNotPinned: { name: "BaseImageNotPinned", description: "The base image is referenced by tag without a digest, so the same spec can build on different bases." },
  BaseImageLatestTag: { name: "BaseImageLatestTag", description: "The base image uses the latest tag (or no tag, which means latest)." },
  CredentialsInIndexUrl: { name: "CredentialsInIndexUrl", description: "A package index URL carries credentials, which end up in the build definition and its cache keys." },
  MixedPinning: { name: "MixedPinning", description: "A layer pins some packages to exact versions and leaves others unpinned." },
  PythonVersionMissing: { name: "PythonVersionMissing", description: "Python layers are used without python_version, so the Python version depends on the base image." },
  InstallInCommands: { name: "InstallInCommands", description: "A commands entry installs packages, which the package layers do with caches and validation." },
} as const satisfies Record<string, LintRule>;

export type LintRuleName = keyof typeof LINT_RULES;

export interface LintWarning {
  rule: LintRuleName;
  /** What this spec does, and what to do instead. */
  detail: string;
  path: string;
  range?: SourceRange;
}

export function ruleUrl(rule: LintRuleName): string {
  return `${README_URL}#${rule.toLowerCase()}`;
}

const PYTHON_KINDS = new Set<Layer["kind"]>(["pip_packages", "requirements", "python_wheels", "uv_project", "poetry_project"]);

/** Exact pins: `name==1.2.3` (no wildcard), `name===x`, or a direct URL; for apt, `name=version`. */
function isPinnedPython(req: string): boolean {
  const r = req.split(";", 1)[0]!;
  if (r.includes("@")) return true;
  const eq = r.indexOf("==");
  return eq > 0 && !r.includes("*") && !/[<>!~,]/.test(r);
}

const isPinnedApt = (p: string) => p.includes("=");

/** Whether any URL in the text has `user[:password]@` before its host. */
function credentialsIn(text: string): boolean {
  return /:\/\/[^/?#@\s]*@/.test(text);
}

/** Words of a shell command, split on blanks and separators (enough to spot an install). */
function commandWords(cmd: string): string[] {
  return cmd.split(/[\s;&|()`]+/).filter(Boolean);
}

/** The install a command runs, e.g. `pip install` or `apt-get install`, if any. */
export function installIn(cmd: string): string | undefined {
  const w = commandWords(cmd);
  for (let i = 0; i < w.length; i++) {
    const word = w[i]!.slice(w[i]!.lastIndexOf("/") + 1);
    const tool = /^pip(3(\.\d+)?)?$/.test(word) ? word : word === "apt-get" || word === "apt" || word === "aptitude" ? word : undefined;
    if (!tool) continue;
    // Skip the tool's options (and apt's `-o Key=Value`) up to its subcommand.
    let j = i + 1;
    while (j < w.length && w[j]!.startsWith("-")) j += w[j] === "-o" ? 2 : 1;
    if (w[j] === "install") return `${tool} install`;
  }
  return undefined;
}

/** Every warning for a spec that validated; `ranges` gives their lines. */
export function lintSpec(spec: ImageSpec, ranges: ReadonlyMap<string, SourceRange>): LintWarning[] {
  const out: LintWarning[] = [];
  const warn = (rule: LintRuleName, path: string, detail: string) => {
    const range = nearestRange(ranges, path);
    out.push({ rule, path, detail, ...(range ? { range } : {}) });
  };
  const ref = parseImageReference(spec.baseImage);
  if (!ref.digest) {
    if (ref.tag === "latest") {
      const written = spec.baseImage.slice(spec.baseImage.lastIndexOf("/") + 1).includes(":");
      warn("BaseImageLatestTag", "base_image", `base_image "${spec.baseImage}" uses ${written ? "the latest tag" : "no tag (latest)"}; name a version tag and pin its digest`);
    }
    warn("BaseImageNotPinned", "base_image", `base_image "${spec.baseImage}" has no digest; pin it as ${spec.baseImage}@sha256:… for reproducible builds`);
  }
  if (!spec.pythonVersion) {
    const first = spec.layers.find((l) => PYTHON_KINDS.has(l.kind));
    if (first) warn("PythonVersionMissing", first.at, `${first.at} installs Python packages but python_version is not set; set it (e.g. "3.11") so the environment does not change with the base image`);
  }
  for (const l of spec.layers) {
    const at = `${l.at}.${l.kind}`;
    if ("options" in l) {
      const urls: (readonly [string, string])[] = [[l.options.indexUrl, `${at}.options.index_url`], ...l.options.extraIndexUrls.map((u, i) => [u, `${at}.options.extra_index_urls[${i}]`] as const)];
      if (l.options.extraArgs) urls.push([l.options.extraArgs, `${at}.options.extra_args`] as const);
      for (const [url, path] of urls) {
        if (url && credentialsIn(url)) warn("CredentialsInIndexUrl", path, `${path} has credentials in a URL; mount them as a secret instead (secret_mounts with env_var: PIP_INDEX_URL or UV_INDEX_URL)`);
      }
    }
    if (l.kind === "pip_packages" || l.kind === "apt_packages") {
      const pinned = l.packages.filter(l.kind === "pip_packages" ? isPinnedPython : isPinnedApt);
      if (pinned.length > 0 && pinned.length < l.packages.length) {
        const loose = l.packages.filter((p) => !pinned.includes(p));
        warn("MixedPinning", `${at}.packages`, `${at} pins ${pinned.length} package(s) but not ${loose.slice(0, 3).join(", ")}${loose.length > 3 ? ", …" : ""}; pin all of them or none`);
      }
    }
    if (l.kind === "commands") {
      l.cmd.forEach((c, i) => {
        const install = installIn(c);
        if (install) {
          const instead = install.startsWith("pip") ? "a pip_packages or requirements layer" : "an apt_packages layer";
          warn("InstallInCommands", `${at}.cmd[${i}]`, `${at}.cmd[${i}] runs "${install}"; use ${instead}, which caches downloads and validates package names`);
        }
      });
    }
  }
  return out.sort((a, b) => (a.range?.start.line ?? 0) - (b.range?.start.line ?? 0));
}
