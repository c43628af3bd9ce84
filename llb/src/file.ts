/** File ops: mkdir, mkfile, rm, symlink and copy, chained into one op. */
import { InputList, opMetadata, type MarshalContext, type MarshaledVertex, type OpOptions, type Output, type Vertex } from "./vertex.js";
import type { PbChownOpt, PbFileAction, PbFileActionBody, PbUserOpt } from "./wire.js";

const textEncoder = new TextEncoder();

/** A user or group: numeric id, or a name looked up in the target filesystem's /etc files. */
export type UserRef = number | string;

/** Owner to set on created or copied files. */
export interface Chown {
  user: UserRef;
  group?: UserRef;
}

interface TimestampOption {
  /** Modification time to set; omitted keeps BuildKit's default (now, or the source's). */
  timestamp?: Date;
}

/** Options of {@link FileAction.mkdir}. */
export interface MkdirOptions extends TimestampOption {
  parents?: boolean;
  owner?: Chown;
}

/** Options of {@link FileAction.mkfile}. */
export interface MkfileOptions extends TimestampOption {
  owner?: Chown;
}

/** Options of {@link FileAction.rm}. */
export interface RmOptions {
  allowNotFound?: boolean;
  allowWildcard?: boolean;
}

/** Options of {@link FileAction.symlink}. */
export interface SymlinkOptions extends TimestampOption {
  owner?: Chown;
}

/** Options of {@link FileAction.copy}. */
export interface CopyOptions extends TimestampOption {
  owner?: Chown;
  /** Permission bits (number) or a chmod-style string such as `u+x`; omitted keeps the source's. */
  mode?: number | string;
  followSymlinks?: boolean;
  /** Copy a directory's contents rather than the directory itself (Dockerfile COPY semantics). */
  copyDirContentsOnly?: boolean;
  attemptUnpack?: boolean;
  createDestPath?: boolean;
  allowWildcard?: boolean;
  allowEmptyWildcard?: boolean;
  includePatterns?: readonly string[];
  excludePatterns?: readonly string[];
  alwaysReplaceExistingDestPaths?: boolean;
  requiredPaths?: readonly string[];
}

type ActionSpec =
  | { kind: "mkdir"; path: string; mode: number; opts: MkdirOptions }
  | { kind: "mkfile"; path: string; mode: number; data: Uint8Array; opts: MkfileOptions }
  | { kind: "rm"; path: string; opts: RmOptions }
  | { kind: "symlink"; oldpath: string; newpath: string; opts: SymlinkOptions }
  | { kind: "copy"; from: Output | undefined; src: string; dest: string; opts: CopyOptions };

/** Joins a relative path onto a directory, POSIX style, keeping a trailing slash. */
export function resolvePath(dir: string, p: string): string {
  // Already absolute and clean (the common case): nothing to resolve.
  if (p.startsWith("/") && !/(^|\/)\.\.?(\/|$)|\/\//.test(p)) return p;
  const joined = p.startsWith("/") ? p : `${dir.replace(/\/+$/, "")}/${p}`;
  const trailing = /\/\.?$/.test(p) && joined !== "/";
  const parts: string[] = [];
  for (const part of joined.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  const clean = "/" + parts.join("/");
  return trailing && clean !== "/" ? clean + "/" : clean;
}

/**
 * An immutable chain of file actions; each action applies to the result of the previous one.
 * Relative paths are resolved against the working directory of the state the chain runs on
 * (copy sources against the source state's). Build one with the static constructors and
 * chain more with the instance methods, then apply it with `State.file`.
 */
export class FileAction {
  private constructor(
    /** @internal */ readonly prev: FileAction | undefined,
    /** @internal */ readonly spec: ActionSpec,
    /** @internal */ readonly sourceCwd: string,
  ) {}

  /** Creates a directory. */
  static mkdir(path: string, mode: number, opts: MkdirOptions = {}): FileAction {
    return new FileAction(undefined, { kind: "mkdir", path, mode, opts }, "/");
  }

  /** Creates a file with the given content. */
  static mkfile(path: string, mode: number, data: Uint8Array | string, opts: MkfileOptions = {}): FileAction {
    return new FileAction(undefined, { kind: "mkfile", path, mode, data: toBytes(data), opts }, "/");
  }

  /** Removes a path. */
  static rm(path: string, opts: RmOptions = {}): FileAction {
    return new FileAction(undefined, { kind: "rm", path, opts }, "/");
  }

  /** Creates a symlink at `newpath` pointing to `oldpath`. */
  static symlink(oldpath: string, newpath: string, opts: SymlinkOptions = {}): FileAction {
    return new FileAction(undefined, { kind: "symlink", oldpath, newpath, opts }, "/");
  }

  /**
   * Copies `src` of the `from` filesystem to `dest`.
   * @param from the source filesystem's output (undefined for scratch) and working directory
   */
  static copy(from: { output: Output | undefined; cwd: string }, src: string, dest: string, opts: CopyOptions = {}): FileAction {
    return new FileAction(undefined, { kind: "copy", from: from.output, src, dest, opts }, from.cwd);
  }

  mkdir(path: string, mode: number, opts: MkdirOptions = {}): FileAction {
    return this.then(FileAction.mkdir(path, mode, opts));
  }

  mkfile(path: string, mode: number, data: Uint8Array | string, opts: MkfileOptions = {}): FileAction {
    return this.then(FileAction.mkfile(path, mode, data, opts));
  }

  rm(path: string, opts: RmOptions = {}): FileAction {
    return this.then(FileAction.rm(path, opts));
  }

  symlink(oldpath: string, newpath: string, opts: SymlinkOptions = {}): FileAction {
    return this.then(FileAction.symlink(oldpath, newpath, opts));
  }

  copy(from: { output: Output | undefined; cwd: string }, src: string, dest: string, opts: CopyOptions = {}): FileAction {
    return this.then(FileAction.copy(from, src, dest, opts));
  }

  private then(next: FileAction): FileAction {
    return new FileAction(this, next.spec, next.sourceCwd);
  }

  /** The actions from first to last. */
  list(): FileAction[] {
    const out: FileAction[] = [];
    for (let a: FileAction | undefined = this; a; a = a.prev) out.push(a);
    return out.reverse();
  }
}

function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === "string" ? textEncoder.encode(data) : data;
}

function timestamp(d: Date | undefined): number {
  return d ? d.getTime() * 1e6 : -1;
}

export class FileVertex implements Vertex {
  readonly inputs: readonly Output[];
  private readonly actions: readonly FileAction[];

  constructor(
    private readonly base: Output | undefined,
    private readonly cwd: string,
    chain: FileAction,
    private readonly opts: OpOptions,
  ) {
    this.actions = chain.list();
    const inputs: Output[] = [];
    if (base) inputs.push(base);
    for (const a of this.actions) if (a.spec.kind === "copy" && a.spec.from) inputs.push(a.spec.from);
    this.inputs = inputs;
  }

  marshal(ctx: MarshalContext): MarshaledVertex {
    const inputs = new InputList(ctx);
    const pending: { input: number | { previous: number }; secondary: number; body: PbFileActionBody; ownerName?: boolean }[] = [];
    this.actions.forEach((action, i) => {
      const input: number | { previous: number } = i === 0 ? (this.base ? inputs.add(this.base) : -1) : { previous: i - 1 };
      const spec = action.spec;
      const secondary = spec.kind === "copy" && spec.from ? inputs.add(spec.from) : -1;
      pending.push({ input, secondary, body: this.body(spec, action.sourceCwd) });
    });
    const n = inputs.inputs.length;
    const actions: PbFileAction[] = pending.map((p, i) => {
      const input = typeof p.input === "number" ? p.input : n + p.input.previous;
      const body = withOwnerInput(p.body, input);
      return { input, secondaryInput: p.secondary, output: i === pending.length - 1 ? 0 : -1, ...body } as PbFileAction;
    });
    return {
      op: { inputs: inputs.inputs, constraints: {}, file: { actions } },
      metadata: opMetadata(this.opts, ["file.base"]),
      locations: this.opts.sourceLocations ?? [],
    };
  }

  private body(spec: ActionSpec, sourceCwd: string): PbFileActionBody {
    const at = (p: string) => resolvePath(this.cwd, p);
    switch (spec.kind) {
      case "mkdir":
        return {
          mkdir: {
            path: at(spec.path),
            mode: spec.mode,
            makeParents: spec.opts.parents ?? false,
            ...owner(spec.opts.owner),
            timestamp: timestamp(spec.opts.timestamp),
          },
        };
      case "mkfile":
        return {
          mkfile: {
            path: at(spec.path),
            mode: spec.mode,
            data: spec.data,
            ...owner(spec.opts.owner),
            timestamp: timestamp(spec.opts.timestamp),
          },
        };
      case "rm":
        return { rm: { path: at(spec.path), allowNotFound: spec.opts.allowNotFound ?? false, allowWildcard: spec.opts.allowWildcard ?? false } };
      case "symlink":
        return {
          symlink: {
            oldpath: spec.oldpath,
            newpath: at(spec.newpath),
            ...owner(spec.opts.owner),
            timestamp: timestamp(spec.opts.timestamp),
          },
        };
      case "copy": {
        const o = spec.opts;
        return {
          copy: {
            src: resolvePath(sourceCwd, spec.src),
            dest: at(spec.dest),
            ...owner(o.owner),
            mode: typeof o.mode === "number" ? o.mode : -1,
            ...(typeof o.mode === "string" ? { modeStr: o.mode } : {}),
            followSymlink: o.followSymlinks ?? false,
            dirCopyContents: o.copyDirContentsOnly ?? false,
            attemptUnpackDockerCompatibility: o.attemptUnpack ?? false,
            createDestPath: o.createDestPath ?? false,
            allowWildcard: o.allowWildcard ?? false,
            allowEmptyWildcard: o.allowEmptyWildcard ?? false,
            timestamp: timestamp(o.timestamp),
            ...(o.includePatterns ? { includePatterns: o.includePatterns } : {}),
            ...(o.excludePatterns ? { excludePatterns: o.excludePatterns } : {}),
            alwaysReplaceExistingDestPaths: o.alwaysReplaceExistingDestPaths ?? false,
            ...(o.requiredPaths ? { requiredPaths: o.requiredPaths } : {}),
          },
        };
      }
    }
  }
}

/** A name-based owner placeholder; the input index is filled in once inputs are known. */
const NAME_INPUT_PENDING = -2;

function userOpt(u: UserRef): PbUserOpt {
  return typeof u === "number" ? { byId: u } : { byName: { name: u, input: NAME_INPUT_PENDING } };
}

function owner(c: Chown | undefined): { owner?: PbChownOpt } {
  if (!c) return {};
  const o: PbChownOpt = { user: userOpt(c.user) };
  if (c.group !== undefined) o.group = userOpt(c.group);
  return { owner: o };
}

function withOwnerInput(body: PbFileActionBody, input: number): PbFileActionBody {
  const inner = Object.values(body)[0] as { owner?: PbChownOpt };
  if (!inner.owner) return body;
  const fix = (u: PbUserOpt | undefined): PbUserOpt | undefined => {
    if (!u || !("byName" in u)) return u;
    if (input < 0) throw new Error(`chown to "${u.byName.name}" needs a base filesystem to look the name up in`);
    return { byName: { name: u.byName.name, input } };
  };
  const fixed: PbChownOpt = {};
  const user = fix(inner.owner.user);
  const group = fix(inner.owner.group);
  if (user) fixed.user = user;
  if (group) fixed.group = group;
  const key = Object.keys(body)[0]!;
  return { [key]: { ...inner, owner: fixed } } as PbFileActionBody;
}
