/**
 * Paths in the build context and in the image: one place for how they are cleaned, so the
 * spec checks, the plan and the gateway agree on what a path names.
 */

/**
 * A context-relative path cleaned (`./a//b/` is `a/b`, the root is `.`), or undefined when it
 * is absolute, holds a NUL, or leaves the context.
 */
export function contextPath(p: string): string | undefined {
  if (p.startsWith("/") || p.includes("\0")) return undefined;
  const parts: string[] = [];
  for (const part of p.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else parts.push(part);
  }
  return parts.length === 0 ? "." : parts.join("/");
}

/** `p` without trailing slashes, in linear time (a `/\/+$/` replace is quadratic on a run of slashes). */
export function trimTrailingSlashes(p: string): string {
  let end = p.length;
  while (end > 0 && p.charCodeAt(end - 1) === 47) end--;
  return p.slice(0, end);
}

/** The directory holding a context path (`.` for a file at the root). */
export function parentDir(p: string): string {
  const c = contextPath(p) ?? ".";
  const i = c.lastIndexOf("/");
  return i < 0 ? "." : c.slice(0, i);
}

/** A `pyproject` field may name the directory or the pyproject.toml inside it. */
export function projectDir(p: string): string {
  const c = contextPath(p) ?? ".";
  return /(^|\/)pyproject\.toml$/.test(c) ? parentDir(c) : c;
}

/** A file in a context directory ("." is the context root). */
export function fileIn(dir: string, name: string): string {
  return dir === "." ? name : `${dir}/${name}`;
}

/** `path` relative to `base` (both context-relative and clean; base contains path). */
export function relativeTo(path: string, base: string): string {
  if (base === "." || path === base) return path === base ? "." : path;
  if (!path.startsWith(base + "/")) throw new Error(`"${path}" is not inside source_dir "${base}"`);
  return path.slice(base.length + 1);
}

/**
 * A path in the image: `p` against the directory `dir` when relative, `.` and `..` resolved; a
 * trailing `/` (or `/.`) is kept, as Dockerfile paths keep it.
 */
export function imagePath(dir: string, p: string): string {
  const joined = p.startsWith("/") ? p : `${trimTrailingSlashes(dir)}/${p}`;
  const parts: string[] = [];
  for (const part of joined.split("/")) {
    if (part === "..") parts.pop();
    else if (part !== "" && part !== ".") parts.push(part);
  }
  const clean = "/" + parts.join("/");
  const trailing = (p.endsWith("/") || p.endsWith("/.")) && clean !== "/";
  return trailing ? clean + "/" : clean;
}
