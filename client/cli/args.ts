/**
 * imagespec-build's command line, with the build task's environment as fallback (flags win):
 * UNION_BUILDKIT_URI (or BUILDKIT_HOST), UNION_DEFAULT_REPOSITORY, UNION_REGISTRY_AUTHENTICATION_TYPE,
 * and IMAGESPEC_FRONTEND_IMAGE (the frontend this CLI was released with, set in its image).
 */
import { AUTH_TYPES, type AuthType, type SecretSource, type TlsFiles } from "../src/index.js";
import { parseSecretFlag } from "./secret-flag.js";

export const PROGRESS_MODES = ["auto", "plain", "quiet"] as const;
export type ProgressMode = (typeof PROGRESS_MODES)[number];

export interface BuildArgs {
  spec: string;
  context: string;
  /** The image as given (a full reference or a name); completed later with `defaultRepository`. */
  targetImage?: string;
  defaultRepository?: string;
  frontend: string;
  optimize?: boolean;
  /** Attach an SBOM (`attest:sbom`): the frontend's own SPDX document of what the image holds. */
  sbom: boolean;
  platforms: string[];
  secrets: SecretSource[];
  opts: [string, string][];
  cacheFrom: string[];
  cacheTo: string[];
  /** The shared cache repository (`--shared-cache`), or false for none; absent: the default. */
  sharedCache?: string | false;
  buildkit: string[];
  /** Entitlements the build asks for (`network.host`, `security.insecure`, …). */
  allow: string[];
  /** `host`: build steps use the builder's network (BuildKit's force-network-mode). */
  network?: "default" | "host" | "none";
  tls?: TlsFiles;
  /** `--tlsdir`: its files fill what the --tls* flags leave out. */
  tlsDir?: string;
  progress: ProgressMode;
  auth: AuthType;
  force: boolean;
  /** Push to and check the target registry over plain HTTP (`registry.insecure`). */
  insecureRegistry: boolean;
  outputFile?: string;
}

export type Parsed = { kind: "build"; args: BuildArgs } | { kind: "help" } | { kind: "version" };

export class UsageError extends Error {
  override name = "UsageError";
}

export const DEFAULT_BUILDKIT = "unix:///run/buildkit/buildkitd.sock";

export const USAGE = `usage: imagespec-build --spec FILE|URL|- --context DIR|FILE.tar[.gz]|URL [options]

Builds an image spec on BuildKit with the imagespec frontend, pushes it and prints
REPO:TAG@sha256:DIGEST. When the target tag already exists in the registry, prints it and
builds nothing (--force builds anyway).

  --spec FILE|URL|-          the spec: YAML, JSON or binary spec.pb ("-": standard input)
  --context DIR|TAR|URL      the build context: a directory or a .tar/.tar.gz (file or URL)
  --target-image REF         the image to push; a bare name is put under --default-repository;
                             without a tag, the tag is a digest of the spec and the context
  --default-repository REPO  [env UNION_DEFAULT_REPOSITORY]
  --frontend IMAGE           the frontend image [env IMAGESPEC_FRONTEND_IMAGE]
  --optimize, --no-optimize  one layer per Python package (the frontend's default: on)
  --sbom                     attach an SBOM (SPDX 2.3 in-toto attestation) made by the frontend
                             from what it installed; --opt attest:sbom=generator=IMAGE runs a
                             scanner image instead
  --platform P               target platform, repeatable or comma-separated
  --secret id=ID,src=PATH|env=NAME   a build secret, repeatable
  --opt KEY=VALUE            a frontend option, repeatable
  --cache-from CSV, --cache-to CSV   cache import/export, e.g. type=registry,ref=REPO:cache
  --shared-cache REPO|off    the fleet's registry cache, imported and exported by every build
                             (mode=max), so a new builder reuses what any build made
                             [env IMAGESPEC_SHARED_CACHE; default DEFAULT-REPOSITORY/imagespec-cache]
  --no-shared-cache          the same as --shared-cache off
  --network default|host|none   the build steps' network (host needs the network.host entitlement)
  --allow ENTITLEMENT        e.g. network.host or security.insecure, repeatable
  --buildkit ADDR            unix:///PATH, tcp://HOST:PORT, docker (DOCKER_HOST); repeatable:
                             a spec always goes to the same builder, the next one if it fails
                             [env UNION_BUILDKIT_URI, BUILDKIT_HOST; default ${DEFAULT_BUILDKIT}]
  --tlscacert, --tlscert, --tlskey, --tlsservername FILE|NAME, --tlsdir DIR   TLS for tcp://
  --registry-auth docker|noop   registry credentials from the Docker config, or none
                             [env UNION_REGISTRY_AUTHENTICATION_TYPE; default docker]
  --progress auto|plain|quiet   progress on stderr (auto: live on a terminal, else plain)
  --force                    build even if the target tag exists
  --insecure-registry        the target registry speaks plain HTTP
  --output-file FILE         also write the reference to FILE
  --help, --version

Exit status: 0 built or already there, 1 the build failed, 2 a usage error.
`;

const VALUE_FLAGS = new Set([
  "spec", "context", "target-image", "default-repository", "frontend", "platform", "secret", "opt", "cache-from",
  "cache-to", "buildkit", "network", "allow", "tlscacert", "tlscert", "tlskey", "tlsservername", "tlsdir", "progress", "registry-auth", "output-file",
  "shared-cache",
]);
const BOOL_FLAGS = new Set(["optimize", "no-optimize", "sbom", "no-shared-cache", "force", "insecure-registry", "help", "version"]);

const splitList = (s: string) => s.split(/[\s,]+/).filter(Boolean);

export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Parsed {
  const values = new Map<string, string[]>();
  const bools = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "-h") {
      bools.add("help");
      continue;
    }
    const m = /^--([a-z-]+)(?:=(.*))?$/s.exec(arg);
    if (!m) throw new UsageError(`unexpected argument ${JSON.stringify(arg)}`);
    const [, name, inline] = m as unknown as [string, string, string | undefined];
    if (BOOL_FLAGS.has(name)) {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      bools.add(name);
    } else if (VALUE_FLAGS.has(name)) {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      values.set(name, [...(values.get(name) ?? []), value]);
    } else throw new UsageError(`unknown option --${name}`);
  }
  if (bools.has("help")) return { kind: "help" };
  if (bools.has("version")) return { kind: "version" };

  const one = (name: string): string | undefined => {
    const v = values.get(name);
    if (v && v.length > 1) throw new UsageError(`--${name} is given more than once`);
    return v?.[0];
  };
  const many = (name: string) => values.get(name) ?? [];
  const nonEmpty = (s: string | undefined) => (s === undefined || s === "" ? undefined : s);

  const spec = one("spec");
  const context = one("context");
  if (!spec) throw new UsageError("--spec is required");
  if (!context) throw new UsageError("--context is required");
  const targetImage = one("target-image");
  const defaultRepository = nonEmpty(one("default-repository") ?? env.UNION_DEFAULT_REPOSITORY)?.replace(/\/+$/, "");
  if (!targetImage && !defaultRepository) throw new UsageError("--target-image or --default-repository (UNION_DEFAULT_REPOSITORY) is required");
  const frontend = nonEmpty(one("frontend") ?? env.IMAGESPEC_FRONTEND_IMAGE);
  if (!frontend) throw new UsageError("--frontend is required (this build of imagespec-build records no default frontend image)");
  if (bools.has("optimize") && bools.has("no-optimize")) throw new UsageError("--optimize and --no-optimize contradict each other");

  const progress = one("progress") ?? "auto";
  if (!(PROGRESS_MODES as readonly string[]).includes(progress)) throw new UsageError(`--progress must be one of ${PROGRESS_MODES.join(", ")}`);
  const auth = (one("registry-auth") ?? nonEmpty(env.UNION_REGISTRY_AUTHENTICATION_TYPE) ?? "docker").toLowerCase();
  if (!(AUTH_TYPES as readonly string[]).includes(auth)) throw new UsageError(`registry authentication type ${JSON.stringify(auth)}: expected ${AUTH_TYPES.join(" or ")}`);

  const opts = many("opt").map((o): [string, string] => {
    const eq = o.indexOf("=");
    // A bare key is an empty value, as BuildKit treats `--opt no-cache`.
    return eq < 0 ? [o, ""] : [o.slice(0, eq), o.slice(eq + 1)];
  });
  if (opts.some(([k]) => !k)) throw new UsageError("--opt needs KEY=VALUE");

  let secrets: SecretSource[];
  try {
    secrets = many("secret").map(parseSecretFlag);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const ids = secrets.map((s) => s.id);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup) throw new UsageError(`--secret id=${dup} is given twice`);

  const flagBuilders = many("buildkit").flatMap(splitList);
  const envBuilders = splitList(nonEmpty(env.UNION_BUILDKIT_URI) ?? env.BUILDKIT_HOST ?? "");
  const buildkit = flagBuilders.length ? flagBuilders : envBuilders.length ? envBuilders : [DEFAULT_BUILDKIT];

  const tls: TlsFiles = {};
  for (const [flag, key] of [["tlscacert", "ca"], ["tlscert", "cert"], ["tlskey", "key"], ["tlsservername", "serverName"]] as const) {
    const v = one(flag);
    if (v !== undefined) tls[key] = v;
  }
  const tlsdir = one("tlsdir");
  const network = one("network");
  if (network !== undefined && !["default", "host", "none"].includes(network)) throw new UsageError("--network must be default, host or none");
  const allow = many("allow").flatMap(splitList);
  if (network === "host" && !allow.includes("network.host")) allow.push("network.host");

  const args: BuildArgs = {
    spec,
    context,
    frontend,
    platforms: many("platform").flatMap(splitList),
    secrets,
    opts,
    cacheFrom: many("cache-from"),
    cacheTo: many("cache-to"),
    buildkit,
    allow,
    progress: progress as ProgressMode,
    auth: auth as AuthType,
    force: bools.has("force"),
    sbom: bools.has("sbom"),
    insecureRegistry: bools.has("insecure-registry"),
  };
  const shared = bools.has("no-shared-cache") ? "off" : (one("shared-cache") ?? nonEmpty(env.IMAGESPEC_SHARED_CACHE));
  if (shared !== undefined) args.sharedCache = shared === "off" ? false : shared.replace(/\/+$/, "");
  if (targetImage) args.targetImage = targetImage;
  if (defaultRepository) args.defaultRepository = defaultRepository;
  if (bools.has("optimize")) args.optimize = true;
  if (bools.has("no-optimize")) args.optimize = false;
  if (network) args.network = network as BuildArgs["network"];
  if (Object.keys(tls).length) args.tls = tls;
  if (tlsdir) args.tlsDir = tlsdir;
  const outputFile = one("output-file");
  if (outputFile) args.outputFile = outputFile;
  return { kind: "build", args };
}
