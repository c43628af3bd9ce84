/**
 * The SBOM attestation of one platform's image (`attest:sbom`): files read from the built
 * filesystem (the Python environment's METADATA, dpkg's status, os-release) and the plan's facts
 * (base image digest, the wheels optimize pinned) make an SPDX document, which is solved into a
 * filesystem holding it and returned as an in-toto attestation, as BuildKit attaches SBOMs.
 */
import { formatPlatform, type Platform } from "../../llb/src/platform.js";
import type { ImageSpec } from "../imagespec/model.js";
import type { Plan } from "../plan/plan.js";
import { documentDefinition } from "../lower/reads.js";
import { DPKG_STATUS, imageFiles, OS_RELEASE, sbomFactsOf, type ImageTexts } from "../sbom/facts.js";
import { serializeSpdx, spdxDocument, SPDX_PREDICATE_TYPE } from "../sbom/spdx.js";
import type { Caps, Gateway } from "./gateway.js";

/** Where the document sits in the attestation's filesystem. */
export const SBOM_PATH = "/sbom.spdx.json";
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

const decode = (b: Uint8Array | undefined) => (b ? new TextDecoder().decode(b) : undefined);

/** The files the SBOM is made from, read from the built filesystem (reading it builds it). */
async function readImage(gw: Gateway, ref: string, plan: Plan, spec: ImageSpec): Promise<ImageTexts> {
  const want = imageFiles(plan, spec);
  const metadata = async (site: string): Promise<string[]> => {
    const infos = (await gw.readDirIfExists(ref, site)).map((e) => e.path.replace(/^.*\//, "")).filter((n) => n.endsWith(".dist-info")).sort();
    const texts = await Promise.all(infos.map((n) => gw.readFileIfExists(ref, `${site}/${n}/METADATA`, MAX_METADATA_BYTES)));
    return texts.flatMap((t) => decode(t) ?? []);
  };
  const osRelease = async () => decode((await gw.readFileIfExists(ref, OS_RELEASE[0], 1 << 16)) ?? (await gw.readFileIfExists(ref, OS_RELEASE[1], 1 << 16)));
  const [dpkgStatus, meta, os] = await Promise.all([
    want.apt ? gw.readFileIfExists(ref, DPKG_STATUS, MAX_STATUS_BYTES).then(decode) : Promise.resolve(undefined),
    want.sitePackages ? metadata(want.sitePackages) : Promise.resolve([]),
    want.apt ? osRelease() : Promise.resolve(undefined),
  ]);
  return { metadata: meta, ...(dpkgStatus !== undefined ? { dpkgStatus } : {}), ...(os !== undefined ? { osRelease: os } : {}) };
}

/** The SBOM of one platform's image as a Result attestation. */
export async function sbomAttestation(i: SbomInput, caps: Caps): Promise<ResultAttestation> {
  const texts = await readImage(i.gw, i.ref, i.plan, i.spec);
  const platform = { id: formatPlatform(i.platform), architecture: i.platform.architecture, ...(i.platform.variant ? { variant: i.platform.variant } : {}) };
  const facts = sbomFactsOf({ plan: i.plan, spec: i.spec, specDigest: i.specDigest, specFilename: i.specFilename, platform, texts, created: i.created, tool: i.tool });
  const def = documentDefinition(SBOM_PATH, serializeSpdx(spdxDocument(facts)), `[${platform.id}] SBOM (SPDX 2.3) of the image, from the frontend's own facts`);
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
