/**
 * SBOM documents from the build's facts, no daemon: a spec resolved by canned pip reports
 * (through optimize's phase loop, as a build runs it), the environment's METADATA and dpkg's
 * status as read from an image; each document is checked against the official SPDX 2.3 schema.
 */
import { describe, expect, it } from "vitest";
import { optimizeInPhases } from "../../../frontend/optimize/phases.js";
import type { FactSource } from "../../../frontend/optimize/facts.js";
import { parsePipReport } from "../../../frontend/optimize/resolution.js";
import { CONTEXT_MOUNT } from "../../../frontend/plan/context.js";
import { parseDistMetadata } from "../../../frontend/sbom/dist-metadata.js";
import { aptRequestName, parseDpkgStatus, requestedDebs } from "../../../frontend/sbom/dpkg-status.js";
import { sbomFactsOf, type ImageTexts } from "../../../frontend/sbom/facts.js";
import { createdFrom, ociPurl, pypiPurl, serializeSpdx, spdxDocument, type SpdxDocument } from "../../../frontend/sbom/spdx.js";
import { loadSpec } from "../../../frontend/imagespec/load.js";
import { planSpec } from "../../support/compile-fixture.js";
import { spdxProblems } from "../../support/spdx.js";

const sha = (c: string) => c.repeat(64);
const INDEX = "https://ci-bot:s3cr3t-token@pypi.internal.example/simple";

/** A pip installation report as the resolve step writes it, with the index's credentials in its URLs. */
function pipReport(items: { name: string; version: string; hash: string; requested?: boolean; requires?: string[] }[]): string {
  return JSON.stringify({
    version: "1",
    pip_version: "24.0",
    environment: {},
    install: items.map((i) => ({
      metadata: { name: i.name, version: i.version, requires_dist: i.requires ?? [] },
      is_direct: false,
      requested: i.requested ?? false,
      download_info: {
        url: `https://ci-bot:s3cr3t-token@pypi.internal.example/packages/${i.name.replace(/-/g, "_")}-${i.version}-py3-none-any.whl?token=abc#sha256=${i.hash}`,
        archive_info: { hashes: { sha256: i.hash } },
      },
    })),
  });
}

const metadata = (name: string, version: string, license: string[] = []) => [`Metadata-Version: 2.4`, `Name: ${name}`, `Version: ${version}`, ...license, "", "A long description.", "License: not a header"].join("\n");

const DPKG_STATUS = `Package: jq
Status: install ok installed
Priority: optional
Architecture: amd64
Source: jq (1.6-2.1)
Version: 1.6-2.1
Description: lightweight and flexible command-line JSON processor
 jq is like sed for JSON data

Package: libjq1
Status: install ok installed
Architecture: amd64
Source: jq
Version: 1.6-2.1

Package: curl
Status: install ok installed
Architecture: amd64
Version: 7.88.1-10+deb12u8

Package: tzdata
Status: install ok installed
Architecture: all
Version: 2024a-0+deb12u1

Package: vim
Status: deinstall ok config-files
Architecture: amd64
Version: 2:9.0.1378-2
`;

const SPEC = {
  base_image: "registry.test/python:3.11",
  python_version: "3.11",
  layers: [{ apt_packages: { packages: ["jq", "curl=7.88.1-10+deb12u8", "tzdata", "awk"] } }, { pip_packages: { packages: ["acme-cli"], options: { index_url: INDEX } } }],
};

/** What a build of SPEC learns: optimize's plan (from the canned resolution) and the image's files. */
async function built(): Promise<{ doc: SpdxDocument; bytes: string }> {
  const planned = planSpec(SPEC);
  const source: FactSource = {
    resolve: async () => ({
      ok: true,
      dists: parsePipReport(pipReport([{ name: "acme-cli", version: "1.0.0", hash: sha("a"), requested: true, requires: ["tinyjson"] }, { name: "tinyjson", version: "1.1.0", hash: sha("b") }]), CONTEXT_MOUNT),
      installed: { pip: "24.0" },
    }),
    inspect: async (req) => new Map(req.ids.map((id) => [id, { size: 10, count: 1, shared: [`${id}/x.py`] }])),
  };
  const { plan } = await optimizeInPhases(planned.plan, source, { maxLayers: 64 });
  const texts: ImageTexts = {
    dpkgStatus: DPKG_STATUS,
    osRelease: 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n',
    metadata: [
      metadata("acme-cli", "1.0.0", ["License-Expression: MIT"]),
      metadata("tinyjson", "1.1.0", ["Classifier: License :: OSI Approved :: Apache Software License"]),
      metadata("pip", "24.0", ["License: MIT"]),
    ],
  };
  const spec = loadSpec(new TextEncoder().encode(JSON.stringify(SPEC)), "spec.json").spec;
  const facts = sbomFactsOf({ plan, spec, specDigest: `sha256:${sha("c")}`, specFilename: "spec.json", platform: { id: "linux/amd64", architecture: "amd64" }, texts, created: createdFrom(1700000000), tool: "imagespec-frontend-1.2.3" });
  const bytes = serializeSpdx(spdxDocument(facts));
  return { doc: JSON.parse(bytes) as SpdxDocument, bytes };
}

const byName = (doc: SpdxDocument, name: string) => doc.packages.find((p) => p.name === name)!;

describe("SBOM (SPDX 2.3) from the build's facts", () => {
  it("validates against the official SPDX 2.3 schema and the rules the schema leaves out", async () => {
    const { doc } = await built();
    expect(spdxProblems(doc)).toEqual([]);
    expect(doc.spdxVersion).toBe("SPDX-2.3");
    // The checker bites: a package without its required fields, an unknown relationship type.
    const broken = { ...doc, packages: [...doc.packages, { SPDXID: "SPDXRef-x" }], relationships: [{ spdxElementId: "SPDXRef-Image", relationshipType: "USES", relatedSpdxElement: "SPDXRef-y" }] };
    expect(spdxProblems(broken)).toEqual(expect.arrayContaining([expect.stringMatching(/^schema: \/packages\/\d+ must have required property 'name'/), expect.stringMatching(/^schema: \/relationships\/0\/relationshipType must be equal to one of the allowed values/), "relationship names unknown element SPDXRef-y"]));
    expect(doc.creationInfo).toEqual({ created: "2023-11-14T22:13:20Z", creators: ["Tool: imagespec-frontend-1.2.3"] });
  });

  it("names every Python distribution with its version, purl, licence and the wheel optimize pinned (sha256, index URL without credentials)", async () => {
    const { doc, bytes } = await built();
    const acme = byName(doc, "acme-cli");
    expect(acme).toMatchObject({
      versionInfo: "1.0.0",
      packageFileName: "acme_cli-1.0.0-py3-none-any.whl",
      checksums: [{ algorithm: "SHA256", checksumValue: sha("a") }],
      downloadLocation: "https://pypi.internal.example/packages/acme_cli-1.0.0-py3-none-any.whl",
      licenseDeclared: "MIT",
      externalRefs: [{ referenceCategory: "PACKAGE-MANAGER", referenceType: "purl", referenceLocator: "pkg:pypi/acme-cli@1.0.0" }],
    });
    expect(byName(doc, "tinyjson")).toMatchObject({ checksums: [{ algorithm: "SHA256", checksumValue: sha("b") }], licenseDeclared: "Apache-2.0" });
    // What the environment had before the spec's installs: listed, with no wheel to name.
    const pip = byName(doc, "pip");
    expect(pip).toMatchObject({ versionInfo: "24.0", licenseDeclared: "MIT", downloadLocation: "NOASSERTION" });
    expect(pip.checksums).toBeUndefined();
    for (const secret of ["s3cr3t", "ci-bot", "token=abc"]) expect(bytes).not.toContain(secret);
  });

  it("names the apt packages the spec asked for, as dpkg has them, and the base image by digest", async () => {
    const { doc } = await built();
    const debs = doc.packages.filter((p) => p.externalRefs?.[0]?.referenceLocator.startsWith("pkg:deb/"));
    expect(debs.map((p) => [p.name, p.versionInfo, p.externalRefs![0]!.referenceLocator])).toEqual([
      ["curl", "7.88.1-10+deb12u8", "pkg:deb/debian/curl@7.88.1-10%2Bdeb12u8?arch=amd64&distro=debian-12"],
      ["jq", "1.6-2.1", "pkg:deb/debian/jq@1.6-2.1?arch=amd64&distro=debian-12"],
      ["tzdata", "2024a-0+deb12u1", "pkg:deb/debian/tzdata@2024a-0%2Bdeb12u1?arch=all&distro=debian-12"],
    ]);
    expect(doc.comment).toContain("virtual packages): awk");
    const base = doc.packages.find((p) => p.primaryPackagePurpose === "CONTAINER" && p.SPDXID !== "SPDXRef-Image")!;
    const planned = planSpec(SPEC).plan.base.ref;
    expect(base.versionInfo).toBe(planned.slice(planned.lastIndexOf("@") + 1));
    expect(doc.relationships).toContainEqual({ spdxElementId: "SPDXRef-Image", relationshipType: "DESCENDANT_OF", relatedSpdxElement: base.SPDXID });
    expect(doc.relationships.filter((r) => r.relationshipType === "CONTAINS")).toHaveLength(6);
  });

  it("is the same bytes for the same facts, whatever order they were read in", async () => {
    const a = await built();
    const b = await built();
    expect(b.bytes).toBe(a.bytes);
    const facts = { spec: { digest: "sha256:x", filename: "s.yaml" }, platform: "linux/arm64", baseImage: `r/b@sha256:${sha("d")}`, created: createdFrom(undefined), tool: "t" };
    const dists = [{ name: "b", version: "2" }, { name: "A_b", version: "1" }];
    const debs = [{ name: "z", version: "1", arch: "arm64" }, { name: "a", version: "1", arch: "arm64" }];
    const one = serializeSpdx(spdxDocument({ ...facts, python: { venv: "/opt/venv", dists }, debs }));
    const two = serializeSpdx(spdxDocument({ ...facts, python: { venv: "/opt/venv", dists: [...dists].reverse() }, debs: [...debs].reverse() }));
    expect(two).toBe(one);
    expect(JSON.parse(one).creationInfo.created).toBe("1970-01-01T00:00:00Z");
    expect(spdxProblems(JSON.parse(one))).toEqual([]);
  });

  it("without optimize: the environment's distributions with no wheel facts, still valid", async () => {
    const plan = planSpec(SPEC, { settings: { optimize: false } }).plan;
    const spec = loadSpec(new TextEncoder().encode(JSON.stringify(SPEC)), "spec.json").spec;
    const facts = sbomFactsOf({ plan, spec, specDigest: "sha256:" + sha("c"), specFilename: "spec.json", platform: { id: "linux/amd64", architecture: "amd64" }, texts: { metadata: [metadata("acme-cli", "1.0.0")] }, created: createdFrom(0), tool: "t" });
    const doc = spdxDocument(facts);
    expect(spdxProblems(doc)).toEqual([]);
    expect(byName(doc, "acme-cli")).toMatchObject({ licenseDeclared: "NOASSERTION", downloadLocation: "NOASSERTION" });
    expect(byName(doc, "acme-cli").sourceInfo).toContain("not optimized");
    // No dpkg status read: every apt request is reported as not found, none invented.
    expect(doc.packages.some((p) => p.externalRefs?.[0]?.referenceLocator.startsWith("pkg:deb/"))).toBe(false);
  });
});

describe("SBOM fact readers", () => {
  it("dpkg status: installed packages only; requests by name, name=version, name:arch", () => {
    const all = parseDpkgStatus(DPKG_STATUS);
    expect(all.map((p) => `${p.name}:${p.arch}=${p.version}`)).toEqual(["curl:amd64=7.88.1-10+deb12u8", "jq:amd64=1.6-2.1", "libjq1:amd64=1.6-2.1", "tzdata:all=2024a-0+deb12u1"]);
    expect(all.find((p) => p.name === "libjq1")!.source).toBe("jq");
    expect(aptRequestName("libc6:arm64")).toEqual({ name: "libc6", arch: "arm64" });
    expect(aptRequestName("curl/bookworm-backports")).toEqual({ name: "curl" });
    const r = requestedDebs(all, ["jq", "jq", "curl:amd64", "vim", "tzdata"], "amd64");
    expect(r.found.map((p) => p.name)).toEqual(["jq", "curl", "tzdata"]);
    expect(r.unknown).toEqual(["vim"]);
  });

  it("METADATA: name, version, licence as an SPDX expression only when it is one; the rest as text", () => {
    expect(parseDistMetadata(metadata("a", "1", ["License-Expression: Apache-2.0 OR MIT"]))).toMatchObject({ license: "Apache-2.0 OR MIT" });
    expect(parseDistMetadata(metadata("a", "1", ["License: BSD"]))).toEqual({ name: "a", version: "1", licenseText: "License: BSD" });
    expect(parseDistMetadata(metadata("a", "1", ["Classifier: License :: OSI Approved :: BSD License"]))!.license).toBeUndefined();
    expect(parseDistMetadata(metadata("a", "1", ["License: Copyright (c) 2020", "        all rights reserved"]))!.licenseText).toBe("License: Copyright (c) 2020");
    expect(parseDistMetadata("Name: a\n\nVersion: 1\n")).toBeUndefined();
  });

  it("purls: pypi names normalized, versions and digests percent-encoded", () => {
    expect(pypiPurl("Zope.Interface", "6.0+local")).toBe("pkg:pypi/zope-interface@6.0%2Blocal");
    expect(ociPurl(`127.0.0.1:5000/debian-python:3.11@sha256:${sha("e")}`)).toBe(`pkg:oci/debian-python@sha256%3A${sha("e")}?repository_url=127.0.0.1%3A5000%2Fdebian-python`);
  });
});
