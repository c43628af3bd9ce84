/** Docker image reference normalization (ParseNormalizedNamed + TagNameOnly). */

const DEFAULT_DOMAIN = "docker.io";
const OFFICIAL_PREFIX = "library/";
/** distribution/reference's NameTotalLengthMax. */
const NAME_MAX = 255;
const TAG_MAX = 128;
/** Hex length of each digest algorithm BuildKit (go-digest) accepts. */
const DIGEST_HEX_LENGTH: Readonly<Record<string, number>> = { sha256: 64, sha384: 96, sha512: 128 };

/** The reference quoted for a message; a very long one is cut, keeping its start and length. */
const shown = (ref: string) => (ref.length <= 200 ? `"${ref}"` : `"${ref.slice(0, 100)}…" (${ref.length} characters)`);
const isLowerAlnum = (c: string | undefined) => c !== undefined && ((c >= "a" && c <= "z") || (c >= "0" && c <= "9"));
const isWordChar = (c: string | undefined) => c !== undefined && /^\w$/.test(c);

/** Optional work counter: characters examined, which tests bound to prove linear time. */
type Work = { steps: number } | undefined;

/** A parsed, normalized image reference. */
export interface ImageReference {
  domain: string;
  path: string;
  tag?: string;
  digest?: string;
}

/** Why a digest is malformed, or undefined: `algorithm:hex` with a supported algorithm and its exact length. */
function digestProblem(digest: string, work: Work): string | undefined {
  if (work) work.steps += digest.length;
  const colon = digest.indexOf(":");
  if (colon < 0) return `expected algorithm:hex after "@", like sha256:<64 hex digits>`;
  const algorithm = digest.slice(0, colon);
  const hex = digest.slice(colon + 1);
  const length = DIGEST_HEX_LENGTH[algorithm];
  if (length === undefined) return `unsupported digest algorithm ${JSON.stringify(algorithm.slice(0, 40))}; use ${Object.keys(DIGEST_HEX_LENGTH).join(", ")}`;
  const bad = /[^0-9a-f]/.exec(hex);
  if (bad) return `a ${algorithm} digest is lowercase hex (0-9, a-f), found ${JSON.stringify(bad[0])}`;
  if (hex.length !== length) return `a ${algorithm} digest has ${length} hex digits, this one has ${hex.length}`;
  return undefined;
}

function tagProblem(tag: string, work: Work): string | undefined {
  if (work) work.steps += tag.length;
  if (tag === "") return `the tag after ":" is empty`;
  if (tag.length > TAG_MAX) return `a tag is at most ${TAG_MAX} characters, this one has ${tag.length}`;
  if (!isWordChar(tag[0]) || !/^[\w.-]*$/.test(tag)) return `a tag is letters, digits, "_", "." and "-", not starting with "." or "-"`;
  return undefined;
}

/** A domain-name label: letters, digits and inner dashes. */
function isHostLabel(label: string, work: Work): boolean {
  if (work) work.steps += label.length + 1;
  return /^[A-Za-z0-9-]+$/.test(label) && label[0] !== "-" && label[label.length - 1] !== "-";
}

/** `host[:port]`, host a domain name, IPv4 address or `[IPv6]`; undefined when valid. */
function domainProblem(domain: string, work: Work): string | undefined {
  if (work) work.steps += domain.length;
  let host = domain;
  let port: string | undefined;
  if (domain.startsWith("[")) {
    const close = domain.indexOf("]");
    if (close < 0 || !/^[0-9a-fA-F:]+$/.test(domain.slice(1, close))) return "an IPv6 address is hex digits and colons in [brackets]";
    host = domain.slice(0, close + 1);
    const rest = domain.slice(close + 1);
    if (rest !== "" && !rest.startsWith(":")) return `expected ":port" after "]"`;
    if (rest) port = rest.slice(1);
  } else {
    const colon = domain.indexOf(":");
    if (colon >= 0) {
      host = domain.slice(0, colon);
      port = domain.slice(colon + 1);
    }
    if (!host.split(".").every((label) => isHostLabel(label, work))) return "a host name is dot-separated labels of letters, digits and inner dashes";
  }
  if (port !== undefined && (!/^[0-9]+$/.test(port) || Number(port) < 1 || Number(port) > 65535)) return `the port ${JSON.stringify(port)} is not a number from 1 to 65535`;
  return undefined;
}

/** A path component: lowercase alphanumeric runs joined by ".", "_", "__" or dashes. */
function isPathComponent(c: string, work: Work): boolean {
  let i = 0;
  for (;;) {
    const start = i;
    while (isLowerAlnum(c[i])) i++;
    if (work) work.steps += i - start + 1;
    if (i === start) return false;
    if (i === c.length) return true;
    if (c[i] === "." || c[i] === "_") i += c[i] === "_" && c[i + 1] === "_" ? 2 : 1;
    else if (c[i] === "-") while (c[i] === "-") i++;
    else return false;
  }
}

/** Parses an image reference, adding `docker.io/library/` and `:latest` like BuildKit does. */
export function parseImageReference(ref: string, work?: { steps: number }): ImageReference {
  // The few whole-string passes below (trim, indexOf, split, toLowerCase…), counted once.
  if (work) work.steps += ref.length;
  const input = ref.trim();
  if (input === "" || input !== ref) throw new Error(`invalid image reference ${shown(ref)}`);
  const fail = (what: string, detail: string): never => {
    throw new Error(`invalid ${what} in image reference ${shown(ref)}: ${detail}`);
  };
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    const problem = digestProblem(digest, work);
    if (problem) fail("digest", problem);
  }
  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(":");
  if (lastColon > rest.lastIndexOf("/")) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    const problem = tagProblem(tag, work);
    if (problem) fail("tag", problem);
  }
  if (rest.length > NAME_MAX) fail("repository name", `the name is ${rest.length} characters, at most ${NAME_MAX} are allowed`);
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
  const problem = domainProblem(domain, work);
  if (problem) throw new Error(`invalid registry "${domain}" in image reference ${shown(ref)}: ${problem}`);
  if (domain === "index.docker.io") domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !path.includes("/")) path = OFFICIAL_PREFIX + path;
  if (path !== path.toLowerCase()) throw new Error(`invalid repository name in image reference ${shown(ref)} (must be lowercase)`);
  const components = path.split("/");
  if (components.some((c) => c === "")) fail("repository name", "a path component is empty (check for // or a / at either end)");
  const bad = components.find((c) => !isPathComponent(c, work));
  if (bad !== undefined) fail("repository name", `path component ${JSON.stringify(bad)} must be lowercase letters and digits, joined by ".", "_", "__" or dashes`);
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
