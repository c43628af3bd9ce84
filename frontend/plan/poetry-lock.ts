/**
 * The exact packages `poetry install` would install from a poetry.lock, as `name==version ;
 * marker` requirements (installed with `--no-deps`, so the installer takes exactly the lock).
 * Read as poetry does by default: the project's main dependencies and every non-optional
 * group, with the extras they ask for. What the frontend cannot reproduce from the lock is
 * refused with the reason (the layer is then left to poetry itself).
 */
import { parse } from "smol-toml";
import { PipCannotInstallError } from "./uv-lock.js";

const normalize = (n: string) => n.toLowerCase().replace(/[-_.]+/g, "-");

type DependencySpec = string | { version?: string; markers?: string; optional?: boolean; extras?: string[]; python?: string; platform?: string; path?: string; git?: string; url?: string } | unknown[];

interface PoetryPackage {
  name: string;
  version: string;
  source?: { type?: string; url?: string };
  dependencies?: Record<string, DependencySpec>;
  extras?: Record<string, string[]>;
}

interface Edge {
  name: string;
  marker: string | undefined;
  extras: string[];
}

function table(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function toml(text: string, what: string): Record<string, unknown> {
  try {
    return parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new PipCannotInstallError(`cannot read ${what}: ${(e as Error).message.split("\n")[0]}`);
  }
}

/** An edge from a poetry dependency table entry; undefined when only an extra pulls it in. */
function edge(name: string, spec: DependencySpec, where: string): Edge | undefined {
  if (Array.isArray(spec)) throw new PipCannotInstallError(`${where} gives "${name}" several constraints (for different environments), which the frontend does not read`);
  if (typeof spec === "string") return { name: normalize(name), marker: undefined, extras: [] };
  const s = table(spec) as Exclude<DependencySpec, string | unknown[]>;
  if (s.optional === true) return undefined;
  if (s.python !== undefined || s.platform !== undefined) throw new PipCannotInstallError(`${where} restricts "${name}" with python/platform, which the frontend does not read`);
  return { name: normalize(name), marker: typeof s.markers === "string" ? s.markers : undefined, extras: Array.isArray(s.extras) ? s.extras.map(String) : [] };
}

/** `name[extra] (>=1) ; marker` as poetry writes extras lists: the name and its extras. */
function extraRequirement(req: string): Edge {
  const m = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?/.exec(req);
  if (!m) throw new PipCannotInstallError(`poetry.lock has an extra requirement "${req}" the frontend cannot read`);
  return { name: normalize(m[1]!), marker: undefined, extras: m[2] ? m[2].split(",").map((x) => x.trim()).filter(Boolean) : [] };
}

function rootEdges(pyproject: Record<string, unknown>): Edge[] {
  const out: Edge[] = [];
  const project = table(pyproject.project);
  for (const d of Array.isArray(project.dependencies) ? project.dependencies : []) {
    const m = typeof d === "string" ? /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?[^;]*(?:;\s*(.+))?$/.exec(d) : null;
    if (!m) throw new PipCannotInstallError(`[project].dependencies has an entry the frontend cannot read: ${JSON.stringify(d)}`);
    out.push({ name: normalize(m[1]!), marker: m[3]?.trim(), extras: m[2] ? m[2].split(",").map((x) => x.trim()).filter(Boolean) : [] });
  }
  const poetry = table(table(pyproject.tool).poetry);
  const add = (deps: unknown, where: string) => {
    for (const [name, spec] of Object.entries(table(deps))) {
      if (normalize(name) === "python") continue;
      const e = edge(name, spec as DependencySpec, where);
      if (e) out.push(e);
    }
  };
  add(poetry.dependencies, "[tool.poetry.dependencies]");
  add(table(poetry["dev-dependencies"]), "[tool.poetry.dev-dependencies]");
  for (const [group, def] of Object.entries(table(poetry.group))) {
    if (table(def).optional === true) continue;
    add(table(def).dependencies, `[tool.poetry.group.${group}.dependencies]`);
  }
  return out;
}

export function poetryLockedRequirements(pyprojectText: string, lockText: string): string[] {
  const pyproject = toml(pyprojectText, "pyproject.toml");
  const lock = toml(lockText, "poetry.lock");
  const packages = (Array.isArray(lock.package) ? lock.package : []) as PoetryPackage[];
  const byName = new Map<string, PoetryPackage[]>();
  for (const p of packages) byName.set(normalize(p.name), [...(byName.get(normalize(p.name)) ?? []), p]);
  const markers = new Map<string, string[] | "always">();
  const extrasSeen = new Map<string, Set<string>>();
  const queue: Edge[] = rootEdges(pyproject);
  while (queue.length > 0) {
    const { name, marker, extras } = queue.shift()!;
    const entries = byName.get(name);
    if (!entries) throw new PipCannotInstallError(`poetry.lock does not lock "${name}" (is the lock stale?)`);
    if (entries.length > 1) throw new PipCannotInstallError(`poetry.lock locks several versions of "${name}" for different environments`);
    const pkg = entries[0]!;
    const prev = markers.get(name);
    const seen = extrasSeen.get(name) ?? new Set<string>();
    const newExtras = extras.filter((x) => !seen.has(x));
    const markerKnown = prev === "always" || (marker !== undefined && prev?.includes(marker));
    if (markerKnown && newExtras.length === 0) continue;
    if (!markerKnown) markers.set(name, marker === undefined ? "always" : [...(prev === undefined ? [] : prev), marker]);
    newExtras.forEach((x) => seen.add(x));
    extrasSeen.set(name, seen);
    const children: Edge[] = [];
    for (const [dep, spec] of Object.entries(table(pkg.dependencies))) {
      const e = edge(dep, spec as DependencySpec, `poetry.lock's entry for "${pkg.name}"`);
      if (e) children.push(e);
    }
    for (const x of extras) for (const req of table(pkg.extras)[x] as string[] | undefined ?? []) children.push(extraRequirement(req));
    for (const c of children) {
      const m = c.marker && marker ? `(${marker}) and (${c.marker})` : (c.marker ?? marker);
      queue.push({ ...c, marker: m });
    }
  }
  const out: string[] = [];
  for (const [name, m] of [...markers].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const p = byName.get(name)![0]!;
    const type = p.source?.type;
    if (type && type !== "legacy") throw new PipCannotInstallError(`poetry.lock takes "${p.name}" from a ${type} source (${p.source?.url ?? ""}), which cannot be installed from a pin`);
    const marker = m === "always" ? "" : m.length === 1 ? ` ; ${m[0]}` : ` ; ${m.map((x) => `(${x})`).join(" or ")}`;
    out.push(`${p.name}==${p.version}${marker}`);
  }
  return out;
}
