/**
 * Reads strict JSON into a spec tree in one pass of jsonc-parser's visitor: every node keeps
 * its source range, duplicate keys are collected. No intermediate parse tree is built.
 */
import { visit, type ParseError } from "jsonc-parser";
import type { Position, SourceRange } from "../common/positions.js";
import type { SpecNode } from "./nodes.js";

export const JSON_PARSE_OPTIONS = { disallowComments: true, allowTrailingComma: false, allowEmptyContent: true };

type MapNode = Extract<SpecNode, { kind: "map" }>;
type SeqNode = Extract<SpecNode, { kind: "seq" }>;

interface OpenMap {
  node: MapNode;
  start: Position;
  seen: Set<string>;
  key: string;
  keyRange: SourceRange | undefined;
}
interface OpenSeq {
  node: SeqNode;
  start: Position;
}

/** 1-based positions of increasing offsets, found by scanning forward from the last one. */
function forwardPositions(text: string): (offset: number) => Position {
  let at = 0;
  let line = 1;
  let lineStart = 0;
  return (offset) => {
    if (offset < at) [at, line, lineStart] = [0, 1, 0];
    for (let nl = text.indexOf("\n", at); nl >= 0 && nl < offset; nl = text.indexOf("\n", nl + 1)) {
      line++;
      lineStart = nl + 1;
    }
    at = offset;
    return { line, column: offset - lineStart + 1 };
  };
}

export interface JsonTree {
  root: SpecNode | undefined;
  syntaxErrors: ParseError[];
  duplicateKeys: { message: string; range: SourceRange }[];
}

export function readJsonTree(text: string): JsonTree {
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

  visit(
    text,
    {
      onObjectBegin: (offset) => {
        open.push({ node: { kind: "map", entries: [] }, start: pos(offset), seen: new Set(), key: "", keyRange: undefined });
      },
      onObjectProperty: (name, offset, length) => {
        const map = open[open.length - 1] as OpenMap;
        const keyRange = { start: pos(offset), end: pos(offset + length) };
        if (map.seen.has(name)) duplicateKeys.push({ message: `JSON syntax error: Map keys must be unique (${JSON.stringify(name)} is given twice)`, range: keyRange });
        map.seen.add(name);
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
      },
    },
    JSON_PARSE_OPTIONS,
  );
  return { root, syntaxErrors, duplicateKeys };
}
