/**
 * A digest of a directory's content as a build sees it (the same filter as the transfer): paths,
 * file types and permissions, link targets and file bytes; not times or owners, so a fresh
 * checkout or an unpacked tarball of the same files has the same digest.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import type { PathFilter } from "./filesync/filter.js";
import { walk } from "./filesync/walk.js";

export async function contextDigest(root: string, filter: PathFilter): Promise<string> {
  const h = createHash("sha256");
  for await (const e of walk(root, filter)) {
    h.update(`${e.path}\0${e.stat.mode.toString(8)}\0${e.stat.linkname ?? ""}\0`);
    if (e.regular) {
      const f = createHash("sha256");
      for await (const chunk of createReadStream(e.abs)) f.update(chunk as Buffer);
      h.update(f.digest());
    }
    h.update("\n");
  }
  return h.digest("hex");
}
