/**
 * What the frontend knows of its own image: BuildKit mounts the frontend image's digest-pinned
 * Definition into the frontend container, and the image may carry a uv binary (docker/ bakes it
 * in when built with a uv image). Install steps then mount uv from this same image, so no
 * separate uv image is pulled.
 */
import { existsSync, readFileSync } from "node:fs";
import { decodeDefinition, decodeOp } from "../../llb/src/decode.js";

export const FRONTEND_DEFINITION = "/run/config/buildkit/metadata/frontend.bin";
/** Where docker/ puts uv inside the frontend image (the directory holds `uv`). */
export const OWN_UV_DIR = "/imagespec/uv";

/** The docker-image reference (pinned by digest) of the image a frontend Definition loads. */
export function imageOfDefinition(bytes: Uint8Array): string | undefined {
  const def = decodeDefinition(bytes);
  for (const op of def.def) {
    const decoded = decodeOp(op);
    if ("source" in decoded && decoded.source.identifier.startsWith("docker-image://")) {
      return decoded.source.identifier.slice("docker-image://".length);
    }
  }
  return undefined;
}

export interface OwnUv {
  /** The frontend image, pinned. */
  image: string;
  /** Directory of that image holding `uv`, as a mount selector. */
  dir: string;
}

/** The frontend's own image as a uv source, when this process runs in an image that carries uv. */
export function ownUv(fs: { exists: (p: string) => boolean; read: (p: string) => Uint8Array } = { exists: existsSync, read: readFileSync }): OwnUv | undefined {
  if (!fs.exists(`${OWN_UV_DIR}/uv`) || !fs.exists(FRONTEND_DEFINITION)) return undefined;
  try {
    const image = imageOfDefinition(fs.read(FRONTEND_DEFINITION));
    return image ? { image, dir: OWN_UV_DIR.slice(1) } : undefined;
  } catch {
    return undefined;
  }
}
