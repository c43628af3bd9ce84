/**
 * Walks a directory in the order fsutil's receiver checks: depth-first, each directory's names in
 * byte order, a directory before its children. Directories that are not sent themselves but hold
 * sent entries go out just before their first such entry.
 */
import { lstat, opendir, readlink } from "node:fs/promises";
import type { BigIntStats } from "node:fs";
import { join } from "node:path";
import type { PathFilter } from "./filter.js";
import { goFileMode } from "./mode.js";
import type { Stat } from "./wire.js";

export interface WalkEntry {
  path: string;
  abs: string;
  stat: Stat;
  /** A regular file whose data the receiver may request (not a hard link to an earlier one). */
  regular: boolean;
}

async function sortedNames(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const d of await opendir(dir)) names.push(d.name);
  return names.sort((a, b) => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8")));
}

function major(rdev: bigint): bigint {
  return ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
}
function minor(rdev: bigint): bigint {
  return (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
}

async function entryOf(abs: string, path: string, st: BigIntStats, links: Map<string, string>): Promise<WalkEntry | undefined> {
  const mode = goFileMode(Number(st.mode));
  if (mode === undefined) return undefined;
  // uid and gid are sent as 0, as buildctl does for local directories.
  const stat: Stat = { path, mode, uid: 0, gid: 0, modTime: st.mtimeNs };
  let regular = false;
  if (st.isSymbolicLink()) {
    stat.linkname = await readlink(abs);
    stat.size = BigInt(Buffer.byteLength(stat.linkname));
  } else if (st.isFile()) {
    const inode = `${st.dev}:${st.ino}`;
    const first = st.nlink > 1n ? links.get(inode) : undefined;
    if (first !== undefined) stat.linkname = first;
    else {
      if (st.nlink > 1n) links.set(inode, path);
      stat.size = st.size;
      regular = true;
    }
  } else if (st.isBlockDevice() || st.isCharacterDevice()) {
    stat.devmajor = major(st.rdev);
    stat.devminor = minor(st.rdev);
  }
  return { path, abs, stat, regular };
}

export async function* walk(root: string, filter: PathFilter): AsyncGenerator<WalkEntry> {
  const links = new Map<string, string>();
  /** Directories walked into but not yet sent, outermost first. */
  const pending: WalkEntry[] = [];

  async function* visit(dirAbs: string, dirRel: string): AsyncGenerator<WalkEntry> {
    for (const name of await sortedNames(dirAbs)) {
      const abs = join(dirAbs, name);
      const path = dirRel ? `${dirRel}/${name}` : name;
      const st = await lstat(abs, { bigint: true });
      const isDir = st.isDirectory();
      const included = filter.sends(path);
      if (!included && !(isDir && filter.mayIncludeBelow(path))) continue;
      const entry = await entryOf(abs, path, st, links);
      if (!entry) continue;
      if (included) {
        yield* pending.splice(0);
        yield entry;
      }
      if (isDir) {
        if (!included) pending.push(entry);
        yield* visit(abs, path);
        if (!included && pending.at(-1) === entry) pending.pop();
      }
    }
  }

  const rootStat = await lstat(root);
  if (!rootStat.isDirectory()) throw new Error(`${root} is not a directory`);
  yield* visit(root, "");
}

