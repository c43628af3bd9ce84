/**
 * Which paths a filesync transfer sends, from the daemon's include/exclude patterns and follow
 * paths (fsutil's FilterFS) plus any exclude lists of the client's own (a .dockerignore).
 */
import { readlink, lstat } from "node:fs/promises";
import { posix } from "node:path";
import { cleanWithinRoot } from "../../../common/src/context/clean-path.js";
import { PatternMatcher } from "../../../common/src/context/matcher.js";

export interface FilterOptions {
  includePatterns?: readonly string[];
  excludePatterns?: readonly string[];
  followPaths?: readonly string[];
}

export class PathFilter {
  private readonly includes: PatternMatcher;
  /** Each list is read on its own: a `!` in one does not undo another. */
  private readonly excludes: PatternMatcher[];

  constructor(includes: readonly string[], excludeLists: readonly (readonly string[])[]) {
    this.includes = new PatternMatcher(includes);
    this.excludes = excludeLists.filter((l) => l.length > 0).map((l) => new PatternMatcher(l));
  }

  /** The entry itself is sent (for a directory: with everything below, unless excluded there). */
  sends(path: string): boolean {
    return (this.includes.empty || this.includes.matches(path)) && !this.excludes.some((m) => m.matches(path));
  }

  /** A directory not sent itself may still hold entries that are, so it must be walked. */
  mayIncludeBelow(dir: string): boolean {
    const excluded = this.excludes.filter((m) => m.matches(dir));
    if (excluded.some((m) => !m.hasNegations)) return false;
    return this.includes.empty || this.includes.matches(dir) || this.includes.mayMatchBelow(dir);
  }
}

/**
 * Follow paths name paths to send with their symlinks resolved: each symlink met on the way
 * (absolute targets read from the root, as in a chroot) is sent, and so is what it points at.
 */
export async function resolveFollowPaths(root: string, paths: readonly string[]): Promise<string[]> {
  const out = new Set<string>();
  for (const start of paths) {
    let todo = cleanWithinRoot(start);
    for (let hops = 0; hops < 255 && todo !== "."; hops++) {
      out.add(todo);
      const segs = todo.split("/");
      let link: { at: string; rest: string[]; target: string } | undefined;
      for (let i = 1; i <= segs.length && !link; i++) {
        const prefix = segs.slice(0, i).join("/");
        try {
          const st = await lstat(posix.join(root, prefix));
          if (st.isSymbolicLink()) link = { at: prefix, rest: segs.slice(i), target: await readlink(posix.join(root, prefix)) };
        } catch {
          break;
        }
      }
      if (!link) break;
      out.add(link.at);
      const base = link.target.startsWith("/") ? link.target : posix.join(posix.dirname(link.at), link.target);
      todo = cleanWithinRoot(posix.join(base, ...link.rest));
    }
  }
  return [...out];
}

export async function makeFilter(root: string, o: FilterOptions, extraExcludes: readonly (readonly string[])[] = []): Promise<PathFilter> {
  const includes = [...(o.includePatterns ?? [])];
  if (o.followPaths?.length) includes.push(...(await resolveFollowPaths(root, o.followPaths)));
  return new PathFilter(includes, [o.excludePatterns ?? [], ...extraExcludes]);
}
