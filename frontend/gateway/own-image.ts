/**
 * What the frontend knows of its own image: BuildKit mounts the frontend image's digest-pinned
 * Definition into the frontend container, and the image may carry a uv binary (docker/ bakes it
 * in when built with a uv image) and a recent pip wheel. Install steps then mount uv, and
 * optimize's resolve steps that pip, from this same image, so nothing else is pulled.
 */
import { existsSync, readFileSync } from "node:fs";
import { decodeDefinition, decodeOp } from "../../llb/src/decode.js";
import type { ImageDir } from "../options/settings.js";

export const FRONTEND_DEFINITION = "/run/config/buildkit/metadata/frontend.bin";
/** Where docker/ puts uv inside the frontend image (the directory holds `uv`). */
export const OWN_UV_DIR = "/imagespec/uv";
/** Where docker/ puts the pip wheel optimize resolves with (the directory holds `pip.whl`; see docker/resolver-pip.txt). */
export const OWN_PIP_DIR = "/imagespec/pip";

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

interface Files {
  exists: (p: string) => boolean;
  read: (p: string) => Uint8Array;
}

const HOST_FILES: Files = { exists: existsSync, read: readFileSync };

/** `dir` of the frontend's own image, when this process runs in an image that has `dir/file`. */
function ownTool(dir: string, file: string, fs: Files): ImageDir | undefined {
  if (!fs.exists(`${dir}/${file}`) || !fs.exists(FRONTEND_DEFINITION)) return undefined;
  try {
    const image = imageOfDefinition(fs.read(FRONTEND_DEFINITION));
    return image ? { image, dir: dir.slice(1) } : undefined;
  } catch {
    return undefined;
  }
}

/** The frontend's own image as a uv source, when this process runs in an image that carries uv. */
export function ownUv(fs: Files = HOST_FILES): ImageDir | undefined {
  return ownTool(OWN_UV_DIR, "uv", fs);
}

/** The frontend's own image as the source of the pip optimize resolves with, when it carries one. */
export function ownPip(fs: Files = HOST_FILES): ImageDir | undefined {
  return ownTool(OWN_PIP_DIR, "pip.whl", fs);
}
