/**
 * Where a path inside an archive really leads once the archive's own symlinks are followed, as
 * the kernel would after extraction: each component is looked up, a symlink's target replaces
 * it (relative to its directory, or to the root of the filesystem when absolute), `..` goes up.
 */
import { posix } from "node:path";

const MAX_LINKS = 40;

export type Resolution = { ok: true; path: string } | { ok: false; why: "escapes" | "absolute" | "loop" };

/** `path` (relative to the context root, no `..`) followed through `symlinks` (path → target). */
export function resolveInside(path: string, symlinks: ReadonlyMap<string, string>): Resolution {
  const done: string[] = [];
  const todo = path.split("/").filter((p) => p !== "" && p !== ".");
  let followed = 0;
  while (todo.length > 0) {
    const part = todo.shift()!;
    if (part === "..") {
      if (done.length === 0) return { ok: false, why: "escapes" };
      done.pop();
      continue;
    }
    const here = [...done, part].join("/");
    const target = symlinks.get(here);
    if (target === undefined) {
      done.push(part);
      continue;
    }
    if (++followed > MAX_LINKS) return { ok: false, why: "loop" };
    if (posix.isAbsolute(target)) return { ok: false, why: "absolute" };
    todo.unshift(...target.split("/").filter((p) => p !== "" && p !== "."));
  }
  return { ok: true, path: done.join("/") };
}
