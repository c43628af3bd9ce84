/**
 * A .dockerignore file read as Docker reads it (moby/patternmatcher's ignorefile), so that the
 * frontend's exclude patterns and the build task's own reading of the file are the same list.
 */
import { cleanPath } from "./clean-path.js";

/**
 * One pattern a line. A UTF-8 byte-order mark is dropped; a line whose first character is `#`
 * is a comment (tested before trimming, so " #x" is a pattern); whitespace around a pattern
 * and after its `!` is dropped and blank lines are skipped; each pattern is cleaned (`./a`,
 * `a/`, `a//b`, `a/../b`) and loses a leading `/`, so `/a` names `a` in the context. A lone
 * `!` is kept: the matcher rejects it, as Docker's does.
 */
export function parseDockerignore(text: string): string[] {
  const patterns: string[] = [];
  for (const raw of text.replace(/^\uFEFF/, "").split("\n")) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.startsWith("#")) continue;
    let pattern = line.trim();
    if (pattern === "") continue;
    const negated = pattern.startsWith("!");
    if (negated) pattern = pattern.slice(1).trim();
    if (pattern !== "") {
      pattern = cleanPath(pattern);
      if (pattern.length > 1 && pattern.startsWith("/")) pattern = pattern.slice(1);
    }
    patterns.push(negated ? "!" + pattern : pattern);
  }
  return patterns;
}
