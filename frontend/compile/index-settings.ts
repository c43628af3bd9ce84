/**
 * Package index settings that do not come from a layer: the operator's defaults (frontend
 * options) and the base image's pip settings (its env and pip.conf files). Precedence, per
 * setting: a layer's own options > operator defaults > the base image's settings.
 */

export interface IndexSettings {
  indexUrl?: string;
  extraIndexUrls?: string[];
  trustedHosts?: string[];
  findLinks?: string[];
}

type Key = keyof IndexSettings;
const KEYS: readonly Key[] = ["indexUrl", "extraIndexUrls", "trustedHosts", "findLinks"];

/** pip's name of each setting: the env var, and the key in pip.conf. */
const PIP: Record<Key, { env: string; conf: string }> = {
  indexUrl: { env: "PIP_INDEX_URL", conf: "index-url" },
  extraIndexUrls: { env: "PIP_EXTRA_INDEX_URL", conf: "extra-index-url" },
  trustedHosts: { env: "PIP_TRUSTED_HOST", conf: "trusted-host" },
  findLinks: { env: "PIP_FIND_LINKS", conf: "find-links" },
};

/** uv's env var for each setting, and how it separates a list. */
const UV: Record<Key, { env: string; separator: string }> = {
  indexUrl: { env: "UV_INDEX_URL", separator: " " },
  extraIndexUrls: { env: "UV_EXTRA_INDEX_URL", separator: " " },
  trustedHosts: { env: "UV_INSECURE_HOST", separator: " " },
  findLinks: { env: "UV_FIND_LINKS", separator: "," },
};

/** The pip → uv mapping, for the README and for tests. */
export const PIP_TO_UV: readonly { pipEnv: string; pipConf: string; uvEnv: string }[] = KEYS.map((k) => ({
  pipEnv: PIP[k].env,
  pipConf: PIP[k].conf,
  uvEnv: UV[k].env,
}));

const words = (v: string) => v.split(/\s+/).filter(Boolean);

function setValue(out: IndexSettings, key: Key, raw: string): void {
  if (key === "indexUrl") {
    const v = raw.trim();
    if (v) out.indexUrl = v;
  } else {
    const list = words(raw);
    if (list.length > 0) out[key] = list;
  }
}

/**
 * The index settings of one pip.conf (INI): `[global]`, then `[install]` over it, as pip reads
 * them for `pip install`. Keys are matched the way pip matches them (`_` and `-` alike); a value
 * may continue on indented lines.
 */
export function parsePipConf(text: string): IndexSettings {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  let lastKey: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/\s+$/, "");
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith("#") || trimmed.startsWith(";")) continue;
    if (/^\s/.test(line) && current && lastKey) {
      current.set(lastKey, `${current.get(lastKey)} ${trimmed}`);
      continue;
    }
    const section = /^\[([^\]]+)\]$/.exec(trimmed);
    if (section) {
      const name = section[1]!.trim().toLowerCase();
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
  const out: IndexSettings = {};
  for (const name of ["global", "install"]) {
    const values = sections.get(name);
    if (!values) continue;
    for (const k of KEYS) {
      const v = values.get(PIP[k].conf);
      if (v !== undefined) setValue(out, k, v);
    }
  }
  return out;
}

/** Later settings win, key by key. */
export function overlay(...layers: (IndexSettings | undefined)[]): IndexSettings {
  const out: IndexSettings = {};
  for (const l of layers) {
    if (!l) continue;
    for (const k of KEYS) if (l[k] !== undefined) (out as Record<Key, unknown>)[k] = l[k];
  }
  return out;
}

/**
 * pip.conf files in the order pip loads them (later ones win): the XDG config dirs' and
 * /etc/pip.conf, the user's, then the venv's.
 */
export function pipConfPaths(env: ReadonlyMap<string, string>): string[] {
  const xdg = (env.get("XDG_CONFIG_DIRS") || "/etc/xdg").split(":").filter((d) => d.startsWith("/"));
  const home = env.get("HOME") || "/root";
  const venv = env.get("VIRTUAL_ENV");
  return [
    ...xdg.map((d) => `${d.replace(/\/+$/, "")}/pip/pip.conf`),
    "/etc/pip.conf",
    `${home.replace(/\/+$/, "")}/.config/pip/pip.conf`,
    ...(venv ? [`${venv.replace(/\/+$/, "")}/pip.conf`] : []),
  ];
}

/** The base image's pip settings: its pip.conf files (in load order), then its PIP_* env over them. */
export function basePipSettings(env: ReadonlyMap<string, string>, confs: readonly (string | undefined)[]): IndexSettings {
  const fromEnv: IndexSettings = {};
  for (const k of KEYS) {
    const v = env.get(PIP[k].env);
    if (v !== undefined) setValue(fromEnv, k, v);
  }
  return overlay(...confs.map((c) => (c === undefined ? undefined : parsePipConf(c))), fromEnv);
}

function envFor(kind: "uv" | "pip", s: IndexSettings, skip: (name: string) => boolean = () => false): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of KEYS) {
    const v = s[k];
    if (v === undefined) continue;
    const name = kind === "uv" ? UV[k].env : PIP[k].env;
    if (skip(name)) continue;
    out[name] = typeof v === "string" ? v : v.join(kind === "uv" ? UV[k].separator : " ");
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
export function indexEnv(kind: "uv" | "pip", operator: IndexSettings | undefined, base: IndexSettings | undefined, baseEnv: ReadonlyMap<string, string>): Record<string, string> {
  if (kind === "pip") return envFor("pip", operator ?? {});
  return { ...envFor("uv", base ?? {}, (name) => baseEnv.has(name)), ...envFor("uv", operator ?? {}) };
}
