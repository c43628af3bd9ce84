/**
 * Character-level scans that bound nesting depth and value count before a parser sees the text:
 * the parsers recurse per level and allocate per value, so a hostile document must be refused
 * by a flat loop first. Both scans run in one pass with constant work per character.
 */
import { CST, Lexer } from "yaml";

export interface ScanResult {
  /** Offset of the first opening that is deeper than the limit, if any. */
  tooDeepAt?: number;
  /** Values in the document (exact for JSON, a close estimate for YAML). */
  values: number;
  /** Offset of a quoted YAML scalar that is certainly longer than the string limit, if any. */
  tooLongAt?: number;
  /** Offset of a quoted YAML scalar that never ends. */
  unclosedQuoteAt?: number;
}

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const APOSTROPHE = 0x27;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const NEWLINE = 0x0a;
const SPACE = 0x20;
const TAB = 0x09;
const CR = 0x0d;
const HASH = 0x23;
const DASH = 0x2d;
const QUESTION = 0x3f;
const PIPE = 0x7c;
const GREATER = 0x3e;
const AMPERSAND = 0x26;
const BANG = 0x21;
const ASTERISK = 0x2a;

/** Nesting and value count (every object, list and scalar except object keys) of JSON text. */
export function scanJson(text: string, maxDepth: number): ScanResult {
  const isList: boolean[] = [];
  // What the next token starts: a value (counted), an object key, or nothing new.
  let expect: "value" | "key" | "none" = "value";
  let values = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
      continue;
    }
    if (c === SPACE || c === NEWLINE || c === CR || c === TAB) continue;
    if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      isList.pop();
      expect = "none";
    } else if (c === COMMA) {
      expect = isList[isList.length - 1] ? "value" : "key";
    } else if (c === COLON) {
      expect = "value";
    } else {
      if (expect === "value") values++;
      expect = "none";
      if (c === QUOTE) inString = true;
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        isList.push(c === OPEN_BRACKET);
        expect = c === OPEN_BRACKET ? "value" : "key";
        if (isList.length > maxDepth) return { tooDeepAt: i, values };
      }
    }
  }
  return { values };
}

const isBlank = (c: number) => c === SPACE || c === TAB || c === CR || c === NEWLINE || Number.isNaN(c);

/**
 * An upper estimate of YAML nesting (indentation levels, compact `- - x` items and flow
 * brackets) and of the number of values, in one pass over the characters. Block scalar bodies
 * and quoted text are skipped. What this scan cannot delimit alone (a quoted scalar spanning
 * lines, a plain scalar continued on the next line, a bracket inside plain text) is left to
 * the exact scan on the YAML lexer.
 */
export function scanYaml(text: string, maxDepth: number, maxString: number, maxValues = Infinity): ScanResult {
  const exact = () => scanYamlTokens(text, maxDepth, maxString, maxValues);
  const indents: number[] = [];
  let values = 0;
  let flowDepth = 0;
  let flowBase = 0;
  let quote = 0; // the open quote character, or 0
  // The open quoted scalar: where it starts, and a lower bound of its length once decoded
  // (each character counts, an escape removes at most 9). The YAML library builds quoted
  // scalars a character at a time, which grows faster than linearly for huge ones.
  let quoteStart = 0;
  let quotedLength = 0;
  let blockScalarIndent = -1;
  // After a line that ends in a plain scalar: the column more indented lines would continue it from.
  let plainIndent = -1;
  let lineStart = 0;
  let emptyLines = 0;
  while (lineStart <= text.length) {
    let lineEnd = text.indexOf("\n", lineStart);
    if (lineEnd < 0) lineEnd = text.length;
    let i = lineStart;
    while (i < lineEnd && text.charCodeAt(i) === SPACE) i++;
    const indent = i - lineStart;
    const blank = i >= lineEnd || (isBlank(text.charCodeAt(i)) && text.slice(i, lineEnd).trim() === "");
    if (blockScalarIndent >= 0) {
      if (blank || indent > blockScalarIndent) {
        lineStart = lineEnd + 1;
        continue;
      }
      blockScalarIndent = -1;
    }
    if (blank || (quote === 0 && flowDepth === 0 && text.charCodeAt(i) === HASH)) {
      // The YAML library spends about a fifth of a value's time on an empty or comment line.
      if (++emptyLines % 5 === 0) values++;
      lineStart = lineEnd + 1;
      continue;
    }
    const block = quote === 0 && flowDepth === 0;
    if (block && plainIndent >= 0 && indent > plainIndent) return exact();
    plainIndent = -1;
    let depth = flowBase;
    // The column of the innermost block collection on this line: a block scalar's text must be
    // indented more than it (`- - |` → the second dash; `- key: |` → the key).
    let parentColumn = indent;
    let contentColumn = indent;
    let valueStart = quote === 0;
    if (block) {
      while (indents.length > 0 && indents[indents.length - 1]! > indent) indents.pop();
      if (indents.length === 0 || indents[indents.length - 1]! < indent) indents.push(indent);
      values++;
      const [next, nested, lastIndicator] = compactNesting(text, i, lineEnd, indents, lineStart);
      i = next;
      depth = indents.length;
      parentColumn = nested > 0 ? lastIndicator - lineStart : indent;
      contentColumn = i - lineStart;
      if (depth > maxDepth) return { tooDeepAt: i, values };
      flowBase = depth;
    }
    let lastContent = -1;
    let endsInPlain = false;
    for (; i < lineEnd; i++) {
      const c = text.charCodeAt(i);
      if (quote !== 0) {
        if (quote === QUOTE && c === BACKSLASH) {
          i++;
          quotedLength -= 9;
        } else if (quote === APOSTROPHE && c === APOSTROPHE && text.charCodeAt(i + 1) === APOSTROPHE) {
          i++; // '' is a quote inside single quotes
          quotedLength++;
        } else if (c === quote) {
          quote = 0;
          if (quotedLength > maxString) return { tooLongAt: quoteStart, values };
        } else if (c !== SPACE && c !== TAB) quotedLength++;
        lastContent = i;
        continue;
      }
      if (c === SPACE || c === TAB || c === CR) continue;
      if (c === HASH && (i === lineStart || isBlank(text.charCodeAt(i - 1)))) break;
      lastContent = i;
      const inFlow = flowDepth > 0;
      if (c === QUOTE || c === APOSTROPHE) {
        if (valueStart) {
          values++;
          quote = c;
          quoteStart = i;
          quotedLength = 0;
          endsInPlain = false;
        } else {
          endsInPlain = !inFlow;
          values++; // literal here, or a parse error: either way work for the parser
        }
        valueStart = false;
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        // In block context a bracket opens a flow collection only where a value starts.
        if (!inFlow && !valueStart) return exact();
        values++;
        flowDepth++;
        if (flowBase + flowDepth > maxDepth) return { tooDeepAt: i, values };
        valueStart = true;
        endsInPlain = false;
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        // Outside a flow collection it is plain text, or (repeated) one parse error each.
        if (inFlow) flowDepth--;
        else values++;
        valueStart = false;
        endsInPlain = !inFlow;
      } else if (c === COMMA && inFlow) {
        values++;
        valueStart = true;
      } else if (c === COLON && (isBlank(text.charCodeAt(i + 1)) || inFlow)) {
        values++;
        valueStart = true;
        endsInPlain = false;
        if (!inFlow) {
          parentColumn = Math.max(parentColumn, contentColumn);
          // `key: - x` is an error for the parser, but it still nests: count it like a line start.
          const [next, nested] = compactNesting(text, i + 1, lineEnd, undefined, lineStart);
          if (nested > 0) {
            depth += nested;
            flowBase = depth;
            if (depth > maxDepth) return { tooDeepAt: next, values };
            i = next - 1;
          }
        }
      } else if ((c === AMPERSAND || c === BANG) && valueStart) {
        // An anchor or a tag: the value still starts after it.
        while (i + 1 < lineEnd && !isBlank(text.charCodeAt(i + 1)) && !(inFlow && [COMMA, CLOSE_BRACKET, CLOSE_BRACE].includes(text.charCodeAt(i + 1)))) i++;
      } else {
        valueStart = false;
        endsInPlain = !inFlow && c !== PIPE && c !== GREATER && c !== ASTERISK;
      }
    }
    if (values > maxValues) return { values };
    if (quote !== 0) return exact();
    if (flowDepth === 0 && lastContent >= 0) {
      // `key: |` or `- >-`: the more indented lines that follow are the scalar's text.
      let j = lastContent;
      while (j > lineStart && /[0-9+-]/.test(text[j]!)) j--;
      const c = text.charCodeAt(j);
      if ((c === PIPE || c === GREATER) && (j === lineStart || isBlank(text.charCodeAt(j - 1)))) blockScalarIndent = parentColumn;
      else if (endsInPlain) plainIndent = parentColumn;
    }
    lineStart = lineEnd + 1;
  }
  return { values };
}

/**
 * Block collections that start on one line at `i`: `- - x`, `? key`, also behind anchors and
 * tags (`- &a - !t - x`). Returns where the scan goes on, how many levels were opened and
 * where the last indicator is; with `indents`, pushes the column of each item's content.
 */
function compactNesting(text: string, i: number, lineEnd: number, indents: number[] | undefined, lineStart: number): [number, number, number] {
  let levels = 0;
  let at = i;
  let lastIndicator = i;
  for (;;) {
    while (at < lineEnd && text.charCodeAt(at) === SPACE) at++;
    const c = text.charCodeAt(at);
    if ((c === DASH || c === QUESTION) && isBlank(text.charCodeAt(at + 1))) {
      levels++;
      lastIndicator = at;
      at++;
      // What follows the indicator is a level of its own, at its column: a later, more
      // indented line may be inside it.
      let content = at;
      while (content < lineEnd && text.charCodeAt(content) === SPACE) content++;
      if (indents && content < lineEnd && content - lineStart > indents[indents.length - 1]!) indents.push(content - lineStart);
    } else if (c === AMPERSAND || c === BANG) {
      let end = at;
      while (end < lineEnd && !isBlank(text.charCodeAt(end))) end++;
      // Only properties followed by another indicator count; otherwise the value starts here.
      let after = end;
      while (after < lineEnd && text.charCodeAt(after) === SPACE) after++;
      const n = text.charCodeAt(after);
      if (!((n === DASH || n === QUESTION) && isBlank(text.charCodeAt(after + 1)))) return [levels > 0 ? at : i, levels, lastIndicator];
      at = after;
    } else return [levels > 0 ? at : i, levels, lastIndicator];
  }
}

/** Characters of a quoted scalar once decoded, at least (an escape removes at most 9). */
function quotedLengthAtLeast(source: string): number {
  let n = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (c === BACKSLASH) n -= 9;
    else if (c !== SPACE && c !== TAB && c !== NEWLINE && c !== CR) n++;
  }
  return n - 2;
}

/**
 * The exact scan, on the YAML library's lexer (a flat state machine, not recursive): used when
 * the character scan meets a quoted scalar spanning lines, which it cannot delimit alone.
 * Nesting counts indentation levels, compact `- `/`? ` items and flow brackets, as above.
 */
function scanYamlTokens(text: string, maxDepth: number, maxString: number, maxValues = Infinity): ScanResult {
  const indents: number[] = [];
  let values = 0;
  let flowDepth = 0;
  let lineDepth = 0;
  let offset = 0;
  let lineOffset = 0;
  let atLineStart = true;
  let indent = 0;
  let scalarSourceNext = false;
  // After `- ` or `? `: the next token on the line starts a level at its column.
  let itemContentNext = false;
  // After a `|` or `>` header: the next scalar token is the block's text, then a line starts.
  let blockScalarNext = false;
  let blockScalarText = false;
  let lines = 0;
  for (const token of new Lexer().lex(text)) {
    const at = offset;
    // The lexer's control tokens mark what follows; they are not in the text.
    if (token !== "\u0002" && token !== "\u0018" && token !== "\u001f") offset += token.length;
    if (scalarSourceNext) {
      scalarSourceNext = false;
      if (blockScalarText) {
        // A block scalar's text runs to the start of the line after it.
        blockScalarText = false;
        atLineStart = true;
        indent = 0;
        lineOffset = offset;
      }
      continue;
    }
    if (blockScalarNext && token === "\u001f") {
      blockScalarNext = false;
      blockScalarText = true;
      scalarSourceNext = true;
      continue;
    }
    const type = CST.tokenType(token);
    if (type === "newline") {
      // Counted as the character scan counts: a fifth of a value per line, a value per line with content.
      if (++lines % 5 === 0 && ++values > maxValues) return { values };
      atLineStart = true;
      itemContentNext = false;
      indent = 0;
      lineOffset = offset;
      continue;
    }
    if (type === "space" || type === "comment" || type === "doc-mode" || type === "byte-order-mark") {
      if (type === "space" && atLineStart) indent = token.length;
      continue;
    }
    if (flowDepth === 0) {
      if (atLineStart) {
        values++;
        while (indents.length > 0 && indents[indents.length - 1]! > indent) indents.pop();
        if (indents.length === 0 || indents[indents.length - 1]! < indent) indents.push(indent);
        lineDepth = indents.length;
      } else if (itemContentNext && at - lineOffset > indents[indents.length - 1]!) {
        indents.push(at - lineOffset);
        lineDepth = Math.max(lineDepth, indents.length);
      }
      if (lineDepth > maxDepth) return { tooDeepAt: at, values };
    }
    atLineStart = false;
    itemContentNext = false;
    if (values > maxValues) return { values };
    switch (type) {
      case "scalar":
        scalarSourceNext = true;
        break;
      case "map-value-ind":
        values++;
        break;
      case "comma":
        if (flowDepth > 0) values++;
        break;
      case "single-quoted-scalar":
      case "double-quoted-scalar":
        values++;
        if (token.length < 2 || token[token.length - 1] !== token[0]) return { unclosedQuoteAt: at, values };
        if (quotedLengthAtLeast(token) > maxString) return { tooLongAt: at, values };
        break;
      case "block-scalar-header":
        values++;
        blockScalarNext = true;
        break;
      case "alias":
        values++;
        break;
      case "seq-item-ind":
      case "explicit-key-ind":
        if (flowDepth === 0) {
          if (++lineDepth > maxDepth) return { tooDeepAt: at, values };
          itemContentNext = true;
        }
        break;
      case "anchor":
      case "tag":
        // Properties do not start the item's content; what follows them does.
        if (flowDepth === 0 && lineDepth > indents.length) itemContentNext = true;
        break;
      case "flow-map-start":
      case "flow-seq-start":
        values++;
        if (lineDepth + ++flowDepth > maxDepth) return { tooDeepAt: at, values };
        break;
      case "flow-map-end":
      case "flow-seq-end":
        if (flowDepth > 0) flowDepth--;
        else values++;
        break;
    }
  }
  return { values };
}
