/** Exec ops: run a process over a root filesystem with extra mounts. */
import type { Platform } from "./platform.js";
import { compareStrings } from "./protowire.js";
import type { SourceLocation } from "./sourcemap.js";
import { encodeOpWith, InputList, NO_LOCATIONS, opMetadata, type MarshalContext, type MarshaledVertex, type OpOptions, type Output, type Vertex } from "./vertex.js";
import { CacheSharing, MountType, NetMode, OpField, SecurityMode, writeExec, type PbExecOp, type PbMeta, type PbMount, type PbOpMetadata } from "./wire.js";

/** Network of an exec: the sandbox (default), the host's, or none. */
export type NetworkMode = "sandbox" | "host" | "none";
/** `insecure` runs privileged (needs the security.insecure entitlement). */
export type SecurityModeName = "sandbox" | "insecure";
/** How concurrent builds share a cache mount. */
export type CacheSharingMode = "shared" | "private" | "locked";

/** A filesystem mounted into the process. */
export type Mount =
  | {
      type: "bind";
      dest: string;
      /** Source filesystem; undefined mounts an empty (scratch) directory. */
      source: Output | undefined;
      selector?: string;
      readonly?: boolean;
      /** A writable mount whose changes are discarded (needs `exec.mount.bind.readwrite-nooutput`). */
      noOutput?: boolean;
    }
  | {
      type: "cache";
      dest: string;
      id: string;
      sharing?: CacheSharingMode;
      /** Seeds a new cache from this state. */
      source?: Output;
      selector?: string;
    }
  | { type: "tmpfs"; dest: string; size?: number }
  | { type: "secret"; dest: string; id: string; uid?: number; gid?: number; mode?: number; optional?: boolean }
  | { type: "ssh"; dest?: string; id?: string; uid?: number; gid?: number; mode?: number; optional?: boolean };

/** A secret exposed to the process as an environment variable. */
export interface SecretEnv {
  id: string;
  name: string;
  optional?: boolean;
}

export interface ExecSpec {
  args: readonly string[];
  env: readonly string[];
  cwd: string;
  user?: string;
  hostname?: string;
  network: NetworkMode;
  security: SecurityModeName;
  mounts: readonly Mount[];
  secretEnv: readonly SecretEnv[];
  validExitCodes?: readonly number[];
  ulimits?: readonly { name: string; soft: number; hard: number }[];
  cgroupParent?: string;
  extraHosts?: readonly { host: string; ip: string }[];
  proxyEnv?: ProxyEnv;
  platform?: Platform;
  opts: OpOptions;
}

/**
 * Proxy settings of an exec (pb.ProxyEnv). BuildKit sets them in the process env (both
 * spellings, `HTTP_PROXY` and `http_proxy`) but leaves them out of the cache key, so a build
 * behind another proxy reuses the cache.
 */
export type ProxyEnv = NonNullable<PbMeta["proxyEnv"]>;

const SHARING: Record<CacheSharingMode, CacheSharing> = {
  shared: CacheSharing.Shared,
  private: CacheSharing.Private,
  locked: CacheSharing.Locked,
};

const NETWORK: Record<NetworkMode, NetMode> = { sandbox: NetMode.Unset, host: NetMode.Host, none: NetMode.None };

/**
 * Every mount gets the same fields (unset ones undefined; never `resultId`/`contentCache`):
 * one object shape keeps the encoder's reads monomorphic.
 */
function pbMount(dest: string, output: number): PbMount {
  return {
    input: -1,
    selector: undefined,
    dest,
    output,
    readonly: undefined,
    mountType: undefined,
    tmpfsOpt: undefined,
    cacheOpt: undefined,
    secretOpt: undefined,
    sshOpt: undefined,
  };
}

type RegularMount = Extract<Mount, { type: "bind" | "cache" | "tmpfs" }>;

function regularMount(m: RegularMount, outputDests: readonly string[]): PbMount {
  const pm = pbMount(m.dest, producesOutput(m) ? outputDests.indexOf(m.dest) : -1);
  if (m.type === "bind") {
    if (m.selector) pm.selector = m.selector;
    if (m.readonly) pm.readonly = true;
  } else if (m.type === "cache") {
    if (m.selector) pm.selector = m.selector;
    pm.mountType = MountType.Cache;
    pm.cacheOpt = { id: m.id, sharing: SHARING[m.sharing ?? "shared"] };
  } else {
    pm.mountType = MountType.Tmpfs;
    pm.tmpfsOpt = { size: m.size };
  }
  return pm;
}

/** Stable insertion sort: execs have a handful of mounts, for which Array.sort's setup costs more. */
function sortByDest(mounts: RegularMount[]): void {
  for (let i = 1; i < mounts.length; i++) {
    const m = mounts[i]!;
    let j = i - 1;
    while (j >= 0 && compareStrings(mounts[j]!.dest, m.dest) > 0) {
      mounts[j + 1] = mounts[j]!;
      j--;
    }
    mounts[j + 1] = m;
  }
}

function producesOutput(m: RegularMount): boolean {
  return m.type === "bind" && !m.readonly && !m.noOutput;
}

export class ExecVertex implements Vertex {
  readonly inputs: readonly Output[];
  /** Destinations of the writable bind mounts; a mount's output index is its position here. */
  private readonly outputDests: readonly string[];
  /**
   * The op as it is encoded, but for input numbers: those depend on the other inputs' digests,
   * known only when marshaling.
   */
  private readonly exec: PbExecOp;
  /** Source of each mount in `exec.mounts`, same order (undefined: none). */
  private readonly mountSources: readonly (Output | undefined)[];
  private readonly platform: Platform | undefined;
  private readonly metadata: PbOpMetadata;
  private readonly locations: readonly SourceLocation[];

  constructor(spec: ExecSpec) {
    if (spec.args.length === 0) throw new Error("exec needs at least one argument");
    const regular: RegularMount[] = [];
    const secrets: Extract<Mount, { type: "secret" }>[] = [];
    const ssh: Extract<Mount, { type: "ssh" }>[] = [];
    for (const m of spec.mounts) {
      if (m.type === "secret") secrets.push(m);
      else if (m.type === "ssh") ssh.push(m);
      else regular.push(m);
    }
    // Stable sort by destination, as Go's builder does, so `/` comes first.
    sortByDest(regular);
    if (!regular.some((m) => m.dest === "/")) throw new Error("exec needs a root mount at /");
    for (let i = 1; i < regular.length; i++) {
      if (regular[i]!.dest === regular[i - 1]!.dest) throw new Error(`two mounts at ${regular[i]!.dest}`);
    }

    // Arrays kept for the vertex's life are made by map, at their exact length (push over-allocates).
    const outputDests = regular.filter(producesOutput).map((m) => m.dest);
    this.outputDests = outputDests;

    const mounts = regular.map((m) => regularMount(m, outputDests));
    const sources = regular.map((m) => (m.type === "tmpfs" ? undefined : m.source));
    for (const s of secrets) {
      const pm = pbMount(s.dest, 0);
      pm.mountType = MountType.Secret;
      pm.secretOpt = { id: s.id, uid: s.uid ?? 0, gid: s.gid ?? 0, mode: s.mode ?? 0o400, optional: s.optional ?? false };
      mounts.push(pm);
      sources.push(undefined);
    }
    const env = ssh.length > 0 ? [...spec.env] : spec.env;
    ssh.forEach((s, i) => {
      const dest = s.dest ?? `/run/buildkit/ssh_agent.${i}`;
      const pm = pbMount(dest, 0);
      pm.mountType = MountType.SSH;
      pm.sshOpt = { id: s.id || "default", uid: s.uid ?? 0, gid: s.gid ?? 0, mode: s.mode ?? 0o600, optional: s.optional ?? false };
      mounts.push(pm);
      sources.push(undefined);
      if (i === 0 && !env.some((e) => e.startsWith("SSH_AUTH_SOCK="))) (env as string[]).push(`SSH_AUTH_SOCK=${dest}`);
    });
    this.inputs = sources.filter((o): o is Output => o !== undefined);
    this.mountSources = sources;

    const meta: PbMeta = {
      args: spec.args,
      env,
      cwd: spec.cwd || "/",
      user: spec.user,
      proxyEnv: spec.proxyEnv,
      extraHosts: spec.extraHosts,
      hostname: spec.hostname,
      ulimit: spec.ulimits,
      cgroupParent: spec.cgroupParent,
      removeMountStubsRecursive: true,
      validExitCodes: spec.validExitCodes,
    };
    this.exec = {
      meta,
      mounts,
      network: NETWORK[spec.network],
      security: spec.security === "insecure" ? SecurityMode.Insecure : SecurityMode.Sandbox,
      secretEnv: spec.secretEnv.length > 0 ? spec.secretEnv.map((s) => ({ id: s.id, name: s.name, optional: s.optional ?? false })) : undefined,
      cdiDevices: undefined,
    };
    this.platform = spec.platform;
    this.metadata = opMetadata(spec.opts, requiredCaps(spec, regular, secrets.length > 0, ssh.length > 0));
    this.locations = spec.opts.sourceLocations ?? NO_LOCATIONS;
  }

  /** The output index of the writable bind mount at `dest`, if there is one. */
  outputAt(dest: string): number | undefined {
    const i = this.outputDests.indexOf(dest);
    return i < 0 ? undefined : i;
  }

  marshal(ctx: MarshalContext): MarshaledVertex {
    const inputs = new InputList(ctx, this.inputs.length);
    const mountInputs = this.mountSources.map((source) => (source ? inputs.add(source) : -1));
    const exec = this.exec;
    const bytes = encodeOpWith(inputs.inputs, this.platform ?? ctx.defaultPlatform, OpField.Exec, (w) => writeExec(w, exec, mountInputs));
    return { bytes, metadata: this.metadata, locations: this.locations };
  }
}

/** Every cap an exec may need; a set of them is a bit mask over this list. */
const EXEC_CAPS = [
  "exec.meta.base",
  "exec.mount.selector",
  "exec.mount.bind",
  "exec.mount.bind.readwrite-nooutput",
  "exec.mount.cache",
  "exec.mount.cache.sharing",
  "exec.mount.tmpfs",
  "exec.mount.tmpfs.size",
  "exec.mount.secret",
  "exec.secretenv",
  "exec.mount.ssh",
  "exec.meta.ulimit",
  "exec.meta.cgroup.parent",
  "exec.validexitcode",
  "exec.meta.network",
  "exec.meta.security",
  "exec.meta.proxyenv",
] as const;
type ExecCap = (typeof EXEC_CAPS)[number];
const bit = (cap: ExecCap) => 1 << EXEC_CAPS.indexOf(cap);

/** One list per set of caps, shared by every exec needing that set (opMetadata then shares its record too). */
const capLists = new Map<number, readonly string[]>();

/** The LLB caps an exec needs, as Go's builder lists them. */
function requiredCaps(spec: ExecSpec, regular: readonly RegularMount[], secrets: boolean, ssh: boolean): readonly string[] {
  let mask = bit("exec.meta.base");
  for (const m of regular) {
    if ((m.type === "bind" || m.type === "cache") && m.selector) mask |= bit("exec.mount.selector");
    if (m.type === "bind") {
      if (m.source) mask |= bit("exec.mount.bind");
      if (m.noOutput) mask |= bit("exec.mount.bind.readwrite-nooutput");
    } else if (m.type === "cache") {
      mask |= bit("exec.mount.cache") | bit("exec.mount.cache.sharing");
    } else {
      mask |= bit("exec.mount.tmpfs");
      if (m.size) mask |= bit("exec.mount.tmpfs.size");
    }
  }
  if (secrets || spec.secretEnv.length > 0) mask |= bit("exec.mount.secret");
  if (spec.secretEnv.length > 0) mask |= bit("exec.secretenv");
  if (ssh) mask |= bit("exec.mount.ssh");
  if (spec.ulimits && spec.ulimits.length > 0) mask |= bit("exec.meta.ulimit");
  if (spec.cgroupParent) mask |= bit("exec.meta.cgroup.parent");
  if (spec.validExitCodes && spec.validExitCodes.length > 0) mask |= bit("exec.validexitcode");
  if (spec.network !== "sandbox") mask |= bit("exec.meta.network");
  if (spec.security === "insecure") mask |= bit("exec.meta.security");
  if (spec.proxyEnv) mask |= bit("exec.meta.proxyenv");
  let caps = capLists.get(mask);
  if (!caps) {
    caps = EXEC_CAPS.filter((_, i) => mask & (1 << i));
    capLists.set(mask, caps);
  }
  return caps;
}

