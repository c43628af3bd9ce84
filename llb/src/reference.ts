/** Docker image reference normalization (ParseNormalizedNamed + TagNameOnly). */

const DEFAULT_DOMAIN = "docker.io";
const OFFICIAL_PREFIX = "library/";
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]+)?$|^\[[0-9a-fA-F:]+\](?::[0-9]+)?$/;

/** A parsed, normalized image reference. */
export interface ImageReference {
  domain: string;
  path: string;
  tag?: string;
  digest?: string;
}

/** Parses an image reference, adding `docker.io/library/` and `:latest` like BuildKit does. */
export function parseImageReference(ref: string): ImageReference {
  const input = ref.trim();
  if (input === "" || input !== ref) throw new Error(`invalid image reference "${ref}"`);
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw new Error(`invalid digest in image reference "${ref}"`);
  }
  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(":");
  if (lastColon > rest.lastIndexOf("/")) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!TAG.test(tag)) throw new Error(`invalid tag in image reference "${ref}"`);
  }
  let domain = DEFAULT_DOMAIN;
  let path = rest;
  const slash = rest.indexOf("/");
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (first.includes(".") || first.includes(":") || first === "localhost" || first !== first.toLowerCase()) {
      domain = first;
      path = rest.slice(slash + 1);
    }
  }
  if (!DOMAIN.test(domain)) throw new Error(`invalid registry "${domain}" in image reference "${ref}"`);
  if (domain === "index.docker.io") domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !path.includes("/")) path = OFFICIAL_PREFIX + path;
  if (path === "" || !path.split("/").every((c) => COMPONENT.test(c))) {
    throw new Error(`invalid repository name in image reference "${ref}" (must be lowercase)`);
  }
  if (!tag && !digest) tag = "latest";
  const out: ImageReference = { domain, path };
  if (tag) out.tag = tag;
  if (digest) out.digest = digest;
  return out;
}

/** `domain/path[:tag][@digest]`. */
export function formatImageReference(r: ImageReference): string {
  return `${r.domain}/${r.path}${r.tag ? ":" + r.tag : ""}${r.digest ? "@" + r.digest : ""}`;
}

/** Normalizes to a fully-qualified reference with a tag or digest. */
export function normalizeImageReference(ref: string): string {
  return formatImageReference(parseImageReference(ref));
}

/** The reference pinned to a digest: `domain/path[:tag]@digest`. */
export function pinImageReference(ref: string, digest: string): string {
  const r = parseImageReference(ref);
  return formatImageReference({ ...r, digest });
}
