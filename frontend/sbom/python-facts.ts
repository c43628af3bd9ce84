/**
 * The Python distributions of the SBOM: what the environment holds (its METADATA files, read
 * from the built image), each with the file optimize installed it from when it pinned one. Pure.
 */
import type { PinnedDist } from "../plan/plan.js";
import type { DistMetadata } from "./dist-metadata.js";
import { pypiName, type PythonDistFacts } from "./spdx.js";

/** The environment's distributions (one per name and version), with the pinned file where name and version match. */
export function pythonDists(installed: readonly DistMetadata[], pinned: readonly PinnedDist[] = []): PythonDistFacts[] {
  const key = (name: string, version: string) => `${pypiName(name)}==${version}`;
  const files = new Map(pinned.flatMap((p) => (p.file ? [[key(p.name, p.version), p.file] as const] : [])));
  const out = new Map<string, PythonDistFacts>();
  for (const m of installed) {
    const k = key(m.name, m.version);
    if (out.has(k)) continue;
    const file = files.get(k);
    out.set(k, {
      name: m.name,
      version: m.version,
      ...(m.license ? { license: m.license } : {}),
      ...(m.licenseText ? { licenseText: m.licenseText } : {}),
      ...(file ? { file } : {}),
    });
  }
  return [...out.values()];
}
