/** MergeOp and DiffOp: layer-level composition of filesystems. */
import { InputList, opMetadata, type MarshalContext, type MarshaledVertex, type OpOptions, type Output, type Vertex } from "./vertex.js";

export class MergeVertex implements Vertex {
  constructor(
    readonly inputs: readonly Output[],
    private readonly opts: OpOptions,
  ) {
    if (inputs.length < 2) throw new Error("merge needs at least two non-empty inputs");
  }

  marshal(ctx: MarshalContext): MarshaledVertex {
    const list = new InputList(ctx);
    const positions = this.inputs.map((o) => list.push(o));
    return {
      op: { inputs: list.inputs, constraints: {}, merge: { inputs: positions } },
      metadata: opMetadata(this.opts, ["mergeop"]),
      locations: this.opts.sourceLocations ?? [],
    };
  }
}

export class DiffVertex implements Vertex {
  readonly inputs: readonly Output[];

  constructor(
    private readonly lower: Output | undefined,
    private readonly upper: Output | undefined,
    private readonly opts: OpOptions,
  ) {
    this.inputs = [lower, upper].filter((o): o is Output => o !== undefined);
  }

  marshal(ctx: MarshalContext): MarshaledVertex {
    const list = new InputList(ctx);
    const lower = this.lower ? list.push(this.lower) : -1;
    const upper = this.upper ? list.push(this.upper) : -1;
    return {
      op: { inputs: list.inputs, constraints: {}, diff: { lower, upper } },
      metadata: opMetadata(this.opts, ["diffop"]),
      locations: this.opts.sourceLocations ?? [],
    };
  }
}
