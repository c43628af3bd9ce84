/**
 * dpkg's database of installed packages (/var/lib/dpkg/status), read for the SBOM: name,
 * version and architecture of what is installed. Pure: the gateway reads the file.
 */

export interface DebPackage {
  name: string;
  version: string;
  /** `amd64`, `arm64`, `all`, … */
  arch: string;
  /** The source package, when it differs from the binary package's name. */
  source?: string;
}

/** One stanza's fields (continuation lines of multi-line fields are dropped: none is used). */
function stanzaFields(stanza: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of stanza.split("\n")) {
    if (line === "" || line.startsWith(" ") || line.startsWith("\t")) continue;
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    out.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  return out;
}

/** Packages whose status is "install ok installed" (half-installed or removed ones are left out), sorted by name and arch. */
export function parseDpkgStatus(text: string): DebPackage[] {
  const out: DebPackage[] = [];
  for (const stanza of text.replace(/\r\n/g, "\n").split(/\n{2,}/)) {
    const f = stanzaFields(stanza);
    const name = f.get("package");
    const version = f.get("version");
    const status = (f.get("status") ?? "").split(/\s+/);
    if (!name || !version || status[2] !== "installed") continue;
    const pkg: DebPackage = { name, version, arch: f.get("architecture") || "all" };
    // "Source: name (version)" when the source version differs; the name is what is kept.
    const source = f.get("source")?.split(/\s+/)[0];
    if (source && source !== name) pkg.source = source;
    out.push(pkg);
  }
  return out.sort((a, b) => cmp(a.name, b.name) || cmp(a.arch, b.arch));
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** What an apt request names: `pkg`, `pkg=1.2-3`, `pkg:arm64`, `pkg/bookworm-backports`. */
export function aptRequestName(request: string): { name: string; arch?: string } {
  const bare = request.split(/[=/]/, 1)[0]!.trim();
  const colon = bare.indexOf(":");
  return colon < 0 ? { name: bare } : { name: bare.slice(0, colon), arch: bare.slice(colon + 1) };
}

/**
 * The installed packages the spec asked for, in request order without repeats; a request dpkg
 * does not know (a virtual package, a glob) is returned in `unknown`.
 */
export function requestedDebs(installed: readonly DebPackage[], requests: readonly string[], nativeArch: string): { found: DebPackage[]; unknown: string[] } {
  const found: DebPackage[] = [];
  const unknown: string[] = [];
  const seen = new Set<string>();
  for (const r of requests) {
    const { name, arch } = aptRequestName(r);
    const candidates = installed.filter((p) => p.name === name && (arch === undefined || p.arch === arch));
    // Without an arch, apt installs the native one (or an `all` package).
    const pick = arch !== undefined ? candidates : candidates.filter((p) => p.arch === nativeArch || p.arch === "all");
    const chosen = pick.length > 0 ? pick : candidates;
    if (chosen.length === 0) {
      if (!unknown.includes(r)) unknown.push(r);
      continue;
    }
    for (const p of chosen) {
      const key = `${p.name}:${p.arch}`;
      if (seen.has(key)) continue;
      seen.add(key);
      found.push(p);
    }
  }
  return { found, unknown };
}

/** Debian's architecture name for an OCI platform (`amd64`, `arm64`, `armhf`, …). */
export function debianArch(architecture: string, variant?: string): string {
  if (architecture === "arm") return variant === "v5" ? "armel" : "armhf";
  if (architecture === "386") return "i386";
  if (architecture === "ppc64le") return "ppc64el";
  if (architecture === "mips64le") return "mips64el";
  return architecture;
}
