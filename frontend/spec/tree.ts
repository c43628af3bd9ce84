/**
 * A position-aware view of a parsed spec: YAML and JSON documents keep the source range of
 * every node; a decoded binary protobuf has none.
 */
import { parseTree, printParseErrorCode, type Node as JsonNode, type ParseError } from "jsonc-parser";
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from "yaml";

export interface Position {
  line: number;
  column: number;
}

export interface SourceRange {
  start: Position;
  end: Position;
}

/** The range of a spec path, or of its nearest parent that has one (`a.b[2].c` → `a.b[2]` → `a.b` → `a`). */
export function nearestRange(ranges: ReadonlyMap<string, SourceRange>, path: string): SourceRange | undefined {
  for (let p = path; ; ) {
    const r = ranges.get(p);
    if (r) return r;
    const up = p.replace(/(\.[^.[\]]+|\[\d+\])$/, "");
    if (up === p) return undefined;
    p = up;
  }
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

/** Maps offsets to 1-based line and column. */
function lineIndex(text: string): (offset: number) => Position {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo]! + 1 };
  };
}

/** Converts a jsonc-parser tree, collecting duplicate keys (an error in protobuf JSON, as in YAML) into `dupes`. */
function fromJson(node: JsonNode, pos: (offset: number) => Position, dupes: { message: string; range: SourceRange }[]): SpecNode {
  const range = { start: pos(node.offset), end: pos(node.offset + node.length) };
  switch (node.type) {
    case "object": {
      const seen = new Set<string>();
      return {
        kind: "map",
        range,
        entries: (node.children ?? []).map((prop) => {
          const [key, value] = prop.children as [JsonNode, JsonNode | undefined];
          const name = String(key.value);
          const keyRange = { start: pos(key.offset), end: pos(key.offset + key.length) };
          if (seen.has(name)) dupes.push({ message: "Map keys must be unique", range: keyRange });
          seen.add(name);
          return { key: name, keyRange, value: value ? fromJson(value, pos, dupes) : { kind: "scalar", value: null, range } };
        }),
      };
    }
    case "array":
      return { kind: "seq", range, items: (node.children ?? []).map((c) => fromJson(c, pos, dupes)) };
    default:
      return { kind: "scalar", value: node.value as string | number | boolean | null, range, quoted: node.type === "string" };
  }
}

/** Parses strict JSON keeping positions (much faster than the YAML parser for large specs). */
export function parseJson(text: string): ParsedTree {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: true });
  const pos = lineIndex(text);
  if (errors.length > 0) {
    return {
      root: undefined,
      errors: errors.map((e) => ({ message: printParseErrorCode(e.error).replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase(), range: { start: pos(e.offset), end: pos(e.offset + e.length) } })),
    };
  }
  const dupes: { message: string; range: SourceRange }[] = [];
  const tree = root ? fromJson(root, pos, dupes) : undefined;
  if (dupes.length > 0) return { root: undefined, errors: dupes };
  return { root: tree, errors: [] };
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
