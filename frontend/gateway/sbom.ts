/**
 * The SBOM attestation of one platform's image (`attest:sbom`): facts read from the built
 * filesystem (the Python environment's METADATA files, dpkg's status, os-release), the plan's
 * (base image digest, the wheels optimize pinned), made into an SPDX document, solved into a
 * filesystem holding it, and returned as an in-toto attestation the way BuildKit attaches SBOMs.
 */
import { formatPlatform, type Platform } from "../../llb/src/platform.js";
import type { ImageSpec } from "../imagespec/model.js";
import type { Plan } from "../plan/plan.js";
import { documentDefinition } from "../lower/reads.js";
import { parseDistMetadata, type DistMetadata } from "../sbom/dist-metadata.js";
import { debianArch, parseDpkgStatus, requestedDebs } from "../sbom/dpkg-status.js";
import { pythonDists } from "../sbom/python-facts.js";
import { serializeSpdx, spdxDocument, SPDX_PREDICATE_TYPE, type SbomFacts } from "../sbom/spdx.js";
import type { Caps, Gateway } from "./gateway.js";

/** Where the document sits in the attestation's filesystem. */
export const SBOM_PATH = "/sbom.spdx.json";
const DPKG_STATUS = "/var/lib/dpkg/status";
const MAX_STATUS_BYTES = 64 << 20;
const MAX_METADATA_BYTES = 4 << 20;

/** An attestation of the gateway's Result (moby.buildkit.v1.frontend.Attestation). */
export interface ResultAttestation {
  kind: number;
  metadata: Record<string, Buffer>;
  ref: { id: string };
  path: string;
  inTotoPredicateType: string;
}

const ATTESTATION_KIND_IN_TOTO = 0;

export interface SbomInput {
  gw: Gateway;
  /** The platform's image filesystem. */
  ref: string;
  plan: Plan;
  spec: ImageSpec;
  specDigest: string;
  specFilename: string;
  platform: Platform;
  created: string;
  tool: string;
}

const decode = (b: Uint8Array) => new TextDecoder().decode(b);

/** The METADATA of every distribution in the environment's site-packages. */
async function installedDists(gw: Gateway, ref: string, sitePackages: string): Promise<DistMetadata[]> {
  const entries = await gw.readDirIfExists(ref, sitePackages);
  const infos = entries.map((e) => e.path.replace(/^.*\//, "")).filter((n) => n.endsWith(".dist-info")).sort();
  const read = await Promise.all(infos.map(async (n) => gw.readFileIfExists(ref, `${sitePackages}/${n}/METADATA`, MAX_METADATA_BYTES)));
  return read.flatMap((b) => {
    const m = b ? parseDistMetadata(decode(b)) : undefined;
    return m ? [m] : [];
  });
}

/** `VERSION_ID` of /etc/os-release when the image is Debian. */
async function debianVersion(gw: Gateway, ref: string): Promise<string | undefined> {
  const b = (await gw.readFileIfExists(ref, "/etc/os-release", 1 << 16)) ?? (await gw.readFileIfExists(ref, "/usr/lib/os-release", 1 << 16));
  if (!b) return undefined;
  const fields = new Map(decode(b).split("\n").flatMap((l) => {
    const m = /^([A-Z_]+)=(.*)$/.exec(l.trim());
    return m ? [[m[1]!, m[2]!.replace(/^["']|["']$/g, "")] as const] : [];
  }));
  return fields.get("ID") === "debian" ? fields.get("VERSION_ID") : undefined;
}

/** The facts of one platform's SBOM, read from its built filesystem. */
export async function sbomFacts(i: SbomInput): Promise<SbomFacts> {
  const { gw, ref, plan } = i;
  const aptRequests = i.spec.layers.flatMap((l) => (l.kind === "apt_packages" ? l.packages : []));
  const inst = plan.installer;
  const sitePackages = inst ? `${inst.venv}/lib/python${inst.python}/site-packages` : undefined;
  const [status, installed, debian] = await Promise.all([
    aptRequests.length > 0 ? gw.readFileIfExists(ref, DPKG_STATUS, MAX_STATUS_BYTES) : Promise.resolve(undefined),
    sitePackages ? installedDists(gw, ref, sitePackages) : Promise.resolve([]),
    aptRequests.length > 0 ? debianVersion(gw, ref) : Promise.resolve(undefined),
  ]);
  const debs = requestedDebs(status ? parseDpkgStatus(decode(status)) : [], aptRequests, debianArch(i.platform.architecture, i.platform.variant));
  return {
    spec: { digest: i.specDigest, filename: i.specFilename },
    platform: formatPlatform(i.platform),
    baseImage: plan.base.ref,
    ...(inst ? { python: { venv: inst.venv, dists: pythonDists(installed, plan.pinned) } } : {}),
    debs: debs.found,
    ...(debs.unknown.length > 0 ? { unknownDebs: debs.unknown } : {}),
    ...(debian ? { debianVersion: debian } : {}),
    created: i.created,
    tool: i.tool,
  };
}

/** The SBOM of one platform's image as a Result attestation. */
export async function sbomAttestation(i: SbomInput, caps: Caps): Promise<ResultAttestation> {
  const doc = serializeSpdx(spdxDocument(await sbomFacts(i)));
  const def = documentDefinition(SBOM_PATH, doc, `[${formatPlatform(i.platform)}] SBOM (SPDX 2.3) of the image, from the frontend's own facts`);
  caps.llb.requireAll(def);
  const id = await i.gw.solve(def);
  return {
    kind: ATTESTATION_KIND_IN_TOTO,
    metadata: { reason: Buffer.from("sbom") },
    ref: { id },
    path: SBOM_PATH,
    inTotoPredicateType: SPDX_PREDICATE_TYPE,
  };
}
