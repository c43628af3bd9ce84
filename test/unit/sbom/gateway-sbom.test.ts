/**
 * The gateway's side of the SBOM against a fake daemon: which files it reads from the built
 * filesystem, and the attestation it returns (a solved filesystem holding the document).
 */
import { describe, expect, it } from "vitest";
import { CAP_SINCE, CapSet } from "../../../llb/src/caps.js";
import type { Definition } from "../../../llb/src/index.js";
import type { Gateway, DirEntry } from "../../../frontend/gateway/gateway.js";
import { sbomAttestation, SBOM_PATH } from "../../../frontend/gateway/sbom.js";
import { loadSpec } from "../../../frontend/imagespec/load.js";
import { planSpec } from "../../support/compile-fixture.js";
import { decodeOps } from "../../support/llb-inspect.js";
import { spdxProblems } from "../../support/spdx.js";

const SITE = "/opt/venv/lib/python3.11/site-packages";
const SPEC = { base_image: "registry.test/python:3.11", python_version: "3.11", layers: [{ apt_packages: { packages: ["jq"] } }, { pip_packages: { packages: ["acme-cli"] } }] };

function fakeGateway(files: Record<string, string>, dirs: Record<string, string[]>) {
  const reads: string[] = [];
  const solved: Definition[] = [];
  const gw = {
    readFileIfExists: async (ref: string, path: string) => {
      reads.push(`${ref}:${path}`);
      return path in files ? new TextEncoder().encode(files[path]) : undefined;
    },
    readDirIfExists: async (ref: string, dir: string): Promise<DirEntry[]> => {
      reads.push(`${ref}:${dir}/`);
      return (dirs[dir] ?? []).map((path) => ({ path, mode: 0o755 | 0x80000000, size: 0, linkname: "" }));
    },
    solve: async (def: Definition) => {
      solved.push(def);
      return "sbom-ref";
    },
  } as unknown as Gateway;
  return { gw, reads, solved };
}

const allCaps = { gateway: new CapSet([]), llb: new CapSet(Object.keys(CAP_SINCE).map((id) => ({ id, enabled: true }))) };

describe("the gateway's SBOM attestation", () => {
  it("reads METADATA of each .dist-info, dpkg's status and os-release from the image, and returns the document as an in-toto SPDX attestation", async () => {
    const { gw, reads, solved } = fakeGateway(
      {
        [`${SITE}/acme_cli-1.0.0.dist-info/METADATA`]: "Name: acme-cli\nVersion: 1.0.0\n",
        [`${SITE}/tinyjson-1.1.0.dist-info/METADATA`]: "Name: tinyjson\nVersion: 1.1.0\nLicense-Expression: MIT\n",
        "/var/lib/dpkg/status": "Package: jq\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.6-2.1\n",
        "/usr/lib/os-release": "ID=debian\nVERSION_ID=12\n",
      },
      { [SITE]: ["acme_cli", "acme_cli-1.0.0.dist-info", "tinyjson-1.1.0.dist-info", "__pycache__", "broken-0.dist-info"] },
    );
    const plan = planSpec(SPEC).plan;
    const spec = loadSpec(new TextEncoder().encode(JSON.stringify(SPEC)), "spec.json").spec;
    const att = await sbomAttestation({ gw, ref: "image-ref", plan, spec, specDigest: "sha256:" + "c".repeat(64), specFilename: "spec.json", platform: { os: "linux", architecture: "amd64" }, created: "1970-01-01T00:00:00Z", tool: "t" }, allCaps);
    expect(att).toEqual({ kind: 0, metadata: { reason: Buffer.from("sbom") }, ref: { id: "sbom-ref" }, path: SBOM_PATH, inTotoPredicateType: "https://spdx.dev/Document" });
    expect(reads.every((r) => r.startsWith("image-ref:"))).toBe(true);
    expect(reads).toContain(`image-ref:${SITE}/broken-0.dist-info/METADATA`);
    expect(reads).not.toContain(`image-ref:${SITE}/acme_cli/METADATA`);

    // The solved definition holds one file: the document.
    expect(solved).toHaveLength(1);
    const mkfile = decodeOps(solved[0]!).flatMap((o) => (o.op.file?.actions ?? []).map((a: Record<string, any>) => a.mkfile).filter(Boolean))[0];
    expect(mkfile.path).toBe(SBOM_PATH);
    const doc = JSON.parse(Buffer.from(mkfile.data, "base64").toString("utf8"));
    expect(spdxProblems(doc)).toEqual([]);
    expect(doc.packages.map((p: { name: string; versionInfo: string; licenseDeclared: string }) => `${p.name} ${p.versionInfo} ${p.licenseDeclared}`).slice(2)).toEqual(["acme-cli 1.0.0 NOASSERTION", "tinyjson 1.1.0 MIT", "jq 1.6-2.1 NOASSERTION"]);
    expect(doc.packages.find((p: { name: string }) => p.name === "jq").externalRefs[0].referenceLocator).toBe("pkg:deb/debian/jq@1.6-2.1?arch=amd64&distro=debian-12");
  });

  it("reads no dpkg status for a spec without apt packages, and no site-packages without a Python environment", async () => {
    const spec = { base_image: "registry.test/python:3.11", layers: [{ workdir: { workdir: "/app" } }] };
    const { gw, reads } = fakeGateway({}, {});
    const plan = planSpec(spec).plan;
    const loaded = loadSpec(new TextEncoder().encode(JSON.stringify(spec)), "spec.json").spec;
    await sbomAttestation({ gw, ref: "r", plan, spec: loaded, specDigest: "sha256:x", specFilename: "spec.json", platform: { os: "linux", architecture: "arm64" }, created: "1970-01-01T00:00:00Z", tool: "t" }, allCaps);
    expect(reads).toEqual([]);
  });
});
