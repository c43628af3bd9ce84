/** Index options written inside requirements files, which a package installed alone needs on its command line. */

const FILE_OPTION = /^\s*(-i|--index-url|--extra-index-url|-f|--find-links|--trusted-host|--no-index|--pre|--prefer-binary|--only-binary|--no-binary)(?:(?:\s*=\s*|\s+)(\S+))?\s*$/;

/**
 * The index options written inside a requirements file (pip reads them from there, so a package
 * installed alone needs them given on its command line). A relative --find-links is relative to
 * the file's directory, which `resolveDir` turns into a path the step sees.
 */
export function requirementFileOptions(text: string, resolveDir: (relative: string) => string): string[] {
  const out: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, "");
    const m = FILE_OPTION.exec(line);
    if (!m) continue;
    const [, opt, value] = m as unknown as [string, string, string | undefined];
    if (value === undefined) {
      if (opt === "--no-index" || opt === "--pre" || opt === "--prefer-binary") out.push(opt);
      continue;
    }
    const local = (opt === "-f" || opt === "--find-links") && !/^[a-z][a-z0-9+.-]*:/i.test(value) && !value.startsWith("/");
    out.push(opt, local ? resolveDir(value) : value);
  }
  return out;
}
