import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../../client/cli/main.js";
import { defaultTag } from "../../../client/cli/default-tag.js";
import { contextDigest } from "../../../client/src/context-digest.js";
import { makeFilter } from "../../../client/src/filesync/filter.js";

const DIGEST = "sha256:" + "c".repeat(64);
const tags = new Set<string>();
const server = http.createServer((req, res) => {
  const m = /^\/v2\/(.+)\/manifests\/(.+)$/.exec(req.url ?? "");
  if (m && tags.has(`${m[1]}:${m[2]}`)) return res.writeHead(200, { "docker-content-digest": DIGEST }).end();
  res.writeHead(404).end();
});
await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
const registry = `127.0.0.1:${(server.address() as AddressInfo).port}`;
afterAll(() => void server.close());

const tmp = mkdtempSync(join(tmpdir(), "cli-"));
const spec = join(tmp, "imagespec.yaml");
writeFileSync(spec, "base_image: python:3.12-slim\n");
const ctx = join(tmp, "ctx");
mkdirSync(ctx);
writeFileSync(join(ctx, "a.txt"), "a\n");
const nowhere = `unix://${join(tmp, "no-buildkit.sock")}`;

async function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, { DOCKER_CONFIG: tmp, ...env }, { stdout: (s) => (stdout += s), stderr: { write: (s: string) => (stderr += s) } });
  return { code, stdout, stderr };
}
const base = ["--spec", spec, "--context", ctx, "--frontend", "f:1", "--buildkit", nowhere, "--progress", "plain"];

describe("imagespec-build main", () => {
  it("prints an existing tag with its registry digest and builds nothing (the BuildKit address is dead)", async () => {
    tags.add("app:1");
    const out = join(tmp, "out.txt");
    const r = await run([...base, "--target-image", `${registry}/app:1`, "--output-file", out]);
    expect(r).toMatchObject({ code: 0, stdout: `${registry}/app:1@${DIGEST}\n` });
    expect(r.stderr).toContain("already exists");
    expect(readFileSync(out, "utf8")).toBe(`${registry}/app:1@${DIGEST}\n`);
  });

  it("finds an existing default tag (digest of spec and context) under the default repository from the env", async () => {
    const tag = defaultTag({ spec: readFileSync(spec), context: await contextDigest(ctx, await makeFilter(ctx, {})), settings: { filename: "imagespec.yaml" } });
    tags.add(`team/app:${tag}`);
    const r = await run([...base, "--target-image", "app"], { UNION_DEFAULT_REPOSITORY: `${registry}/team` });
    expect(r).toMatchObject({ code: 0, stdout: `${registry}/team/app:${tag}@${DIGEST}\n` });
  });

  it("--sbom is the attest:sbom attribute: an image with an SBOM has a default tag of its own", async () => {
    const settings = { filename: "imagespec.yaml", "attest:sbom": "" };
    const tag = defaultTag({ spec: readFileSync(spec), context: await contextDigest(ctx, await makeFilter(ctx, {})), settings });
    expect(tag).not.toBe(defaultTag({ spec: readFileSync(spec), context: await contextDigest(ctx, await makeFilter(ctx, {})), settings: { filename: "imagespec.yaml" } }));
    tags.add(`sbom/app:${tag}`);
    const r = await run([...base, "--target-image", "app", "--sbom"], { UNION_DEFAULT_REPOSITORY: `${registry}/sbom` });
    expect(r).toMatchObject({ code: 0, stdout: `${registry}/sbom/app:${tag}@${DIGEST}\n` });
  });

  it("builds when the tag is missing or --force is given: exit 1 when no BuildKit answers", async () => {
    const r = await run([...base, "--target-image", `${registry}/app:2`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no BuildKit answered/);
    const forced = await run([...base, "--target-image", `${registry}/app:1`, "--force"]);
    expect(forced.code).toBe(1);
    expect(forced.stdout).toBe("");
  });

  it("exits 2 on usage errors and unreadable inputs", async () => {
    expect((await run(["--spec", spec])).code).toBe(2);
    expect((await run([...base, "--target-image", `${registry}/x`, "--cache-to", "ref=x"])).stderr).toMatch(/type= is required/);
    expect((await run(["--spec", join(tmp, "missing.yaml"), "--context", ctx, "--frontend", "f", "--target-image", `${registry}/x:1`, "--buildkit", nowhere])).code).toBe(2);
    expect((await run([...base.slice(0, 3), join(tmp, "nope"), ...base.slice(4), "--target-image", `${registry}/x:1`])).code).toBe(2);
    expect((await run([...base, "--target-image", `${registry}/x:1`, "--buildkit", "kube-pod://p"])).code).toBe(2);
    const help = await run(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("usage: imagespec-build");
  });
});
