/**
 * A list of ignore patterns, matched as Docker's build context is (moby/patternmatcher's
 * MatchesOrParentMatches, which fsutil applies while sending): a pattern matches a path or any
 * of its parents, `!` re-includes, and the last pattern that matches decides.
 */
import { cleanPath } from "./clean-path.js";
import { compilePattern } from "./pattern.js";

interface Pattern {
  negated: boolean;
  test: (path: string) => boolean;
  /** The cleaned pattern's segments, to tell whether it may match below a directory. */
  segments: string[];
}

export class PatternMatcher {
  private readonly patterns: Pattern[];

  /** Patterns as Docker's matcher takes them: trimmed, empty ones skipped, cleaned; a lone `!` is an error. */
  constructor(patterns: readonly string[]) {
    this.patterns = [];
    for (const raw of patterns) {
      const trimmed = raw.trim();
      if (trimmed === "") continue;
      // Cleaned before the `!` is read, as Docker's matcher does.
      let cleaned = cleanPath(trimmed);
      if (cleaned === "!") throw new Error('illegal exclusion pattern: "!"');
      const negated = cleaned.startsWith("!");
      if (negated) cleaned = cleaned.slice(1);
      // A leading `/` is the context's root: Docker's reader strips it; patterns from elsewhere may keep it.
      if (cleaned.length > 1 && cleaned.startsWith("/")) cleaned = cleaned.slice(1);
      this.patterns.push({ negated, test: compilePattern(cleaned), segments: cleaned.split("/") });
    }
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
      // An exclusion can only undo a match, an inclusion only make one.
      if (p.negated !== matched) continue;
      let match = p.test(path);
      for (let i = 1; !match && i < parents.length; i++) match = p.test(parents.slice(0, i).join("/"));
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
        if (!compilePattern(ps)(segs[i]!)) return false;
      }
      return p.segments.length > segs.length;
    });
  }
}
