/**
 * A position-aware view of a parsed spec: YAML and JSON documents keep the source range of
 * every node; a decoded binary protobuf has none.
 */
import { printParseErrorCode, type ParseError } from "jsonc-parser";
import { readJsonTree } from "./json-tree.js";
import { LineCounter, parseDocument } from "yaml";
import { LIMITS, MAX_DEPTH, MAX_VALUES, MAX_YAML_VALUES, valueBudget } from "./limits.js";
import { scanJson, scanYaml, type ScanResult } from "./prescan.js";
import { readYamlDocument } from "./yaml-tree.js";

import type { Position, SourceRange } from "../common/positions.js";
export type { Position, SourceRange };

/** The range of a spec path, or of its nearest parent that has one (`a.b[2].c` → `a.b[2]` → `a.b` → `a`). */
export function nearestRange(ranges: ReadonlyMap<string, SourceRange>, path: string): SourceRange | undefined {
  for (let p = path; ; ) {
    const r = ranges.get(p);
    if (r) return r;
    if (p === "") return undefined;
    const cut = p.endsWith("]") ? p.lastIndexOf("[") : p.lastIndexOf(".");
    p = cut > 0 ? p.slice(0, cut) : "";
  }
}

import type { ParsedTree, SpecNode, TreeError } from "./nodes.js";
export type { ParsedTree, SpecNode, TreeError };

export const DOCUMENT_START: SourceRange = { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } };

/** A position from an offset, for the scans that run before a parser (and so before a LineCounter). */
function positionAt(text: string, offset: number): Position {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

function pointRange(text: string, offset: number): SourceRange {
  const p = positionAt(text, offset);
  return { start: p, end: p };
}

/** Refuses documents nested too deep or with too many values, before a parser recurses or allocates. */
function boundsErrors(text: string, scan: ScanResult, maxValues: number, hint: string): TreeError[] {
  if (scan.unclosedQuoteAt !== undefined) {
    return [{ message: "YAML syntax error: a quoted string starting here is never closed", range: pointRange(text, scan.unclosedQuoteAt) }];
  }
  if (scan.tooLongAt !== undefined) {
    return [{ message: `a quoted string is longer than ${LIMITS.stringLength} characters, the limit for any value`, range: pointRange(text, scan.tooLongAt) }];
  }
  if (scan.tooDeepAt !== undefined) {
    return [{ message: `the spec nests lists and objects more than ${MAX_DEPTH} levels deep`, range: pointRange(text, scan.tooDeepAt), hint: "an ImageSpec needs fewer than 10 levels" }];
  }
  if (scan.values > maxValues) {
    return [{ message: `the spec has more than ${maxValues} values, the limit`, range: DOCUMENT_START, hint }];
  }
  return [];
}

/** The yaml library's message in the spec's terms (it speaks of its own API for several documents). */
function yamlMessage(message: string): string {
  const first = message.split("\n")[0]!;
  return /parseAllDocuments/.test(first) ? "a spec is one YAML document; remove the --- line and what follows it, or split the file" : first;
}

/** Parses YAML keeping positions; aliases and merge keys are expanded within a budget. */
export function parseText(text: string): ParsedTree {
  const bounds = boundsErrors(text, scanYaml(text, MAX_DEPTH, LIMITS.stringLength, MAX_YAML_VALUES), MAX_YAML_VALUES, `write a generated spec this large as JSON, which allows ${MAX_VALUES} values`);
  if (bounds.length > 0) return { root: undefined, errors: bounds };
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: false, prettyErrors: false, strict: true });
  const errors: TreeError[] = doc.errors.map((e) => {
    const [start, end] = e.pos;
    const s = lc.linePos(start);
    const en = lc.linePos(end);
    return { message: `YAML syntax error: ${yamlMessage(e.message)}`, range: { start: { line: s.line, column: s.col }, end: { line: en.line, column: en.col } } };
  });
  if (errors.length > 0) return { root: undefined, errors };
  if (!doc.contents) return { root: undefined, errors };
  return readYamlDocument(text, doc, lc, valueBudget(text.length));
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

/** Syntax errors listed for broken JSON; later ones are mostly echoes of the first. */
const MAX_JSON_ERRORS = 20;

/** Parses strict JSON keeping positions (much faster than the YAML parser for large specs). */
export function parseJson(text: string): ParsedTree {
  const bounds = boundsErrors(text, scanJson(text, MAX_DEPTH), MAX_VALUES, "no image needs this many; split the spec");
  if (bounds.length > 0) return { root: undefined, errors: bounds };
  const syntaxErrors = (errors: ParseError[]): ParsedTree => {
    const pos = lineIndex(text);
    const message = (e: ParseError) => "JSON syntax error: " + printParseErrorCode(e.error).replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
    return {
      root: undefined,
      errors:
        errors.length === 0
          ? [{ message: "JSON syntax error: not valid JSON", range: DOCUMENT_START }]
          : errors.map((e) => ({ message: message(e), range: { start: pos(e.offset), end: pos(e.offset + e.length) } })),
    };
  };
  const read = readJsonTree(text, MAX_JSON_ERRORS);
  if (!read.ok) return syntaxErrors(read.syntaxErrors);
  if (read.duplicateKeys.length > 0) return { root: undefined, errors: read.duplicateKeys };
  return { root: read.root, errors: [] };
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

export interface ParsedSpecText {
  tree: ParsedTree;
  format: "json" | "yaml";
}

function firstErrorAt(tree: ParsedTree): number {
  const e = tree.errors[0];
  return e ? e.range.start.line * 1e9 + e.range.start.column : 0;
}

/** JSON when the text starts with an object or a list, YAML otherwise (a first guess: see parseSpecText). */
export function textFormat(text: string): "json" | "yaml" {
  return /^\s*[{[]/.test(text) ? "json" : "yaml";
}

const JSON_NAME = /\.json$/i;
const YAML_NAME = /\.ya?ml$/i;

/**
 * Parses spec text: strict JSON when it parses as JSON (the fast path for large generated
 * specs), YAML otherwise, so a YAML flow mapping (`{base_image: …}`) works too. A `.json`
 * name means JSON only; when neither parses, the errors are those of the named (or likelier) format.
 */
export function parseSpecText(text: string, filename: string): ParsedSpecText {
  if (JSON_NAME.test(filename)) return { tree: parseJson(text), format: "json" };
  if (textFormat(text) === "yaml") return { tree: parseText(text), format: "yaml" };
  const json = parseJson(text);
  if (json.errors.length === 0 || json.errors.every((e) => !e.message.startsWith("JSON syntax error"))) return { tree: json, format: "json" };
  const yaml = parseText(text);
  if (yaml.errors.length === 0 || YAML_NAME.test(filename)) return { tree: yaml, format: "yaml" };
  // Neither parses and the name does not say: the parse that got further is likelier what was meant.
  return firstErrorAt(yaml) > firstErrorAt(json) ? { tree: yaml, format: "yaml" } : { tree: json, format: "json" };
}
