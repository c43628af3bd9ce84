/**
 * Reads strict JSON into a spec tree: every node keeps its source range, duplicate keys are
 * collected. Valid JSON is read by the fast path (json-fast.ts); what it refuses, jsonc-parser
 * reads for its syntax errors.
 */
import { visit, type ParseError } from "jsonc-parser";
import type { SourceRange } from "../common/positions.js";
import type { SpecNode } from "./nodes.js";
import { readValidJson } from "./json-fast.js";

/**
 * With these options jsonc-parser refuses whatever JSON.parse refuses: comments, trailing
 * commas, control characters in strings, bad escapes and numbers, any other word or whitespace.
 */
const JSON_PARSE_OPTIONS = { disallowComments: true, allowTrailingComma: false, allowEmptyContent: true };

export type JsonTree =
  | { ok: true; root: SpecNode | undefined; duplicateKeys: { message: string; range: SourceRange }[] }
  /** Not strict JSON: its first syntax errors (none when jsonc-parser found nothing to name). */
  | { ok: false; syntaxErrors: ParseError[] };

class EnoughErrors extends Error {}

/** The first `max` syntax errors; the scan stops there (1 MB of commas would otherwise make a million). */
function firstJsonErrors(text: string, max: number): ParseError[] {
  const errors: ParseError[] = [];
  try {
    visit(
      text,
      {
        onError: (error, offset, length) => {
          errors.push({ error, offset, length });
          if (errors.length >= max) throw new EnoughErrors();
        },
      },
      JSON_PARSE_OPTIONS,
    );
  } catch (e) {
    if (!(e instanceof EnoughErrors)) throw e;
  }
  return errors;
}

/** The tree of strict JSON text, or its first `maxErrors` syntax errors. */
export function readJsonTree(text: string, maxErrors: number): JsonTree {
  const valid = readValidJson(text);
  return valid ? { ok: true, ...valid } : { ok: false, syntaxErrors: firstJsonErrors(text, maxErrors) };
}
