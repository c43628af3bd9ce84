/** Source maps: tie ops to ranges of the file they were compiled from, for error reporting. */
import type { PbDefinition, PbRange } from "./wire.js";

const textEncoder = new TextEncoder();

/** A 1-based line and 0-based character position, as BuildKit prints them. */
export interface Position {
  line: number;
  character: number;
}

/** A range between two positions in a source file. */
export interface Range {
  start: Position;
  end: Position;
}

/** A file (usually the user's spec) that ops can point into. Identity decides deduplication. */
export class SourceMap {
  readonly data: Uint8Array;

  /**
   * @param filename shown by clients above the snippet
   * @param data the whole file
   * @param language a linguist name such as `json` or `yaml`
   * @param definition the Definition that loaded the file, so clients can relate it to the context
   */
  constructor(
    readonly filename: string,
    data: Uint8Array | string,
    readonly language?: string,
    readonly definition?: PbDefinition,
  ) {
    this.data = typeof data === "string" ? textEncoder.encode(data) : data;
  }

  /** A location in this file covering the given ranges. */
  location(...ranges: Range[]): SourceLocation {
    return { sourceMap: this, ranges: ranges.map(toPbRange) };
  }
}

/** A set of ranges in one source map. */
export interface SourceLocation {
  readonly sourceMap: SourceMap;
  readonly ranges: readonly PbRange[];
}

function toPbRange(r: Range): PbRange {
  return {
    start: { line: r.start.line, character: r.start.character },
    end: { line: r.end.line, character: r.end.character },
  };
}
