/** OCI image config types and the final config the frontend returns to the exporter. */
import { platformToOCI, type Platform } from "../../llb/src/platform.js";
import type { Plan } from "./plan.js";

export interface OciHistory {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface OciConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  Shell?: string[];
  [key: string]: unknown;
}

export interface OciImage {
  architecture: string;
  os: string;
  variant?: string;
  "os.version"?: string;
  "os.features"?: string[];
  created?: string;
  config?: OciConfig;
  rootfs?: { type: string; diff_ids: string[] };
  history?: OciHistory[];
  [key: string]: unknown;
}

export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** An empty image for `scratch`-like bases, as the Dockerfile frontend makes one. */
export function emptyImage(platform: Platform): OciImage {
  return {
    ...(platformToOCI(platform) as { architecture: string; os: string }),
    rootfs: { type: "layers", diff_ids: [] },
    config: { Env: [`PATH=${DEFAULT_PATH}`], WorkingDir: "/" },
  };
}

/** `KEY=VALUE` list to an ordered map (later duplicates win, first position kept). */
export function envMap(env: readonly string[] | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of env ?? []) {
    const i = e.indexOf("=");
    if (i > 0) out.set(e.slice(0, i), e.slice(i + 1));
  }
  return out;
}

/** Labels this frontend adds to every image. */
export const LABEL_VERSION = "dev.imagespec.frontend.version";
export const LABEL_SPEC_DIGEST = "dev.imagespec.spec.digest";
export const HISTORY_COMMENT = "imagespec.frontend.v0";

export interface ImageIdentity {
  platform: Platform;
  specDigest: string;
  frontendVersion: string;
  /** `image-id`: the value of `_F_IMG_ID` (default: the spec digest). */
  imageId?: string;
  /** `label:*` options. */
  labels: Record<string, string>;
}

/** The image config: the base image's, with the plan's env, working directory and history, and our labels. */
export function imageConfig(plan: Plan, id: ImageIdentity): OciImage {
  const base = plan.base.config;
  const baseConfig = base.config ?? {};
  const env = plan.env.map(([k, v]) => `${k}=${v}`);
  env.push(`_F_IMG_ID=${id.imageId || id.specDigest}`);
  const labels: Record<string, string> = {
    ...(baseConfig.Labels ?? {}),
    ...id.labels,
    [LABEL_VERSION]: id.frontendVersion,
    [LABEL_SPEC_DIGEST]: id.specDigest,
  };
  const history: OciHistory[] = plan.history.map((h) => ({ created_by: h.createdBy, comment: HISTORY_COMMENT, ...(h.emptyLayer ? { empty_layer: true } : {}) }));
  const config: OciImage = {
    ...base,
    architecture: id.platform.architecture,
    os: id.platform.os,
    config: { ...baseConfig, Env: env, WorkingDir: plan.cwd, Labels: labels },
    rootfs: base.rootfs ?? { type: "layers", diff_ids: [] },
    history: [...(base.history ?? []), ...history],
  };
  if (id.platform.variant) config.variant = id.platform.variant;
  else delete config.variant;
  delete config.created;
  return config;
}
