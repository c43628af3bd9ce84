/**
 * A position-aware view of a parsed spec: YAML and JSON documents keep the source range of
 * every node; a decoded binary protobuf has none.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from "yaml";

export interface Position {
  line: number;
  column: number;
}

export interface SourceRange {
  start: Position;
  end: Position;
}

export type SpecNode =
  | { kind: "map"; entries: { key: string; keyRange?: SourceRange; value: SpecNode }[]; range?: SourceRange }
  | { kind: "seq"; items: SpecNode[]; range?: SourceRange }
  | { kind: "scalar"; value: string | number | boolean | null; range?: SourceRange; quoted?: boolean };

export interface ParsedTree {
  root: SpecNode | undefined;
  /** Syntax errors with their position. */
  errors: { message: string; range: SourceRange }[];
}

function rangeOf(lc: LineCounter, node: { range?: [number, number, number] | null } | null | undefined): SourceRange | undefined {
  if (!node?.range) return undefined;
  const [start, end] = node.range;
  const s = lc.linePos(start);
  const e = lc.linePos(Math.max(start, end));
  return { start: { line: s.line, column: s.col }, end: { line: e.line, column: e.col } };
}

function fromYaml(node: YamlNode | null | undefined, lc: LineCounter): SpecNode {
  if (isMap(node)) {
    return {
      kind: "map",
      range: rangeOf(lc, node),
      entries: node.items.map((pair) => {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        return { key, keyRange: rangeOf(lc, pair.key as YamlNode), value: fromYaml(pair.value as YamlNode, lc) };
      }),
    };
  }
  if (isSeq(node)) {
    return { kind: "seq", range: rangeOf(lc, node), items: node.items.map((i) => fromYaml(i as YamlNode, lc)) };
  }
  if (isScalar(node)) {
    const v = node.value;
    const value = typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? v : v === null ? null : String(v);
    return { kind: "scalar", value, range: rangeOf(lc, node), quoted: node.type === "QUOTE_DOUBLE" || node.type === "QUOTE_SINGLE" };
  }
  return { kind: "scalar", value: null, range: rangeOf(lc, node) };
}

/** Parses YAML (and so JSON, which YAML 1.2 contains) keeping positions. */
export function parseText(text: string): ParsedTree {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false, strict: true });
  const errors = doc.errors.map((e) => {
    const [start, end] = e.pos;
    const s = lc.linePos(start);
    const en = lc.linePos(end);
    return { message: e.message.split("\n")[0]!, range: { start: { line: s.line, column: s.col }, end: { line: en.line, column: en.col } } };
  });
  if (errors.length > 0) return { root: undefined, errors };
  return { root: doc.contents ? fromYaml(doc.contents as YamlNode, lc) : undefined, errors };
}

/** Wraps a plain JS value (e.g. a decoded protobuf message) as a tree without positions. */
export function fromPlain(value: unknown): SpecNode {
  if (Array.isArray(value)) return { kind: "seq", items: value.map(fromPlain) };
  if (value !== null && typeof value === "object") {
    return { kind: "map", entries: Object.entries(value as Record<string, unknown>).map(([key, v]) => ({ key, value: fromPlain(v) })) };
  }
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return { kind: "scalar", value };
  return { kind: "scalar", value: null };
}
