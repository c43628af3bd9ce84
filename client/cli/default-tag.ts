/**
 * The tag of an image whose target names none: a digest of what the image is built from, so the
 * same inputs map to the same tag (and the second build is skipped as already there).
 */
import { createHash } from "node:crypto";

export interface TagInputs {
  spec: Uint8Array;
  /** contextDigest() of the context directory. */
  context: string;
  /** Settings that change the image: platforms, frontend options, optimize. */
  settings: Record<string, string>;
}

export const TAG_LENGTH = 32;

export function defaultTag(i: TagInputs): string {
  const h = createHash("sha256");
  h.update("imagespec-build tag v1\n");
  h.update(`spec ${createHash("sha256").update(i.spec).digest("hex")}\n`);
  h.update(`context ${i.context}\n`);
  for (const k of Object.keys(i.settings).sort()) h.update(`${JSON.stringify(k)}=${JSON.stringify(i.settings[k])}\n`);
  return h.digest("hex").slice(0, TAG_LENGTH);
}

/** The key the builder ring hashes: the spec's digest, so one spec keeps to one warm builder. */
export function specKey(spec: Uint8Array): string {
  return "sha256:" + createHash("sha256").update(spec).digest("hex");
}
