/** Exec ops: run a process over a root filesystem with extra mounts. */
import type { Platform } from "./platform.js";
import { compareStrings } from "./protowire.js";
import { InputList, opMetadata, type MarshalContext, type MarshaledVertex, type OpOptions, type Output, type Vertex } from "./vertex.js";
import { CacheSharing, MountType, NetMode, SecurityMode, type PbExecOp, type PbMeta, type PbMount } from "./wire.js";

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

type RegularMount = Extract<Mount, { type: "bind" | "cache" | "tmpfs" }>;

function producesOutput(m: RegularMount): boolean {
  return m.type === "bind" && !m.readonly && !m.noOutput;
}

export class ExecVertex implements Vertex {
  readonly inputs: readonly Output[];
  private readonly regular: readonly RegularMount[];
  private readonly secrets: readonly Extract<Mount, { type: "secret" }>[];
  private readonly ssh: readonly Extract<Mount, { type: "ssh" }>[];
  /** Output index by mount destination, for writable bind mounts. */
  readonly outputs: ReadonlyMap<string, number>;

  constructor(private readonly spec: ExecSpec) {
    if (spec.args.length === 0) throw new Error("exec needs at least one argument");
    const regular = spec.mounts.filter((m): m is RegularMount => m.type === "bind" || m.type === "cache" || m.type === "tmpfs");
    const dests = new Set<string>();
    for (const m of regular) {
      if (dests.has(m.dest)) throw new Error(`two mounts at ${m.dest}`);
      dests.add(m.dest);
    }
    if (!dests.has("/")) throw new Error("exec needs a root mount at /");
    // Stable sort by destination, as Go's builder does, so `/` comes first.
    this.regular = [...regular].sort((a, b) => compareStrings(a.dest, b.dest));
    this.secrets = spec.mounts.filter((m): m is Extract<Mount, { type: "secret" }> => m.type === "secret");
    this.ssh = spec.mounts.filter((m): m is Extract<Mount, { type: "ssh" }> => m.type === "ssh");
    const outputs = new Map<string, number>();
    for (const m of this.regular) if (producesOutput(m)) outputs.set(m.dest, outputs.size);
    this.outputs = outputs;
    const inputs: Output[] = [];
    for (const m of this.regular) if ((m.type === "bind" || m.type === "cache") && m.source) inputs.push(m.source);
    this.inputs = inputs;
  }

  /** The LLB caps this exec needs, as Go's builder lists them. */
  private requiredCaps(): Set<string> {
    const { spec } = this;
    const caps = new Set<string>(["exec.meta.base"]);
    for (const m of this.regular) {
      if ((m.type === "bind" || m.type === "cache") && m.selector) caps.add("exec.mount.selector");
      if (m.type === "bind") {
        if (m.source) caps.add("exec.mount.bind");
        if (m.noOutput) caps.add("exec.mount.bind.readwrite-nooutput");
      } else if (m.type === "cache") {
        caps.add("exec.mount.cache");
        caps.add("exec.mount.cache.sharing");
      } else {
        caps.add("exec.mount.tmpfs");
        if (m.size) caps.add("exec.mount.tmpfs.size");
      }
    }
    if (this.secrets.length > 0 || spec.secretEnv.length > 0) caps.add("exec.mount.secret");
    if (spec.secretEnv.length > 0) caps.add("exec.secretenv");
    if (this.ssh.length > 0) caps.add("exec.mount.ssh");
    if (spec.ulimits && spec.ulimits.length > 0) caps.add("exec.meta.ulimit");
    if (spec.cgroupParent) caps.add("exec.meta.cgroup.parent");
    if (spec.validExitCodes && spec.validExitCodes.length > 0) caps.add("exec.validexitcode");
    if (spec.network !== "sandbox") caps.add("exec.meta.network");
    if (spec.security === "insecure") caps.add("exec.meta.security");
    return caps;
  }

  marshal(ctx: MarshalContext): MarshaledVertex {
    const { spec } = this;
    const inputs = new InputList(ctx);
    const mounts: PbMount[] = [];
    for (const m of this.regular) {
      const input = (m.type === "bind" || m.type === "cache") && m.source ? inputs.add(m.source) : -1;
      const output = this.outputs.get(m.dest) ?? -1;
      const pm: PbMount = { input, dest: m.dest, output };
      if ((m.type === "bind" || m.type === "cache") && m.selector) {
        pm.selector = m.selector;
      }
      if (m.type === "bind") {
        if (m.readonly) pm.readonly = true;
      } else if (m.type === "cache") {
        pm.mountType = MountType.Cache;
        pm.cacheOpt = { id: m.id, sharing: SHARING[m.sharing ?? "shared"] };
      } else {
        pm.mountType = MountType.Tmpfs;
        pm.tmpfsOpt = m.size ? { size: m.size } : {};
      }
      mounts.push(pm);
    }
    for (const s of this.secrets) {
      mounts.push({
        input: -1,
        dest: s.dest,
        output: 0,
        mountType: MountType.Secret,
        secretOpt: { id: s.id, uid: s.uid ?? 0, gid: s.gid ?? 0, mode: s.mode ?? 0o400, optional: s.optional ?? false },
      });
    }
    const env = this.ssh.length > 0 ? [...spec.env] : spec.env;
    this.ssh.forEach((s, i) => {
      const dest = s.dest ?? `/run/buildkit/ssh_agent.${i}`;
      mounts.push({
        input: -1,
        dest,
        output: 0,
        mountType: MountType.SSH,
        sshOpt: { id: s.id || "default", uid: s.uid ?? 0, gid: s.gid ?? 0, mode: s.mode ?? 0o600, optional: s.optional ?? false },
      });
      if (i === 0 && !env.some((e) => e.startsWith("SSH_AUTH_SOCK="))) (env as string[]).push(`SSH_AUTH_SOCK=${dest}`);
    });

    const meta: PbMeta = { args: spec.args, env, cwd: spec.cwd || "/", removeMountStubsRecursive: true };
    if (spec.user) meta.user = spec.user;
    if (spec.hostname) meta.hostname = spec.hostname;
    if (spec.extraHosts && spec.extraHosts.length > 0) meta.extraHosts = spec.extraHosts;
    if (spec.ulimits && spec.ulimits.length > 0) {
      meta.ulimit = spec.ulimits;
    }
    if (spec.cgroupParent) {
      meta.cgroupParent = spec.cgroupParent;
    }
    if (spec.validExitCodes && spec.validExitCodes.length > 0) {
      meta.validExitCodes = spec.validExitCodes;
    }
    const exec: PbExecOp = { meta, mounts };
    if (spec.network !== "sandbox") {
      exec.network = NETWORK[spec.network];
    }
    if (spec.security === "insecure") {
      exec.security = SecurityMode.Insecure;
    }
    if (spec.secretEnv.length > 0) {
      exec.secretEnv = spec.secretEnv.map((s) => ({ id: s.id, name: s.name, optional: s.optional ?? false }));
    }
    return {
      op: {
        inputs: inputs.inputs,
        platform: spec.platform ?? ctx.defaultPlatform,
        constraints: {},
        exec,
      },
      metadata: opMetadata(spec.opts, this.requiredCaps()),
      locations: spec.opts.sourceLocations ?? [],
    };
  }
}
