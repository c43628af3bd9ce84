/** A canonical digest of a spec: the same spec gives the same digest whatever its format. */
import { createHash } from "node:crypto";
import type { ImageSpec } from "./model.js";

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      if (key === "at" || key === "index") continue;
      out[key] = canonical((value as Record<string, unknown>)[key]);
    }
    return out;
  }
  return value;
}

export function specDigest(spec: ImageSpec): string {
  return "sha256:" + createHash("sha256").update(JSON.stringify(canonical(spec))).digest("hex");
}
