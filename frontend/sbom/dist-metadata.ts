/**
 * An installed distribution's METADATA (core metadata, PEP 566/643/639), read for the SBOM: its
 * name, version and licence. Pure: the gateway reads the files.
 */

export interface DistMetadata {
  name: string;
  version: string;
  /** An SPDX licence expression, when the metadata states one that can be trusted as such. */
  license?: string;
  /** Every licence statement of the metadata, as written (License-Expression, License's first line, licence classifiers). */
  licenseText?: string;
}

/** The header fields (up to the first blank line); repeated fields keep every value; folded lines are joined. */
function headers(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let last: string[] | undefined;
  for (const line of text.replace(/\r\n/g, "\n").split("\n")) {
    if (line.trim() === "") break;
    if ((line.startsWith(" ") || line.startsWith("\t")) && last) {
      last[last.length - 1] += "\n" + line.trim();
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const values = out.get(key) ?? [];
    values.push(line.slice(colon + 1).trim());
    out.set(key, values);
    last = values;
  }
  return out;
}

/** Trove licence classifiers whose meaning is one SPDX licence. */
const CLASSIFIER_IDS: Readonly<Record<string, string>> = {
  "License :: OSI Approved :: MIT License": "MIT",
  "License :: OSI Approved :: MIT No Attribution License (MIT-0)": "MIT-0",
  "License :: OSI Approved :: Apache Software License": "Apache-2.0",
  "License :: OSI Approved :: BSD License": "BSD-3-Clause",
  "License :: OSI Approved :: ISC License (ISCL)": "ISC",
  "License :: OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
  "License :: OSI Approved :: Python Software Foundation License": "PSF-2.0",
  "License :: OSI Approved :: The Unlicense (Unlicense)": "Unlicense",
  "License :: OSI Approved :: GNU General Public License v2 (GPLv2)": "GPL-2.0-only",
  "License :: OSI Approved :: GNU General Public License v3 (GPLv3)": "GPL-3.0-only",
  "License :: OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)": "LGPL-3.0-only",
  "License :: OSI Approved :: GNU Affero General Public License v3": "AGPL-3.0-only",
};
// "BSD License" names a family, not one licence: it is kept as text only.
const AMBIGUOUS = new Set(["License :: OSI Approved :: BSD License"]);

/** A short token list that reads as an SPDX expression: ids, `AND`/`OR`/`WITH`, parentheses. */
const EXPRESSION = /^\(*[A-Za-z0-9][A-Za-z0-9.+-]*\)*(\s+(AND|OR|WITH)\s+\(*[A-Za-z0-9][A-Za-z0-9.+-]*\)*)*$/;
/** License field values that are exactly an SPDX id (a common way to fill it). */
const COMMON_IDS = new Set(["MIT", "MIT-0", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "ISC", "MPL-2.0", "PSF-2.0", "Unlicense", "0BSD", "Zlib", "GPL-2.0-only", "GPL-2.0-or-later", "GPL-3.0-only", "GPL-3.0-or-later", "LGPL-2.1-only", "LGPL-2.1-or-later", "LGPL-3.0-only", "LGPL-3.0-or-later", "AGPL-3.0-only", "AGPL-3.0-or-later", "CC0-1.0", "BSL-1.0", "EPL-2.0"]);

function balanced(s: string): boolean {
  let depth = 0;
  for (const c of s) {
    depth += c === "(" ? 1 : c === ")" ? -1 : 0;
    if (depth < 0) return false;
  }
  return depth === 0;
}

/** Whether `s` may stand as an SPDX licence expression (syntax only). */
export function isLicenseExpression(s: string): boolean {
  return s.length <= 200 && EXPRESSION.test(s) && balanced(s);
}

/**
 * Name, version and licence from METADATA; undefined when it has no name or version.
 * Licence: `License-Expression` (PEP 639) when well formed; else a License field that is exactly
 * a common SPDX id; else one unambiguous licence classifier. Anything else is kept as text.
 */
export function parseDistMetadata(text: string): DistMetadata | undefined {
  const h = headers(text);
  const name = h.get("name")?.[0];
  const version = h.get("version")?.[0];
  if (!name || !version) return undefined;
  const out: DistMetadata = { name, version };
  const expression = h.get("license-expression")?.[0];
  const field = h.get("license")?.[0]?.trim();
  const classifiers = (h.get("classifier") ?? []).filter((c) => c.startsWith("License ::"));
  const mapped = [...new Set(classifiers.filter((c) => !AMBIGUOUS.has(c)).map((c) => CLASSIFIER_IDS[c]).filter((x): x is string => x !== undefined))];
  if (expression && isLicenseExpression(expression)) out.license = expression;
  else if (field && COMMON_IDS.has(field)) out.license = field;
  else if (mapped.length === 1 && classifiers.length === 1) out.license = mapped[0]!;
  const statements = [expression ? `License-Expression: ${expression}` : "", field ? `License: ${firstLine(field)}` : "", ...classifiers.map((c) => `Classifier: ${c}`)].filter(Boolean);
  if (statements.length > 0) out.licenseText = statements.join("; ");
  return out;
}

/** The first line of a long licence text (some put the whole licence in the field), at most 200 characters. */
function firstLine(s: string): string {
  const line = s.split("\n", 1)[0]!.trim();
  return line.length > 200 ? line.slice(0, 199) + "…" : line;
}
