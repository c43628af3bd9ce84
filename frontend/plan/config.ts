/** The image config of a plan. */
import { HISTORY_COMMENT, LABEL_SPEC_DIGEST, LABEL_VERSION, type OciHistory, type OciImage } from "./image-config.js";
import type { Plan } from "./plan.js";

export interface ImageIdentity {
  platform: { os: string; architecture: string; variant?: string };
  specDigest: string;
  frontendVersion: string;
  /** `image-id`: the value of `_F_IMG_ID` (default: the spec digest). */
  imageId?: string;
  /** `label:*` options. */
  labels: Record<string, string>;
  /**
   * The image's `created` and its own history entries' (RFC 3339): the build's epoch (see
   * options/source-date.ts), never the clock, so the config depends only on the build's inputs.
   */
  created: string;
}

/** The image config: the base image's, with the plan's env, working directory and history, our labels, and the build's epoch as its time. */
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
  const history: OciHistory[] = plan.history.map((h) => ({ created: id.created, created_by: h.createdBy, comment: HISTORY_COMMENT, ...(h.emptyLayer ? { empty_layer: true } : {}) }));
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
  config.created = id.created;
  return config;
}
