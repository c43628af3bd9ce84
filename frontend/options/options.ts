/**
 * Frontend options: the dockerui conventions clients already send (filename, platform,
 * build-arg:*, label:*, no-cache, …) plus this frontend's own settings, which are accepted both
 * as plain options (`--opt installer=pip`) and as build args (`--build-arg installer=pip`).
 */
import { parseLinuxPlatform, type Platform } from "../../llb/src/platform.js";
import { UserError } from "../common/errors.js";
import { isIndexUrl } from "../imagespec/validate.js";
import { parseSbomRequest, parseSourceDateEpoch, type SbomRequest } from "./attest.js";
import { DEFAULT_UV_IMAGE, type BuildSettings, type ImageDir, type IndexSettings, type InstallerKind, type NetworkMode, type ProxyEnv } from "./settings.js";

export const DEFAULT_SPEC_FILENAME = "imagespec.yaml";

/** This frontend's own settings. */
export const OWN_OPTIONS = {
  installer: "uv (default) or pip: the tool that installs Python packages",
  "uv-image": "image holding the uv binary at /uv (default: the official uv image, pinned)",
  "image-id": "value of _F_IMG_ID in the image (default: the spec digest)",
  spec: "the spec itself, as JSON; wins over the spec file",
  "default-index-url": "operator default for index_url (a layer's own options win)",
  "default-extra-index-urls": "operator default for extra_index_urls (comma list)",
  "trusted-hosts": "hosts pip/uv may reach without TLS verification (comma list)",
  "http-proxy": "HTTP_PROXY of every build step (not in the image config, nor in cache keys)",
  "https-proxy": "HTTPS_PROXY of every build step (not in the image config, nor in cache keys)",
  "no-proxy": "NO_PROXY of every build step (not in the image config, nor in cache keys)",
  "base-image-allow": "base image reference patterns that may be used (comma list, * wildcards)",
  "base-image-deny": "base image reference patterns that may not be used (comma list, * wildcards; deny wins)",
  optimize: "true (default) or false: lay Python packages out one layer per distribution (or group); the bare flag means true",
  "optimize-max-layers": "most layers the optimized image may have, the base image's included (default 64)",
  timings: "true or false (default): report the frontend's own time (start-up, reads, each optimize round, compile, final solve) as a build warning",
  "debug-fail": "test hook: `internal` raises an internal error after reading the spec",
} as const;

/** Our options as error messages list them (the test hook stays unmentioned). */
const DOCUMENTED_OPTIONS = Object.keys(OWN_OPTIONS)
  .filter((k) => k !== "debug-fail")
  .join(", ");

/** Option keys of the dockerui conventions this frontend accepts. */
const DOCKERUI_KEYS = new Set([
  "filename",
  "dockerfilekey",
  "contextkey",
  "context",
  "contextsubdir",
  "target",
  "platform",
  "multi-platform",
  "no-cache",
  "image-resolve-mode",
  "force-network-mode",
  "add-hosts",
  "hostname",
  "shm-size",
  "ulimit",
  "cgroup-parent",
  "memory",
  "memswap",
  "cpushares",
  "cpuperiod",
  "cpuquota",
  "cpusetcpus",
  "cpusetmems",
  "cache-imports",
  "cache-from",
  "requestid",
  "frontend.caps",
  "source",
  "cmdline",
]);
const DOCKERUI_PREFIXES = ["build-arg:", "label:", "attest:", "context:", "input-metadata:", "local-sessionid:", "sharedkey:", "annotation", "vcs:"];
/** Build args every client may send that are not meant for the spec. */
const PASSTHROUGH_BUILD_ARGS = /^(BUILDKIT_[A-Z0-9_]+|SOURCE_DATE_EPOCH|(HTTP|HTTPS|FTP|NO|ALL)_PROXY|(http|https|ftp|no|all)_proxy)$/;

export class OptionError extends UserError {
  constructor(message: string) {
    super(message);
  }
}

export interface CacheImport {
  Type: string;
  Attrs: Record<string, string>;
}

export interface FrontendOptions {
  filename: string;
  /** Local dir holding the spec file. */
  specLocal: string;
  /** Local dir of the build context. */
  contextLocal: string;
  platforms: Platform[];
  multiPlatform?: boolean;
  labels: Record<string, string>;
  network: NetworkMode;
  noCache: boolean;
  resolveMode: "default" | "pull" | "local";
  cacheImports: CacheImport[];
  /** `context:<name>` overrides (value as given). */
  namedContexts: Map<string, string>;
  requestId?: string;
  installer: InstallerKind;
  uvImage: string;
  /** Whether `uv-image` was given (it then wins over a uv binary carried by the frontend image). */
  uvImageGiven: boolean;
  indexDefaults: IndexSettings;
  proxy: ProxyEnv;
  basePolicy: { allow: string[]; deny: string[] };
  imageId?: string;
  inlineSpec?: string;
  /** Package-granular Python layers (`optimize`). */
  optimize: boolean;
  /** Layer budget of the optimized image, base layers included (`optimize-max-layers`). */
  maxLayers: number;
  cacheNamespace: string;
  debugFail?: string;
  /** Report the frontend's own phases' time (`timings`). */
  timings: boolean;
  /** `attest:sbom` (buildx --sbom): who answers it. */
  sbom?: SbomRequest;
  /** The `SOURCE_DATE_EPOCH` build arg, in seconds. */
  sourceDateEpoch?: number;
}

function bool(key: string, v: string): boolean {
  if (/^(1|t|true|yes|on)$/i.test(v)) return true;
  if (/^(0|f|false|no|off)$/i.test(v)) return false;
  throw new OptionError(`option ${key}: "${v}" is not a boolean`);
}

const commaList = (v: string | undefined) => (v ?? "").split(",").map((x) => x.trim()).filter(Boolean);

function indexUrlOption(key: string, v: string): string {
  if (!isIndexUrl(v)) throw new OptionError(`option ${key}: "${v}" is not an http(s) or file URL`);
  return v;
}

function indexDefaults(own: ReadonlyMap<string, string>): IndexSettings {
  const out: IndexSettings = {};
  const index = own.get("default-index-url")?.trim();
  if (index) out.indexUrl = indexUrlOption("default-index-url", index);
  const extra = commaList(own.get("default-extra-index-urls")).map((u) => indexUrlOption("default-extra-index-urls", u));
  if (extra.length > 0) out.extraIndexUrls = extra;
  const hosts = commaList(own.get("trusted-hosts"));
  for (const h of hosts) {
    if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(h)) throw new OptionError(`option trusted-hosts: "${h}" is not a host or host:port`);
  }
  if (hosts.length > 0) out.trustedHosts = hosts;
  return out;
}

/**
 * Proxies of the build steps: our options, or the predefined proxy build args Docker users
 * already pass (`--build-arg HTTPS_PROXY=…`, either spelling).
 */
function proxySettings(own: ReadonlyMap<string, string>, opts: ReadonlyMap<string, string>): ProxyEnv {
  const out: ProxyEnv = {};
  const names = [
    ["httpProxy", "HTTP_PROXY", "http-proxy"],
    ["httpsProxy", "HTTPS_PROXY", "https-proxy"],
    ["noProxy", "NO_PROXY", "no-proxy"],
    ["ftpProxy", "FTP_PROXY", undefined],
    ["allProxy", "ALL_PROXY", undefined],
  ] as const;
  for (const [field, arg, option] of names) {
    const v = (option ? own.get(option) : undefined) ?? opts.get(`build-arg:${arg}`) ?? opts.get(`build-arg:${arg.toLowerCase()}`);
    if (v === undefined || v === "") continue;
    if (/[\0-\x1f\x7f]/.test(v)) throw new OptionError(`option ${option ?? arg}: the value contains a control character`);
    out[field] = v;
  }
  return out;
}

function parseCacheImports(opts: ReadonlyMap<string, string>): CacheImport[] {
  const out: CacheImport[] = [];
  const json = opts.get("cache-imports");
  if (json) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch (e) {
      throw new OptionError(`option cache-imports: not valid JSON (${(e as Error).message})`);
    }
    if (!Array.isArray(parsed)) throw new OptionError("option cache-imports: expected a JSON array");
    for (const c of parsed as { Type?: unknown; Attrs?: unknown }[]) {
      if (typeof c?.Type !== "string") throw new OptionError("option cache-imports: every entry needs a Type");
      out.push({ Type: c.Type, Attrs: (c.Attrs as Record<string, string>) ?? {} });
    }
  }
  for (const ref of (opts.get("cache-from") ?? "").split(",").map((s) => s.trim()).filter(Boolean)) {
    out.push({ Type: "registry", Attrs: { ref } });
  }
  return out;
}

export const DEFAULT_MAX_LAYERS = 64;
/** Above this, Docker's layer store and overlay mounts fail ("max depth exceeded" at 125). */
export const MAX_MAX_LAYERS = 120;

function maxLayersOption(v: string | undefined): number {
  if (v === undefined || v === "") return DEFAULT_MAX_LAYERS;
  if (!/^\d{1,4}$/.test(v.trim()) || Number(v) < 2 || Number(v) > MAX_MAX_LAYERS) {
    throw new OptionError(`option optimize-max-layers: expected a whole number from 2 to ${MAX_MAX_LAYERS}, got "${v}"`);
  }
  return Number(v);
}

/** Reads and checks every option; unknown ones are an error naming what is accepted. */
export function parseOptions(opts: ReadonlyMap<string, string>, defaultPlatform: Platform): FrontendOptions {
  const own = new Map<string, string>();
  const labels: Record<string, string> = {};
  const namedContexts = new Map<string, string>();
  for (const [key, value] of opts) {
    if (key in OWN_OPTIONS) {
      own.set(key, value);
      continue;
    }
    if (key.startsWith("build-arg:")) {
      const name = key.slice("build-arg:".length);
      if (name in OWN_OPTIONS) own.set(name, value);
      else if (!PASSTHROUGH_BUILD_ARGS.test(name)) {
        throw new OptionError(`unknown build argument "${name}": this frontend accepts ${DOCUMENTED_OPTIONS}`);
      }
      continue;
    }
    if (key.startsWith("label:")) {
      labels[key.slice("label:".length)] = value;
      continue;
    }
    if (key.startsWith("context:")) {
      namedContexts.set(key.slice("context:".length), value);
      continue;
    }
    if (DOCKERUI_KEYS.has(key) || DOCKERUI_PREFIXES.some((p) => key.startsWith(p))) continue;
    throw new OptionError(`unknown option "${key}": this frontend's own options are ${DOCUMENTED_OPTIONS}`);
  }
  const ctx = opts.get(opts.get("contextkey") || "context");
  if (ctx && /^(https?:\/\/|git@|git:\/\/|ssh:\/\/)/.test(ctx)) {
    throw new OptionError(`remote build contexts are not supported (context=${ctx}); send the context as a local directory`);
  }
  if (opts.get("target")) throw new OptionError(`option target: an image spec has no build targets (got "${opts.get("target")}")`);
  const installer = own.get("installer") || "uv";
  if (installer !== "uv" && installer !== "pip") throw new OptionError(`option installer: expected uv or pip, got "${installer}"`);
  const network = opts.get("force-network-mode") || "sandbox";
  if (network !== "sandbox" && network !== "host" && network !== "none") {
    throw new OptionError(`option force-network-mode: expected sandbox, host or none, got "${network}"`);
  }
  const resolveMode = opts.get("image-resolve-mode") || "default";
  if (resolveMode !== "default" && resolveMode !== "pull" && resolveMode !== "local") {
    throw new OptionError(`option image-resolve-mode: expected default, pull or local, got "${resolveMode}"`);
  }
  let platforms: Platform[] = [];
  const platformOpt = opts.get("platform");
  if (platformOpt) {
    try {
      platforms = platformOpt.split(",").map((p) => p.trim()).filter(Boolean).map((p) => parseLinuxPlatform(p));
    } catch (e) {
      throw new OptionError(`option platform: ${(e as Error).message}`);
    }
  }
  if (platforms.length === 0) platforms = [defaultPlatform];
  const multi = opts.get("multi-platform") ?? opts.get("build-arg:BUILDKIT_MULTI_PLATFORM");
  const out: FrontendOptions = {
    filename: opts.get("filename") || DEFAULT_SPEC_FILENAME,
    specLocal: opts.get("dockerfilekey") || "dockerfile",
    contextLocal: "context",
    platforms,
    labels,
    network,
    noCache: opts.has("no-cache"),
    resolveMode,
    cacheImports: parseCacheImports(opts),
    namedContexts,
    installer,
    uvImage: own.get("uv-image") || DEFAULT_UV_IMAGE,
    uvImageGiven: Boolean(own.get("uv-image")),
    indexDefaults: indexDefaults(own),
    proxy: proxySettings(own, opts),
    basePolicy: { allow: commaList(own.get("base-image-allow")), deny: commaList(own.get("base-image-deny")) },
    cacheNamespace: opts.get("build-arg:BUILDKIT_CACHE_MOUNT_NS") ?? "",
    optimize: own.has("optimize") ? own.get("optimize") === "" || bool("optimize", own.get("optimize")!) : true,
    maxLayers: maxLayersOption(own.get("optimize-max-layers")),
    timings: own.has("timings") ? own.get("timings") === "" || bool("timings", own.get("timings")!) : false,
  };
  if (multi) out.multiPlatform = bool("multi-platform", multi);
  if (opts.get("requestid")) out.requestId = opts.get("requestid")!;
  if (own.get("image-id")) out.imageId = own.get("image-id")!;
  if (own.has("spec")) out.inlineSpec = own.get("spec")!;
  if (own.get("debug-fail")) out.debugFail = own.get("debug-fail")!;
  const sbom = parseSbomRequest(opts);
  if (sbom) out.sbom = sbom;
  const epoch = parseSourceDateEpoch(opts);
  if (epoch !== undefined) out.sourceDateEpoch = epoch;
  return out;
}

/** Build settings from the options; `own` names the tools the frontend's own image carries (uv, a pip to resolve with). */
export function buildSettings(o: FrontendOptions, own: { uv?: ImageDir | undefined; pip?: ImageDir | undefined } = {}): BuildSettings {
  const ownUv = own.uv;
  return {
    installer: o.installer,
    uvImage: ownUv?.image ?? o.uvImage,
    ...(ownUv ? { uvImageDir: ownUv.dir } : {}),
    ...(own.pip ? { resolverPip: own.pip } : {}),
    ...(Object.keys(o.indexDefaults).length > 0 ? { indexDefaults: o.indexDefaults } : {}),
    ...(Object.keys(o.proxy).length > 0 ? { proxy: o.proxy } : {}),
    network: o.network,
    noCache: o.noCache,
    cacheNamespace: o.cacheNamespace,
    labels: o.labels,
    resolveMode: o.resolveMode,
    ...(o.imageId ? { imageId: o.imageId } : {}),
    optimize: o.optimize,
    maxLayers: o.maxLayers,
    ...(o.sourceDateEpoch !== undefined ? { sourceDateEpoch: o.sourceDateEpoch } : {}),
  };
}
