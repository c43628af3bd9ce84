/**
 * A hand-written parser for PEP 508 dependency specifiers (the packaging "dependency specifiers"
 * grammar): name, extras, version specifiers with or without parentheses, `@ URL`, and an
 * environment marker after `;`. One pass over the text, so time is linear in its length; a
 * failure names the 1-based character where the text stops matching the grammar. `work.steps`,
 * when given, grows by the characters the scanner examines (tests bound it to prove linear time).
 */
import { versionProblem } from "./pep440.js";
import { closest } from "../common/words.js";

export interface VersionSpecifier {
  operator: string;
  version: string;
}

export interface Requirement {
  name: string;
  extras: string[];
  specifiers: VersionSpecifier[];
  url?: string;
  /** The marker text after `;`, as written. */
  marker?: string;
}

/** Why a requirement does not parse, and where: `position` is 0-based, the message says 1-based. */
export class RequirementSyntaxError extends Error {
  constructor(
    readonly position: number,
    readonly detail: string,
  ) {
    super(`at character ${position + 1}: ${detail}`);
    this.name = "RequirementSyntaxError";
  }
}

const VERSION_OPERATORS = ["===", "==", "!=", "~=", "<=", ">=", "<", ">"] as const;

/** Marker variables, with the legacy dotted spellings packaging still accepts. */
const MARKER_VARIABLES: ReadonlySet<string> = new Set([
  "python_version",
  "python_full_version",
  "os_name",
  "sys_platform",
  "platform_release",
  "platform_system",
  "platform_version",
  "platform_machine",
  "platform_python_implementation",
  "implementation_name",
  "implementation_version",
  "extra",
  "extras",
  "dependency_groups",
  "os.name",
  "sys.platform",
  "platform.version",
  "platform.machine",
  "platform.python_implementation",
  "python_implementation",
]);

/** Nesting deeper than this is refused rather than recursed into. */
export const MAX_MARKER_DEPTH = 32;

const OPERATOR_LIST = VERSION_OPERATORS.join(", ");
const isSpace = (c: string | undefined): boolean => c === " " || c === "\t";
const isAlnum = (c: string | undefined): boolean => c !== undefined && /^[A-Za-z0-9]$/.test(c);
const isNameSeparator = (c: string | undefined): boolean => c === "-" || c === "_" || c === ".";
const isOperatorChar = (c: string | undefined): boolean => c !== undefined && "<>=!~".includes(c);
const isVersionChar = (c: string | undefined): boolean => c !== undefined && /^[A-Za-z0-9._*+!-]$/.test(c);
const isMarkerWordChar = (c: string | undefined): boolean => c !== undefined && /^[A-Za-z0-9_.]$/.test(c);

class Scanner {
  pos = 0;
  constructor(
    readonly text: string,
    readonly work?: { steps: number },
  ) {}

  peek(): string | undefined {
    return this.text[this.pos];
  }

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  skipSpace(): void {
    const start = this.pos;
    while (isSpace(this.peek())) this.pos++;
    if (this.work) this.work.steps += this.pos - start + 1;
  }

  /** Advances over the longest run of characters passing `test`; returns it. */
  run(test: (c: string | undefined) => boolean): string {
    const start = this.pos;
    while (!this.atEnd() && test(this.peek())) this.pos++;
    if (this.work) this.work.steps += this.pos - start + 1;
    return this.text.slice(start, this.pos);
  }

  /** Whether `word` is next as a whole word (not the start of a longer identifier). */
  word(word: string): boolean {
    if (this.work) this.work.steps += word.length;
    return this.text.startsWith(word, this.pos) && !isMarkerWordChar(this.text[this.pos + word.length]);
  }

  /** What is at `at`, for "found …": the next token-ish run, quoted, or the end. */
  found(at = this.pos): string {
    if (at >= this.text.length) return "found the end of the text";
    const rest = this.text.slice(at, at + 12);
    const token = /^[^ \t]+/.exec(rest)?.[0] ?? rest[0]!;
    return `found ${JSON.stringify(token)}`;
  }

  fail(expected: string, at = this.pos): never {
    throw new RequirementSyntaxError(at, `${expected}, ${this.found(at)}`);
  }
}

/** Parses a name-like identifier: letters/digits, inner runs of `-_.`, ending in a letter or digit. */
function identifier(s: Scanner, what: string): string {
  const start = s.pos;
  if (!isAlnum(s.peek())) s.fail(`expected ${what} (letters, digits, ".", "_" and "-", starting with a letter or digit)`);
  for (;;) {
    s.run(isAlnum);
    const sepAt = s.pos;
    if (!isNameSeparator(s.peek())) break;
    s.run(isNameSeparator);
    if (!isAlnum(s.peek())) throw new RequirementSyntaxError(sepAt, `${what} must end with a letter or digit, not ${JSON.stringify(s.text[sepAt])}`);
  }
  return s.text.slice(start, s.pos);
}

function extras(s: Scanner): string[] {
  const open = s.pos;
  s.pos++; // "["
  const out: string[] = [];
  s.skipSpace();
  if (s.peek() === "]") {
    s.pos++;
    return out;
  }
  for (;;) {
    s.skipSpace();
    if (s.atEnd()) throw new RequirementSyntaxError(open, `the "[" of the extras is never closed`);
    out.push(identifier(s, "an extra name"));
    s.skipSpace();
    if (s.peek() === ",") {
      s.pos++;
      continue;
    }
    if (s.peek() === "]") {
      s.pos++;
      return out;
    }
    if (s.atEnd()) throw new RequirementSyntaxError(open, `the "[" of the extras is never closed`);
    s.fail(`expected "," or "]" in the extras`);
  }
}

function operator(s: Scanner, what: string): string {
  const at = s.pos;
  const op = s.run(isOperatorChar);
  if (!(VERSION_OPERATORS as readonly string[]).includes(op)) {
    const swapped = op.length === 2 ? op[1]! + op[0]! : "";
    const hint = (VERSION_OPERATORS as readonly string[]).includes(swapped) ? ` (did you mean "${swapped}"?)` : "";
    throw new RequirementSyntaxError(at, `expected ${what}, found ${JSON.stringify(op)}${hint}`);
  }
  return op;
}

/** `op version (, op version)*`, stopping before `)`, `;` or the end. */
function versionSpecifiers(s: Scanner): VersionSpecifier[] {
  const out: VersionSpecifier[] = [];
  for (;;) {
    s.skipSpace();
    const op = operator(s, `a version operator (${OPERATOR_LIST})`);
    s.skipSpace();
    const versionAt = s.pos;
    const version = s.run(isVersionChar);
    if (!version) s.fail(`expected a version after "${op}"`);
    const problem = versionProblem(op, version, s.work);
    if (problem) throw new RequirementSyntaxError(versionAt, problem);
    out.push({ operator: op, version });
    s.skipSpace();
    if (s.peek() !== ",") return out;
    s.pos++;
  }
}

function url(s: Scanner): string {
  s.pos++; // "@"
  s.skipSpace();
  const at = s.pos;
  const value = s.run((c) => !isSpace(c));
  if (!value) s.fail(`expected a URL after "@"`);
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:/.exec(value)?.[0];
  if (!scheme) s.fail(`expected a URL with a scheme (like https://host/pkg.whl) after "@"`, at);
  if (scheme.toLowerCase() !== "file:" && !/^\/\/[^/]/.test(value.slice(scheme.length))) {
    s.fail(`expected "//" and a host after "${scheme}" in the URL`, at + scheme.length);
  }
  return value;
}

/** Marker grammar: or-of-ands of comparisons, with balanced parentheses. */
class MarkerParser {
  constructor(private readonly s: Scanner) {}

  marker(depth: number): void {
    this.and(depth);
    for (;;) {
      this.s.skipSpace();
      if (!this.s.word("or")) return;
      this.s.pos += 2;
      this.and(depth);
    }
  }

  private and(depth: number): void {
    this.expression(depth);
    for (;;) {
      this.s.skipSpace();
      if (!this.s.word("and")) return;
      this.s.pos += 3;
      this.expression(depth);
    }
  }

  private expression(depth: number): void {
    const s = this.s;
    s.skipSpace();
    if (s.peek() === "(") {
      const open = s.pos;
      if (depth >= MAX_MARKER_DEPTH) throw new RequirementSyntaxError(open, `parentheses nested more than ${MAX_MARKER_DEPTH} deep`);
      s.pos++;
      this.marker(depth + 1);
      s.skipSpace();
      if (s.peek() !== ")") {
        if (s.atEnd()) throw new RequirementSyntaxError(open, `this "(" is never closed`);
        s.fail(`expected "and", "or" or ")"`);
      }
      s.pos++;
      return;
    }
    this.value();
    this.markerOperator();
    this.value();
  }

  /** A quoted string or a marker variable. */
  private value(): void {
    const s = this.s;
    s.skipSpace();
    const quote = s.peek();
    if (quote === "'" || quote === '"') {
      const end = s.text.indexOf(quote, s.pos + 1);
      if (s.work) s.work.steps += (end < 0 ? s.text.length : end) - s.pos;
      if (end < 0) throw new RequirementSyntaxError(s.pos, `this ${quote} string is never closed`);
      s.pos = end + 1;
      return;
    }
    const at = s.pos;
    const name = s.run(isMarkerWordChar);
    if (!name) s.fail(`expected a marker variable (like python_version) or a quoted string`);
    if (!MARKER_VARIABLES.has(name)) {
      const guess = closest(name, MARKER_VARIABLES);
      const hint = guess ? `; did you mean ${guess}?` : `; quote it if it is a value: '${name}'`;
      throw new RequirementSyntaxError(at, `unknown marker variable ${JSON.stringify(name)}${hint}`);
    }
  }

  private markerOperator(): void {
    const s = this.s;
    s.skipSpace();
    const what = `a marker operator (${OPERATOR_LIST}, in, not in)`;
    if (isOperatorChar(s.peek())) {
      operator(s, what);
      return;
    }
    if (s.word("in")) {
      s.pos += 2;
      return;
    }
    if (s.word("not")) {
      s.pos += 3;
      s.skipSpace();
      if (!s.word("in")) s.fail(`expected "in" after "not"`);
      s.pos += 2;
      return;
    }
    s.fail(`expected ${what}`);
  }
}

function marker(s: Scanner): string {
  s.pos++; // ";"
  s.skipSpace();
  const start = s.pos;
  if (s.atEnd()) s.fail(`expected a marker (like python_version >= "3.9") after ";"`);
  new MarkerParser(s).marker(0);
  s.skipSpace();
  if (s.peek() === ")") throw new RequirementSyntaxError(s.pos, `this ")" has no matching "("`);
  if (!s.atEnd()) s.fail(`expected "and", "or" or the end of the marker`);
  return s.text.slice(start).trimEnd();
}

/** Parses one PEP 508 requirement; throws {@link RequirementSyntaxError} pointing into the text. */
export function parseRequirement(text: string, work?: { steps: number }): Requirement {
  const s = new Scanner(text, work);
  s.skipSpace();
  const name = identifier(s, "a package name");
  const req: Requirement = { name, extras: [], specifiers: [] };
  s.skipSpace();
  if (s.peek() === "[") req.extras = extras(s);
  s.skipSpace();
  if (s.peek() === "@") {
    req.url = url(s);
    s.skipSpace();
    if (s.peek() === ";") req.marker = marker(s);
    else if (!s.atEnd()) {
      const hint = req.url.endsWith(";") ? ` (a ";" right after the URL is part of it: put a space before ";")` : "";
      s.fail(`expected ";" and a marker after the URL${hint}`);
    }
    return req;
  }
  if (s.peek() === "(") {
    const open = s.pos;
    s.pos++;
    req.specifiers = versionSpecifiers(s);
    if (s.peek() !== ")") {
      if (s.atEnd()) throw new RequirementSyntaxError(open, `this "(" is never closed`);
      s.fail(`expected "," or ")" after the version`);
    }
    s.pos++;
  } else if (isOperatorChar(s.peek())) {
    req.specifiers = versionSpecifiers(s);
  }
  s.skipSpace();
  if (s.peek() === ";") req.marker = marker(s);
  else if (!s.atEnd()) {
    s.fail(req.specifiers.length > 0 ? `expected "," and another version, ";" and a marker, or the end` : `expected a version specifier (like >=1.0), "[extras]", "@ URL", ";" and a marker, or the end`);
  }
  return req;
}

/** Whether `text` is a valid project name on its own (no extras, versions or spaces). */
export function isProjectName(text: string, work?: { steps: number }): boolean {
  const s = new Scanner(text, work);
  try {
    identifier(s, "a package name");
  } catch {
    return false;
  }
  return s.atEnd();
}
