/**
 * What one Python install layer installs, read from its resolve step: pip's installation report
 * (`--dry-run --report`) or a PEP 751 lock file written by `uv pip compile --format pylock.toml`.
 * Pure: the gateway reads the files, this module only interprets them.
 */
import { parse as parseToml } from "smol-toml";
import { withoutCredentials } from "../common/urls.js";
import type { PinnedDist } from "../plan/plan.js";

/** Where a distribution comes from, as far as laying it out on its own is concerned. */
export type DistSource =
  /** A wheel found through the layer's indexes or find-links: installed by name, pinned. */
  | { kind: "wheel"; filename: string; sha256: string[]; fromContext: boolean; url?: string; size?: number }
  /** An sdist found the same way: built on top of everything before it. */
  | { kind: "sdist"; filename: string; sha256: string[]; fromContext: boolean; url?: string }
  /** A wheel named by its path in the build context (pip records that path in direct_url.json). */
  | { kind: "context-wheel"; path: string }
  /** Anything that cannot be installed by itself from a pin (editable, local directory, VCS, remote URL). */
  | { kind: "unsupported"; why: string };

export interface ResolvedDist {
  /** The name as its metadata spells it. */
  name: string;
  /** PEP 503 normalized name. */
  key: string;
  version: string;
  /** Asked for by the layer itself rather than pulled in as a dependency. */
  requested: boolean;
  source: DistSource;
  /** Normalized names this distribution depends on (markers ignored: only used for install order). */
  requires: string[];
}

export type Resolution =
  | { ok: true; dists: ResolvedDist[]; installed: Record<string, string> }
  | { ok: false; reason: string };

/** "torch==2.13.0+cpu": a distribution's id in layer names and the inspect step's answer. */
export const distId = (d: ResolvedDist) => `${d.name}==${d.version}`;

/** What the SBOM keeps of a distribution installed from a pin. */
export function pinnedDist(d: ResolvedDist): PinnedDist {
  const s = d.source;
  const sha256 = s.kind === "wheel" || s.kind === "sdist" ? s.sha256[0] : undefined;
  if (!sha256 || (s.kind !== "wheel" && s.kind !== "sdist")) return { name: d.name, version: d.version };
  return { name: d.name, version: d.version, file: { filename: s.filename, sha256, ...(s.url ? { url: s.url } : {}) } };
}

export const normalizeName = (n: string) => n.toLowerCase().replace(/[-_.]+/g, "-");

/** The resolve step's exit status and stderr tail, as the driver records them. */
export interface ResolveStatus {
  exit: number;
  stderr: string;
}

/** The reason a resolve failed, in one line: pip's and uv's last error line. */
export function failureReason(status: ResolveStatus): string {
  const lines = status.stderr.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const error = [...lines].reverse().find((l) => /^(ERROR|error)\b/.test(l)) ?? lines.at(-1) ?? `exit status ${status.exit}`;
  const one = error.replace(/\s+/g, " ");
  return one.length > 200 ? one.slice(0, 199) + "…" : one;
}

function fileName(url: string): string {
  const path = url.split(/[?#]/, 1)[0]!;
  return decodeURIComponent(path.slice(path.lastIndexOf("/") + 1));
}

function requirementName(req: string): string | undefined {
  const m = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(req);
  return m ? normalizeName(m[1]!) : undefined;
}

/**
 * Whether a Requires-Dist line applies to this install: one that only an extra brings in (`…;
 * extra == "test"`) counts only when that extra was asked for. scipy's test extra names mpmath
 * and threadpoolctl; counted, they would look like scipy's dependencies to the grouping.
 */
function appliesWith(req: string, extras: ReadonlySet<string>): boolean {
  const marker = req.slice(req.indexOf(";") + 1);
  if (!req.includes(";") || !/\bextra\b/.test(marker)) return true;
  return [...marker.matchAll(/\bextra\s*==\s*["']([^"']+)["']/g)].some((m) => extras.has(normalizeName(m[1]!)));
}

interface PipReportItem {
  requested_extras?: unknown;
  metadata?: { name?: unknown; version?: unknown; requires_dist?: unknown };
  is_direct?: unknown;
  requested?: unknown;
  download_info?: {
    url?: unknown;
    archive_info?: { hash?: unknown; hashes?: Record<string, unknown> };
    dir_info?: { editable?: unknown };
    vcs_info?: unknown;
  };
}

function pipSource(item: PipReportItem, contextUrl: string): DistSource {
  const info = item.download_info ?? {};
  const url = typeof info.url === "string" ? info.url : "";
  if (info.vcs_info) return { kind: "unsupported", why: `a VCS requirement (${url})` };
  if (info.dir_info) return { kind: "unsupported", why: info.dir_info.editable ? `an editable install (${url})` : `a local directory (${url})` };
  const file = fileName(url);
  const fromContext = url.startsWith(contextUrl + "/");
  if (item.is_direct === true) {
    if (fromContext && file.endsWith(".whl")) return { kind: "context-wheel", path: decodeURIComponent(url.slice("file://".length)) };
    return { kind: "unsupported", why: `a direct URL or path (${url})` };
  }
  const hashes = info.archive_info?.hashes;
  const fromHash = typeof info.archive_info?.hash === "string" ? /^sha256[=:]([0-9a-f]{64})$/.exec(info.archive_info.hash)?.[1] : undefined;
  const sha = typeof hashes?.sha256 === "string" ? hashes.sha256 : fromHash;
  const sha256 = sha && /^[0-9a-f]{64}$/.test(sha) ? [sha] : [];
  return { kind: file.endsWith(".whl") ? "wheel" : "sdist", filename: file, sha256, fromContext, ...remote(url) };
}

/** Where an index file came from, for the SBOM: an http(s) URL without credentials (none for local files). */
function remote(url: string): { url?: string } {
  const clean = /^https?:\/\//i.test(url) ? withoutCredentials(url) : undefined;
  return clean ? { url: clean } : {};
}

/** A pip installation report (version 1). `contextDir` is where the build context is mounted. */
export function parsePipReport(text: string, contextDir: string): ResolvedDist[] {
  const report = JSON.parse(text) as { version?: unknown; install?: unknown };
  if (report.version !== "1") throw new Error(`pip installation report version ${JSON.stringify(report.version)} is not supported (expected "1")`);
  if (!Array.isArray(report.install)) throw new Error("pip installation report has no install list");
  return (report.install as PipReportItem[]).map((item) => {
    const name = item.metadata?.name;
    const version = item.metadata?.version;
    if (typeof name !== "string" || typeof version !== "string") throw new Error("pip installation report: an item has no metadata name or version");
    const requiresDist = Array.isArray(item.metadata?.requires_dist) ? (item.metadata!.requires_dist as unknown[]) : [];
    const extras = new Set(Array.isArray(item.requested_extras) ? item.requested_extras.flatMap((e) => (typeof e === "string" ? [normalizeName(e)] : [])) : []);
    return {
      name,
      key: normalizeName(name),
      version,
      requested: item.requested === true,
      source: pipSource(item, `file://${contextDir}`),
      requires: [...new Set(requiresDist.flatMap((r) => (typeof r === "string" && appliesWith(r, extras) ? (requirementName(r) ?? []) : [])))],
    };
  });
}

interface PylockFile {
  url?: unknown;
  path?: unknown;
  size?: unknown;
  hashes?: Record<string, unknown>;
}
interface PylockPackage {
  name?: unknown;
  version?: unknown;
  wheels?: PylockFile[];
  sdist?: PylockFile;
  directory?: { path?: unknown; editable?: unknown };
  vcs?: { url?: unknown };
  archive?: { url?: unknown; path?: unknown };
  dependencies?: { name?: unknown }[];
}

function pylockSource(p: PylockPackage, contextDir: string): DistSource {
  if (p.vcs) return { kind: "unsupported", why: `a VCS requirement (${String(p.vcs.url ?? "")})` };
  if (p.directory) return { kind: "unsupported", why: p.directory.editable ? `an editable install (${String(p.directory.path)})` : `a local directory (${String(p.directory.path)})` };
  if (p.archive) return { kind: "unsupported", why: `a direct URL or path (${String(p.archive.url ?? p.archive.path ?? "")})` };
  const where = (f: PylockFile) => (typeof f.url === "string" ? f.url : typeof f.path === "string" ? f.path : "");
  const files = [...(p.wheels ?? []), ...(p.sdist ? [p.sdist] : [])];
  const sha256 = files.flatMap((f) => (typeof f.hashes?.sha256 === "string" && /^[0-9a-f]{64}$/.test(f.hashes.sha256) ? [f.hashes.sha256] : []));
  const first = files[0];
  if (!first) return { kind: "unsupported", why: "a package without wheel or sdist in the lock" };
  const loc = where(first);
  const fromContext = loc.startsWith(contextDir + "/") || loc.startsWith(`file://${contextDir}/`);
  const size = typeof first.size === "number" && Number.isSafeInteger(first.size) && first.size >= 0 ? { size: first.size } : {};
  if ((p.wheels ?? []).length === 0) return { kind: "sdist", filename: fileName(loc), sha256, fromContext, ...remote(loc) };
  return { kind: "wheel", filename: fileName(loc), sha256, fromContext, ...remote(loc), ...size };
}

/**
 * The resolve step's sizes.json (wheel filename → bytes, as the index or the file said) added to
 * the wheels it names that have no size yet. What it leaves out stays unknown.
 */
export function withWheelSizes(dists: ResolvedDist[], sizes: unknown): ResolvedDist[] {
  if (typeof sizes !== "object" || sizes === null) return dists;
  const bytes = sizes as Record<string, unknown>;
  return dists.map((d) => {
    const s = d.source;
    if (s.kind !== "wheel" || s.size !== undefined || !Object.hasOwn(bytes, s.filename)) return d;
    const n = bytes[s.filename];
    return typeof n === "number" && Number.isSafeInteger(n) && n >= 0 ? { ...d, source: { ...s, size: n } } : d;
  });
}

/** A PEP 751 lock as `uv pip compile --format pylock.toml` writes it for one environment. */
export function parsePylock(text: string, contextDir: string, requested: ReadonlySet<string>): ResolvedDist[] {
  const doc = parseToml(text) as { "lock-version"?: unknown; packages?: PylockPackage[] };
  if (typeof doc["lock-version"] !== "string" || !doc["lock-version"].startsWith("1.")) throw new Error(`pylock.toml lock-version ${JSON.stringify(doc["lock-version"])} is not supported`);
  return (doc.packages ?? []).map((p) => {
    if (typeof p.name !== "string" || typeof p.version !== "string") throw new Error("pylock.toml: a package has no name or version");
    const key = normalizeName(p.name);
    return {
      name: p.name,
      key,
      version: p.version,
      // uv marks every package it installs as requested, so for uv this only orders layers.
      requested: requested.has(key),
      source: pylockSource(p, contextDir),
      requires: (p.dependencies ?? []).flatMap((d) => (typeof d.name === "string" ? [normalizeName(d.name)] : [])),
    };
  });
}
