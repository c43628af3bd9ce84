/**
 * The small definitions the gateway solves to read files before planning: the spec file, the
 * context's .dockerignore and files, the base image's filesystem; and a note shown as a step.
 */
import { FileAction, image, local, scratch, type Definition, type Platform } from "../../llb/src/index.js";

/** One directory of the client's session, narrowed to `paths`. */
export function localFilesDefinition(o: {
  name: string;
  sessionId: string;
  paths: readonly string[];
  sharedKeyHint: string;
  customName: string;
  excludePatterns?: readonly string[];
  /** Read whole every time (no file metadata diffing): for the small files read before building. */
  noDiffer?: boolean;
}): Definition {
  return local(o.name, {
    sessionId: o.sessionId,
    followPaths: [...o.paths],
    sharedKeyHint: o.sharedKeyHint,
    ...(o.noDiffer ? { differ: { type: "none" as const } } : {}),
    ...(o.excludePatterns && o.excludePatterns.length > 0 ? { excludePatterns: [...o.excludePatterns] } : {}),
    customName: o.customName,
  }).marshal();
}

/** An image's filesystem, to read files from. */
export function imageDefinition(ref: string, platform: Platform, customName: string): Definition {
  return image(ref, { platform, customName }).marshal({ platform });
}

/** A step that does nothing but show `text` in the build output (for daemons without warnings). */
export function noteDefinition(text: string): Definition {
  return scratch().file(FileAction.mkdir("/note", 0o755), { customName: `[note] ${text}` }).marshal();
}

/** A filesystem holding one file, `path` (an attestation's content, such as the SBOM). */
export function documentDefinition(path: string, data: string, customName: string): Definition {
  return scratch().file(FileAction.mkfile(path, 0o644, data, { timestamp: new Date(0) }), { customName }).marshal();
}
