/**
 * The reference the JSON fast path (frontend/imagespec/json-fast.ts) is held to: a spec tree
 * built by jsonc-parser's visitor, with the same ranges and duplicate-key messages. The frontend
 * itself only asks jsonc-parser for the errors of JSON the fast path refuses.
 */
import { visit, type JSONVisitor, type ParseError } from "jsonc-parser";
import type { Position, SourceRange } from "../../frontend/common/positions.js";
import type { SpecNode } from "../../frontend/imagespec/nodes.js";

const JSON_PARSE_OPTIONS = { disallowComments: true, allowTrailingComma: false, allowEmptyContent: true };

type MapNode = Extract<SpecNode, { kind: "map" }>;
type SeqNode = Extract<SpecNode, { kind: "seq" }>;

interface OpenMap {
  node: MapNode;
  start: Position;
  /** Keys so far; made at the second key (most objects of a spec have one). */
  seen: Set<string> | undefined;
  key: string;
  keyRange: SourceRange | undefined;
}
interface OpenSeq {
  node: SeqNode;
  start: Position;
}

/** 1-based positions of increasing offsets, found by scanning forward from the last one. */
function forwardPositions(text: string): (offset: number) => Position {
  let line = 1;
  let lineStart = 0;
  // The first line break at or after lineStart, remembered: a long line is searched once, not per call.
  let nextBreak = text.indexOf("\n");
  return (offset) => {
    if (offset < lineStart) [line, lineStart, nextBreak] = [1, 0, text.indexOf("\n")];
    while (nextBreak >= 0 && nextBreak < offset) {
      line++;
      lineStart = nextBreak + 1;
      nextBreak = text.indexOf("\n", lineStart);
    }
    return { line, column: offset - lineStart + 1 };
  };
}

export interface JsonTree {
  root: SpecNode | undefined;
  syntaxErrors: ParseError[];
  duplicateKeys: { message: string; range: SourceRange }[];
}

class EnoughErrors extends Error {}

/** The spec tree of `text` by jsonc-parser's visitor, its syntax errors (at most `maxErrors`) and duplicate keys. */
export function readJsonTreeByVisitor(text: string, maxErrors: number): JsonTree {
  const pos = forwardPositions(text);
  const open: (OpenMap | OpenSeq)[] = [];
  const syntaxErrors: ParseError[] = [];
  const duplicateKeys: JsonTree["duplicateKeys"] = [];
  let root: SpecNode | undefined;

  const place = (value: SpecNode) => {
    const parent = open[open.length - 1];
    if (!parent) root = value;
    else if (parent.node.kind === "seq") parent.node.items.push(value);
    else {
      const map = parent as OpenMap;
      map.node.entries.push(map.keyRange ? { key: map.key, keyRange: map.keyRange, value } : { key: map.key, value });
    }
  };
  const close = (offset: number, length: number) => {
    const done = open.pop();
    if (!done) return;
    done.node.range = { start: done.start, end: pos(offset + length) };
    place(done.node);
  };

  const visitor: JSONVisitor = {
    onObjectBegin: (offset) => {
      open.push({ node: { kind: "map", entries: [] }, start: pos(offset), seen: undefined, key: "", keyRange: undefined });
    },
    onObjectProperty: (name, offset, length) => {
      const map = open[open.length - 1] as OpenMap;
      const keyRange = { start: pos(offset), end: pos(offset + length) };
      if (map.keyRange) {
        map.seen ??= new Set([map.key]);
        if (map.seen.has(name)) duplicateKeys.push({ message: `JSON syntax error: Map keys must be unique (${JSON.stringify(name)} is given twice)`, range: keyRange });
        map.seen.add(name);
      }
      map.key = name;
      map.keyRange = keyRange;
    },
    onObjectEnd: close,
    onArrayBegin: (offset) => {
      open.push({ node: { kind: "seq", items: [] }, start: pos(offset) });
    },
    onArrayEnd: close,
    onLiteralValue: (value: string | number | boolean | null, offset, length) => {
      const range = { start: pos(offset), end: pos(offset + length) };
      // A number keeps its source, for numbers a double cannot show (1e400).
      place(typeof value === "number" ? { kind: "scalar", value, range, source: text.slice(offset, offset + length) } : { kind: "scalar", value, range, quoted: typeof value === "string" });
    },
    onError: (error, offset, length) => {
      syntaxErrors.push({ error, offset, length });
      if (syntaxErrors.length >= maxErrors) throw new EnoughErrors();
    },
  };
  try {
    visit(text, visitor, JSON_PARSE_OPTIONS);
  } catch (e) {
    if (!(e instanceof EnoughErrors)) throw e;
  }
  return syntaxErrors.length > 0 ? { root: undefined, syntaxErrors, duplicateKeys: [] } : { root, syntaxErrors, duplicateKeys };
}
