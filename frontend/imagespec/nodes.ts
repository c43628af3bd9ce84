/** A parsed spec document as a tree of nodes that keep their source ranges (none for binary protobuf). */
import type { SourceRange } from "../common/positions.js";

export type SpecNode =
  | { kind: "map"; entries: { key: string; keyRange?: SourceRange; value: SpecNode }[]; range?: SourceRange }
  | { kind: "seq"; items: SpecNode[]; range?: SourceRange }
  | {
      kind: "scalar";
      value: string | number | boolean | null;
      range?: SourceRange;
      quoted?: boolean;
      /** The scalar as written (YAML), for messages about values JSON cannot show (`.inf`). */
      source?: string;
    };

export interface TreeError {
  /** The complete message, e.g. `YAML syntax error: …` or `undefined alias *opts`. */
  message: string;
  range: SourceRange;
  hint?: string;
}

export interface ParsedTree {
  root: SpecNode | undefined;
  /** Problems that stop the document from being read, with their position. */
  errors: TreeError[];
}

