/** The immutable State API: a filesystem plus the defaults (env, cwd, user, platform) for later ops. */
import { ExecVertex, type Mount, type NetworkMode, type ProxyEnv, type SecretEnv, type SecurityModeName } from "./exec.js";
import { FileAction, FileVertex, resolvePath, type CopyOptions } from "./file.js";
import { marshal, type Definition, type MarshalOptions } from "./marshal.js";
import { DiffVertex, MergeVertex } from "./mergediff.js";
import type { Platform } from "./platform.js";
import { imageVertex, localVertex, type ImageOptions, type LocalOptions } from "./source.js";
import type { OpOptions, Output } from "./vertex.js";
import { noteSharedPrefix } from "./protowire.js";

interface StateValues {
  readonly env: readonly (readonly [string, string])[];
  readonly cwd: string;
  readonly user?: string;
  readonly platform?: Platform;
  readonly network: NetworkMode;
  readonly security: SecurityModeName;
  readonly hostname?: string;
}

const DEFAULT_VALUES: StateValues = { env: [], cwd: "/", network: "sandbox", security: "sandbox" };

/** `KEY=VALUE` strings per env list, shared by every exec on states with the same env. */
const envStrings = new WeakMap<object, readonly string[]>();

/** `KEY=VALUE` per env entry: lists that share an entry (the env before and after one change) share its string. */
const entryStrings = new WeakMap<object, string>();

function envArray(env: StateValues["env"]): readonly string[] {
  let out = envStrings.get(env);
  if (!out) {
    out = env.map((entry) => {
      let s = entryStrings.get(entry);
      if (s === undefined) entryStrings.set(entry, (s = `${entry[0]}=${entry[1]}`));
      return s;
    });
    envStrings.set(env, out);
  }
  return out;
}

/** Refuses a variable name BuildKit could not set: empty, or holding `=`. */
function checkEnvName(key: string): void {
  if (!key || key.includes("=")) throw new Error(`invalid environment variable name "${key}"`);
}

/** Env lists with extra variables applied, per base env and extra (`K=V\0…`): steps that add the same variables share one list. */
const extraEnvStrings = new WeakMap<object, Map<string, readonly string[]>>();

/** The state's env with `extra` applied over it: replaced in place, new keys appended in sorted order. */
function withExtraEnv(env: StateValues["env"], extra: Readonly<Record<string, string>>): readonly string[] {
  const keys = Object.keys(extra);
  const base = envArray(env);
  if (keys.length === 0) return base;
  keys.sort();
  const entries = keys.map((key) => `${key}=${extra[key]!}`);
  const id = entries.join("\0");
  let byExtra = extraEnvStrings.get(env);
  if (!byExtra) extraEnvStrings.set(env, (byExtra = new Map()));
  let out = byExtra.get(id);
  if (!out) {
    const list = base.slice();
    let appendedOnly = true;
    keys.forEach((key, n) => {
      const i = env.findIndex(([k]) => k === key);
      if (i >= 0) [list[i], appendedOnly] = [entries[n]!, false];
      else list.push(entries[n]!);
    });
    if (appendedOnly) noteSharedPrefix(list, base);
    byExtra.set(id, (out = list));
  }
  return out;
}

/** A mount for {@link State.run}; `bind` and `cache` take a State as their source. */
export type RunMount =
  | { type: "bind"; dest: string; source: State; selector?: string; readonly?: boolean; noOutput?: boolean }
  | { type: "cache"; dest: string; id: string; sharing?: "shared" | "private" | "locked"; source?: State; selector?: string }
  | { type: "tmpfs"; dest: string; size?: number }
  | { type: "secret"; dest: string; id: string; uid?: number; gid?: number; mode?: number; optional?: boolean }
  | { type: "ssh"; dest?: string; id?: string; uid?: number; gid?: number; mode?: number; optional?: boolean };

/** Options of {@link State.run}. */
export interface RunOptions extends OpOptions {
  /** The argv of the process (no shell unless you ask for one). */
  args: readonly string[];
  /** Extra environment, applied over the state's env; keys are sorted for a stable encoding. */
  env?: Readonly<Record<string, string>>;
  /** Working directory; relative paths resolve against the state's. */
  cwd?: string;
  user?: string;
  hostname?: string;
  network?: NetworkMode;
  security?: SecurityModeName;
  mounts?: readonly RunMount[];
  /** Secrets exposed as environment variables. */
  secretEnv?: readonly SecretEnv[];
  /** Mount the root filesystem read-only (the exec then has no root output). */
  readonlyRootfs?: boolean;
  validExitCodes?: readonly number[];
  ulimits?: readonly { name: string; soft: number; hard: number }[];
  cgroupParent?: string;
  extraHosts?: readonly { host: string; ip: string }[];
  /** Proxy settings: in the process env, not in the cache key. */
  proxyEnv?: ProxyEnv;
}

/**
 * A filesystem (an op output, or scratch) together with the defaults later ops inherit.
 * Every method returns a new State; none changes the receiver.
 */
export class State {
  protected constructor(
    /** The op output this state stands for; undefined is the empty filesystem (scratch). */
    readonly output: Output | undefined,
    private readonly values: StateValues,
  ) {}

  /** @internal */
  static of(output: Output | undefined, platform?: Platform): State {
    return new State(output, platform ? { ...DEFAULT_VALUES, platform } : DEFAULT_VALUES);
  }

  private with(values: Partial<StateValues>): State {
    return new State(this.output, { ...this.values, ...values });
  }

  /** The same defaults over another filesystem. */
  withOutput(output: Output | undefined): State {
    return new State(output, this.values);
  }

  /** Sets (or replaces in place) an environment variable; order of first setting is kept. */
  withEnv(key: string, value: string): State {
    checkEnvName(key);
    const env = [...this.values.env];
    const i = env.findIndex(([k]) => k === key);
    if (i >= 0) env[i] = [key, value];
    else env.push([key, value]);
    return this.with({ env });
  }

  /** withEnv for each pair in order, in one copy (a step's whole environment at once). */
  withEnvs(pairs: Iterable<readonly [string, string]>): State {
    const env = [...this.values.env];
    const at = new Map(env.map(([k], i) => [k, i]));
    for (const [key, value] of pairs) {
      checkEnvName(key);
      const i = at.get(key);
      if (i !== undefined) env[i] = [key, value];
      else at.set(key, env.push([key, value]) - 1);
    }
    return this.with({ env });
  }

  /**
   * The whole environment at once, replacing this state's: `env` must have unique keys (a
   * Map's entries, say) and must not change afterwards; it is kept, not copied.
   */
  withEnvList(env: StateValues["env"]): State {
    for (const [key] of env) checkEnvName(key);
    return this.with({ env });
  }

  withoutEnv(key: string): State {
    return this.with({ env: this.values.env.filter(([k]) => k !== key) });
  }

  getEnv(key: string): string | undefined {
    return this.values.env.find(([k]) => k === key)?.[1];
  }

  /** The environment as `KEY=VALUE` strings in order. */
  env(): string[] {
    return [...envArray(this.values.env)];
  }

  /** Sets the working directory; a relative path resolves against the current one. */
  withCwd(dir: string): State {
    return this.with({ cwd: resolvePath(this.values.cwd, dir) });
  }

  get cwd(): string {
    return this.values.cwd;
  }

  withUser(user: string): State {
    return this.with({ user });
  }

  get user(): string | undefined {
    return this.values.user;
  }

  withPlatform(platform: Platform): State {
    return this.with({ platform });
  }

  get platform(): Platform | undefined {
    return this.values.platform;
  }

  withNetwork(network: NetworkMode): State {
    return this.with({ network });
  }

  withSecurity(security: SecurityModeName): State {
    return this.with({ security });
  }

  withHostname(hostname: string): State {
    return this.with({ hostname });
  }

  /** Runs a process with this state as its root filesystem. */
  run(opts: RunOptions): ExecState {
    const v = this.values;
    const mounts: Mount[] = [{ type: "bind", dest: "/", source: this.output, readonly: opts.readonlyRootfs ?? false }];
    for (const m of opts.mounts ?? []) mounts.push(toMount(m, v.cwd));
    const vertex = new ExecVertex({
      args: opts.args,
      env: opts.env ? withExtraEnv(v.env, opts.env) : envArray(v.env),
      cwd: opts.cwd ? resolvePath(v.cwd, opts.cwd) : v.cwd,
      user: opts.user ?? v.user,
      hostname: opts.hostname ?? v.hostname,
      network: opts.network ?? v.network,
      security: opts.security ?? v.security,
      mounts,
      secretEnv: opts.secretEnv ?? [],
      validExitCodes: opts.validExitCodes,
      ulimits: opts.ulimits,
      cgroupParent: opts.cgroupParent,
      extraHosts: opts.extraHosts,
      ...(opts.proxyEnv ? { proxyEnv: opts.proxyEnv } : {}),
      platform: v.platform,
      opts,
    });
    return new ExecState(vertex, v);
  }

  /** Applies a chain of file actions to this filesystem. */
  file(action: FileAction, opts: OpOptions = {}): State {
    const vertex = new FileVertex(this.output, this.values.cwd, action, opts);
    return this.withOutput({ vertex, index: 0 });
  }

  /** Shorthand for a one-action copy from another state. */
  copy(from: State, src: string, dest: string, copyOpts: CopyOptions = {}, opts: OpOptions = {}): State {
    return this.file(FileAction.copy(from, src, dest, copyOpts), opts);
  }

  /** Marshals the graph that produces this state into a Definition. */
  marshal(opts: MarshalOptions = {}): Definition {
    return marshal(this.output, { ...opts, platform: opts.platform ?? this.values.platform });
  }
}

/** The state after an exec: its root filesystem, plus access to writable mounts' outputs. */
export class ExecState extends State {
  /** @internal */
  constructor(
    private readonly exec: ExecVertex,
    values: StateValues,
  ) {
    const root = exec.outputAt("/");
    super(root === undefined ? undefined : { vertex: exec, index: root }, values);
  }

  /** The root filesystem after the process ran. */
  root(): State {
    return this.withOutput(this.output);
  }

  /** The content of a writable bind mount after the process ran. */
  getMount(dest: string): State {
    const index = this.exec.outputAt(dest);
    if (index === undefined) throw new Error(`no writable mount at ${dest}`);
    return this.withOutput({ vertex: this.exec, index });
  }
}

function toMount(m: RunMount, cwd: string): Mount {
  const dest = m.dest === undefined ? undefined : resolvePath(cwd, m.dest);
  switch (m.type) {
    case "bind":
      return { ...m, dest: dest!, source: m.source.output };
    case "cache": {
      const { source, ...rest } = m;
      return source?.output ? { ...rest, dest: dest!, source: source.output } : { ...rest, dest: dest! };
    }
    case "tmpfs":
    case "secret":
      return { ...m, dest: dest! };
    case "ssh":
      return dest ? { ...m, dest } : { ...m };
  }
}

/** The empty filesystem. */
export function scratch(): State {
  return State.of(undefined);
}

/** A container image (normalized to a fully qualified reference). */
export function image(ref: string, opts: ImageOptions = {}): State {
  return State.of({ vertex: imageVertex(ref, opts), index: 0 }, opts.platform);
}

/** A directory sent by the client session (e.g. the build context). */
export function local(name: string, opts: LocalOptions = {}): State {
  return State.of({ vertex: localVertex(name, opts), index: 0 });
}

/**
 * Layers the given filesystems in order (later ones win). Scratch inputs are dropped; with one
 * input left it is returned as is. The result keeps the first state's defaults.
 */
export function merge(states: readonly State[], opts: OpOptions = {}): State {
  const nonEmpty = states.filter((s) => s.output !== undefined);
  if (nonEmpty.length === 0) return states[0] ?? scratch();
  if (nonEmpty.length === 1) return nonEmpty[0]!;
  const vertex = new MergeVertex(
    nonEmpty.map((s) => s.output!),
    opts,
  );
  return nonEmpty[0]!.withOutput({ vertex, index: 0 });
}

/** The changes that turn `lower` into `upper`, as a filesystem of their own. */
export function diff(lower: State, upper: State, opts: OpOptions = {}): State {
  if (lower.output === undefined && upper.output === undefined) return upper;
  if (lower.output === undefined) return upper;
  const vertex = new DiffVertex(lower.output, upper.output, opts);
  return upper.withOutput({ vertex, index: 0 });
}
