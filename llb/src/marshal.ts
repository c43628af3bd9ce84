/** Turns a graph of vertices into a Definition: ops in dependency order, then the terminal op. */
import { digestOf } from "./digest.js";
import { LINUX_AMD64, type Platform } from "./platform.js";
import type { SourceMap } from "./sourcemap.js";
import type { Output, Vertex } from "./vertex.js";
import { sortInGoOrder } from "./protowire.js";
import { encodeDefinition, encodeOp, type PbDefinition, type PbLocation, type PbOpMetadata, type PbSource, type PbSourceInfo } from "./wire.js";

/** Options of {@link marshal}. */
export interface MarshalOptions {
  /** Platform for image and exec ops that do not set one (default linux/amd64). */
  platform?: Platform;
}

/** A marshaled LLB graph, ready to send in a SolveRequest. */
export class Definition implements PbDefinition {
  /** The source map: locations of the ops that have any, by digest, and the files they point into. */
  readonly source: (PbSource & { locations: ReadonlyMap<string, readonly PbLocation[]> }) | undefined;

  constructor(
    readonly def: readonly Uint8Array[],
    /** Metadata of every op, by digest. */
    readonly metadata: ReadonlyMap<string, PbOpMetadata>,
    locations: ReadonlyMap<string, readonly PbLocation[]> | undefined,
    infos: readonly PbSourceInfo[],
    /** Digest of each op in `def`, same order. */
    readonly digests: readonly string[],
  ) {
    this.source = locations ? { locations, infos } : undefined;
  }

  /** True for the empty filesystem (no ops at all). */
  get isEmpty(): boolean {
    return this.def.length === 0;
  }

  /** Digest of the op whose output is the result (the terminal op's input). */
  get head(): string | undefined {
    return this.def.length >= 2 ? this.digests[this.digests.length - 2] : undefined;
  }

  /** The protobuf encoding of the whole Definition message. */
  encode(): Uint8Array {
    if (this.digests.length === 0) return encodeDefinition(this);
    return encodeDefinition(this, { sorted: sortInGoOrder([...this.digests]), terminal: this.digests[this.digests.length - 1]! });
  }
}

const IN_PROGRESS = "";

function mergeMetadata(a: PbOpMetadata, b: PbOpMetadata): PbOpMetadata {
  const out: { -readonly [K in keyof PbOpMetadata]: PbOpMetadata[K] } = { ...a };
  if (b.ignoreCache) out.ignoreCache = true;
  if (b.description) out.description = { ...(a.description ?? {}), ...b.description };
  if (b.exportCache) out.exportCache = b.exportCache;
  out.caps = { ...(a.caps ?? {}), ...(b.caps ?? {}) };
  if (b.progressGroup) out.progressGroup = b.progressGroup;
  return out;
}

/** Marshals the graph behind `output` (undefined: scratch, an empty Definition). */
export function marshal(output: Output | undefined, opts: MarshalOptions = {}): Definition {
  if (!output) return new Definition([], new Map(), undefined, [], []);
  const defaultPlatform = opts.platform ?? LINUX_AMD64;
  // A vertex maps to its digest once marshaled, to IN_PROGRESS while its inputs are walked.
  const vertexDigests = new Map<Vertex, string>();
  const def: Uint8Array[] = [];
  const digests: string[] = [];
  // One lookup per op: identical ops (same digest) share an entry and merge their metadata.
  const metadata = new Map<string, PbOpMetadata>();
  const locations = new Map<string, PbLocation[]>();
  const infos: PbSourceInfo[] = [];
  const infoIndex = new Map<SourceMap, number>();
  const ctx = {
    defaultPlatform,
    digestOf(vertex: Vertex): string {
      const d = vertexDigests.get(vertex);
      if (d === undefined || d === IN_PROGRESS) throw new Error("internal: input marshaled after its user");
      return d;
    },
  };

  // Iterative post-order walk: inputs (in order) before the vertex, each vertex once. The
  // stack is two parallel arrays: a vertex, and how many of its inputs have been visited.
  const stack: Vertex[] = [output.vertex];
  const visited: number[] = [0];
  vertexDigests.set(output.vertex, IN_PROGRESS);
  while (stack.length > 0) {
    const top = stack.length - 1;
    const vertex = stack[top]!;
    const next = visited[top]!;
    if (next < vertex.inputs.length) {
      visited[top] = next + 1;
      const child = vertex.inputs[next]!.vertex;
      const state = vertexDigests.get(child);
      if (state === IN_PROGRESS) throw new Error("LLB graph has a cycle");
      if (state !== undefined) continue;
      vertexDigests.set(child, IN_PROGRESS);
      stack.push(child);
      visited.push(0);
      continue;
    }
    stack.pop();
    visited.pop();
    const m = vertex.marshal(ctx);
    const bytes = "bytes" in m ? m.bytes : encodeOp(m.op);
    const digest = digestOf(bytes);
    vertexDigests.set(vertex, digest);
    const known = metadata.get(digest);
    if (known === undefined) {
      metadata.set(digest, m.metadata);
      def.push(bytes);
      digests.push(digest);
    } else {
      metadata.set(digest, mergeMetadata(known, m.metadata));
    }
    if (m.locations.length === 0) continue;
    let locs = locations.get(digest);
    if (locs === undefined) {
      locs = [];
      locations.set(digest, locs);
    }
    for (const loc of m.locations) {
      let index = infoIndex.get(loc.sourceMap);
      if (index === undefined) {
        index = infos.length;
        infoIndex.set(loc.sourceMap, index);
        const sm = loc.sourceMap;
        infos.push({
          filename: sm.filename,
          data: sm.data,
          ...(sm.definition ? { definition: sm.definition } : {}),
          ...(sm.language ? { language: sm.language } : {}),
        });
      }
      locs.push({ sourceIndex: index, ranges: loc.ranges });
    }
  }

  const terminal = encodeOp({ inputs: [{ digest: ctx.digestOf(output.vertex), index: output.index }], terminal: true });
  const terminalDigest = digestOf(terminal);
  const caps: Record<string, boolean> = { constraints: true, platform: true };
  for (const md of metadata.values()) {
    if (md.ignoreCache) caps["meta.ignorecache"] = true;
    if (md.description) caps["meta.description"] = true;
    if (md.exportCache) caps["meta.exportcache"] = true;
  }
  metadata.set(terminalDigest, { caps });
  def.push(terminal);
  digests.push(terminalDigest);
  return new Definition(def, metadata, locations, infos, digests);
}
