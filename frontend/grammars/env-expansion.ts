/**
 * Dockerfile-style variable expansion for env values: `$VAR`, `${VAR}`, `${VAR:-default}`,
 * `${VAR:+alternative}`, where default and alternative may themselves hold substitutions
 * (`${A:-${B}}`); `\$` is a literal dollar, and inside braces `\}` a literal brace. Unset
 * variables expand to "". One pass over the text; nesting deeper than
 * {@link MAX_SUBSTITUTION_DEPTH} is refused. `work.steps`, when given, grows by the characters
 * examined (tests bound it to prove linear time).
 */

import { shown } from "../common/words.js";

export const MAX_SUBSTITUTION_DEPTH = 32;

/** Substitutions nested too deep: a structure problem, unlike a stray `$`. */
export class NestingTooDeepError extends Error {}

const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;

class Expander {
  private i = 0;

  constructor(
    private readonly value: string,
    private readonly lookup: (name: string) => string | undefined,
    private readonly work: { steps: number } | undefined,
  ) {}

  all(): string {
    return this.text(0, false);
  }

  /** Expands up to the end, or inside braces up to (not past) the closing `}`. */
  private text(depth: number, inBraces: boolean): string {
    const v = this.value;
    let out = "";
    while (this.i < v.length) {
      if (this.work) this.work.steps++;
      const c = v[this.i]!;
      if (c === "\\" && (v[this.i + 1] === "$" || (inBraces && v[this.i + 1] === "}"))) {
        out += v[this.i + 1];
        this.i += 2;
      } else if (c === "$") {
        out += this.dollar(depth);
      } else if (inBraces && c === "}") {
        return out;
      } else {
        out += c;
        this.i++;
      }
    }
    if (inBraces) throw new Error(`missing "}" in ${shown(v)}`);
    return out;
  }

  /** Expands the substitution starting at the `$` under the cursor. */
  private dollar(depth: number): string {
    const v = this.value;
    const start = this.i;
    if (v[start + 1] !== "{") {
      const name = this.name(start + 1);
      if (name === undefined) {
        this.i = start + 1;
        return "$";
      }
      this.i = start + 1 + name.length;
      return this.lookup(name) ?? "";
    }
    const name = this.name(start + 2);
    let at = start + 2 + (name?.length ?? 0);
    if (name !== undefined && v[at] === "}") {
      this.i = at + 1;
      return this.lookup(name) ?? "";
    }
    const op = v[at + 1];
    if (name === undefined || v[at] !== ":" || (op !== "-" && op !== "+")) {
      const end = v.indexOf("}", start + 2);
      if (this.work) this.work.steps += (end < 0 ? v.length : end) - start;
      if (end < 0) throw new Error(`missing "}" in ${shown(v)}`);
      throw new Error(`bad substitution "\${${v.slice(start + 2, end)}}" in ${shown(v)}`);
    }
    if (depth >= MAX_SUBSTITUTION_DEPTH) throw new NestingTooDeepError(`substitutions nested more than ${MAX_SUBSTITUTION_DEPTH} deep in ${shown(v)}`);
    at += 2;
    this.i = at;
    const word = this.text(depth + 1, true);
    this.i++; // the closing "}", which text() stopped at
    const set = this.lookup(name);
    if (op === "-") return set ? set : word;
    return set ? word : "";
  }

  private name(at: number): string | undefined {
    NAME.lastIndex = at;
    const name = NAME.exec(this.value)?.[0];
    if (this.work) this.work.steps += (name?.length ?? 0) + 1;
    return name;
  }
}

export function expandVariables(value: string, lookup: (name: string) => string | undefined, work?: { steps: number }): string {
  return new Expander(value, lookup, work).all();
}
