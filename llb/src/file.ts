/** File ops: mkdir, mkfile, rm, symlink and copy, chained into one op. */
import type { SourceLocation } from "./sourcemap.js";
import { encodeOpWith, InputList, NO_LOCATIONS, opMetadata, type MarshalContext, type MarshaledVertex, type OpOptions, type Output, type Vertex } from "./vertex.js";
import { OpField, writeFileAction, type PbChownOpt, type PbFileActionBody, type PbOpMetadata, type PbUserOpt } from "./wire.js";

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

const SLASH = 0x2f;
const DOT = 0x2e;

/** True for an absolute path with no empty, `.` or `..` segment (names such as `.cache` are fine). */
function isCleanAbsolute(p: string): boolean {
  if (p.charCodeAt(0) !== SLASH || p.includes("//")) return false;
  for (let i = p.indexOf("/."); i !== -1; i = p.indexOf("/.", i + 2)) {
    const after = p.charCodeAt(i + 2);
    if (after === SLASH || i + 2 === p.length) return false;
    if (after === DOT && (p.charCodeAt(i + 3) === SLASH || i + 3 === p.length)) return false;
  }
  return true;
}

/** Joins a relative path onto a directory, POSIX style, keeping a trailing slash. */
export function resolvePath(dir: string, p: string): string {
  if (isCleanAbsolute(p)) return p; // the common case: nothing to resolve
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

const FILE_CAPS = ["file.base"];

/** One action as encoded, but for the input numbers (known only when marshaling). */
interface PreparedAction {
  /**
   * The body, or for a chown to a user or group by name the body given the action's input
   * number: BuildKit looks the name up in that input, so the body carries its number.
   */
  body: PbFileActionBody | ((ownerInput: number) => PbFileActionBody);
  /** The copy source, if any: the action's secondary input. */
  from: Output | undefined;
}

export class FileVertex implements Vertex {
  readonly inputs: readonly Output[];
  private readonly actions: readonly PreparedAction[];
  private readonly metadata: PbOpMetadata;
  private readonly locations: readonly SourceLocation[];

  constructor(
    private readonly base: Output | undefined,
    cwd: string,
    chain: FileAction,
    opts: OpOptions,
  ) {
    this.actions = chain.list().map((action, i) => {
      const spec = action.spec;
      const from = spec.kind === "copy" ? spec.from : undefined;
      const chown = spec.kind === "rm" ? undefined : spec.opts.owner;
      const byName = [chown?.user, chown?.group].find((u) => typeof u === "string");
      if (byName !== undefined && i === 0 && !base) throw new Error(`chown to "${byName}" needs a base filesystem to look the name up in`);
      const body = byName === undefined ? actionBody(spec, cwd, action.sourceCwd) : (ownerInput: number) => actionBody(spec, cwd, action.sourceCwd, ownerInput);
      return { body, from };
    });
    const inputs = this.actions.filter((a) => a.from).map((a) => a.from!);
    this.inputs = base ? [base, ...inputs] : inputs;
    this.metadata = opMetadata(opts, FILE_CAPS);
    this.locations = opts.sourceLocations ?? NO_LOCATIONS;
  }

  marshal(ctx: MarshalContext): MarshaledVertex {
    const inputs = new InputList(ctx, this.inputs.length);
    const actions = this.actions;
    // Inputs first: actions after the first read the previous action's output, numbered
    // after the last input.
    const first = this.base ? inputs.add(this.base) : -1;
    const secondary = actions.map((a) => (a.from ? inputs.add(a.from) : -1));
    const n = inputs.inputs.length;
    const last = actions.length - 1;
    const bytes = encodeOpWith(inputs.inputs, undefined, OpField.File, (w) => {
      for (let i = 0; i < actions.length; i++) {
        const a = actions[i]!;
        const input = i === 0 ? first : n + i - 1;
        const start = w.begin(2);
        writeFileAction(w, input, secondary[i]!, i === last ? 0 : -1, typeof a.body === "function" ? a.body(input) : a.body);
        w.end(start);
      }
    });
    return { bytes, metadata: this.metadata, locations: this.locations };
  }
}

/** The action's body; a chown by name looks the name up in op input `ownerInput`. */
function actionBody(spec: ActionSpec, cwd: string, sourceCwd: string, ownerInput = -1): PbFileActionBody {
  const owner = (c: Chown | undefined) => chownOpt(c, ownerInput);
  switch (spec.kind) {
    case "mkdir":
      return {
        mkdir: {
          path: resolvePath(cwd, spec.path),
          mode: spec.mode,
          makeParents: spec.opts.parents ?? false,
          owner: owner(spec.opts.owner),
          timestamp: timestamp(spec.opts.timestamp),
        },
      };
    case "mkfile":
      return {
        mkfile: {
          path: resolvePath(cwd, spec.path),
          mode: spec.mode,
          data: spec.data,
          owner: owner(spec.opts.owner),
          timestamp: timestamp(spec.opts.timestamp),
        },
      };
    case "rm":
      return { rm: { path: resolvePath(cwd, spec.path), allowNotFound: spec.opts.allowNotFound ?? false, allowWildcard: spec.opts.allowWildcard ?? false } };
    case "symlink":
      return {
        symlink: {
          oldpath: spec.oldpath,
          newpath: resolvePath(cwd, spec.newpath),
          owner: owner(spec.opts.owner),
          timestamp: timestamp(spec.opts.timestamp),
        },
      };
    case "copy": {
      const o = spec.opts;
      return {
        copy: {
          src: resolvePath(sourceCwd, spec.src),
          dest: resolvePath(cwd, spec.dest),
          owner: owner(o.owner),
          mode: typeof o.mode === "number" ? o.mode : -1,
          followSymlink: o.followSymlinks ?? false,
          dirCopyContents: o.copyDirContentsOnly ?? false,
          attemptUnpackDockerCompatibility: o.attemptUnpack ?? false,
          createDestPath: o.createDestPath ?? false,
          allowWildcard: o.allowWildcard ?? false,
          allowEmptyWildcard: o.allowEmptyWildcard ?? false,
          timestamp: timestamp(o.timestamp),
          includePatterns: o.includePatterns,
          excludePatterns: o.excludePatterns,
          alwaysReplaceExistingDestPaths: o.alwaysReplaceExistingDestPaths ?? false,
          modeStr: typeof o.mode === "string" ? o.mode : undefined,
          requiredPaths: o.requiredPaths,
        },
      };
    }
  }
}

function userOpt(u: UserRef, ownerInput: number): PbUserOpt {
  return typeof u === "number" ? { byId: u } : { byName: { name: u, input: ownerInput } };
}

function chownOpt(c: Chown | undefined, ownerInput: number): PbChownOpt | undefined {
  if (!c) return undefined;
  const o: PbChownOpt = { user: userOpt(c.user, ownerInput) };
  if (c.group !== undefined) o.group = userOpt(c.group, ownerInput);
  return o;
}
