/**
 * Checks a context tarball before anything of it is kept: it must read as a tar (plain or gzip),
 * and no entry may name a path outside the context (absolute, `..`) or be a link that leads out
 * of it, followed through the archive's own symlinks. Devices and FIFOs are refused too.
 */
import * as tar from "tar";
import { resolveInside } from "./paths.js";

export class UploadError extends Error {
  override name = "UploadError";
}

export interface TarSummary {
  entries: number;
}

const ALLOWED_TYPES = new Set(["File", "OldFile", "ContiguousFile", "Directory", "SymbolicLink", "Link"]);
/** Metadata entries node-tar reads and applies itself. */
const META_TYPES = new Set(["ExtendedHeader", "GlobalExtendedHeader", "NextFileHasLongPath", "NextFileHasLongLinkpath", "OldExtendedHeader"]);

function checkEntryPath(path: string): string {
  if (path.startsWith("/")) throw new UploadError(`context: ${JSON.stringify(path)} is an absolute path`);
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) throw new UploadError(`context: ${JSON.stringify(path)} climbs out of the context with ".."`);
  return parts.join("/");
}

export async function checkTarball(file: string): Promise<TarSummary> {
  const symlinks = new Map<string, string>();
  const hardlinks: Array<{ path: string; target: string }> = [];
  let entries = 0;
  let problem: Error | undefined;
  try {
    await tar.t({
      file,
      strict: true,
      onReadEntry: (e) => {
        if (problem) return;
        try {
          if (META_TYPES.has(e.type)) return;
          if (!ALLOWED_TYPES.has(e.type)) throw new UploadError(`context: ${JSON.stringify(e.path)} is a ${e.type} entry; only files, directories and links are accepted`);
          const path = checkEntryPath(e.path);
          entries++;
          if (e.type === "SymbolicLink") symlinks.set(path, e.linkpath ?? "");
          if (e.type === "Link") hardlinks.push({ path, target: checkEntryPath(e.linkpath ?? "") });
        } catch (err) {
          problem = err as Error;
        }
      },
    });
  } catch (e) {
    throw new UploadError(`context: not a readable tar or tar.gz archive (${(e as Error).message})`);
  }
  if (problem) throw problem;
  if (entries === 0) throw new UploadError("context: the archive holds no files");
  for (const [path] of symlinks) {
    const inside = resolveInside(path, symlinks);
    if (!inside.ok) throw new UploadError(`context: the link ${JSON.stringify(path)} -> ${JSON.stringify(symlinks.get(path))} leads out of the context`);
  }
  for (const h of hardlinks) {
    const inside = resolveInside(h.target, symlinks);
    if (!inside.ok) throw new UploadError(`context: the hard link ${JSON.stringify(h.path)} -> ${JSON.stringify(h.target)} leads out of the context`);
  }
  return { entries };
}
