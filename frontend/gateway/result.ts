/** The Result returned to buildkitd: refs per platform and the image config metadata. */
import { formatPlatform, platformToOCI, type Platform } from "../../llb/src/platform.js";
import type { OciImage } from "../plan/image-config.js";

export interface PlatformResult {
  platform: Platform;
  ref: string;
  config: OciImage;
  baseConfig?: Uint8Array;
}

const json = (v: unknown) => Buffer.from(JSON.stringify(v));

export function buildResult(results: PlatformResult[], multiPlatform: boolean): Record<string, unknown> {
  const platforms = {
    Platforms: results.map((r) => ({ ID: formatPlatform(r.platform), Platform: platformToOCI(r.platform) })),
  };
  const metadata: Record<string, Buffer> = { "refs.platforms": json(platforms) };
  if (!multiPlatform && results.length === 1) {
    const r = results[0]!;
    metadata["containerimage.config"] = json(r.config);
    if (r.baseConfig) metadata["containerimage.base.config"] = Buffer.from(r.baseConfig);
    return { ref: { id: r.ref }, metadata };
  }
  const refs: Record<string, { id: string }> = {};
  for (const r of results) {
    const id = formatPlatform(r.platform);
    refs[id] = { id: r.ref };
    metadata[`containerimage.config/${id}`] = json(r.config);
    if (r.baseConfig) metadata[`containerimage.base.config/${id}`] = Buffer.from(r.baseConfig);
  }
  return { refs: { refs }, metadata };
}
