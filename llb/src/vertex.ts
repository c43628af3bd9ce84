/** The graph model shared by all op kinds: vertices, outputs and per-op options. */
import type { Platform } from "./platform.js";
import type { SourceLocation } from "./sourcemap.js";
import { encodeWith, type ProtoWriter } from "./protowire.js";
import { writeOpHead, type OpField, type PbInput, type PbOp, type PbOpMetadata, type PbPlatform } from "./wire.js";

/** One output of a vertex; `index` is the op's output number (0 for all but exec mounts). */
export interface Output {
  readonly vertex: Vertex;
  readonly index: number;
}

/** Passed to a vertex while it marshals: resolves its inputs to digests. */
export interface MarshalContext {
  /** Platform for ops that carry one when neither the op nor its state set one. */
  readonly defaultPlatform: Platform;
  /** Digest of an input's op; inputs are always marshaled before the vertices using them. */
  digestOf(vertex: Vertex): string;
}

/**
 * What a vertex produces when marshaled: its op, as a message ({@link PbOp}) or already
 * encoded (`bytes`, canonical as {@link encodeOp} writes them), with its metadata.
 */
export type MarshaledVertex = {
  metadata: PbOpMetadata;
  locations: readonly SourceLocation[];
} & ({ op: PbOp } | { bytes: Uint8Array });

/** A node in the LLB graph. Vertices are immutable once created. */
export interface Vertex {
  /** Every output this vertex reads, in the order the op lists its inputs (duplicates allowed). */
  readonly inputs: readonly Output[];
  marshal(ctx: MarshalContext): MarshaledVertex;
}

/** Options every op accepts: how it shows in progress output, caching, caps, source locations. */
export interface OpOptions {
  /** Vertex name shown in progress output (`llb.customname`). */
  customName?: string;
  /** Extra description entries (e.g. `com.docker.dockerfile.v1.command`). */
  description?: Readonly<Record<string, string>>;
  /** Run again even when a cache record exists. */
  ignoreCache?: boolean;
  /** Groups vertices under one progress heading. */
  progressGroup?: { id: string; name?: string; weak?: boolean };
  /** Force (true) or forbid (false) exporting this op to a remote cache. */
  exportCache?: boolean;
  /** Additional LLB capability IDs this op requires. */
  caps?: readonly string[];
  /** Spec-file locations this op comes from, for error messages. */
  sourceLocations?: readonly SourceLocation[];
}

/** Source locations of every op that has none. */
export const NO_LOCATIONS: readonly SourceLocation[] = Object.freeze([]);

/** Constraints of every op this library builds (an empty message, as Go writes it). */
const NO_CONSTRAINTS = Object.freeze({});

/** Encodes an op of this library: the common head, then `writeBody` inside the `body` field. */
export function encodeOpWith(inputs: readonly PbInput[], platform: PbPlatform | undefined, body: OpField, writeBody: (w: ProtoWriter) => void): Uint8Array {
  return encodeWith((w) => {
    writeOpHead(w, inputs, platform, NO_CONSTRAINTS);
    const start = w.begin(body);
    writeBody(w);
    w.end(start);
  });
}

function capRecord(caps: readonly string[]): Record<string, boolean> {
  const record: Record<string, boolean> = {};
  for (const c of caps) record[c] = true;
  return record;
}

const capRecords = new WeakMap<readonly string[], Readonly<Record<string, boolean>>>();

/** One record per caps list: vertices of a kind pass the same list, and so share one record. */
function sharedCapRecord(caps: readonly string[]): Readonly<Record<string, boolean>> {
  let record = capRecords.get(caps);
  if (!record) {
    record = capRecord(caps);
    capRecords.set(caps, record);
  }
  return record;
}

/**
 * Builds OpMetadata from the common options and the caps the op itself needs. Vertices build
 * it once and hand the same object to every Definition, which never changes it.
 */
export function opMetadata(opts: OpOptions, caps: readonly string[]): PbOpMetadata {
  const md: { -readonly [K in keyof PbOpMetadata]: PbOpMetadata[K] } = {};
  if (opts.ignoreCache) md.ignoreCache = true;
  const description: Record<string, string> = { ...opts.description };
  if (opts.customName !== undefined) description["llb.customname"] = opts.customName;
  if (Object.keys(description).length > 0) md.description = description;
  if (opts.exportCache !== undefined) md.exportCache = { value: opts.exportCache };
  md.caps = opts.caps && opts.caps.length > 0 ? capRecord([...caps, ...opts.caps]) : sharedCapRecord(caps);
  if (opts.progressGroup) md.progressGroup = { ...opts.progressGroup };
  return md;
}

/** Collects an op's inputs, deduplicated by digest and output index, and returns their positions. */
export class InputList {
  /** Holds at most `capacity` entries (set to the count when {@link inputs} is read). */
  private readonly list: PbInput[];
  private count = 0;

  /** @param capacity at least the number of inputs that will be added (a vertex's `inputs.length`) */
  constructor(
    private readonly ctx: MarshalContext,
    capacity: number,
  ) {
    // Sized up front: an array grown by push reserves room for 16 entries.
    this.list = new Array<PbInput>(capacity);
  }

  /** The inputs added so far, in order. */
  get inputs(): PbInput[] {
    this.list.length = this.count;
    return this.list;
  }

  add(output: Output): number {
    const digest = this.ctx.digestOf(output.vertex);
    // Ops have a handful of inputs: a linear scan beats hashing composite keys.
    for (let i = 0; i < this.count; i++) {
      const input = this.list[i]!;
      if (input.digest === digest && input.index === output.index) return i;
    }
    return this.append(digest, output.index);
  }

  private append(digest: string, index: number): number {
    if (this.count === this.list.length) throw new Error("internal: more inputs than the vertex lists");
    this.list[this.count] = { digest, index };
    return this.count++;
  }

  /** Appends without deduplication (MergeOp lists every input). */
  push(output: Output): number {
    return this.append(this.ctx.digestOf(output.vertex), output.index);
  }
}
