/**
 * The operator's base image policy (`base-image-allow`, `base-image-deny`): reference patterns
 * with `*` wildcards, matched against the normalized reference (`python:3.12` is
 * `docker.io/library/python:3.12`). Deny wins; with an allow list, only what it matches is used.
 */
import { normalizeImageReference } from "../../llb/src/index.js";

export interface BasePolicy {
  allow: readonly string[];
  deny: readonly string[];
}

export class BaseImagePolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BaseImagePolicyError";
  }
}

/** Glob match where `*` is any run of characters (`/` and `:` included); linear in practice. */
export function matchesPattern(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    if (p < pattern.length && pattern[p] !== "*" && pattern[p] === text[t]) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === "*") {
      star = p++;
      mark = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++mark;
    } else return false;
  }
  while (p < pattern.length && pattern[p] === "*") p++;
  return p === pattern.length;
}

/** A pattern written the way users write references (`python:*`) means its normalized form. */
function normalizePattern(pattern: string): string {
  if (pattern.includes("*")) {
    const firstSlash = pattern.indexOf("/");
    const first = firstSlash < 0 ? pattern : pattern.slice(0, firstSlash);
    const hasDomain = firstSlash >= 0 && (first.includes(".") || first.includes(":") || first === "localhost" || first === "*");
    if (hasDomain) return pattern;
    return firstSlash < 0 ? `docker.io/library/${pattern}` : `docker.io/${pattern}`;
  }
  try {
    return normalizeImageReference(pattern);
  } catch {
    return pattern;
  }
}

/** Throws naming the pattern when `ref` (as the spec or a named context gives it) is outside the policy. */
export function checkBaseImage(ref: string, policy: BasePolicy, what = "base image"): void {
  if (policy.allow.length === 0 && policy.deny.length === 0) return;
  const normalized = normalizeImageReference(ref);
  const denied = policy.deny.find((p) => matchesPattern(normalizePattern(p), normalized));
  if (denied !== undefined) {
    throw new BaseImagePolicyError(`${what} "${ref}" (${normalized}) is denied by the operator's base-image-deny pattern "${denied}"`);
  }
  if (policy.allow.length > 0 && !policy.allow.some((p) => matchesPattern(normalizePattern(p), normalized))) {
    throw new BaseImagePolicyError(
      `${what} "${ref}" (${normalized}) is not allowed: it matches none of the operator's base-image-allow patterns (${policy.allow.map((p) => `"${p}"`).join(", ")})`,
    );
  }
}
