/** The Result returned to buildkitd: refs per platform and the image config metadata. */
import { formatPlatform, platformToOCI, type Platform } from "../../llb/src/platform.js";
import type { OciImage } from "../plan/image-config.js";
import type { ResultAttestation } from "./sbom.js";

export interface PlatformResult {
  platform: Platform;
  ref: string;
  config: OciImage;
  baseConfig?: Uint8Array;
  /** Attestations of this platform's image (the SBOM), keyed in the Result by its platform id. */
  attestations?: ResultAttestation[];
}

const json = (v: unknown) => Buffer.from(JSON.stringify(v));

/**
 * `sourceDateEpoch`: the build's epoch (seconds), returned as `source.date.epoch` so that the
 * exporter takes it as SOURCE_DATE_EPOCH even when the client gave none: the config's and the
 * history's times, and the time `rewrite-timestamp=true` clamps layer files to.
 */
export function buildResult(results: PlatformResult[], multiPlatform: boolean, sourceDateEpoch: number): Record<string, unknown> {
  const platforms = {
    Platforms: results.map((r) => ({ ID: formatPlatform(r.platform), Platform: platformToOCI(r.platform) })),
  };
  const metadata: Record<string, Buffer> = { "refs.platforms": json(platforms), "source.date.epoch": Buffer.from(String(sourceDateEpoch)) };
  // Keyed by the platform ids of refs.platforms, for a single ref as for a map of them.
  const attested = results.filter((r) => r.attestations && r.attestations.length > 0);
  const attestations = attested.length > 0 ? { attestations: Object.fromEntries(attested.map((r) => [formatPlatform(r.platform), { attestation: r.attestations! }])) } : {};
  if (!multiPlatform && results.length === 1) {
    const r = results[0]!;
    metadata["containerimage.config"] = json(r.config);
    if (r.baseConfig) metadata["containerimage.base.config"] = Buffer.from(r.baseConfig);
    return { ref: { id: r.ref }, metadata, ...attestations };
  }
  const refs: Record<string, { id: string }> = {};
  for (const r of results) {
    const id = formatPlatform(r.platform);
    refs[id] = { id: r.ref };
    metadata[`containerimage.config/${id}`] = json(r.config);
    if (r.baseConfig) metadata[`containerimage.base.config/${id}`] = Buffer.from(r.baseConfig);
  }
  return { refs: { refs }, metadata, ...attestations };
}
