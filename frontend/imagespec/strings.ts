/**
 * What no string in a spec may contain: NUL and other control characters that cannot be meant,
 * line breaks in single-line fields (names, paths, URLs, references), more than the length limit.
 */
import { LIMITS } from "./limits.js";

/** `line`: a name, path, URL or reference, on one line. `text`: a command or argument string. */
export type TextKind = "line" | "text";

// One character class each, so the scan is linear in the string's length.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/;
const LINE_BREAK = /[\n\r]/;

function codePoint(c: string): string {
  return "U+" + c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");
}

/** Why `value` cannot be a string of this kind (a phrase to follow "the value"), if it cannot. */
export function stringProblem(value: string, kind: TextKind): string | undefined {
  if (value.length > LIMITS.stringLength) return `is ${value.length} characters long; the limit is ${LIMITS.stringLength}`;
  const control = CONTROL.exec(value);
  if (control) {
    const what = control[0] === "\u0000" ? "a NUL character (U+0000)" : `the control character ${codePoint(control[0])}`;
    return `contains ${what} at character ${control.index + 1}`;
  }
  if (kind === "line") {
    const br = LINE_BREAK.exec(value);
    if (br) return `contains a line break at character ${br.index + 1}; it must be on one line`;
  }
  return undefined;
}
