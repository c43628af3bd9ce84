/** User values in messages: quoted and cut when long, and "did you mean" hints. */

/** A user's value quoted for a message; a very long one is cut, keeping its start and its length. */
export function shown(value: string): string {
  return value.length <= 200 ? `"${value}"` : `"${value.slice(0, 100)}…" (${value.length} characters)`;
}

/** Damerau-free Levenshtein distance, for "did you mean" hints. */
function distance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0]!;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j]!;
      dp[j] = Math.min(dp[j]! + 1, dp[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length]!;
}

/** The closest candidate within a small edit distance, if any. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  // The distance is quadratic in the lengths; a name this long is no typo of a field name.
  if (word.length > 64) return undefined;
  const w = word.toLowerCase().replace(/[-_]/g, "");
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const score = distance(w, c.toLowerCase().replace(/[-_]/g, ""));
    if (score < bestScore) {
      best = c;
      bestScore = score;
    }
  }
  return best !== undefined && bestScore <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}
