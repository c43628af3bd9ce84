/**
 * One ignore pattern, compiled to a test on clean, relative, `/`-separated paths with the rules
 * of moby/patternmatcher: `*` and `?` stay within a path segment, `**` spans segments (also
 * none), `[...]` is a class (`^` negates), `\` takes the next character literally. The syntax is
 * Go's filepath.Match; a malformed pattern is an error, as it is for Docker.
 */

export class PatternSyntaxError extends Error {
  constructor(pattern: string) {
    super(`syntax error in pattern ${JSON.stringify(pattern)}`);
    this.name = "PatternSyntaxError";
  }
}

/**
 * Docker compares three shapes of pattern as strings and compiles the rest to a regexp; the
 * shapes are kept because they do not always agree with the regexp (`**x` matches `ax` as a
 * suffix, which the regexp for `**` followed by x would not).
 */
type Shape = "exact" | "prefix" | "suffix" | "regexp";

const regexpLiteral = (c: string) => c.replace(/[\\^$.*+?()[\]{}|]/gu, "\\$&");
const classLiteral = (c: string) => c.replace(/[\\\]\[^-]/gu, "\\$&");

/** Reads a `[...]` class starting after its `[`; returns its regexp and where the pattern goes on. */
function readClass(chars: readonly string[], start: number, pattern: string): { source: string; next: number } {
  let i = start;
  let source = "[";
  if (chars[i] === "^") {
    source += "^";
    i++;
  }
  const member = (): string => {
    let c = chars[i++];
    if (c === "\\") c = chars[i++];
    else if (c === "-" || c === "]") throw new PatternSyntaxError(pattern);
    if (c === undefined) throw new PatternSyntaxError(pattern);
    return c;
  };
  for (let ranges = 0; ; ranges++) {
    if (chars[i] === "]" && ranges > 0) return { source: source + "]", next: i + 1 };
    const lo = member();
    source += classLiteral(lo);
    if (chars[i] === "-") {
      i++;
      const hi = member();
      if (hi.codePointAt(0)! < lo.codePointAt(0)!) throw new PatternSyntaxError(pattern);
      source += "-" + classLiteral(hi);
    }
  }
}

/** A test for one cleaned pattern (without its `!`). */
export function compilePattern(pattern: string): (path: string) => boolean {
  const chars = Array.from(pattern);
  let source = "^";
  let shape: Shape = "exact";
  for (let i = 0, token = 0; i < chars.length; token++) {
    const c = chars[i++]!;
    if (c === "*" && chars[i] === "*") {
      i++;
      if (chars[i] === "/") i++;
      if (i < chars.length) {
        source += "(?:.*/)?";
        shape = "regexp";
      } else if (shape === "exact") shape = "prefix";
      else {
        source += ".*";
        shape = "regexp";
      }
      if (token === 0) shape = "suffix";
    } else if (c === "*") {
      source += "[^/]*";
      shape = "regexp";
    } else if (c === "?") {
      source += "[^/]";
      shape = "regexp";
    } else if (c === "\\") {
      const next = chars[i++];
      if (next === undefined) throw new PatternSyntaxError(pattern);
      source += regexpLiteral(next);
      shape = "regexp";
    } else if (c === "[") {
      const cls = readClass(chars, i, pattern);
      source += cls.source;
      i = cls.next;
      shape = "regexp";
    } else if (c === "]") {
      source += "\\]";
      shape = "regexp";
    } else source += regexpLiteral(c);
  }
  switch (shape) {
    case "exact":
      return (path) => path === pattern;
    case "prefix": {
      const prefix = pattern.slice(0, -2);
      return (path) => path.startsWith(prefix);
    }
    case "suffix": {
      const suffix = pattern.slice(2);
      // `**/x` also matches `x` itself.
      return (path) => path.endsWith(suffix) || (suffix.startsWith("/") && path === suffix.slice(1));
    }
    case "regexp": {
      const re = new RegExp(source + "$", "u");
      return (path) => re.test(path);
    }
  }
}
