/** OCI platform helpers: parsing, normalizing and formatting `os/arch[/variant]`. */
import type { PbPlatform } from "./wire.js";

/** An OCI platform (`os`, `architecture`, optional `variant`). */
export type Platform = PbPlatform;

const ARCH_ALIASES: Record<string, string> = {
  x86_64: "amd64",
  "x86-64": "amd64",
  aarch64: "arm64",
  armhf: "arm",
  armel: "arm",
  i386: "386",
  i686: "386",
};

/**
 * Normalizes like containerd's platforms.Normalize: aliases, amd64 v1 and arm64 v8 dropped
 * (they are the baseline), arm defaults to v7, bare variant numbers get their "v".
 */
export function normalizePlatform(p: Platform): Platform {
  const os = p.os.toLowerCase();
  let architecture = p.architecture.toLowerCase();
  let variant = p.variant?.toLowerCase();
  if (architecture === "armhf") variant = "v7";
  if (architecture === "armel") variant = "v6";
  if (architecture === "i386") variant = undefined;
  architecture = ARCH_ALIASES[architecture] ?? architecture;
  if (architecture === "amd64" && variant === "v1") variant = undefined;
  if (architecture === "arm64" && (variant === "v8" || variant === "8" || variant === "v8.0")) variant = undefined;
  if (architecture === "arm64" && (variant === "9" || variant === "9.0" || variant === "v9.0")) variant = "v9";
  if (architecture === "arm" && !variant) variant = "v7";
  if (architecture === "arm" && variant && /^\d+$/.test(variant)) variant = "v" + variant;
  const out: Platform = { os, architecture };
  if (variant) out.variant = variant;
  if (p.osVersion) out.osVersion = p.osVersion;
  if (p.osFeatures && p.osFeatures.length > 0) out.osFeatures = [...p.osFeatures];
  return out;
}

/** Parses `os/arch[/variant]` (or a bare arch, taken as linux). Throws on malformed input. */
/** `work.steps`, when given, grows by the characters examined (tests bound it to prove linear time). */
export function parsePlatform(spec: string, work?: { steps: number }): Platform {
  if (work) work.steps += spec.length;
  const parts = spec.trim().split("/");
  const bad = (x: string) => {
    if (work) work.steps += x.length + 1;
    return x === "" || !/^[A-Za-z0-9_.-]+$/.test(x);
  };
  if (parts.some(bad) || parts.length > 3) {
    throw new Error(`invalid platform "${spec}": expected os/arch[/variant]`);
  }
  if (parts.length === 1) return normalizePlatform({ os: "linux", architecture: parts[0]! });
  const [os, architecture, variant] = parts as [string, string, string | undefined];
  return normalizePlatform(variant ? { os, architecture, variant } : { os, architecture });
}

/**
 * Architectures BuildKit can build Linux images for (GOARCH names, in the order messages list
 * them), with the variants each takes as containerd spells them. amd64/v1 and arm64/v8 are the
 * baselines normalization drops.
 */
export const LINUX_ARCHITECTURES: ReadonlyMap<string, readonly string[]> = new Map([
  ["amd64", ["v1", "v2", "v3", "v4"]],
  ["arm64", ["v8", "v8.1", "v8.2", "v8.3", "v8.4", "v8.5", "v8.6", "v8.7", "v8.8", "v8.9", "v9", "v9.1", "v9.2", "v9.3", "v9.4", "v9.5"]],
  ["arm", ["v5", "v6", "v7", "v8"]],
  ["386", []],
  ["ppc64le", []],
  ["ppc64", []],
  ["s390x", []],
  ["riscv64", []],
  ["mips64le", []],
  ["mips64", []],
  ["mipsle", []],
  ["mips", []],
  ["loong64", []],
]);

/** Operating systems images exist for that are not built here (GOOS names). */
const OTHER_OSES = new Set(["windows", "darwin", "freebsd", "netbsd", "openbsd", "dragonfly", "solaris", "illumos", "aix", "plan9", "android", "ios", "js", "wasip1", "zos"]);

/** What the user typed, quoted for a message; a very long value is cut. */
const quoted = (s: string) => (s.length <= 100 ? JSON.stringify(s) : `${JSON.stringify(s.slice(0, 60))}… (${s.length} characters)`);

/**
 * Parses and normalizes a platform for a Linux build: `linux/arch[/variant]` (or a bare arch)
 * with an architecture and variant BuildKit knows. Throws a message saying what to write instead.
 */
export function parseLinuxPlatform(spec: string, work?: { steps: number }): Platform {
  const p = parsePlatform(spec, work);
  const arch = p.architecture;
  if (p.os !== "linux") {
    if (OTHER_OSES.has(p.os)) throw new Error(`platform ${quoted(spec)}: this frontend builds Linux images only, not ${p.os} ones; use linux/<arch>`);
    throw new Error(`platform ${quoted(spec)}: unknown operating system ${quoted(p.os)}; use linux/<arch>, e.g. linux/amd64`);
  }
  const variants = LINUX_ARCHITECTURES.get(arch);
  if (!variants) throw new Error(`platform ${quoted(spec)}: unknown architecture ${quoted(arch)}; known: ${[...LINUX_ARCHITECTURES.keys()].join(", ")}`);
  if (p.variant && !variants.includes(p.variant)) {
    const known = variants.length > 0 ? `known: ${variants.join(", ")}` : `${arch} has no variants`;
    throw new Error(`platform ${quoted(spec)}: unknown variant ${quoted(p.variant)} for ${arch}; ${known}`);
  }
  return p;
}

/** `os/arch[/variant]`, BuildKit's platform ID (FormatAll without OS version). */
export function formatPlatform(p: Platform): string {
  let s = `${p.os}/${p.architecture}`;
  if (p.variant) s += `/${p.variant}`;
  return s;
}

/** Whether two platforms are the same once normalized. */
export function samePlatform(a: Platform, b: Platform): boolean {
  return formatPlatform(normalizePlatform(a)) === formatPlatform(normalizePlatform(b));
}

/** The OCI JSON form (`architecture`, `os`, `variant`, `os.version`, `os.features`). */
export function platformToOCI(p: Platform): Record<string, unknown> {
  const out: Record<string, unknown> = { architecture: p.architecture, os: p.os };
  if (p.osVersion) out["os.version"] = p.osVersion;
  if (p.osFeatures && p.osFeatures.length > 0) out["os.features"] = [...p.osFeatures];
  if (p.variant) out.variant = p.variant;
  return out;
}

/** linux/amd64, the default platform of {@link marshal}. */
export const LINUX_AMD64: Platform = Object.freeze({ os: "linux", architecture: "amd64" });
