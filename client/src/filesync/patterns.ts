/**
 * .dockerignore-style patterns, matched as moby/patternmatcher does: `*` and `?` within one path
 * segment, `**` across segments, `[...]` classes, `\` escapes, `!` to re-include; a pattern also
 * matches everything under a path it matches, and the last matching pattern decides.
 */

interface Pattern {
  negated: boolean;
  re: RegExp;
  /** The cleaned pattern split into segments, to tell whether it may match below a directory. */
  segments: string[];
}

/** Cleans a pattern as Go's filepath.Clean would, relative to the root. */
export function cleanPattern(p: string): string {
  const parts: string[] = [];
  for (const seg of p.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") parts.pop();
    else parts.push(seg);
  }
  return parts.join("/") || ".";
}

const reEscape = (c: string) => c.replace(/[.+^${}()|[\]\\*?]/g, "\\$&");

function compile(pattern: string): RegExp {
  let re = "^";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") {
      if (pattern[i + 1] === "*") {
        i++;
        if (pattern[i + 1] === "/") {
          i++;
          // "**/" matches zero or more whole directories.
          re += "(?:.*/)?";
        } else re += ".*";
      } else re += "[^/]*";
    } else if (c === "?") re += "[^/]";
    else if (c === "\\" && i + 1 < pattern.length) re += reEscape(pattern[++i]!);
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 2);
      if (end < 0) throw new Error(`pattern ${JSON.stringify(pattern)}: unterminated [`);
      let cls = pattern.slice(i + 1, end);
      if (cls.startsWith("^") || cls.startsWith("!")) cls = "^" + cls.slice(1);
      re += `[${cls.replace(/\\(?!.)/g, "\\\\")}]`;
      i = end;
    } else re += reEscape(c);
  }
  return new RegExp(re + "$", "s");
}

function segmentMatches(patternSegment: string, name: string): boolean {
  return compile(patternSegment).test(name);
}

export class PatternMatcher {
  private readonly patterns: Pattern[];

  constructor(patterns: readonly string[]) {
    this.patterns = patterns
      .map((p) => p.trim())
      .filter((p) => p !== "")
      .map((raw) => {
        const negated = raw.startsWith("!");
        const cleaned = cleanPattern((negated ? raw.slice(1) : raw).replace(/^\/+/, ""));
        return { negated, re: compile(cleaned), segments: cleaned.split("/") };
      });
  }

  get empty(): boolean {
    return this.patterns.length === 0;
  }

  get hasNegations(): boolean {
    return this.patterns.some((p) => p.negated);
  }

  /** Whether `path` (clean, relative, `/`-separated) or one of its parents matches. */
  matches(path: string): boolean {
    const parents = path.split("/");
    let matched = false;
    for (const p of this.patterns) {
      if (p.negated !== matched) continue;
      let match = p.re.test(path);
      for (let i = 1; !match && i < parents.length; i++) match = p.re.test(parents.slice(0, i).join("/"));
      if (match) matched = !p.negated;
    }
    return matched;
  }

  /** Whether some non-negated pattern could match a path strictly below directory `dir`. */
  mayMatchBelow(dir: string): boolean {
    const segs = dir.split("/");
    return this.patterns.some((p) => {
      if (p.negated) return false;
      for (let i = 0; i < segs.length; i++) {
        const ps = p.segments[i];
        if (ps === undefined) return false;
        if (ps.includes("**")) return true;
        if (!segmentMatches(ps, segs[i]!)) return false;
      }
      return p.segments.length > segs.length;
    });
  }
}

/** Patterns of a .dockerignore file: one a line, `#` comments and blank lines skipped. */
export function parseDockerignore(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
}
