import { createHash } from "node:crypto";

/** `sha256:<hex>` of the given bytes: BuildKit's op digest. */
export function digestOf(bytes: Uint8Array): string {
  return "sha256:" + createHash("sha256").update(bytes).digest("hex");
}
