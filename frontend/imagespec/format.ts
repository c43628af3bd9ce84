/**
 * Which kind of spec some bytes are: text (YAML or JSON, as UTF-8) or binary protobuf, decided
 * by content as well as by name, so a binary spec on stdin works and a text file with an
 * encoding problem gets a text message, not a protobuf one.
 */
import { SpecError, type SpecProblem } from "./problems.js";
import { DOCUMENT_START, type SourceRange } from "./tree.js";

export type DetectedSpec = { kind: "protobuf" } | { kind: "text"; text: string };

const PROTOBUF_NAME = /\.(pb|binpb)$/i;
const TEXT_NAME = /\.(ya?ml|json)$/i;
/** The one key every text spec has, as YAML or JSON writes it. */
const BASE_IMAGE_KEY = /(base_image|baseImage)["']?[ \t]*:/;

/** Control characters no text spec contains raw: C0 except tab, newline and carriage return. */
/** The control characters of isBinaryControl, in decoded text. */
const BINARY_CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f]/;

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** The bytes as text, or undefined when they are not valid UTF-8 (the native decoder: fast on large specs). */
function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

function isBinaryControl(byte: number): boolean {
  return byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d;
}

/** The first byte of an ImageSpec message: a length-delimited field 1 to 4. */
function startsLikeImageSpec(data: Uint8Array): boolean {
  return data.length > 0 && [0x0a, 0x12, 0x1a, 0x22].includes(data[0]!);
}

/**
 * Bytes no text file starts with: a control character, or a field tag followed by a control or
 * with a NUL later. (A text spec with a stray NUL inside stays text: its field reports the NUL.)
 */
function looksBinary(body: Uint8Array): boolean {
  return isBinaryControl(body[0]!) || (startsLikeImageSpec(body) && ((body.length > 1 && isBinaryControl(body[1]!)) || body.includes(0)));
}

function utf16Order(data: Uint8Array): "LE" | "BE" | undefined {
  if (data.length >= 2 && data[0] === 0xff && data[1] === 0xfe) return "LE";
  if (data.length >= 2 && data[0] === 0xfe && data[1] === 0xff) return "BE";
  // Without a BOM: ASCII text in UTF-16 has a NUL in every other byte, printable ones between.
  if (data.length < 8) return undefined;
  let even = 0;
  let odd = 0;
  const n = Math.min(data.length, 256) & ~1;
  const text = (b: number) => b === 0x09 || b === 0x0a || b === 0x0d || (b >= 0x20 && b < 0x7f);
  for (let i = 0; i < n; i += 2) {
    if (data[i] === 0 && text(data[i + 1]!)) even++;
    if (data[i + 1] === 0 && text(data[i]!)) odd++;
  }
  if (odd === n / 2) return "LE";
  if (even === n / 2) return "BE";
  return undefined;
}

/** Line and column of a byte offset in (mostly) UTF-8 text. */
function bytePosition(data: Uint8Array, offset: number): SourceRange {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (data[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  const p = { line, column: offset - lineStart + 1 };
  return { start: p, end: p };
}

/** Offset of the first byte that is not valid UTF-8, or -1. */
export function invalidUtf8At(data: Uint8Array): number {
  for (let i = 0; i < data.length; ) {
    const b = data[i]!;
    let need: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000];
    else return i;
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = data[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

function encodingError(message: string, range: SourceRange, filename: string, hint: string): SpecError {
  const p: SpecProblem = { path: "", message, range, hint };
  return new SpecError([p], filename);
}

/**
 * Decides the kind of a spec. `decodesAsProtobuf` says whether the bytes are a well-formed
 * binary ImageSpec (used only when the content alone is ambiguous).
 */
export function detectSpec(data: Uint8Array, filename: string, decodesAsProtobuf: (data: Uint8Array) => boolean): DetectedSpec {
  if (PROTOBUF_NAME.test(filename)) return { kind: "protobuf" };
  const order = utf16Order(data);
  if (order) {
    throw encodingError(`the spec is UTF-16 (${order === "LE" ? "little" : "big"}-endian) text`, DOCUMENT_START, filename, "save it as UTF-8");
  }
  const hasBom = data.length >= 3 && data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf;
  const body = hasBom ? data.subarray(3) : data;
  const utf8 = decodeUtf8(body);
  const badUtf8 = utf8 === undefined ? invalidUtf8At(body) : -1;
  const textual = utf8 !== undefined && !BINARY_CONTROL.test(utf8);
  const textName = TEXT_NAME.test(filename);
  // A short binary spec can be valid UTF-8 text, and a text spec can happen to decode as
  // protobuf: then a text name, or a base_image key written out, decides for text.
  const text = textual ? utf8 : undefined;
  if (!hasBom && startsLikeImageSpec(body) && decodesAsProtobuf(body) && (text === undefined || (!textName && !BASE_IMAGE_KEY.test(text)))) return { kind: "protobuf" };
  // Not a well-formed ImageSpec: report it as a broken protobuf only when it cannot be text.
  if (!hasBom && !textual && (looksBinary(body) || (!textName && startsLikeImageSpec(body)))) return { kind: "protobuf" };
  if (text !== undefined) return { kind: "text", text };
  if (badUtf8 >= 0) {
    throw encodingError(`the spec is not valid UTF-8 (byte 0x${body[badUtf8]!.toString(16).padStart(2, "0")} at offset ${badUtf8 + (hasBom ? 3 : 0)})`, bytePosition(body, badUtf8), filename, "save the file as UTF-8");
  }
  return { kind: "text", text: utf8 ?? new TextDecoder("utf-8").decode(body) };
}
