/**
 * The operator's base image policy (`base-image-allow`, `base-image-deny`). A pattern is a
 * repository, optionally with a tag or a digest, written like a reference and normalized like
 * one (`python:*` is `docker.io/library/python:*`); `*` matches any run of characters.
 * - `REPO` matches every tag and digest of the repositories it matches; `REPO:*` too.
 * - `REPO:TAG` matches those tags. A reference pinned by digest pulls the digest whatever its
 *   tag says, so for allowing, a tag pattern does not match it (deny still does).
 * - `REPO@DIGEST` matches those digests.
 * Deny wins; with an allow list, only what it matches may be used.
 */
import { parseImageReference } from "../../llb/src/reference.js";
import { UserError } from "../common/errors.js";

export interface BasePolicy {
  allow: readonly string[];
  deny: readonly string[];
}

export class BaseImagePolicyError extends UserError {
  constructor(message: string) {
    super(message);
  }
}

/** Glob match where `*` is any run of characters (`/` and `:` included), in O(pattern × text) at worst. */
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

/** Registry host names as the policy compares them: lowercase, Docker Hub under one name. */
function canonicalDomain(domain: string): string {
  const d = domain.toLowerCase();
  return d === "index.docker.io" || d === "registry-1.docker.io" ? "docker.io" : d;
}

interface RefParts {
  repo: string;
  tag?: string;
  digest?: string;
}

function refParts(ref: string): RefParts {
  const r = parseImageReference(ref);
  return { repo: `${canonicalDomain(r.domain)}/${r.path}`, ...(r.tag ? { tag: r.tag } : {}), ...(r.digest ? { digest: r.digest } : {}) };
}

/** A pattern split like a reference, its repository normalized like one. */
export function patternParts(pattern: string): RefParts {
  let rest = pattern.trim();
  let digest: string | undefined;
  let tag: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const slash = rest.indexOf("/");
  let repo: string;
  if (slash < 0) repo = /^\*+$/.test(rest) ? rest : `docker.io/library/${rest}`;
  else {
    const first = rest.slice(0, slash);
    const isDomain = /[.:*]/.test(first) || first === "localhost" || first !== first.toLowerCase();
    repo = isDomain ? `${canonicalDomain(first)}${rest.slice(slash)}` : `docker.io/${rest}`;
    if (repo.startsWith("docker.io/") && !repo.slice("docker.io/".length).includes("/")) repo = `docker.io/library/${repo.slice("docker.io/".length)}`;
  }
  return { repo, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

function matches(pattern: RefParts, ref: RefParts, mode: "allow" | "deny"): boolean {
  if (!matchesPattern(pattern.repo, ref.repo)) return false;
  if (pattern.digest !== undefined) return ref.digest !== undefined && matchesPattern(pattern.digest, ref.digest);
  if (pattern.tag === undefined || pattern.tag === "*") return true;
  if (ref.tag === undefined || (mode === "allow" && ref.digest !== undefined)) return false;
  return matchesPattern(pattern.tag, ref.tag);
}

/** Throws naming the pattern when `ref` (as the spec or a named context gives it) is outside the policy. */
export function checkBaseImage(ref: string, policy: BasePolicy, what = "base image"): void {
  if (policy.allow.length === 0 && policy.deny.length === 0) return;
  const parts = refParts(ref);
  const shown = `${parts.repo}${parts.tag ? ":" + parts.tag : ""}${parts.digest ? "@" + parts.digest : ""}`;
  const denied = policy.deny.find((p) => matches(patternParts(p), parts, "deny"));
  if (denied !== undefined) {
    throw new BaseImagePolicyError(`${what} "${ref}" (${shown}) is denied by the operator's base-image-deny pattern "${denied}"`);
  }
  if (policy.allow.length > 0 && !policy.allow.some((p) => matches(patternParts(p), parts, "allow"))) {
    const byTagOnly = parts.digest !== undefined && policy.allow.some((p) => matches(patternParts(p), { repo: parts.repo, ...(parts.tag ? { tag: parts.tag } : {}) }, "allow"));
    throw new BaseImagePolicyError(
      `${what} "${ref}" (${shown}) is not allowed: it matches none of the operator's base-image-allow patterns (${policy.allow.map((p) => `"${p}"`).join(", ")})` +
        (byTagOnly ? "; its tag matches, but it is pinned by digest, which a tag pattern does not allow (allow the repository or the digest)" : ""),
    );
  }
}
