/** MergeOp and DiffOp: layer-level composition of filesystems. */
import type { SourceLocation } from "./sourcemap.js";
import { encodeOpWith, InputList, NO_LOCATIONS, opMetadata, type MarshalContext, type MarshaledVertex, type OpOptions, type Output, type Vertex } from "./vertex.js";
import { OpField, writeDiffOp, writeMergeOp, type PbOpMetadata } from "./wire.js";

const MERGE_CAPS = ["mergeop"];
const DIFF_CAPS = ["diffop"];

export class MergeVertex implements Vertex {
  private readonly metadata: PbOpMetadata;
  private readonly locations: readonly SourceLocation[];

  constructor(
    readonly inputs: readonly Output[],
    opts: OpOptions,
  ) {
    if (inputs.length < 2) throw new Error("merge needs at least two non-empty inputs");
    this.metadata = opMetadata(opts, MERGE_CAPS);
    this.locations = opts.sourceLocations ?? NO_LOCATIONS;
  }

  marshal(ctx: MarshalContext): MarshaledVertex {
    const list = new InputList(ctx, this.inputs.length);
    const positions = this.inputs.map((o) => list.push(o));
    const bytes = encodeOpWith(list.inputs, undefined, OpField.Merge, (w) => writeMergeOp(w, positions));
    return { bytes, metadata: this.metadata, locations: this.locations };
  }
}

export class DiffVertex implements Vertex {
  readonly inputs: readonly Output[];
  private readonly metadata: PbOpMetadata;
  private readonly locations: readonly SourceLocation[];

  constructor(
    private readonly lower: Output | undefined,
    private readonly upper: Output | undefined,
    opts: OpOptions,
  ) {
    this.inputs = [lower, upper].filter((o): o is Output => o !== undefined);
    this.metadata = opMetadata(opts, DIFF_CAPS);
    this.locations = opts.sourceLocations ?? NO_LOCATIONS;
  }

  marshal(ctx: MarshalContext): MarshaledVertex {
    const list = new InputList(ctx, this.inputs.length);
    const lower = this.lower ? list.push(this.lower) : -1;
    const upper = this.upper ? list.push(this.upper) : -1;
    const bytes = encodeOpWith(list.inputs, undefined, OpField.Diff, (w) => writeDiffOp(w, lower, upper));
    return { bytes, metadata: this.metadata, locations: this.locations };
  }
}
