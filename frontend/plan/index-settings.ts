import { trimTrailingSlashes } from "../common/paths.js";
import type { IndexSettings } from "../options/settings.js";

/**
 * Package index settings that do not come from a layer: the operator's defaults (frontend
 * options) and the base image's pip settings (its env and pip.conf files). Precedence, per
 * setting: a layer's own options > operator defaults > the base image's settings.
 */

export type { IndexSettings };

export type IndexKey = keyof IndexSettings;
const KEYS: readonly IndexKey[] = ["indexUrl", "extraIndexUrls", "trustedHosts", "findLinks", "noIndex"];

/** pip's name of each setting: the env var, and the key in pip.conf. */
const PIP: Record<IndexKey, { env: string; conf: string }> = {
  indexUrl: { env: "PIP_INDEX_URL", conf: "index-url" },
  extraIndexUrls: { env: "PIP_EXTRA_INDEX_URL", conf: "extra-index-url" },
  trustedHosts: { env: "PIP_TRUSTED_HOST", conf: "trusted-host" },
  findLinks: { env: "PIP_FIND_LINKS", conf: "find-links" },
  noIndex: { env: "PIP_NO_INDEX", conf: "no-index" },
};

/** uv's env var for each setting, and how it separates a list. */
const UV: Record<IndexKey, { env: string; separator: string }> = {
  indexUrl: { env: "UV_INDEX_URL", separator: " " },
  extraIndexUrls: { env: "UV_EXTRA_INDEX_URL", separator: " " },
  trustedHosts: { env: "UV_INSECURE_HOST", separator: " " },
  findLinks: { env: "UV_FIND_LINKS", separator: "," },
  noIndex: { env: "UV_NO_INDEX", separator: "" },
};

const words = (v: string) => v.split(/\s+/).filter(Boolean);
const TRUE = new Set(["1", "true", "yes", "on", "y", "t"]);

/** A setting from its written value; an empty value clears what earlier files set, as in pip. */
function setValue(out: IndexSettings, key: IndexKey, raw: string): void {
  const v = raw.trim();
  if (v === "") {
    delete out[key];
  } else if (key === "indexUrl") out.indexUrl = v;
  else if (key === "noIndex") out.noIndex = TRUE.has(v.toLowerCase());
  else out[key] = words(v);
}

type Sections = Map<string, Map<string, string>>;

/** The sections of one pip.conf (INI): option names lowercased with `_` as `-`, as pip reads them; a value may continue on indented lines. */
export function parsePipConfSections(text: string): Sections {
  const sections: Sections = new Map();
  let current: Map<string, string> | undefined;
  let lastKey: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trimEnd();
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith("#") || trimmed.startsWith(";")) continue;
    if (line !== line.trimStart() && current && lastKey) {
      current.set(lastKey, `${current.get(lastKey)}\n${trimmed}`);
      continue;
    }
    if (trimmed.startsWith("[") && trimmed.endsWith("]")) {
      const name = trimmed.slice(1, -1).trim();
      current = sections.get(name) ?? new Map();
      sections.set(name, current);
      lastKey = undefined;
      continue;
    }
    const eq = trimmed.search(/[=:]/);
    if (eq <= 0 || !current) continue;
    lastKey = trimmed.slice(0, eq).trim().toLowerCase().replace(/_/g, "-");
    current.set(lastKey, trimmed.slice(eq + 1).trim());
  }
  return sections;
}

/** Later settings win, key by key. */
export function overlay(...layers: (IndexSettings | undefined)[]): IndexSettings {
  const out: IndexSettings = {};
  for (const l of layers) {
    if (!l) continue;
    for (const k of KEYS) if (l[k] !== undefined) (out as Record<IndexKey, unknown>)[k] = l[k];
  }
  return out;
}


interface ConfFile {
  path: string;
  kind: "global" | "user" | "site" | "env";
}

/**
 * pip.conf files in the order pip loads them (later ones win): the XDG config dirs' and
 * /etc/pip.conf, the user's (legacy ~/.pip, then $XDG_CONFIG_HOME), the venv's, then
 * PIP_CONFIG_FILE; none at all when PIP_CONFIG_FILE is /dev/null.
 */
function confFiles(env: ReadonlyMap<string, string>): ConfFile[] {
  const configFile = env.get("PIP_CONFIG_FILE");
  if (configFile === "/dev/null") return [];
  const xdg = (env.get("XDG_CONFIG_DIRS") || "/etc/xdg").split(":").filter((d) => d.startsWith("/"));
  const home = trimTrailingSlashes(env.get("HOME") || "/root");
  const configHome = trimTrailingSlashes(env.get("XDG_CONFIG_HOME") || `${home}/.config`);
  const venv = env.get("VIRTUAL_ENV");
  return [
    ...xdg.map((d): ConfFile => ({ path: `${trimTrailingSlashes(d)}/pip/pip.conf`, kind: "global" })),
    { path: "/etc/pip.conf", kind: "global" },
    { path: `${home}/.pip/pip.conf`, kind: "user" },
    { path: `${configHome}/pip/pip.conf`, kind: "user" },
    ...(venv ? [{ path: `${trimTrailingSlashes(venv)}/pip.conf`, kind: "site" } as ConfFile] : []),
    ...(configFile?.startsWith("/") ? [{ path: configFile, kind: "env" } as ConfFile] : []),
  ];
}

export function pipConfPaths(env: ReadonlyMap<string, string>): string[] {
  return confFiles(env).map((f) => f.path);
}

/**
 * The base image's pip settings for `pip install`, as pip computes them: every file's options
 * merged (later files win per section and option; a user file is skipped when PIP_CONFIG_FILE
 * exists), `[global]` then `[install]` over it, then the PIP_* env. `confs` are the contents of
 * {@link pipConfPaths}, undefined where there is no such file.
 */
export function basePipSettings(env: ReadonlyMap<string, string>, confs: readonly (string | undefined)[]): IndexSettings {
  const files = confFiles(env);
  const envFileExists = files.some((f, i) => f.kind === "env" && confs[i] !== undefined);
  const merged: Sections = new Map();
  files.forEach((f, i) => {
    const text = confs[i];
    if (text === undefined || (f.kind === "user" && envFileExists)) return;
    for (const [name, options] of parsePipConfSections(text)) {
      const into = merged.get(name) ?? new Map<string, string>();
      for (const [k, v] of options) into.set(k, v);
      merged.set(name, into);
    }
  });
  return installSettings(merged, env);
}

/** The settings `pip install` takes from config sections and env: `[global]`, `[install]` over it, PIP_* over both. */
function installSettings(sections: Sections, env: ReadonlyMap<string, string>): IndexSettings {
  const out: IndexSettings = {};
  for (const section of ["global", "install"]) {
    const options = sections.get(section);
    if (!options) continue;
    for (const k of KEYS) {
      const v = options.get(PIP[k].conf);
      if (v !== undefined) setValue(out, k, v);
    }
  }
  for (const k of KEYS) {
    const v = env.get(PIP[k].env);
    if (v !== undefined) setValue(out, k, v);
  }
  return out;
}

/** One pip.conf's settings for `pip install` on their own. */
export function parsePipConf(text: string): IndexSettings {
  return installSettings(parsePipConfSections(text), new Map());
}

function envFor(kind: "uv" | "pip", s: IndexSettings, keys: readonly IndexKey[], skip: (name: string) => boolean = () => false): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys) {
    const v = s[k];
    if (v === undefined || v === false) continue;
    const name = kind === "uv" ? UV[k].env : PIP[k].env;
    if (skip(name)) continue;
    out[name] = typeof v === "string" ? v : v === true ? "1" : v.join(kind === "uv" ? UV[k].separator : " ");
  }
  return out;
}

/**
 * Env an install step gets for the settings that do not come from the layer (the layer's own
 * options are command-line arguments, which both tools rank above their env).
 * - pip reads the base image's env and pip.conf itself; operator defaults are set over them.
 * - uv reads neither: the base image's pip settings are given in uv's terms, unless the base
 *   image already sets uv's own variable; operator defaults override both.
 */
export function indexEnv(
  kind: "uv" | "pip",
  operator: IndexSettings | undefined,
  base: IndexSettings | undefined,
  baseEnv: ReadonlyMap<string, string>,
  keys: readonly IndexKey[] = KEYS,
): Record<string, string> {
  if (kind === "pip") return envFor("pip", operator ?? {}, keys);
  return { ...envFor("uv", base ?? {}, keys, (name) => baseEnv.has(name)), ...envFor("uv", operator ?? {}, keys) };
}

/**
 * Extra indexes to add after a layer's own: pip adds the command line's `--extra-index-url` to
 * those of its env and config, while uv lets the command line replace its env; so under uv the
 * defaults are repeated as arguments to keep lists additive under both installers.
 */
export function defaultExtraIndexUrls(operator: IndexSettings | undefined, base: IndexSettings | undefined): string[] {
  return operator?.extraIndexUrls ?? base?.extraIndexUrls ?? [];
}
