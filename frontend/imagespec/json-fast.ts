/**
 * The fast path for a valid JSON spec: one recursive descent over the text that builds the spec
 * tree with every node's range, tracking lines as it goes. It only says yes or no: on anything
 * that is not strict JSON it gives up, and jsonc-parser (json-tree.ts) lists the errors.
 * Large generated specs are JSON; this reads them several times faster than jsonc-parser's
 * visitor, whose per-token values, paths and callbacks cost more than the tree itself (the unit
 * tests hold the two to the same trees: test/support/jsonc-tree.ts).
 */
import type { Position, SourceRange } from "../common/positions.js";
import type { SpecNode } from "./nodes.js";

type MapNode = Extract<SpecNode, { kind: "map" }>;

export interface ValidJson {
  root: SpecNode | undefined;
  duplicateKeys: { message: string; range: SourceRange }[];
}

const TAB = 9;
const LF = 10;
const CR = 13;
const SPACE = 32;
const QUOTE = 34;
const COMMA = 44;
const COLON = 58;
const OPEN_BRACKET = 91;
const BACKSLASH = 92;
const CLOSE_BRACKET = 93;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;

/** JSON's number grammar, anchored where it is tried. */
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/** JSON's three words and their values. */
const LITERALS: readonly (readonly [string, boolean | null])[] = [
  ["true", true],
  ["false", false],
  ["null", null],
];

/** Deeper than any spec the size checks let through; past it the slow path decides. */
const MAX_DEPTH = 1000;

/** Thrown (never escapes) when the text is not strict JSON. */
const NOT_JSON: unique symbol = Symbol("not strict JSON");

class Reader {
  private i = 0;
  private line = 1;
  private lineStart = 0;
  readonly duplicateKeys: ValidJson["duplicateKeys"] = [];

  constructor(private readonly text: string) {}

  read(): SpecNode | undefined {
    this.space();
    if (this.i >= this.text.length) return undefined;
    const root = this.value(0);
    this.space();
    if (this.i < this.text.length) throw NOT_JSON;
    return root;
  }

  private here(): Position {
    return { line: this.line, column: this.i - this.lineStart + 1 };
  }

  private space(): void {
    const text = this.text;
    for (;;) {
      const c = text.charCodeAt(this.i);
      if (c === SPACE || c === TAB || c === CR) this.i++;
      else if (c === LF) {
        this.lineStart = ++this.i;
        this.line++;
      } else return;
    }
  }

  private value(depth: number): SpecNode {
    const c = this.text.charCodeAt(this.i);
    if (c === OPEN_BRACE) return this.object(depth + 1);
    if (c === OPEN_BRACKET) return this.list(depth + 1);
    const start = this.here();
    if (c === QUOTE) {
      const value = this.string();
      return { kind: "scalar", value, range: { start, end: this.here() }, quoted: true };
    }
    for (const [word, value] of LITERALS) {
      if (this.text.startsWith(word, this.i)) {
        this.i += word.length;
        return { kind: "scalar", value, range: { start, end: this.here() }, quoted: false };
      }
    }
    NUMBER.lastIndex = this.i;
    const m = NUMBER.exec(this.text);
    if (!m) throw NOT_JSON;
    this.i += m[0].length;
    return { kind: "scalar", value: Number(m[0]), range: { start, end: this.here() }, source: m[0] };
  }

  /** A string token's value; the reader stands on its opening quote. */
  private string(): string {
    const text = this.text;
    const open = this.i;
    let escaped = false;
    let i = open + 1;
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === QUOTE) break;
      if (c === BACKSLASH) {
        escaped = true;
        i += 2;
      } else if (c < 0x20 || Number.isNaN(c)) throw NOT_JSON;
      else i++;
    }
    this.i = i + 1;
    if (!escaped) return text.slice(open + 1, i);
    try {
      return JSON.parse(text.slice(open, i + 1)) as string;
    } catch {
      throw NOT_JSON;
    }
  }

  private object(depth: number): MapNode {
    if (depth > MAX_DEPTH) throw NOT_JSON;
    const start = this.here();
    const node: MapNode = { kind: "map", entries: [] };
    this.i++;
    this.space();
    if (this.text.charCodeAt(this.i) === CLOSE_BRACE) {
      this.i++;
      node.range = { start, end: this.here() };
      return node;
    }
    let seen: Set<string> | undefined;
    for (;;) {
      if (this.text.charCodeAt(this.i) !== QUOTE) throw NOT_JSON;
      const keyStart = this.here();
      const key = this.string();
      const keyRange = { start: keyStart, end: this.here() };
      if (node.entries.length > 0) {
        seen ??= new Set([node.entries[0]!.key]);
        if (seen.has(key)) this.duplicateKeys.push({ message: `JSON syntax error: Map keys must be unique (${JSON.stringify(key)} is given twice)`, range: keyRange });
        seen.add(key);
      }
      this.space();
      if (this.text.charCodeAt(this.i) !== COLON) throw NOT_JSON;
      this.i++;
      this.space();
      node.entries.push({ key, keyRange, value: this.value(depth) });
      this.space();
      const c = this.text.charCodeAt(this.i++);
      if (c === CLOSE_BRACE) break;
      if (c !== COMMA) throw NOT_JSON;
      this.space();
    }
    node.range = { start, end: this.here() };
    return node;
  }

  private list(depth: number): SpecNode {
    if (depth > MAX_DEPTH) throw NOT_JSON;
    const start = this.here();
    const items: SpecNode[] = [];
    this.i++;
    this.space();
    if (this.text.charCodeAt(this.i) === CLOSE_BRACKET) {
      this.i++;
      return { kind: "seq", items, range: { start, end: this.here() } };
    }
    for (;;) {
      items.push(this.value(depth));
      this.space();
      const c = this.text.charCodeAt(this.i++);
      if (c === CLOSE_BRACKET) break;
      if (c !== COMMA) throw NOT_JSON;
      this.space();
    }
    return { kind: "seq", items, range: { start, end: this.here() } };
  }
}

/** The tree of `text` when it is strict JSON (or blank: no root), else undefined. */
export function readValidJson(text: string): ValidJson | undefined {
  const reader = new Reader(text);
  try {
    return { root: reader.read(), duplicateKeys: reader.duplicateKeys };
  } catch (e) {
    if (e === NOT_JSON) return undefined;
    throw e;
  }
}
