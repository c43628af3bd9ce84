/** Finds the files a requirements file pulls in with -r/-c (relative to it), recursively. */
import { contextPath } from "../common/paths.js";

const INCLUDE = /^\s*(?:-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+)(\S+)/;

/** Context paths of the files one requirements file includes directly. */
export function requirementIncludes(file: string, text: string): string[] {
  const dir = file.includes("/") ? file.slice(0, file.lastIndexOf("/")) : "";
  const out: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, "");
    const m = INCLUDE.exec(line);
    if (!m) continue;
    const target = m[1]!;
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) continue; // a URL: pip fetches it itself
    const path = contextPath(dir ? `${dir}/${target}` : target);
    if (path === undefined) throw new Error(`${file} includes "${target}", which is outside the build context`);
    out.push(path);
  }
  return out;
}
