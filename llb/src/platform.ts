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

/** Normalizes like containerd's platforms.Normalize: aliases, arm64 v8 dropped, arm defaults to v7. */
export function normalizePlatform(p: Platform): Platform {
  const os = p.os.toLowerCase();
  let architecture = p.architecture.toLowerCase();
  let variant = p.variant?.toLowerCase();
  if (architecture === "armhf") variant = "v7";
  if (architecture === "armel") variant = "v6";
  architecture = ARCH_ALIASES[architecture] ?? architecture;
  if (architecture === "arm64" && (variant === "v8" || variant === "8")) variant = undefined;
  if (architecture === "arm" && !variant) variant = "v7";
  if (architecture === "arm" && variant && /^\d+$/.test(variant)) variant = "v" + variant;
  const out: Platform = { os, architecture };
  if (variant) out.variant = variant;
  if (p.osVersion) out.osVersion = p.osVersion;
  if (p.osFeatures && p.osFeatures.length > 0) out.osFeatures = [...p.osFeatures];
  return out;
}

/** Parses `os/arch[/variant]` (or a bare arch, taken as linux). Throws on malformed input. */
export function parsePlatform(spec: string): Platform {
  const parts = spec.trim().split("/");
  if (parts.some((x) => x === "" || !/^[A-Za-z0-9_.-]+$/.test(x)) || parts.length > 3) {
    throw new Error(`invalid platform "${spec}": expected os/arch[/variant]`);
  }
  if (parts.length === 1) return normalizePlatform({ os: "linux", architecture: parts[0]! });
  const [os, architecture, variant] = parts as [string, string, string | undefined];
  return normalizePlatform(variant ? { os, architecture, variant } : { os, architecture });
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
