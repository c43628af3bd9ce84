/**
 * What pip can honestly install for a uv project: the exact versions a uv.lock pins (with the
 * environment markers of the edges that need them), or the dependencies pyproject.toml
 * declares. Anything pip cannot reproduce from the lock is refused with the reason.
 */
import { parse } from "smol-toml";

/** Why pip cannot install a uv project; the compiler adds where and what to do instead. */
export class PipCannotInstallError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "PipCannotInstallError";
  }
}

interface LockPackage {
  name: string;
  version?: string;
  source?: Record<string, string>;
  dependencies?: { name: string; marker?: string; extra?: string[] }[];
  "optional-dependencies"?: Record<string, { name: string; marker?: string }[]>;
}

const normalize = (n: string) => n.toLowerCase().replace(/[-_.]+/g, "-");

function parseToml(text: string, what: string): Record<string, unknown> {
  try {
    return parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new PipCannotInstallError(`cannot read ${what}: ${(e as Error).message.split("\n")[0]}`);
  }
}

/** The project's own name from pyproject.toml, and its [project].dependencies. */
export function pyprojectDependencies(text: string): { name: string; dependencies: string[] } {
  const doc = parseToml(text, "pyproject.toml");
  const project = doc.project as { name?: unknown; dependencies?: unknown } | undefined;
  if (!project || typeof project.name !== "string") throw new PipCannotInstallError("pyproject.toml has no [project] name");
  const deps = project.dependencies ?? [];
  if (!Array.isArray(deps) || !deps.every((d) => typeof d === "string")) throw new PipCannotInstallError("[project].dependencies must be a list of strings");
  return { name: project.name, dependencies: deps as string[] };
}

export interface UvProjectShape {
  /** Whether uv builds and installs the project itself (not "virtual"). */
  isPackage: boolean;
  /** Whether syncing needs more than the manifest and lock: workspace members or path sources. */
  needsTree: boolean;
}

/**
 * How uv treats a project: a package when `tool.uv.package` says so, otherwise when
 * pyproject.toml declares a `[build-system]`; a project that is not a package ("virtual") only
 * has its dependencies installed. Unreadable TOML counts as a package with its tree, so the
 * installer reports the problem itself.
 */
export function uvProjectShape(pyprojectText: string): UvProjectShape {
  let doc: Record<string, unknown>;
  try {
    doc = parse(pyprojectText) as Record<string, unknown>;
  } catch {
    return { isPackage: true, needsTree: true };
  }
  const uv = (doc.tool as { uv?: { package?: unknown; workspace?: unknown; sources?: unknown } } | undefined)?.uv;
  const isPackage = typeof uv?.package === "boolean" ? uv.package : typeof doc["build-system"] === "object" && doc["build-system"] !== null;
  const sources = uv?.sources && typeof uv.sources === "object" ? Object.values(uv.sources as Record<string, unknown>) : [];
  const local = (s: unknown) => s !== null && typeof s === "object" && ("path" in s || "workspace" in s);
  const needsTree = uv?.workspace !== undefined || sources.some((s) => (Array.isArray(s) ? s.some(local) : local(s)));
  return { isPackage, needsTree };
}

/**
 * `name==version ; marker` requirements for every package the project needs according to the
 * lock, to be installed with `--no-deps` so pip installs exactly what uv locked.
 */
export function lockedRequirements(lockText: string, projectName: string): string[] {
  const doc = parseToml(lockText, "uv.lock");
  const packages = (doc.package ?? []) as LockPackage[];
  if (!Array.isArray(packages)) throw new PipCannotInstallError("uv.lock has no [[package]] entries");
  const byName = new Map<string, LockPackage[]>();
  for (const p of packages) byName.set(normalize(p.name), [...(byName.get(normalize(p.name)) ?? []), p]);
  const root = byName.get(normalize(projectName))?.[0];
  if (!root) throw new PipCannotInstallError(`uv.lock has no entry for the project "${projectName}" (is the lock stale?)`);

  // Walk from the project; a package's marker is the OR of the markers of the edges reaching it
  // (an unconditional edge makes it unconditional).
  const markers = new Map<string, string[] | "always">();
  const queue: { name: string; marker: string | undefined }[] = (root.dependencies ?? []).map((d) => ({ name: normalize(d.name), marker: d.marker }));
  while (queue.length > 0) {
    const { name, marker } = queue.shift()!;
    const prev = markers.get(name);
    if (prev === "always") continue;
    if (marker === undefined) markers.set(name, "always");
    else if (prev?.includes(marker)) continue;
    else markers.set(name, [...(prev ?? []), marker]);
    const entries = byName.get(name);
    if (!entries) throw new PipCannotInstallError(`uv.lock references "${name}" but does not lock it`);
    if (entries.length > 1) throw new PipCannotInstallError(`uv.lock locks several versions of "${name}" for different environments, which pip cannot choose between`);
    for (const d of entries[0]!.dependencies ?? []) {
      const child = d.marker && marker ? `(${marker}) and (${d.marker})` : (d.marker ?? marker);
      queue.push({ name: normalize(d.name), marker: child });
    }
  }
  const out: string[] = [];
  for (const [name, m] of [...markers].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const p = byName.get(name)![0]!;
    const source = p.source ?? {};
    if (!("registry" in source)) {
      const kind = Object.keys(source)[0] ?? "unknown";
      throw new PipCannotInstallError(`uv.lock takes "${p.name}" from a ${kind} source (${Object.values(source)[0] ?? ""}), which pip cannot install from the lock`);
    }
    if (!p.version) throw new PipCannotInstallError(`uv.lock has no version for "${p.name}"`);
    const marker = m === "always" ? "" : m.length === 1 ? ` ; ${m[0]}` : ` ; ${m.map((x) => `(${x})`).join(" or ")}`;
    out.push(`${p.name}==${p.version}${marker}`);
  }
  return out;
}
