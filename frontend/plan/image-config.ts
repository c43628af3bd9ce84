/** OCI image config types and the final config the frontend returns to the exporter. */

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

