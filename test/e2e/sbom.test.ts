/**
 * Issue 21 (SBOM): `docker buildx build --sbom=true` through the real engine attaches the
 * frontend's own SPDX 2.3 document: its packages are what `pip freeze --all` and `dpkg-query -W`
 * report inside the image, with the sha256 of the wheels the index served; with a `generator`,
 * BuildKit runs that scanner image instead, as for any frontend.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { repoRoot } from "../support/paths.js";
import { describe, expect, it } from "vitest";
import { spdxProblems } from "../support/spdx.js";
import { baseImage, buildx, expectBuilt, frontendImage, indexUrl, makeContext, registry, run, runIn } from "./harness.js";

interface SpdxPackage {
  name: string;
  versionInfo?: string;
  downloadLocation: string;
  packageFileName?: string;
  checksums?: { algorithm: string; checksumValue: string }[];
  externalRefs?: { referenceType: string; referenceLocator: string }[];
}
interface Statement {
  _type: string;
  predicateType: string;
  subject: { name: string; digest: Record<string, string> }[];
  predicate: { packages: SpdxPackage[]; name?: string; creationInfo: { created: string } };
}

const APT = ["jq", "less"];
const spec = () =>
  [
    `base_image: ${baseImage()}`,
    `python_version: "3.11"`,
    "layers:",
    "  - apt_packages:",
    `      packages: [${APT.join(", ")}]`,
    "  - pip_packages:",
    "      packages: [acme-cli, ns-alpha]",
    `      options: {index_url: "${indexUrl()}"}`,
    "",
  ].join("\n");

let n = 0;
async function pushWithSbom(name: string, sbom: string, args: Record<string, string> = {}, extra: string[] = []): Promise<{ ref: string; log: string }> {
  const ctx = makeContext({ "spec.yaml": spec() });
  const ref = `${registry()}/imagespec-e2e/sbom-${name}:${process.pid}-${++n}`;
  const r = await buildx(ctx, { file: "spec.yaml", tag: ref, push: true, buildArgs: { installer: "pip", ...args }, extra: [`--sbom=${sbom}`, ...extra], timeoutMs: 600_000 });
  expectBuilt(r);
  return { ref, log: r.stderr };
}

const registryUrl = (path: string) => `http://${registry()}/v2/${path}`;
async function getJson<T>(url: string, accept?: string): Promise<T> {
  const res = await fetch(url, accept ? { headers: { Accept: accept } } : {});
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return (await res.json()) as T;
}

interface Attested {
  imageDigest: string;
  statements: Statement[];
  /** Every predicate type attached to that image, sorted. */
  predicateTypes: string[];
}

/** Per image architecture of the pushed index: the image manifest's digest and the SPDX statements attached to it. */
async function attested(ref: string): Promise<Map<string, Attested>> {
  const repo = ref.slice(registry().length + 1, ref.lastIndexOf(":"));
  const tagName = ref.slice(ref.lastIndexOf(":") + 1);
  const index = await getJson<{ manifests: { digest: string; platform?: { architecture: string }; annotations?: Record<string, string> }[] }>(
    registryUrl(`${repo}/manifests/${tagName}`),
    "application/vnd.oci.image.index.v1+json",
  );
  const out = new Map<string, Attested>();
  for (const image of index.manifests.filter((m) => m.platform?.architecture !== "unknown")) {
    const att = index.manifests.find((m) => m.annotations?.["vnd.docker.reference.type"] === "attestation-manifest" && m.annotations["vnd.docker.reference.digest"] === image.digest);
    expect(att, `an attestation manifest for ${image.digest}`).toBeDefined();
    const manifest = await getJson<{ layers: { digest: string; annotations?: Record<string, string> }[] }>(registryUrl(`${repo}/manifests/${att!.digest}`), "application/vnd.oci.image.manifest.v1+json");
    const spdx = manifest.layers.filter((l) => l.annotations?.["in-toto.io/predicate-type"] === "https://spdx.dev/Document");
    const statements = await Promise.all(spdx.map((l) => getJson<Statement>(registryUrl(`${repo}/blobs/${l.digest}`))));
    out.set(image.platform!.architecture, { imageDigest: image.digest, statements, predicateTypes: manifest.layers.map((l) => l.annotations?.["in-toto.io/predicate-type"] ?? "").sort() });
  }
  return out;
}

/** The one platform's attestations of a single-platform image. */
async function sbomStatements(ref: string): Promise<Attested> {
  const all = await attested(ref);
  expect([...all.keys()]).toEqual(["amd64"]);
  return all.get("amd64")!;
}

const purlOf = (p: SpdxPackage) => p.externalRefs?.find((r) => r.referenceType === "purl")?.referenceLocator ?? "";
const norm = (name: string) => name.toLowerCase().replace(/[-_.]+/g, "-");

/** `name==version` of every Python distribution in the SBOM, and of `pip freeze --all` in the image. */
async function pythonLists(ref: string, doc: Statement["predicate"], platform?: string): Promise<{ sbom: string[]; freeze: string[] }> {
  const sbom = doc.packages.filter((p) => purlOf(p).startsWith("pkg:pypi/")).map((p) => `${norm(p.name)}==${p.versionInfo}`).sort();
  const freeze = (await runIn(ref, "pip freeze --all", { pull: true, ...(platform ? { platform } : {}) }))
    .split("\n")
    .filter(Boolean)
    .map((l) => {
      const [name, version] = l.split("==");
      return `${norm(name!)}==${version}`;
    })
    .sort();
  return { sbom, freeze };
}

describe("--sbom=true: the frontend's own SBOM", () => {
  it("lists pip freeze --all and the asked-for apt packages as dpkg has them, with the wheels' sha256, and validates against SPDX 2.3", async () => {
    const { ref, log } = await pushWithSbom("own", "true");
    expect(log).toContain("SBOM (SPDX 2.3) of the image, from the frontend's own facts");
    expect(log).not.toContain("generating sbom using");
    const { statements, imageDigest } = await sbomStatements(ref);
    expect(statements).toHaveLength(1);
    const st = statements[0]!;
    expect(st.subject.map((s) => `sha256:${s.digest.sha256}`)).toContain(imageDigest);
    expect(spdxProblems(st.predicate)).toEqual([]);
    const doc = st.predicate;

    const { sbom, freeze } = await pythonLists(ref, doc);
    expect(sbom).toEqual(freeze);
    expect(sbom).toEqual(expect.arrayContaining(["acme-cli==1.0.0", "tinyjson==1.1.0", "ns-alpha==1.0.0"]));

    // Every package the spec's pip entry installed names its wheel by the sha256 of the file the index serves.
    for (const name of ["acme-cli", "tinyjson", "ns-alpha"]) {
      const p = doc.packages.find((q) => norm(q.name) === name)!;
      expect(p.packageFileName, name).toMatch(/\.whl$/);
      expect(p.downloadLocation.startsWith(new URL(indexUrl()).origin), `${name}: ${p.downloadLocation}`).toBe(true);
      const served = Buffer.from(await (await fetch(p.downloadLocation)).arrayBuffer());
      expect(p.checksums, name).toEqual([{ algorithm: "SHA256", checksumValue: createHash("sha256").update(served).digest("hex") }]);
    }

    const dpkg = (await runIn(ref, `dpkg-query -W -f '\${Package} \${Version} \${Architecture}\\n' ${APT.join(" ")}`)).split("\n").filter(Boolean).sort();
    const debs = doc.packages.filter((p) => purlOf(p).startsWith("pkg:deb/")).map((p) => `${p.name} ${p.versionInfo} ${/[?&]arch=([^&]+)/.exec(purlOf(p))![1]}`).sort();
    expect(debs).toEqual(dpkg);

    const base = doc.packages.find((p) => purlOf(p).startsWith("pkg:oci/"))!;
    const baseRepo = baseImage().slice(registry().length + 1, baseImage().lastIndexOf(":"));
    const baseTag = baseImage().slice(baseImage().lastIndexOf(":") + 1);
    const res = await fetch(registryUrl(`${baseRepo}/manifests/${baseTag}`), { method: "HEAD", headers: { Accept: "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json" } });
    expect(base.versionInfo).toBe(res.headers.get("docker-content-digest"));
    expect(doc.creationInfo.created).toBe("1970-01-01T00:00:00Z");
  });

  it("without optimize: the same packages, read from the installed environment, still valid", async () => {
    const { ref } = await pushWithSbom("off", "true", { optimize: "false", SOURCE_DATE_EPOCH: "1700000000" });
    const { statements } = await sbomStatements(ref);
    const doc = statements[0]!.predicate;
    expect(spdxProblems(doc)).toEqual([]);
    const { sbom, freeze } = await pythonLists(ref, doc);
    expect(sbom).toEqual(freeze);
    expect(doc.packages.filter((p) => purlOf(p).startsWith("pkg:deb/")).map((p) => p.name).sort()).toEqual([...APT].sort());
    expect(doc.creationInfo.created).toBe("2023-11-14T22:13:20Z");
  });
});

describe("--sbom=true on a two-platform spec", () => {
  it("attaches each platform's own SBOM to that platform's image", async () => {
    const ctx = makeContext({ "spec.json": JSON.stringify({ base_image: baseImage(), python_version: "3.11", platform: ["linux/amd64", "linux/arm64"], layers: [{ pip_packages: { packages: ["acme-cli"], options: { index_url: indexUrl() } } }] }) });
    const ref = `${registry()}/imagespec-e2e/sbom-multi:${process.pid}-${++n}`;
    expectBuilt(await buildx(ctx, { file: "spec.json", tag: ref, push: true, buildArgs: { installer: "pip" }, extra: ["--sbom=true"], timeoutMs: 900_000 }));
    const all = await attested(ref);
    expect([...all.keys()].sort()).toEqual(["amd64", "arm64"]);
    for (const [arch, a] of all) {
      expect(a.statements, arch).toHaveLength(1);
      const st = a.statements[0]!;
      expect(st.subject.map((s) => `sha256:${s.digest.sha256}`), arch).toContain(a.imageDigest);
      expect(spdxProblems(st.predicate), arch).toEqual([]);
      expect(st.predicate.name, arch).toBe(`spec.json (linux/${arch})`);
      const { sbom, freeze } = await pythonLists(ref, st.predicate, `linux/${arch}`);
      expect(sbom, arch).toEqual(freeze);
      expect(sbom, arch).toEqual(expect.arrayContaining(["acme-cli==1.0.0", "tinyjson==1.1.0"]));
    }
  });
});

describe("imagespec-build --sbom", () => {
  it("asks for the frontend's SBOM, which is pushed with the image", async () => {
    const ctx = makeContext({ "imagespec.yaml": spec() });
    const ref = `${registry()}/imagespec-e2e/sbom-client:${process.pid}-${++n}`;
    const cli = join(repoRoot, "dist/imagespec-build.cjs");
    const r = await run("node", [cli, "--buildkit", "docker", "--frontend", frontendImage(), "--progress", "plain", "--opt", "installer=pip", "--network", "host", "--sbom", "--spec", join(ctx, "imagespec.yaml"), "--context", ctx, "--target-image", ref], { timeoutMs: 600_000 });
    expectBuilt(r);
    const { statements } = await sbomStatements(ref);
    expect(statements).toHaveLength(1);
    const doc = statements[0]!.predicate;
    expect(spdxProblems(doc)).toEqual([]);
    const { sbom, freeze } = await pythonLists(ref, doc);
    expect(sbom).toEqual(freeze);
  });
});

describe("--sbom=true with --provenance", () => {
  it("BuildKit's provenance is attached beside the frontend's SBOM", async () => {
    const { ref } = await pushWithSbom("provenance", "true", {}, ["--provenance=mode=min"]);
    const { statements, predicateTypes } = await sbomStatements(ref);
    // The SLSA version is the daemon's default (v0.2 for Docker 28's BuildKit, v1 for newer ones).
    expect(predicateTypes).toEqual([expect.stringMatching(/^https:\/\/slsa\.dev\/provenance\/v/), "https://spdx.dev/Document"]);
    expect(spdxProblems(statements[0]!.predicate)).toEqual([]);
  });
});

describe("--sbom=generator=IMAGE: BuildKit runs the scanner, as for any frontend", () => {
  it("the frontend attaches none of its own and BuildKit runs the scanner image; where the engine can run it, its document is attached", async () => {
    // A scanner following BuildKit's SBOM protocol: one in-toto statement per scanned root.
    const scan = [
      "#!/bin/sh",
      "set -e",
      'name=$(basename "$BUILDKIT_SCAN_SOURCE")',
      'test -x "$BUILDKIT_SCAN_SOURCE/usr/bin/jq"',
      `printf '%s' '{"_type":"https://in-toto.io/Statement/v0.1","predicateType":"https://spdx.dev/Document","subject":[],"predicate":{"spdxVersion":"SPDX-2.3","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT","name":"from-the-test-scanner","documentNamespace":"https://example.invalid/test-scanner","creationInfo":{"created":"2000-01-01T00:00:00Z","creators":["Tool: test-scanner"]},"packages":[]}}' > "$BUILDKIT_SCAN_DESTINATION/$name.spdx.json"`,
      "",
    ].join("\n");
    const ctx = makeContext({ Dockerfile: `FROM ${baseImage()}\nCOPY scan.sh /scan.sh\nENTRYPOINT ["/bin/sh", "/scan.sh"]\n`, "scan.sh": scan });
    const scanner = `${registry()}/imagespec-e2e/sbom-scanner:${process.pid}`;
    expectBuilt(await run("docker", ["buildx", "build", "--progress=plain", "--provenance=false", "-t", scanner, "--push", ctx]));

    const ctx2 = makeContext({ "spec.yaml": spec() });
    const ref = `${registry()}/imagespec-e2e/sbom-generator:${process.pid}-${++n}`;
    const r = await buildx(ctx2, { file: "spec.yaml", tag: ref, push: true, buildArgs: { installer: "pip" }, extra: [`--sbom=generator=${scanner}`], timeoutMs: 600_000 });
    // BuildKit, not the frontend, made this SBOM step: the frontend attached no document of its own.
    expect(r.stderr).toContain(`generating sbom using ${scanner}`);
    expect(r.stderr).not.toContain("from the frontend's own facts");
    if (r.code !== 0) {
      // BuildKit runs scanners on its default (bridge) network, which engines started with
      // --bridge none, like the test engine, do not have; the image itself was built.
      expect(r.stderr).toMatch(/#(\d+) \[[^\n]*\] generating sbom using [^\n]*\n[\s\S]*?#\1 ERROR: process "\/bin\/sh \/scan\.sh" did not complete successfully: network bridge not found/);
      return;
    }
    const { statements } = await sbomStatements(ref);
    expect(statements.map((s) => s.predicate.name)).toEqual(["from-the-test-scanner"]);
  });
});
