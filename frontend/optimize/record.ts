/** What an installed distribution wrote, from its RECORD (PEP 376 / PEP 627): file paths and sizes. */

export interface DistContents {
  /** Bytes of the files RECORD gives a size for. */
  size: number;
  /** Files, relative to the venv root, normalized ("lib/python3.11/site-packages/x/__init__.py", "bin/x"). */
  files: string[];
}

/** One CSV row: fields split on commas, double quotes around a field, `""` for a quote inside one. */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let field = "";
      i++;
      while (i < line.length) {
        if (line[i] === '"' && line[i + 1] === '"') {
          field += '"';
          i += 2;
        } else if (line[i] === '"') {
          i++;
          break;
        } else field += line[i++];
      }
      out.push(field);
      if (line[i] === ",") i++;
      else break;
    } else {
      const end = line.indexOf(",", i);
      if (end < 0) {
        out.push(line.slice(i));
        break;
      }
      out.push(line.slice(i, end));
      i = end + 1;
    }
  }
  return out;
}

/** `rel` (relative to `dir`, both "/"-separated) as a path below the root, or undefined if it leaves it. */
function joinNormalized(dir: string, rel: string): string | undefined {
  const parts = rel.startsWith("/") ? [] : dir.split("/").filter(Boolean);
  for (const p of rel.split("/")) {
    if (p === "" || p === ".") continue;
    if (p === "..") {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else parts.push(p);
  }
  return parts.join("/");
}

/**
 * Parses RECORD. `sitePackages` is the directory RECORD's paths are relative to, given relative
 * to the venv root (e.g. "lib/python3.11/site-packages"); absolute paths and paths that leave the
 * venv are kept as they are (they are rare: data files installed outside the prefix).
 */
export function parseRecord(text: string, sitePackages: string): DistContents {
  let size = 0;
  const files: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    if (raw.trim() === "") continue;
    const [path = "", , bytes = ""] = csvFields(raw);
    if (path === "") continue;
    const n = /^\d+$/.test(bytes) ? Number(bytes) : 0;
    size += n;
    files.push(joinNormalized(sitePackages, path) ?? path);
  }
  return { size, files: [...new Set(files)].sort() };
}
