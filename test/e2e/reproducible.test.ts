/**
 * Issue 21: the same spec built twice on an emptied builder gives the same manifest (or index)
 * digest. Each build pushes with the image exporter's `rewrite-timestamp=true` (and `store=false`,
 * which Docker Engine's builder needs with it), as the README tells buildx users to and as
 * imagespec-build does; unless a test gives SOURCE_DATE_EPOCH, the frontend's default epoch (0) is
 * the one the exporter uses.
 *
 * Pruning empties the engine's build cache, which the other e2e files share: vitest runs e2e files
 * one at a time (fileParallelism: false), and they build from their own specs, so what they lose
 * is only cache.
 */
import { describe, expect, it } from "vitest";
import { baseImage, buildx, expectBuilt, indexUrl, makeContext, registry, run, runIn } from "./harness.js";

const ACCEPT = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

interface Manifest {
  config?: { digest: string };
  layers?: { digest: string }[];
  manifests?: { digest: string }[];
}

/** The digest the registry holds for repo:tag, and the manifest (or index) itself. */
async function pushedDigest(repo: string, tagName: string): Promise<{ digest: string; manifest: Manifest }> {
  const res = await fetch(`http://${registry()}/v2/${repo}/manifests/${tagName}`, { headers: { Accept: ACCEPT } });
  if (!res.ok) throw new Error(`${repo}:${tagName}: ${res.status}`);
  return { digest: res.headers.get("docker-content-digest")!, manifest: (await res.json()) as Manifest };
}

async function blobJson(repo: string, digest: string): Promise<any> {
  const res = await fetch(`http://${registry()}/v2/${repo}/blobs/${digest}`);
  if (!res.ok) throw new Error(`${repo}@${digest}: ${res.status}`);
  return res.json();
}

async function prune(): Promise<void> {
  const r = await run("docker", ["buildx", "prune", "-af"]);
  expect(r.code, r.stderr).toBe(0);
}

let n = 0;
/** Builds `files` on an emptied builder and pushes it with rewrite-timestamp; returns the repo, tag and digest. */
async function coldBuild(name: string, files: Record<string, string>, args: Record<string, string> = {}): Promise<{ repo: string; tag: string; digest: string; manifest: Manifest }> {
  await prune();
  const ctx = makeContext(files);
  const repo = `imagespec-e2e/repro-${name}`;
  const tagName = `${process.pid}-${++n}`;
  const r = await buildx(ctx, {
    file: "spec.yaml",
    buildArgs: { installer: "pip", ...args },
    extra: ["--output", `type=image,name=${registry()}/${repo}:${tagName},push=true,store=false,rewrite-timestamp=true`],
    timeoutMs: 600_000,
  });
  expectBuilt(r);
  return { repo, tag: tagName, ...(await pushedDigest(repo, tagName)) };
}

/** Layers whose digests differ between two pushed manifests, named by their history entries. */
async function differingLayers(repo: string, a: Manifest, b: Manifest): Promise<string[]> {
  const config = await blobJson(repo, a.config!.digest);
  const steps: string[] = config.history.filter((h: { empty_layer?: boolean }) => !h.empty_layer).map((h: { created_by?: string }) => h.created_by ?? "");
  return a.layers!.flatMap((l, i) => (l.digest === b.layers![i]?.digest ? [] : [steps[i] ?? `layer ${i}`]));
}

const spec = (extra = "") => `base_image: ${baseImage()}
python_version: "3.11"
${extra}layers:
  - apt_packages: {packages: [jq]}
  - pip_packages:
      packages: [acme-cli]
      options: {index_url: "${indexUrl()}"}
  - requirements:
      file: requirements.txt
      options: {index_url: "${indexUrl()}"}
  - workdir: {workdir: /srv/app}
  - copy_config: {src: src, dst: .}
  - env: {env_variables: {MODE: repro}}
  - commands: {cmd: ["printf 'fixed\\\\n' > /srv/app/fixed.txt"]}
`;

const files = (text: string) => ({ "spec.yaml": text, "requirements.txt": "ns-alpha==1.0.0\nbench-pkg-01==1.0.0\n", "src/app.py": "print('hello')\n" });

describe("reproducible images: the same spec on an emptied builder gives the same digest", () => {
  for (const optimize of ["true", "false"]) {
    it(`apt, pip, requirements, workdir, copy, env and a command (optimize=${optimize})`, async () => {
      const first = await coldBuild(`all-${optimize}`, files(spec()), { optimize });
      const second = await coldBuild(`all-${optimize}`, files(spec()), { optimize });
      expect(await differingLayers(first.repo, first.manifest, second.manifest)).toEqual([]);
      expect(second.digest).toBe(first.digest);
      // No build time in the config: `created` and every history entry of ours are the epoch.
      const config = await blobJson(first.repo, first.manifest.config!.digest);
      expect(config.created).toBe("1970-01-01T00:00:00Z");
      const ours = (config.history as { created?: string; comment?: string }[]).filter((h) => h.comment?.includes("imagespec"));
      expect(ours.length).toBeGreaterThan(0);
      for (const h of ours) expect(h.created).toBe("1970-01-01T00:00:00Z");
      const ref = `${registry()}/${first.repo}:${first.tag}`;
      expect(await runIn(ref, "cat /srv/app/fixed.txt /srv/app/app.py && command -v jq && command -v acme-cli && python -c 'import acmens.alpha'", { pull: true })).toBe(
        "fixed\nprint('hello')\n/usr/bin/jq\n/opt/venv/bin/acme-cli\n",
      );
      // apt's logs are left out of its layer.
      expect(await runIn(ref, "find /var/log/apt /var/log/dpkg.log /var/log/alternatives.log -type f 2>/dev/null | wc -l")).toBe("0\n");
    });
  }

  it("a two-platform spec gives the same index digest", async () => {
    const text = `base_image: ${baseImage()}
python_version: "3.11"
platform: [linux/amd64, linux/arm64]
layers:
  - pip_packages:
      packages: [acme-cli]
      options: {index_url: "${indexUrl()}"}
  - workdir: {workdir: /srv/app}
  - commands: {cmd: ["uname -m > /srv/app/arch"]}
`;
    const first = await coldBuild("multi", { "spec.yaml": text });
    const second = await coldBuild("multi", { "spec.yaml": text });
    expect(first.manifest.manifests).toHaveLength(2);
    expect(second.manifest.manifests!.map((m) => m.digest)).toEqual(first.manifest.manifests!.map((m) => m.digest));
    expect(second.digest).toBe(first.digest);
  });

  it("a given SOURCE_DATE_EPOCH is the image's time; a command that writes the date still builds, and its layer alone differs", async () => {
    const text = `base_image: ${baseImage()}
layers:
  - workdir: {workdir: /srv}
  - commands: {cmd: ["date +%s%N > /srv/now"]}
`;
    const epoch = { SOURCE_DATE_EPOCH: "1700000000" };
    const first = await coldBuild("date", { "spec.yaml": text }, epoch);
    const second = await coldBuild("date", { "spec.yaml": text }, epoch);
    expect(second.digest).not.toBe(first.digest);
    const differing = await differingLayers(first.repo, first.manifest, second.manifest);
    expect(differing).toHaveLength(1);
    expect(differing[0]).toContain("date +%s%N");
    const config = await blobJson(first.repo, first.manifest.config!.digest);
    expect(config.created).toBe("2023-11-14T22:13:20Z");
  });
});
