/** Turns a graph of vertices into a Definition: ops in dependency order, then the terminal op. */
import { digestOf } from "./digest.js";
import { LINUX_AMD64, type Platform } from "./platform.js";
import type { SourceMap } from "./sourcemap.js";
import type { Output, Vertex } from "./vertex.js";
import { encodeDefinition, encodeOp, type PbDefinition, type PbLocation, type PbOpMetadata, type PbSource, type PbSourceInfo } from "./wire.js";

/** Options of {@link marshal}. */
export interface MarshalOptions {
  /** Platform for image and exec ops that do not set one (default linux/amd64). */
  platform?: Platform;
}

/** A marshaled LLB graph, ready to send in a SolveRequest. */
export class Definition implements PbDefinition {
  constructor(
    readonly def: readonly Uint8Array[],
    readonly metadata: Readonly<Record<string, PbOpMetadata>>,
    readonly source: PbSource | undefined,
    /** Digest of each op in `def`, same order. */
    readonly digests: readonly string[],
  ) {}

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
    return encodeDefinition(this);
  }
}

/** Shared by every op without source locations (Go still lists each op, with none). */
const NO_LOCATIONS: PbLocation[] = [];

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
  if (!output) return new Definition([], {}, undefined, []);
  const defaultPlatform = opts.platform ?? LINUX_AMD64;
  const vertexDigests = new Map<Vertex, string>();
  const def: Uint8Array[] = [];
  const digests: string[] = [];
  const seenDigests = new Set<string>();
  const metadata = new Map<string, PbOpMetadata>();
  const locations = new Map<string, PbLocation[]>();
  const infos: PbSourceInfo[] = [];
  const infoIndex = new Map<SourceMap, number>();
  const ctx = {
    defaultPlatform,
    digestOf(vertex: Vertex): string {
      const d = vertexDigests.get(vertex);
      if (d === undefined) throw new Error("internal: input marshaled after its user");
      return d;
    },
  };

  // Iterative post-order walk: inputs (in order) before the vertex, each vertex once.
  const stack: { vertex: Vertex; next: number }[] = [{ vertex: output.vertex, next: 0 }];
  const onStack = new Set<Vertex>([output.vertex]);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.next < top.vertex.inputs.length) {
      const child = top.vertex.inputs[top.next++]!.vertex;
      if (vertexDigests.has(child)) continue;
      if (onStack.has(child)) throw new Error("LLB graph has a cycle");
      onStack.add(child);
      stack.push({ vertex: child, next: 0 });
      continue;
    }
    stack.pop();
    onStack.delete(top.vertex);
    const m = top.vertex.marshal(ctx);
    const bytes = encodeOp(m.op);
    const digest = digestOf(bytes);
    vertexDigests.set(top.vertex, digest);
    const known = metadata.get(digest);
    metadata.set(digest, known ? mergeMetadata(known, m.metadata) : m.metadata);
    if (m.locations.length === 0) {
      if (!locations.has(digest)) locations.set(digest, NO_LOCATIONS);
      if (!seenDigests.has(digest)) {
        seenDigests.add(digest);
        def.push(bytes);
        digests.push(digest);
      }
      continue;
    }
    const existing = locations.get(digest);
    let locs = existing && existing !== NO_LOCATIONS ? existing : undefined;
    if (!locs) {
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
    if (!seenDigests.has(digest)) {
      seenDigests.add(digest);
      def.push(bytes);
      digests.push(digest);
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
  return new Definition(def, Object.fromEntries(metadata), { locations: Object.fromEntries(locations), infos }, digests);
}
