/**
 * The exporters of a build's release: the tarball the scanner reads, the push by digest, the
 * tagged push. Each rewrites the file times in the build's layers to the build's epoch (the
 * frontend returns it: SOURCE_DATE_EPOCH, else 1970), so the scanned image, the image pushed by
 * digest and the tagged one are the same bytes, and a rebuild of the same inputs gives the same
 * digest (the README's "Reproducible images"). The pushes do not unpack into the builder's own
 * image store, which they do not need and which Docker Engine's builder refuses together with
 * rewrite-timestamp.
 */
import type { ExportEntry } from "../../client/src/solve-request.js";

const REWRITE = { "rewrite-timestamp": "true" };

/** The image as a tarball at `dest`: docker save's layout, or an OCI layout for several platforms. */
export function tarballExport(ref: string, multiPlatform: boolean, dest: string): ExportEntry {
  return { type: multiPlatform ? "oci" : "docker", attrs: { name: ref, ...REWRITE }, dest };
}

/** A push of `name`: by digest only (no tag), or tagged. */
export function pushExport(name: string, byDigest: boolean): ExportEntry {
  return { type: "image", attrs: { name, push: "true", ...(byDigest ? { "push-by-digest": "true" } : {}), ...REWRITE, store: "false" } };
}
