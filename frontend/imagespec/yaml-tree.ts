/**
 * A parsed YAML document as a SpecNode tree: anchors, aliases and merge keys (`<<`) are
 * expanded in one walk in document order, within a value budget (so an alias bomb is refused,
 * not expanded); only the YAML 1.2 core schema's tags are accepted.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node as YamlNode, type Pair } from "yaml";
import { MAX_DEPTH } from "./limits.js";
import type { SourceRange } from "../common/positions.js";
import type { ParsedTree, SpecNode, TreeError } from "./nodes.js";

const CORE_TAGS = new Set(["str", "int", "float", "bool", "null", "map", "seq"].map((t) => `tag:yaml.org,2002:${t}`));
const MERGE_TAG = "tag:yaml.org,2002:merge";

/** A tag as the user wrote it: `!!binary` rather than `tag:yaml.org,2002:binary`. */
function writtenTag(tag: string): string {
  return tag.startsWith("tag:yaml.org,2002:") ? "!!" + tag.slice("tag:yaml.org,2002:".length) : tag;
}

/** A converted anchored node, shared by every alias of it. */
interface Anchored {
  node: SpecNode;
  /** Values in the subtree (what expanding the alias costs). */
  size: number;
  /** Levels of the subtree below its root. */
  height: number;
  /** Characters of its keys and scalars (what expanding the alias costs the checks after it). */
  chars: number;
}

const IN_PROGRESS = "in progress";

class BudgetExceeded extends Error {
  constructor(readonly what: "values" | "characters") {
    super(what);
  }
}

class YamlReader {
  readonly errors: TreeError[] = [];
  private readonly anchors = new Map<string, Anchored | typeof IN_PROGRESS>();
  private aliasesUsed = false;
  /** Set while walking: the size and height of the subtree just converted. */
  private lastSize = 0;
  private lastHeight = 0;
  private lastChars = 0;
  /** Characters aliases may still add: a few times the text, so every later pass stays linear in the input. */
  private charBudget: number;

  constructor(
    private readonly text: string,
    private readonly lc: LineCounter,
    private budget: number,
    private readonly limit: number,
  ) {
    this.charBudget = 4 * text.length + 65_536;
  }

  /** Where the tag of a node is written: the `!…` word before its value (or before its anchor). */
  tagOf(node: { range?: [number, number, number] | null } | null | undefined): { range?: [number, number, number] | null } | null | undefined {
    if (!node?.range) return node;
    let i = node.range[0];
    for (let words = 0; words < 2; words++) {
      let end = i;
      while (end > 0 && (this.text[end - 1] === " " || this.text[end - 1] === "\t")) end--;
      let start = end;
      while (start > 0 && !/[\s,[{]/.test(this.text[start - 1]!)) start--;
      if (this.text[start] === "!") return { range: [start, end, end] };
      if (this.text[start] !== "&") break;
      i = start;
    }
    return node;
  }

  range(node: { range?: [number, number, number] | null } | null | undefined): SourceRange | undefined {
    if (!node?.range) return undefined;
    const [start, end] = node.range;
    const s = this.lc.linePos(start);
    const e = this.lc.linePos(Math.max(start, end));
    return { start: { line: s.line, column: s.col }, end: { line: e.line, column: e.col } };
  }

  error(node: { range?: [number, number, number] | null } | null | undefined, message: string, hint?: string, fallback?: SourceRange): void {
    const range = this.range(node) ?? fallback ?? { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } };
    this.errors.push(hint ? { message, range, hint } : { message, range });
  }

  spend(n: number): void {
    this.budget -= n;
    if (this.budget < 0) throw new BudgetExceeded("values");
  }

  budgetError(e: BudgetExceeded): TreeError {
    if (e.what === "characters") {
      const message = `YAML aliases expand the spec to more than 4 times its own size; the spec is refused rather than expanded`;
      return { message, range: { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } }, hint: "write the values out, or alias fewer or shorter values" };
    }
    const message = this.aliasesUsed
      ? `YAML aliases expand to more than ${this.limit} values; the spec is refused rather than expanded`
      : `the spec has more than ${this.limit} values`;
    return { message, range: { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } }, hint: this.aliasesUsed ? "write the values out, or use fewer nested aliases" : "split the work into fewer, larger layers" };
  }

  /** Converts a node at nesting `depth`; sets lastSize and lastHeight. */
  convert(node: YamlNode | null | undefined, depth: number, fallback: SourceRange | undefined): SpecNode {
    if (depth > MAX_DEPTH) {
      this.error(node, `the spec nests lists and objects more than ${MAX_DEPTH} levels deep`, "an ImageSpec needs fewer than 10 levels", fallback);
      this.lastSize = 1;
      this.lastHeight = 0;
      this.lastChars = 0;
      return { kind: "scalar", value: null };
    }
    if (isAlias(node)) return this.alias(node, depth);
    const tag = (node as { tag?: string } | null | undefined)?.tag;
    if (tag !== undefined && tag !== "!" && !CORE_TAGS.has(tag)) {
      this.error(this.tagOf(node), `the YAML tag ${writtenTag(tag)} is not supported`, "a spec holds only YAML core values: strings, numbers, booleans, null, lists and objects; remove the tag, or quote the value to mean a string");
    }
    const anchor = (node as { anchor?: string } | null | undefined)?.anchor;
    if (anchor) this.anchors.set(anchor, IN_PROGRESS);
    const out = this.value(node, depth, fallback);
    if (anchor) this.anchors.set(anchor, { node: out, size: this.lastSize, height: this.lastHeight, chars: this.lastChars });
    return out;
  }

  private value(node: YamlNode | null | undefined, depth: number, fallback: SourceRange | undefined): SpecNode {
    this.spend(1);
    if (isMap(node)) return this.map(node.items as Pair<YamlNode, YamlNode>[], this.range(node), depth);
    if (isSeq(node)) {
      let size = 1;
      let height = 0;
      let chars = 0;
      const items = (node.items as YamlNode[]).map((item) => {
        const converted = this.convert(item, depth + 1, this.range(node));
        size += this.lastSize;
        height = Math.max(height, this.lastHeight + 1);
        chars += this.lastChars;
        return converted;
      });
      this.lastSize = size;
      this.lastHeight = height;
      this.lastChars = chars;
      return { kind: "seq", range: this.range(node), items };
    }
    this.lastSize = 1;
    this.lastHeight = 0;
    this.lastChars = 0;
    if (isScalar(node)) {
      const v = node.value;
      this.lastChars = typeof v === "string" ? v.length : typeof node.source === "string" ? node.source.length : 0;
      const range = this.range(node);
      const source = typeof node.source === "string" ? node.source : undefined;
      if (typeof v === "string" || typeof v === "number" || typeof v === "boolean" || v === null) {
        const out: SpecNode = { kind: "scalar", value: v, quoted: node.type === "QUOTE_DOUBLE" || node.type === "QUOTE_SINGLE" };
        if (range) out.range = range;
        if (source !== undefined && typeof v === "number") out.source = source;
        return out;
      }
      // Only reachable through a tag, which is reported above.
      return { kind: "scalar", value: null, range };
    }
    const out: SpecNode = { kind: "scalar", value: null };
    const range = this.range(node) ?? fallback;
    if (range) out.range = range;
    return out;
  }

  private alias(node: YamlNode & { source: string }, depth: number): SpecNode {
    this.aliasesUsed = true;
    const target = this.anchors.get(node.source);
    this.lastSize = 1;
    this.lastHeight = 0;
    this.lastChars = 0;
    if (target === undefined) {
      this.error(node, `the alias *${node.source} names no anchor`, `define &${node.source} on a value before this line, or write the value out`);
      return { kind: "scalar", value: null };
    }
    if (target === IN_PROGRESS) {
      this.error(node, `the alias *${node.source} refers to the value that contains it`, "a spec cannot be recursive; write the value out");
      return { kind: "scalar", value: null };
    }
    if (depth + target.height > MAX_DEPTH) {
      this.error(node, `the alias *${node.source} nests lists and objects more than ${MAX_DEPTH} levels deep`, "an ImageSpec needs fewer than 10 levels");
      return { kind: "scalar", value: null };
    }
    this.spend(target.size);
    this.charBudget -= target.chars;
    if (this.charBudget < 0) throw new BudgetExceeded("characters");
    this.lastSize = target.size;
    this.lastHeight = target.height;
    this.lastChars = target.chars;
    // The expansion is shared; only its root moves to where the alias is, so a problem with the
    // value as a whole points at the alias, and one inside it at the anchored text.
    const range = this.range(node);
    return range ? ({ ...target.node, range } as SpecNode) : target.node;
  }

  private key(pair: Pair<YamlNode, YamlNode>, mapRange: SourceRange | undefined): { key: string; keyRange?: SourceRange } | undefined {
    let k: YamlNode | null | undefined = pair.key;
    if (isAlias(k)) {
      const target = this.anchors.get(k.source);
      if (typeof target !== "object" || target.node.kind !== "scalar") {
        this.error(k, `the alias *${k.source} cannot be used as a key`, "write the key out");
        return undefined;
      }
      const keyRange = this.range(k);
      return { key: target.node.source ?? String(target.node.value), ...(keyRange ? { keyRange } : {}) };
    }
    if (isScalar(k)) {
      const keyRange = this.range(k);
      const tag = (k as { tag?: string }).tag;
      if (tag !== undefined && tag !== "!" && !CORE_TAGS.has(tag)) this.error(this.tagOf(k), `the YAML tag ${writtenTag(tag)} is not supported`, "remove the tag from the key");
      const name = typeof k.value === "string" ? k.value : typeof k.source === "string" ? k.source : String(k.value);
      return { key: name, ...(keyRange ? { keyRange } : {}) };
    }
    this.error(k, `a key must be a plain name, got ${isMap(k) ? "an object" : isSeq(k) ? "a list" : "nothing"}`, undefined, mapRange);
    return undefined;
  }

  private isMergeKey(pair: Pair<YamlNode, YamlNode>): boolean {
    const k = pair.key;
    return isScalar(k) && ((k.value === "<<" && k.type === "PLAIN") || (k as { tag?: string }).tag === MERGE_TAG);
  }

  private map(pairs: Pair<YamlNode, YamlNode>[], range: SourceRange | undefined, depth: number): SpecNode {
    type Entry = { key: string; keyRange?: SourceRange; value: SpecNode };
    let size = 1;
    let height = 0;
    let chars = 0;
    // Merged entries keep the place of their `<<` key; keys written in the map win.
    const parts: (Entry | Entry[])[] = [];
    const own = new Set<string>();
    for (const pair of pairs) {
      const fallback = this.range(pair.key) ?? range;
      if (this.isMergeKey(pair)) {
        const merged = this.merge(pair.value, depth, fallback);
        size += this.lastSize;
        height = Math.max(height, this.lastHeight);
        chars += this.lastChars;
        parts.push(merged);
        continue;
      }
      const key = this.key(pair, range);
      // Checked here rather than by the YAML library, whose check is quadratic in the map's size.
      if (key && own.has(key.key)) this.error(pair.key, "YAML syntax error: Map keys must be unique", undefined, fallback);
      const value = this.convert(pair.value, depth + 1, fallback);
      size += this.lastSize;
      height = Math.max(height, this.lastHeight + 1);
      chars += this.lastChars + (key?.key.length ?? 0);
      if (!key) continue;
      own.add(key.key);
      parts.push({ ...key, value });
    }
    const entries: Entry[] = [];
    const taken = new Set(own);
    for (const part of parts) {
      if (!Array.isArray(part)) entries.push(part);
      else
        for (const e of part) {
          if (taken.has(e.key)) continue;
          taken.add(e.key);
          entries.push(e);
        }
    }
    this.lastSize = size;
    this.lastHeight = height;
    this.lastChars = chars;
    const out: SpecNode = { kind: "map", entries };
    if (range) out.range = range;
    return out;
  }

  /** The entries a `<<` value contributes: one mapping, or a list of them (earlier ones win). */
  private merge(value: YamlNode | null | undefined, depth: number, fallback: SourceRange | undefined): { key: string; keyRange?: SourceRange; value: SpecNode }[] {
    const errorsBefore = this.errors.length;
    const converted = this.convert(value, depth, fallback);
    if (this.errors.length > errorsBefore) return [];
    const sources = converted.kind === "seq" ? converted.items : [converted];
    const entries: { key: string; keyRange?: SourceRange; value: SpecNode }[] = [];
    const seen = new Set<string>();
    for (const s of sources) {
      if (s.kind !== "map") {
        this.error(value, "a merge key (<<) needs an object, an alias of one, or a list of them", "write the fields out, or point << at an anchored object", fallback);
        return [];
      }
      this.spend(s.entries.length);
      for (const e of s.entries) {
        if (seen.has(e.key)) continue;
        seen.add(e.key);
        entries.push(e);
      }
    }
    return entries;
  }
}

/** Converts a parsed (syntax-error-free) YAML document; `budget` bounds the expanded values. */
export function readYamlDocument(text: string, doc: Document, lc: LineCounter, budget: number): ParsedTree {
  const reader = new YamlReader(text, lc, budget, budget);
  try {
    const root = reader.convert(doc.contents as YamlNode, 1, undefined);
    if (reader.errors.length > 0) return { root: undefined, errors: reader.errors };
    return { root, errors: [] };
  } catch (e) {
    if (e instanceof BudgetExceeded) return { root: undefined, errors: [...reader.errors, reader.budgetError(e)] };
    throw e;
  }
}
