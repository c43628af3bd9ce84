/**
 * The SBOMs attached to a pushed image: BuildKit stores each platform's attestations as an
 * "attestation manifest" in the image index (annotated with the image manifest's digest), whose
 * layers are in-toto statements; the SBOMs are those with the SPDX predicate type.
 */
import type { RepositoryReader } from "./registry.js";

export const SPDX_PREDICATE_TYPE = "https://spdx.dev/Document";

export interface AttachedSbom {
  /** `linux/amd64`, `linux/arm/v7`. */
  platform: string;
  /** The image manifest the SBOM is about. */
  manifest: string;
  /** The SPDX document (the statement's predicate). */
  spdx: unknown;
}

interface Descriptor {
  digest: string;
  platform?: { os?: string; architecture?: string; variant?: string };
  annotations?: Record<string, string>;
}

const platformOf = (p: Descriptor["platform"]) => [p?.os ?? "unknown", p?.architecture ?? "unknown", ...(p?.variant ? [p.variant] : [])].join("/");

/** Every SPDX SBOM attached to the image at `reference` (tag or digest), by platform; none for an image without an index. */
export async function attachedSboms(reader: RepositoryReader, reference: string): Promise<AttachedSbom[]> {
  const index = await reader.manifest(reference);
  if (!index || !Array.isArray(index.body.manifests)) return [];
  const manifests = index.body.manifests as Descriptor[];
  const out: AttachedSbom[] = [];
  for (const image of manifests) {
    if (image.annotations?.["vnd.docker.reference.type"] === "attestation-manifest") continue;
    const att = manifests.find((m) => m.annotations?.["vnd.docker.reference.type"] === "attestation-manifest" && m.annotations["vnd.docker.reference.digest"] === image.digest);
    if (!att) continue;
    const manifest = await reader.manifest(att.digest);
    const layers = (manifest?.body.layers ?? []) as Descriptor[];
    for (const layer of layers.filter((l) => l.annotations?.["in-toto.io/predicate-type"] === SPDX_PREDICATE_TYPE)) {
      const statement = JSON.parse((await reader.blob(layer.digest)).toString("utf8")) as { predicate?: unknown };
      out.push({ platform: platformOf(image.platform), manifest: image.digest, spdx: statement.predicate });
    }
  }
  return out;
}
