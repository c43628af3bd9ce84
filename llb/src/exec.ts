/** Exec ops: run a process over a root filesystem with extra mounts. */
import type { Platform } from "./platform.js";
import { compareStrings } from "./protowire.js";
import type { SourceLocation } from "./sourcemap.js";
import { encodeOpWith, InputList, opMetadata, type MarshalContext, type MarshaledVertex, type OpOptions, type Output, type Vertex } from "./vertex.js";
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
  platform?: Platform;
  opts: OpOptions;
}

const SHARING: Record<CacheSharingMode, CacheSharing> = {
  shared: CacheSharing.Shared,
  private: CacheSharing.Private,
  locked: CacheSharing.Locked,
};

const NETWORK: Record<NetworkMode, NetMode> = { sandbox: NetMode.Unset, host: NetMode.Host, none: NetMode.None };

/** Every mount gets all fields, unset ones undefined: one object shape keeps the encoder's reads monomorphic. */
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
    resultId: undefined,
    contentCache: undefined,
  };
}

type RegularMount = Extract<Mount, { type: "bind" | "cache" | "tmpfs" }>;

function producesOutput(m: RegularMount): boolean {
  return m.type === "bind" && !m.readonly && !m.noOutput;
}

export class ExecVertex implements Vertex {
  readonly inputs: readonly Output[];
  /** Output index by mount destination, for writable bind mounts. */
  readonly outputs: ReadonlyMap<string, number>;
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
    const regular = spec.mounts.filter((m): m is RegularMount => m.type === "bind" || m.type === "cache" || m.type === "tmpfs");
    const dests = new Set<string>();
    for (const m of regular) {
      if (dests.has(m.dest)) throw new Error(`two mounts at ${m.dest}`);
      dests.add(m.dest);
    }
    if (!dests.has("/")) throw new Error("exec needs a root mount at /");
    // Stable sort by destination, as Go's builder does, so `/` comes first.
    regular.sort((a, b) => compareStrings(a.dest, b.dest));
    const secrets = spec.mounts.filter((m): m is Extract<Mount, { type: "secret" }> => m.type === "secret");
    const ssh = spec.mounts.filter((m): m is Extract<Mount, { type: "ssh" }> => m.type === "ssh");

    const outputs = new Map<string, number>();
    for (const m of regular) if (producesOutput(m)) outputs.set(m.dest, outputs.size);
    this.outputs = outputs;

    const mounts: PbMount[] = [];
    const sources: (Output | undefined)[] = [];
    const inputs: Output[] = [];
    for (const m of regular) {
      const pm = pbMount(m.dest, outputs.get(m.dest) ?? -1);
      let source: Output | undefined;
      if (m.type === "bind") {
        source = m.source;
        if (m.selector) pm.selector = m.selector;
        if (m.readonly) pm.readonly = true;
      } else if (m.type === "cache") {
        source = m.source;
        if (m.selector) pm.selector = m.selector;
        pm.mountType = MountType.Cache;
        pm.cacheOpt = { id: m.id, sharing: SHARING[m.sharing ?? "shared"] };
      } else {
        pm.mountType = MountType.Tmpfs;
        pm.tmpfsOpt = { size: m.size };
      }
      mounts.push(pm);
      sources.push(source);
      if (source) inputs.push(source);
    }
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
    this.inputs = inputs;
    this.mountSources = sources;

    const meta: PbMeta = {
      args: spec.args,
      env,
      cwd: spec.cwd || "/",
      user: spec.user,
      proxyEnv: undefined,
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
    this.locations = spec.opts.sourceLocations ?? [];
  }

  marshal(ctx: MarshalContext): MarshaledVertex {
    const inputs = new InputList(ctx);
    const sources = this.mountSources;
    const mountInputs: number[] = [];
    for (let i = 0; i < sources.length; i++) {
      const source = sources[i];
      mountInputs.push(source ? inputs.add(source) : -1);
    }
    const exec = this.exec;
    const bytes = encodeOpWith(inputs.inputs, this.platform ?? ctx.defaultPlatform, OpField.Exec, (w) => writeExec(w, exec, mountInputs));
    return { bytes, metadata: this.metadata, locations: this.locations };
  }
}

/** The LLB caps an exec needs, as Go's builder lists them. */
function requiredCaps(spec: ExecSpec, regular: readonly RegularMount[], secrets: boolean, ssh: boolean): string[] {
  const caps = ["exec.meta.base"];
  const add = (cap: string) => {
    if (!caps.includes(cap)) caps.push(cap);
  };
  for (const m of regular) {
    if ((m.type === "bind" || m.type === "cache") && m.selector) add("exec.mount.selector");
    if (m.type === "bind") {
      if (m.source) add("exec.mount.bind");
      if (m.noOutput) add("exec.mount.bind.readwrite-nooutput");
    } else if (m.type === "cache") {
      add("exec.mount.cache");
      add("exec.mount.cache.sharing");
    } else {
      add("exec.mount.tmpfs");
      if (m.size) add("exec.mount.tmpfs.size");
    }
  }
  if (secrets || spec.secretEnv.length > 0) add("exec.mount.secret");
  if (spec.secretEnv.length > 0) add("exec.secretenv");
  if (ssh) add("exec.mount.ssh");
  if (spec.ulimits && spec.ulimits.length > 0) add("exec.meta.ulimit");
  if (spec.cgroupParent) add("exec.meta.cgroup.parent");
  if (spec.validExitCodes && spec.validExitCodes.length > 0) add("exec.validexitcode");
  if (spec.network !== "sandbox") add("exec.meta.network");
  if (spec.security === "insecure") add("exec.meta.security");
  return caps;
}
