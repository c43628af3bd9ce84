/**
 * The image's SBOM as an SPDX 2.3 JSON document, from what the frontend knows: the base image by
 * digest, every Python distribution of the environment (with the wheel it was installed from
 * when optimize resolved it), the apt packages the spec asked for. Pure and deterministic: the
 * same facts give the same bytes (packages and relationships sorted, ids derived from content,
 * the creation time given by the caller).
 */
import { createHash } from "node:crypto";
import type { DebPackage } from "./dpkg-status.js";

export const SPDX_PREDICATE_TYPE = "https://spdx.dev/Document";

export interface PythonDistFacts {
  name: string;
  version: string;
  /** An SPDX licence expression. */
  license?: string;
  /** The licence as the metadata words it. */
  licenseText?: string;
  /** The wheel (or sdist) the resolve step pinned, when the build was optimized. */
  file?: { filename: string; sha256: string; url?: string };
}

export interface SbomFacts {
  /** The spec's digest (`sha256:…`) and file name: what the image is built from. */
  spec: { digest: string; filename: string };
  /** `linux/amd64`… */
  platform: string;
  /** The base image as pinned (`host/repo@sha256:…` or `host/repo:tag@sha256:…`). */
  baseImage: string;
  python?: { venv: string; dists: readonly PythonDistFacts[] };
  debs: readonly DebPackage[];
  /** Debian's VERSION_ID (`12`) from the image's os-release, for the deb purls. */
  debianVersion?: string;
  /** apt requests no installed package answers (virtual packages): named in the document comment. */
  unknownDebs?: readonly string[];
  /** ISO 8601 UTC, seconds precision. */
  created: string;
  /** `imagespec-frontend-0.1.0`. */
  tool: string;
}

interface SpdxPackage {
  SPDXID: string;
  name: string;
  versionInfo?: string;
  packageFileName?: string;
  downloadLocation: string;
  filesAnalyzed: false;
  checksums?: { algorithm: "SHA256"; checksumValue: string }[];
  licenseConcluded: string;
  licenseDeclared: string;
  licenseComments?: string;
  copyrightText: string;
  sourceInfo?: string;
  comment?: string;
  externalRefs?: { referenceCategory: "PACKAGE-MANAGER"; referenceType: "purl"; referenceLocator: string }[];
  primaryPackagePurpose: "CONTAINER" | "LIBRARY" | "APPLICATION";
  supplier?: string;
}

export interface SpdxRelationship {
  spdxElementId: string;
  relationshipType: "DESCRIBES" | "CONTAINS" | "DESCENDANT_OF";
  relatedSpdxElement: string;
}

export interface SpdxDocument {
  spdxVersion: "SPDX-2.3";
  dataLicense: "CC0-1.0";
  SPDXID: "SPDXRef-DOCUMENT";
  name: string;
  documentNamespace: string;
  comment?: string;
  creationInfo: { created: string; creators: string[] };
  documentDescribes: string[];
  packages: SpdxPackage[];
  relationships: SpdxRelationship[];
}

const NOASSERTION = "NOASSERTION";
const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

/** PEP 503 normalized name, as the pypi purl type spells names. */
export const pypiName = (n: string) => n.toLowerCase().replace(/[-_.]+/g, "-");

/** A purl path segment or version: percent-encoded (`+` and `:` included). */
const purlPart = (s: string) => encodeURIComponent(s);

export function pypiPurl(name: string, version: string): string {
  return `pkg:pypi/${purlPart(pypiName(name))}@${purlPart(version)}`;
}

export function debPurl(p: DebPackage, debianVersion?: string): string {
  const q = [`arch=${purlPart(p.arch)}`, ...(debianVersion ? [`distro=debian-${purlPart(debianVersion)}`] : [])];
  return `pkg:deb/debian/${purlPart(p.name)}@${purlPart(p.version)}?${q.join("&")}`;
}

/** `host/path/name[:tag]@sha256:…` as an OCI purl: `pkg:oci/name@sha256%3A…?repository_url=host/path/name`. */
export function ociPurl(ref: string): string | undefined {
  const at = ref.lastIndexOf("@");
  if (at < 0) return undefined;
  const digest = ref.slice(at + 1);
  let repo = ref.slice(0, at);
  const lastSlash = repo.lastIndexOf("/");
  const colon = repo.lastIndexOf(":");
  if (colon > lastSlash) repo = repo.slice(0, colon);
  const name = repo.slice(repo.lastIndexOf("/") + 1).toLowerCase();
  return `pkg:oci/${purlPart(name)}@${purlPart(digest)}?repository_url=${purlPart(repo)}`;
}

/** An SPDX id (`SPDXRef-` and letters, digits, `.`, `-`), unique by a short hash of what it names. */
function spdxId(kind: string, name: string, key: string): string {
  const safe = name.replace(/[^A-Za-z0-9.-]+/g, "-").replace(/^-+|-+$/g, "") || "x";
  return `SPDXRef-${kind}-${safe}-${sha256(key).slice(0, 12)}`;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function basePackage(ref: string): SpdxPackage {
  const at = ref.lastIndexOf("@");
  const name = at < 0 ? ref : ref.slice(0, at);
  const digest = at < 0 ? undefined : ref.slice(at + 1);
  const purl = ociPurl(ref);
  const hex = digest && /^sha256:([0-9a-f]{64})$/.exec(digest)?.[1];
  return {
    SPDXID: spdxId("BaseImage", name.slice(name.lastIndexOf("/") + 1), ref),
    name,
    ...(digest ? { versionInfo: digest } : {}),
    downloadLocation: NOASSERTION,
    filesAnalyzed: false,
    ...(hex ? { checksums: [{ algorithm: "SHA256" as const, checksumValue: hex }] } : {}),
    licenseConcluded: NOASSERTION,
    licenseDeclared: NOASSERTION,
    copyrightText: NOASSERTION,
    comment: "The base image, by the digest of the manifest or index its reference resolved to.",
    ...(purl ? { externalRefs: [{ referenceCategory: "PACKAGE-MANAGER" as const, referenceType: "purl" as const, referenceLocator: purl }] } : {}),
    primaryPackagePurpose: "CONTAINER",
  };
}

function pythonPackage(d: PythonDistFacts, venv: string): SpdxPackage {
  const purl = pypiPurl(d.name, d.version);
  const f = d.file;
  return {
    SPDXID: spdxId("PyPI", pypiName(d.name), purl),
    name: d.name,
    versionInfo: d.version,
    ...(f ? { packageFileName: f.filename } : {}),
    downloadLocation: f?.url ?? NOASSERTION,
    filesAnalyzed: false,
    ...(f ? { checksums: [{ algorithm: "SHA256" as const, checksumValue: f.sha256 }] } : {}),
    licenseConcluded: NOASSERTION,
    licenseDeclared: d.license ?? NOASSERTION,
    ...(d.licenseText ? { licenseComments: `From METADATA: ${d.licenseText}` } : {}),
    copyrightText: NOASSERTION,
    sourceInfo: f
      ? `installed into ${venv} from ${f.filename}, pinned by its sha256 when the frontend resolved the spec`
      : `installed into ${venv}; found in its site-packages (the wheel it came from is not known: the build was not optimized)`,
    externalRefs: [{ referenceCategory: "PACKAGE-MANAGER", referenceType: "purl", referenceLocator: purl }],
    primaryPackagePurpose: "LIBRARY",
  };
}

function debPackage(p: DebPackage, debianVersion: string | undefined): SpdxPackage {
  const purl = debPurl(p, debianVersion);
  return {
    SPDXID: spdxId("Deb", `${p.name}-${p.arch}`, purl),
    name: p.name,
    versionInfo: p.version,
    downloadLocation: NOASSERTION,
    filesAnalyzed: false,
    licenseConcluded: NOASSERTION,
    licenseDeclared: NOASSERTION,
    copyrightText: NOASSERTION,
    sourceInfo: `installed by apt-get as the spec asked; version and architecture (${p.arch}) from dpkg's status${p.source ? `; source package ${p.source}` : ""}`,
    externalRefs: [{ referenceCategory: "PACKAGE-MANAGER", referenceType: "purl", referenceLocator: purl }],
    primaryPackagePurpose: "LIBRARY",
  };
}

/** The SPDX 2.3 document of one platform's image. */
export function spdxDocument(f: SbomFacts): SpdxDocument {
  const base = basePackage(f.baseImage);
  const python = f.python ? [...f.python.dists].sort((a, b) => cmp(pypiName(a.name), pypiName(b.name)) || cmp(a.version, b.version)).map((d) => pythonPackage(d, f.python!.venv)) : [];
  const debs = [...f.debs].sort((a, b) => cmp(a.name, b.name) || cmp(a.arch, b.arch)).map((p) => debPackage(p, f.debianVersion));
  const contents = [...python, ...debs];
  // The root: the image itself, named by the spec it is built from.
  const fingerprint = sha256(JSON.stringify([f.spec.digest, f.platform, base, contents]));
  const root: SpdxPackage = {
    SPDXID: "SPDXRef-Image",
    name: `image built from ${f.spec.filename}`,
    versionInfo: f.spec.digest,
    downloadLocation: NOASSERTION,
    filesAnalyzed: false,
    licenseConcluded: NOASSERTION,
    licenseDeclared: NOASSERTION,
    copyrightText: NOASSERTION,
    comment: `The container image for ${f.platform}, built by ${f.tool} from the spec whose digest is its version.`,
    primaryPackagePurpose: "CONTAINER",
  };
  const relationships: SpdxRelationship[] = [
    { spdxElementId: "SPDXRef-DOCUMENT", relationshipType: "DESCRIBES", relatedSpdxElement: root.SPDXID },
    { spdxElementId: root.SPDXID, relationshipType: "DESCENDANT_OF", relatedSpdxElement: base.SPDXID },
    ...contents.map((p) => ({ spdxElementId: root.SPDXID, relationshipType: "CONTAINS" as const, relatedSpdxElement: p.SPDXID })),
  ];
  const notes = [
    "Python distributions: every distribution in the image's Python environment; apt packages: the ones the spec asked for, as installed.",
    ...(f.unknownDebs && f.unknownDebs.length > 0 ? [`apt requests with no installed package of that name (virtual packages): ${[...f.unknownDebs].sort().join(", ")}.`] : []),
  ];
  return {
    spdxVersion: "SPDX-2.3",
    dataLicense: "CC0-1.0",
    SPDXID: "SPDXRef-DOCUMENT",
    name: `${f.spec.filename} (${f.platform})`,
    documentNamespace: `https://spdx.org/spdxdocs/imagespec-frontend/${fingerprint}`,
    comment: notes.join(" "),
    creationInfo: { created: f.created, creators: [`Tool: ${f.tool}`] },
    documentDescribes: [root.SPDXID],
    packages: [root, base, ...contents],
    relationships,
  };
}

/** The document's bytes: JSON with two-space indentation and a final newline (field order as built). */
export function serializeSpdx(doc: SpdxDocument): string {
  return JSON.stringify(doc, null, 2) + "\n";
}

/** `SOURCE_DATE_EPOCH` (whole seconds) as SPDX's `created`; the Unix epoch when not given (the image config's rule). */
export { createdFrom } from "../options/source-date.js";
