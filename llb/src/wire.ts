/**
 * Plain data shapes of BuildKit's LLB protobuf messages (package `pb`) and their canonical
 * encoders. Field numbers agree with BuildKit's solver/pb/ops.proto. Encoders follow Go's
 * deterministic marshalling: ascending field numbers with the oneof member last, zero scalars
 * omitted, present sub-messages always written, map entries sorted by key.
 */
import { encodeWith, ProtoWriter, sortedKeys, sortInGoOrder } from "./protowire.js";

/** OCI platform as LLB carries it. */
export interface PbPlatform {
  architecture: string;
  os: string;
  variant?: string;
  osVersion?: string;
  osFeatures?: readonly string[];
}

/** Reference to output `index` of the op with digest `digest`. */
export interface PbInput {
  digest: string;
  index: number;
}

/** pb.NetMode: the exec's network. */
export const enum NetMode {
  Unset = 0,
  Host = 1,
  None = 2,
}

/** pb.SecurityMode: sandboxed or privileged. */
export const enum SecurityMode {
  Sandbox = 0,
  Insecure = 1,
}

/** pb.MountType. */
export const enum MountType {
  Bind = 0,
  Secret = 1,
  SSH = 2,
  Cache = 3,
  Tmpfs = 4,
}

/** pb.CacheSharingOpt. */
export const enum CacheSharing {
  Shared = 0,
  Private = 1,
  Locked = 2,
}

/** pb.Meta: the process of an exec (argv, env, cwd, user, …). */
export interface PbMeta {
  args: readonly string[];
  env?: readonly string[];
  cwd: string;
  user?: string;
  proxyEnv?: { httpProxy?: string; httpsProxy?: string; ftpProxy?: string; noProxy?: string; allProxy?: string };
  extraHosts?: readonly { host: string; ip: string }[];
  hostname?: string;
  ulimit?: readonly { name: string; soft: number; hard: number }[];
  cgroupParent?: string;
  removeMountStubsRecursive?: boolean;
  validExitCodes?: readonly number[];
}

/** pb.Mount; `input`/`output` use -1 for none. */
export interface PbMount {
  input: number;
  selector?: string;
  dest: string;
  output: number;
  readonly?: boolean;
  mountType?: MountType;
  tmpfsOpt?: { size?: number };
  cacheOpt?: { id: string; sharing?: CacheSharing };
  secretOpt?: { id: string; uid?: number; gid?: number; mode?: number; optional?: boolean };
  sshOpt?: { id: string; uid?: number; gid?: number; mode?: number; optional?: boolean };
  resultId?: string;
  contentCache?: number;
}

/** pb.ExecOp. */
export interface PbExecOp {
  meta: PbMeta;
  mounts: readonly PbMount[];
  network?: NetMode;
  security?: SecurityMode;
  secretEnv?: readonly { id: string; name: string; optional?: boolean }[];
  cdiDevices?: readonly { name: string; optional?: boolean }[];
}

/** pb.SourceOp: an identifier such as `docker-image://…` or `local://…` and its attrs. */
export interface PbSourceOp {
  identifier: string;
  attrs?: Readonly<Record<string, string>>;
}

/** pb.UserOpt: a user by name (resolved in an input's /etc files) or by id. */
export type PbUserOpt = { byName: { name: string; input: number } } | { byId: number };

/** pb.ChownOpt. */
export interface PbChownOpt {
  user?: PbUserOpt;
  group?: PbUserOpt;
}

/** pb.FileActionCopy; `mode` and `timestamp` use -1 for "keep" / "not set". */
export interface PbFileActionCopy {
  src: string;
  dest: string;
  owner?: PbChownOpt;
  mode: number;
  followSymlink?: boolean;
  dirCopyContents?: boolean;
  attemptUnpackDockerCompatibility?: boolean;
  createDestPath?: boolean;
  allowWildcard?: boolean;
  allowEmptyWildcard?: boolean;
  timestamp: number;
  includePatterns?: readonly string[];
  excludePatterns?: readonly string[];
  alwaysReplaceExistingDestPaths?: boolean;
  modeStr?: string;
  requiredPaths?: readonly string[];
}

/** pb.FileActionMkFile. */
export interface PbFileActionMkFile {
  path: string;
  mode: number;
  data?: Uint8Array;
  owner?: PbChownOpt;
  timestamp: number;
}

/** pb.FileActionMkDir. */
export interface PbFileActionMkDir {
  path: string;
  mode: number;
  makeParents?: boolean;
  owner?: PbChownOpt;
  timestamp: number;
}

/** pb.FileActionRm. */
export interface PbFileActionRm {
  path: string;
  allowNotFound?: boolean;
  allowWildcard?: boolean;
}

/** pb.FileActionSymlink. */
export interface PbFileActionSymlink {
  oldpath: string;
  newpath: string;
  owner?: PbChownOpt;
  timestamp: number;
}

/** The action of a pb.FileAction (its oneof). */
export type PbFileActionBody =
  | { copy: PbFileActionCopy }
  | { mkfile: PbFileActionMkFile }
  | { mkdir: PbFileActionMkDir }
  | { rm: PbFileActionRm }
  | { symlink: PbFileActionSymlink };

/** pb.FileAction: indexes refer to op inputs, or to earlier actions past the last input. */
export type PbFileAction = { input: number; secondaryInput: number; output: number } & PbFileActionBody;

/** The body of a pb.Op (its oneof). */
export type PbOpBody =
  | { exec: PbExecOp }
  | { source: PbSourceOp }
  | { file: { actions: readonly PbFileAction[] } }
  | { merge: { inputs: readonly number[] } }
  | { diff: { lower: number; upper: number } };

/** pb.Op; `terminal` marks the inputs-only op that ends a Definition. */
export type PbOp = {
  inputs?: readonly PbInput[];
  platform?: PbPlatform;
  constraints?: { filter?: readonly string[] };
} & (PbOpBody | { terminal: true });

/** pb.ProgressGroup. */
export interface PbProgressGroup {
  id: string;
  name?: string;
  weak?: boolean;
}

/** pb.OpMetadata: names, caching and capability requirements of an op. */
export interface PbOpMetadata {
  ignoreCache?: boolean;
  description?: Readonly<Record<string, string>>;
  exportCache?: { value: boolean };
  caps?: Readonly<Record<string, boolean>>;
  progressGroup?: PbProgressGroup;
}

/** pb.Position: 1-based line, 0-based character. */
export interface PbPosition {
  line: number;
  character: number;
}

/** pb.Range. */
export interface PbRange {
  start: PbPosition;
  end: PbPosition;
}

/** pb.SourceInfo: a source file ops can point into. */
export interface PbSourceInfo {
  filename: string;
  data?: Uint8Array;
  definition?: PbDefinition;
  language?: string;
}

/** pb.Location: ranges in one source file. */
export interface PbLocation {
  sourceIndex: number;
  ranges: readonly PbRange[];
}

/** A protobuf map keyed by op digest, as a plain record or a Map (encoded the same way). */
export type DigestKeyed<T> = Readonly<Record<string, T>> | ReadonlyMap<string, T>;

/** Values of a {@link DigestKeyed} map, in no particular order. */
export function digestKeyedValues<T>(map: DigestKeyed<T>): T[] {
  return map instanceof Map ? [...map.values()] : Object.values(map as Readonly<Record<string, T>>);
}

/** Entries of a {@link DigestKeyed} map in Go's key order. */
export function sortedEntries<T>(map: DigestKeyed<T>): [string, T][] {
  if (map instanceof Map) return sortInGoOrder([...map.keys()]).map((k) => [k, map.get(k)!]);
  const record = map as Readonly<Record<string, T>>;
  return sortedKeys(record).map((k) => [k, record[k]!]);
}

/** pb.Source: the source map of a Definition. */
export interface PbSource {
  locations: DigestKeyed<readonly PbLocation[]>;
  infos: readonly PbSourceInfo[];
}

/** A marshaled LLB graph: op bytes in dependency order, the last one the terminal op. */
export interface PbDefinition {
  def: readonly Uint8Array[];
  metadata: DigestKeyed<PbOpMetadata>;
  source?: PbSource | undefined;
}

// ---- encoders ------------------------------------------------------------------------------

function writePlatform(w: ProtoWriter, p: PbPlatform): void {
  w.string(1, p.architecture);
  w.string(2, p.os);
  w.string(3, p.variant);
  w.string(4, p.osVersion);
  w.repeatedStrings(5, p.osFeatures);
}

function writeMeta(w: ProtoWriter, m: PbMeta): void {
  w.repeatedStrings(1, m.args);
  w.sharedStrings(2, m.env);
  w.string(3, m.cwd);
  w.string(4, m.user);
  const proxy = m.proxyEnv;
  if (proxy) {
    w.message(5, (pw) => {
      pw.string(1, proxy.httpProxy);
      pw.string(2, proxy.httpsProxy);
      pw.string(3, proxy.ftpProxy);
      pw.string(4, proxy.noProxy);
      pw.string(5, proxy.allProxy);
    });
  }
  if (m.extraHosts) {
    for (const h of m.extraHosts) {
      const s = w.begin(6);
      w.string(1, h.host);
      w.string(2, h.ip);
      w.end(s);
    }
  }
  w.string(7, m.hostname);
  if (m.ulimit) {
    for (const u of m.ulimit) {
      const s = w.begin(9);
      w.string(1, u.name);
      w.int(2, u.soft);
      w.int(3, u.hard);
      w.end(s);
    }
  }
  w.string(10, m.cgroupParent);
  w.bool(11, m.removeMountStubsRecursive);
  w.packedInts(12, m.validExitCodes);
}

function writeMountIdOpt(
  w: ProtoWriter,
  o: { id: string; uid?: number; gid?: number; mode?: number; optional?: boolean },
): void {
  w.string(1, o.id);
  w.int(2, o.uid);
  w.int(3, o.gid);
  w.int(4, o.mode);
  w.bool(5, o.optional);
}

function writeMount(w: ProtoWriter, m: PbMount, input: number): void {
  w.int(1, input);
  w.string(2, m.selector);
  w.string(3, m.dest);
  w.int(4, m.output);
  w.bool(5, m.readonly);
  w.int(6, m.mountType);
  if (m.tmpfsOpt) {
    const s = w.begin(19);
    w.int(1, m.tmpfsOpt.size);
    w.end(s);
  }
  if (m.cacheOpt) {
    const s = w.begin(20);
    w.string(1, m.cacheOpt.id);
    w.int(2, m.cacheOpt.sharing);
    w.end(s);
  }
  if (m.secretOpt) {
    const s = w.begin(21);
    writeMountIdOpt(w, m.secretOpt);
    w.end(s);
  }
  if (m.sshOpt) {
    const s = w.begin(22);
    writeMountIdOpt(w, m.sshOpt);
    w.end(s);
  }
  w.string(23, m.resultId);
  w.int(24, m.contentCache);
}

/**
 * Writes an ExecOp; `mountInputs`, when given, replaces each mount's `input` (an op built
 * once per vertex and marshaled with inputs numbered per Definition).
 */
export function writeExec(w: ProtoWriter, e: PbExecOp, mountInputs?: readonly number[]): void {
  const metaStart = w.begin(1);
  writeMeta(w, e.meta);
  w.end(metaStart);
  const mounts = e.mounts;
  for (let i = 0; i < mounts.length; i++) {
    const m = mounts[i]!;
    const s = w.begin(2);
    writeMount(w, m, mountInputs ? mountInputs[i]! : m.input);
    w.end(s);
  }
  w.int(3, e.network);
  w.int(4, e.security);
  if (e.secretEnv) {
    for (const se of e.secretEnv) {
      const s = w.begin(5);
      w.string(1, se.id);
      w.string(2, se.name);
      w.bool(3, se.optional);
      w.end(s);
    }
  }
  if (e.cdiDevices) {
    for (const d of e.cdiDevices) {
      const s = w.begin(6);
      w.string(1, d.name);
      w.bool(2, d.optional);
      w.end(s);
    }
  }
}

function writeUserOpt(w: ProtoWriter, u: PbUserOpt): void {
  if ("byName" in u) {
    w.message(1, (nw) => {
      nw.string(1, u.byName.name);
      nw.int(2, u.byName.input);
    });
  } else {
    w.intAlways(2, u.byId); // a oneof member: present even when 0 (root)
  }
}

function writeChown(w: ProtoWriter, field: number, c: PbChownOpt | undefined): void {
  if (!c) return;
  w.message(field, (cw) => {
    if (c.user) cw.message(1, (uw) => writeUserOpt(uw, c.user!));
    if (c.group) cw.message(2, (gw) => writeUserOpt(gw, c.group!));
  });
}

/** Writes a FileAction from its indexes and its body (a PbFileAction is both). */
export function writeFileAction(w: ProtoWriter, input: number, secondaryInput: number, output: number, a: PbFileActionBody): void {
  w.int(1, input);
  w.int(2, secondaryInput);
  w.int(3, output);
  if ("copy" in a) {
    const c = a.copy;
    const s = w.begin(4);
    w.string(1, c.src);
    w.string(2, c.dest);
    writeChown(w, 3, c.owner);
    w.int(4, c.mode);
    w.bool(5, c.followSymlink);
    w.bool(6, c.dirCopyContents);
    w.bool(7, c.attemptUnpackDockerCompatibility);
    w.bool(8, c.createDestPath);
    w.bool(9, c.allowWildcard);
    w.bool(10, c.allowEmptyWildcard);
    w.int(11, c.timestamp);
    w.repeatedStrings(12, c.includePatterns);
    w.repeatedStrings(13, c.excludePatterns);
    w.bool(14, c.alwaysReplaceExistingDestPaths);
    w.string(15, c.modeStr);
    w.repeatedStrings(16, c.requiredPaths);
    w.end(s);
  } else if ("mkfile" in a) {
    const f = a.mkfile;
    const s = w.begin(5);
    w.string(1, f.path);
    w.int(2, f.mode);
    w.bytes(3, f.data);
    writeChown(w, 4, f.owner);
    w.int(5, f.timestamp);
    w.end(s);
  } else if ("mkdir" in a) {
    const d = a.mkdir;
    const s = w.begin(6);
    w.string(1, d.path);
    w.int(2, d.mode);
    w.bool(3, d.makeParents);
    writeChown(w, 4, d.owner);
    w.int(5, d.timestamp);
    w.end(s);
  } else if ("rm" in a) {
    const r = a.rm;
    const s = w.begin(7);
    w.string(1, r.path);
    w.bool(2, r.allowNotFound);
    w.bool(3, r.allowWildcard);
    w.end(s);
  } else {
    const l = a.symlink;
    const s = w.begin(8);
    w.string(1, l.oldpath);
    w.string(2, l.newpath);
    writeChown(w, 3, l.owner);
    w.int(4, l.timestamp);
    w.end(s);
  }
}

/** Encodes one Op exactly as Go's deterministic marshaller does. */
export function encodeOp(op: PbOp): Uint8Array {
  return encodeWith((w) => writeOp(w, op));
}

/** Op body fields (the oneof), by kind. */
export const enum OpField {
  Exec = 2,
  Source = 3,
  File = 4,
  Merge = 6,
  Diff = 7,
}

/** Writes the fields every Op starts with: inputs, platform, constraints. */
export function writeOpHead(
  w: ProtoWriter,
  inputs: readonly PbInput[] | undefined,
  platform: PbPlatform | undefined,
  constraints: { filter?: readonly string[] } | undefined,
): void {
  if (inputs) {
    for (let i = 0; i < inputs.length; i++) {
      const input = inputs[i]!;
      const s = w.begin(1);
      w.string(1, input.digest);
      w.int(2, input.index);
      w.end(s);
    }
  }
  if (platform) {
    const s = w.begin(10);
    writePlatform(w, platform);
    w.end(s);
  }
  if (constraints) {
    const s = w.begin(11);
    w.repeatedStrings(1, constraints.filter);
    w.end(s);
  }
}

/** Writes a SourceOp. */
export function writeSourceOp(w: ProtoWriter, s: PbSourceOp): void {
  w.string(1, s.identifier);
  w.stringMap(2, s.attrs);
}

/** Writes a MergeOp from the op-input numbers of its layers, bottom first. */
export function writeMergeOp(w: ProtoWriter, inputs: readonly number[]): void {
  for (const i of inputs) {
    const s = w.begin(1);
    w.int(1, i);
    w.end(s);
  }
}

/** Writes a DiffOp from the op-input numbers of its lower and upper filesystems (-1: scratch). */
export function writeDiffOp(w: ProtoWriter, lower: number, upper: number): void {
  let s = w.begin(1);
  w.int(1, lower);
  w.end(s);
  s = w.begin(2);
  w.int(1, upper);
  w.end(s);
}

function writeOp(w: ProtoWriter, op: PbOp): void {
  writeOpHead(w, op.inputs, op.platform, op.constraints);
  if ("exec" in op) {
    const s = w.begin(OpField.Exec);
    writeExec(w, op.exec);
    w.end(s);
  } else if ("source" in op) {
    const s = w.begin(OpField.Source);
    writeSourceOp(w, op.source);
    w.end(s);
  } else if ("file" in op) {
    const s = w.begin(OpField.File);
    for (const a of op.file.actions) {
      const as = w.begin(2);
      writeFileAction(w, a.input, a.secondaryInput, a.output, a);
      w.end(as);
    }
    w.end(s);
  } else if ("merge" in op) {
    const s = w.begin(OpField.Merge);
    writeMergeOp(w, op.merge.inputs);
    w.end(s);
  } else if ("diff" in op) {
    const s = w.begin(OpField.Diff);
    writeDiffOp(w, op.diff.lower, op.diff.upper);
    w.end(s);
  }
}

function writeOpMetadata(w: ProtoWriter, m: PbOpMetadata): void {
  w.bool(1, m.ignoreCache);
  w.stringMap(2, m.description);
  const exportCache = m.exportCache;
  if (exportCache) w.message(4, (ew) => ew.bool(1, exportCache.value));
  const caps = m.caps;
  if (caps) {
    for (const key of sortedKeys(caps)) {
      const s = w.begin(5);
      w.stringAlways(1, key);
      w.boolAlways(2, caps[key]!);
      w.end(s);
    }
  }
  const pg = m.progressGroup;
  if (pg) {
    w.message(6, (pw) => {
      pw.string(1, pg.id);
      pw.string(2, pg.name);
      pw.bool(3, pg.weak);
    });
  }
}

function writePosition(w: ProtoWriter, p: PbPosition): void {
  w.int(1, p.line);
  w.int(2, p.character);
}

const NO_LOCATIONS: readonly PbLocation[] = [];

function writeLocationsEntry(w: ProtoWriter, key: string, locs: readonly PbLocation[]): void {
  const entry = w.begin(1);
  w.stringAlways(1, key);
  const value = w.begin(2);
  for (const loc of locs) {
    const l = w.begin(1);
    w.int(1, loc.sourceIndex);
    for (const r of loc.ranges) {
      const rs = w.begin(2);
      w.message(1, (pw) => writePosition(pw, r.start));
      w.message(2, (pw) => writePosition(pw, r.end));
      w.end(rs);
    }
    w.end(l);
  }
  w.end(value);
  w.end(entry);
}

function writeSource(w: ProtoWriter, s: PbSource, ops: OpKeys | undefined): void {
  if (ops) {
    // Go lists every op but the terminal one, with no locations when it has none.
    const locations = s.locations as ReadonlyMap<string, readonly PbLocation[]>;
    for (const key of ops.sorted) if (key !== ops.terminal) writeLocationsEntry(w, key, locations.get(key) ?? NO_LOCATIONS);
  } else {
    for (const [key, locs] of sortedEntries(s.locations)) writeLocationsEntry(w, key, locs);
  }
  for (const info of s.infos) {
    w.message(2, (iw) => {
      iw.string(1, info.filename);
      iw.bytes(2, info.data);
      const def = info.definition;
      if (def) iw.message(3, (dw) => writeDefinition(dw, def, undefined));
      iw.string(4, info.language);
    });
  }
}

/**
 * The op digests of a Definition whose maps are Maps keyed by them: every key in Go's order,
 * sorted once for both maps; `source.locations` may then leave out ops without locations.
 */
export interface OpKeys {
  sorted: readonly string[];
  terminal: string;
}

function writeMetadataEntry(w: ProtoWriter, key: string, md: PbOpMetadata): void {
  const entry = w.begin(2);
  w.stringAlways(1, key);
  const value = w.begin(2);
  writeOpMetadata(w, md);
  w.end(value);
  w.end(entry);
}

function writeDefinition(w: ProtoWriter, d: PbDefinition, ops: OpKeys | undefined): void {
  for (const op of d.def) w.bytesAlways(1, op);
  if (ops) {
    const metadata = d.metadata as ReadonlyMap<string, PbOpMetadata>;
    for (const key of ops.sorted) writeMetadataEntry(w, key, metadata.get(key)!);
  } else {
    for (const [key, md] of sortedEntries(d.metadata)) writeMetadataEntry(w, key, md);
  }
  const source = d.source;
  if (source) w.message(3, (sw) => writeSource(sw, source, ops));
}

/** Encodes a Definition message (the bytes `buildctl debug dump-llb` and Solve accept). */
export function encodeDefinition(d: PbDefinition, ops?: OpKeys): Uint8Array {
  // Sized up front: the ops, room for their metadata and source locations, and the source
  // files, so it rarely grows (growing copies everything written so far).
  let size = 1024;
  for (const op of d.def) size += op.length + 384;
  for (const info of d.source?.infos ?? []) size += (info.data?.length ?? 0) + info.filename.length + 16;
  const w = new ProtoWriter(size);
  writeDefinition(w, d, ops);
  return w.finish();
}
