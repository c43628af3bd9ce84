/** Build settings that come from frontend options rather than from the spec. */

export type InstallerKind = "uv" | "pip";

/** The network build steps get (`force-network-mode`). */
export type NetworkMode = "sandbox" | "host" | "none";

/** Proxies of every build step; BuildKit keeps them out of cache keys and the image config. */
export interface ProxyEnv {
  httpProxy?: string;
  httpsProxy?: string;
  ftpProxy?: string;
  noProxy?: string;
  allProxy?: string;
}

/**
 * Package index settings that do not come from a layer: the operator's defaults (frontend
 * options) and the base image's pip settings (its env and pip.conf files).
 */
export interface IndexSettings {
  indexUrl?: string;
  extraIndexUrls?: string[];
  trustedHosts?: string[];
  findLinks?: string[];
  /** pip's `no-index`: only find-links, no index at all (air-gapped wheelhouses). */
  noIndex?: boolean;
}


/** The official uv image, pinned by digest (override with the `uv-image` option). */
export const DEFAULT_UV_IMAGE =
  "ghcr.io/astral-sh/uv:0.8.13@sha256:4de5495181a281bc744845b9579acf7b221d6791f99bcc211b9ec13f417c2853";

/** A directory of a pinned image, mounted into build steps (a tool the frontend's own image carries). */
export interface ImageDir {
  /** The image, pinned by digest. */
  image: string;
  /** The directory, as a mount selector (no leading slash). */
  dir: string;
}

export interface BuildSettings {
  installer: InstallerKind;
  uvImage: string;
  /** Directory of `uvImage` that holds the `uv` binary (default: its root, as in the official image). */
  uvImageDir?: string;
  /**
   * The frontend image's own pip (`dir` holds `pip.whl`), which optimize's pip resolve steps run
   * instead of the venv's: a recent pip reads PEP 658 metadata, an old one downloads every wheel.
   */
  resolverPip?: ImageDir;
  /** The operator's index defaults (`default-index-url`, …), below a layer's own options. */
  indexDefaults?: IndexSettings;
  /** Proxies of every build step (BuildKit keeps them out of cache keys and the image config). */
  proxy?: ProxyEnv;
  network: NetworkMode;
  /** Re-run every step regardless of cache (`no-cache`). */
  noCache: boolean;
  /** Prefix for cache mount ids (`BUILDKIT_CACHE_MOUNT_NS`). */
  cacheNamespace: string;
  /** `image-id` option: value of `_F_IMG_ID`; defaults to the spec digest. */
  imageId?: string;
  /** `label:*` options. */
  labels: Record<string, string>;
  /** `image-resolve-mode`. */
  resolveMode: "default" | "pull" | "local";
  /** Package-granular Python layers (`optimize`); off means one layer per spec entry. */
  optimize?: boolean;
  /** Layer budget of the optimized image, base layers included. */
  maxLayers?: number;
  /** The `SOURCE_DATE_EPOCH` build arg, in seconds: the time of the image and its files (0 when absent). */
  sourceDateEpoch?: number;
}

export function cacheId(settings: Pick<BuildSettings, "cacheNamespace">, id: string): string {
  return settings.cacheNamespace ? `${settings.cacheNamespace}/${id}` : id;
}
