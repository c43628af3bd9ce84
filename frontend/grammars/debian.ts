/**
 * Debian package arguments for apt-get: `name[:arch][=version|/release]`. Checked piece by
 * piece, each piece one character class, so the check is linear in the length of the text.
 * `work.steps`, when given, grows by the characters each piece examines (tests bound it).
 */

const NAME_START = /^[a-z0-9]$/;
const NAME = /[a-z0-9+.-]+/y;
const ARCH = /[a-z0-9-]+/y;
const VERSION = /[A-Za-z0-9.+~:-]+/y;
const RELEASE = /[a-z0-9.-]+/y;

/** The end of the run of `re` starting at `at`, or `at` when there is none. */
function runEnd(re: RegExp, text: string, at: number, work: { steps: number } | undefined): number {
  re.lastIndex = at;
  const end = re.exec(text) ? re.lastIndex : at;
  if (work) work.steps += end - at + 1;
  return end;
}

/** Whether `text` is a package name apt-get takes, optionally with an arch and a version or release. */
export function isDebianPackage(text: string, work?: { steps: number }): boolean {
  if (!NAME_START.test(text[0] ?? "")) return false;
  let at = runEnd(NAME, text, 0, work);
  if (at < 2) return false;
  if (text[at] === ":") {
    const end = runEnd(ARCH, text, at + 1, work);
    if (end === at + 1) return false;
    at = end;
  }
  if (text[at] === "=" || text[at] === "/") {
    const end = runEnd(text[at] === "=" ? VERSION : RELEASE, text, at + 1, work);
    if (end === at + 1) return false;
    at = end;
  }
  return at === text.length;
}
