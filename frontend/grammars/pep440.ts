/**
 * PEP 440 versions as they appear in version specifiers, checked the way pip's `packaging`
 * checks them: the version's own shape (epoch, release, pre, post, dev, local, in any of the
 * spellings normalization accepts), then what each operator allows. A scanner, not a regex:
 * each part is tried once, so time is linear in the length of the version. `work.steps`, when
 * given, grows by the characters examined (tests bound it).
 */

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= "0" && c <= "9";
const isSeparator = (c: string | undefined): boolean => c === "-" || c === "_" || c === ".";
const isLocalChar = (c: string | undefined): boolean => c !== undefined && /^[a-z0-9]$/.test(c);

/** Pre-release spellings, longest first so `preview` is not read as `pre`. */
const PRE = ["preview", "alpha", "beta", "pre", "rc", "a", "b", "c"];
const POST = ["post", "rev", "r"];

interface ParsedVersion {
  releaseParts: number;
  wildcard: boolean;
  local: boolean;
  /** Where the text stops being a version, or -1 when all of it is one. */
  stop: number;
}

type Work = { steps: number } | undefined;

function digitsEnd(v: string, i: number, work: Work): number {
  const start = i;
  while (isDigit(v[i])) i++;
  if (work) work.steps += i - start + 1;
  return i;
}

/** `[sep] word [sep] digits*` for one of `words` at `i`; the index after it, or -1. */
function labelled(v: string, i: number, words: readonly string[], work: Work): number {
  let j = isSeparator(v[i]) ? i + 1 : i;
  const word = words.find((w) => v.startsWith(w, j));
  if (!word) return -1;
  j += word.length;
  if (isSeparator(v[j]) && isDigit(v[j + 1])) j++;
  else if (isSeparator(v[j])) return j + 1;
  return digitsEnd(v, j, work);
}

function parseVersion(text: string, work: Work): ParsedVersion {
  const v = text.toLowerCase();
  const out: ParsedVersion = { releaseParts: 0, wildcard: false, local: false, stop: -1 };
  const stopAt = (i: number) => ({ ...out, stop: i });
  let i = v[0] === "v" ? 1 : 0;
  if (!isDigit(v[i])) return stopAt(i);
  const first = digitsEnd(v, i, work);
  i = v[first] === "!" ? first + 1 : i;
  if (!isDigit(v[i])) return stopAt(i);
  i = digitsEnd(v, i, work);
  out.releaseParts = 1;
  while (v[i] === "." && isDigit(v[i + 1])) {
    i = digitsEnd(v, i + 1, work);
    out.releaseParts++;
  }
  if (v.startsWith(".*", i)) {
    out.wildcard = true;
    return i + 2 === v.length ? out : stopAt(i + 2);
  }
  const pre = labelled(v, i, PRE, work);
  if (pre >= 0) i = pre;
  if (v[i] === "-" && isDigit(v[i + 1])) i = digitsEnd(v, i + 1, work);
  else {
    const post = labelled(v, i, POST, work);
    if (post >= 0) i = post;
  }
  const dev = labelled(v, i, ["dev"], work);
  if (dev >= 0) i = dev;
  if (v[i] === "+") {
    out.local = true;
    i++;
    for (;;) {
      const start = i;
      while (isLocalChar(v[i])) i++;
      if (work) work.steps += i - start + 1;
      if (i === start) return stopAt(i);
      if (!isSeparator(v[i])) break;
      i++;
    }
  }
  return i === v.length ? out : stopAt(i);
}

/** Why `version` cannot follow `operator` in a specifier, or undefined when it can. */
export function versionProblem(operator: string, version: string, work?: { steps: number }): string | undefined {
  if (operator === "===") return undefined;
  const v = parseVersion(version, work);
  if (v.stop >= 0) return `${JSON.stringify(version)} is not a PEP 440 version (like 1.2, 1.2.3rc1 or 2!1.0.post1.dev2)`;
  const equality = operator === "==" || operator === "!=";
  if (v.wildcard && !equality) return `a ".*" version is only allowed after == or !=, not after ${operator}`;
  if (v.local && !equality) return `a local version ("+…") is only allowed after == or !=, not after ${operator}`;
  if (operator === "~=" && v.releaseParts < 2) return `~= needs a version with at least two parts, like ~=${version}.0`;
  return undefined;
}
