/**
 * imagespec-build (route 3) against the test engine's embedded BuildKit: builds push to the test
 * registry and print the reference with the digest the registry reports.
 */
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { messageType } from "../../frontend/common/messages.js";
import { repoRoot } from "../support/paths.js";
import { baseImage, engineEnv, frontendImage, indexUrl, makeContext, registry, run, runIn, type Run } from "./harness.js";

const CLI = join(repoRoot, "dist/imagespec-build.cjs");
const token = `${process.pid}-${Date.now()}`;

function imagespecBuild(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const builders = args.includes("--buildkit") ? [] : ["--buildkit", "docker"];
  return run("node", [CLI, ...builders, "--frontend", frontendImage(), "--progress", "plain", "--opt", "installer=pip", "--network", "host", ...args], { env, timeoutMs: 600_000 });
}

async function registryDigest(repo: string, tag: string, host = registry(), auth?: string): Promise<string> {
  const res = await fetch(`http://${host}/v2/${repo}/manifests/${tag}`, {
    method: "HEAD",
    headers: {
      Accept: "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json",
      ...(auth ? { Authorization: auth } : {}),
    },
  });
  if (!res.ok) throw new Error(`HEAD ${repo}:${tag}: ${res.status}`);
  return res.headers.get("docker-content-digest")!;
}

/** Every layer of an image in the registry, gunzipped, to look for what must not be there. */
async function layerBytes(repo: string, digest: string): Promise<Buffer[]> {
  const get = async (path: string, accept: string) => {
    const res = await fetch(`http://${registry()}/v2/${repo}/${path}`, { headers: { Accept: accept } });
    if (!res.ok) throw new Error(`${path}: ${res.status}`);
    return Buffer.from(await res.arrayBuffer());
  };
  const types = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json";
  let manifest = JSON.parse((await get(`manifests/${digest}`, types)).toString());
  if (manifest.manifests) manifest = JSON.parse((await get(`manifests/${manifest.manifests[0].digest}`, types)).toString());
  const out = [await get(`blobs/${manifest.config.digest}`, "*/*")];
  for (const l of manifest.layers) {
    const b = await get(`blobs/${l.digest}`, "*/*");
    out.push(b[0] === 0x1f && b[1] === 0x8b ? gunzipSync(b) : b);
  }
  return out;
}

const REF = /^(\S+):(\S+)@(sha256:[0-9a-f]{64})\n$/;

function spec(extra: object[] = []) {
  return { base_image: baseImage(), layers: [{ commands: { cmd: [`echo ${token} > /token`] } }, ...extra] };
}

describe("imagespec-build", () => {
  it("builds a spec file with a context directory, pushes it, prints repo:tag@digest; again, it builds nothing", async () => {
    const ctx = makeContext({ "imagespec.yaml": JSON.stringify(spec([{ copy_config: { src: "app", dst: "/app" } }])), "app/main.py": "print('hi')\n" });
    const repo = `${registry()}/client-e2e/dir`;
    const out = join(ctx, "..", `out-${process.pid}.txt`);
    const r = await imagespecBuild(["--spec", join(ctx, "imagespec.yaml"), "--context", ctx, "--target-image", `${repo}:${token}`, "--output-file", out]);
    if (r.code !== 0) throw new Error(r.stderr);
    const m = REF.exec(r.stdout)!;
    expect(m).not.toBeNull();
    expect(`${m[1]}:${m[2]}`).toBe(`${repo}:${token}`);
    expect(m[3]).toBe(await registryDigest("client-e2e/dir", token));
    expect(readFileSync(out, "utf8")).toBe(r.stdout);
    expect(r.stderr).toMatch(/#\d+ DONE/);
    expect(await runIn(`${repo}:${token}`, "cat /token /app/main.py", { pull: true })).toBe(`${token}\nprint('hi')\n`);

    const again = await imagespecBuild(["--spec", join(ctx, "imagespec.yaml"), "--context", ctx, "--target-image", `${repo}:${token}`]);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(r.stdout);
    expect(again.stderr).toContain("already exists");
    expect(again.stderr).not.toMatch(/#\d+ /);
  });

  it("builds from a context tarball, with the default tag under the default repository", async () => {
    const ctx = makeContext({ "data/hello.txt": `tar ${token}\n` });
    const tarball = join(mkdtempSync(join(tmpdir(), "ctx-tar-")), "context.tar.gz");
    execFileSync("tar", ["-czf", tarball, "-C", ctx, "."]);
    const specFile = join(mkdtempSync(join(tmpdir(), "spec-")), "spec.json");
    writeFileSync(specFile, JSON.stringify(spec([{ copy_config: { src: "data", dst: "/data" } }])));
    const r = await imagespecBuild(["--spec", specFile, "--context", tarball, "--target-image", "tarball"], { UNION_DEFAULT_REPOSITORY: `${registry()}/client-e2e` });
    if (r.code !== 0) throw new Error(r.stderr);
    const m = REF.exec(r.stdout)!;
    expect(m[1]).toBe(`${registry()}/client-e2e/tarball`);
    expect(m[2]).toMatch(/^[0-9a-f]{32}$/);
    expect(m[3]).toBe(await registryDigest("client-e2e/tarball", m[2]!));
    expect(await runIn(`${m[1]}:${m[2]}`, "cat /data/hello.txt", { pull: true })).toBe(`tar ${token}\n`);
  });

  it("builds a spec.pb as Flyte's SDK writes it", async () => {
    const type = messageType("flyteidl2.imagebuilder.ImageSpec");
    const pb = type.encode(type.fromObject({ base_image: baseImage(), layers: [{ commands: { cmd: [`echo pb-${token} > /pb`] } }] })).finish();
    const dir = mkdtempSync(join(tmpdir(), "pb-"));
    writeFileSync(join(dir, "spec.pb"), pb);
    const repo = `${registry()}/client-e2e/pb`;
    const r = await imagespecBuild(["--spec", join(dir, "spec.pb"), "--context", makeContext({}), "--target-image", `${repo}:${token}`]);
    if (r.code !== 0) throw new Error(r.stderr);
    expect(await runIn(`${repo}:${token}`, "cat /pb", { pull: true })).toBe(`pb-${token}\n`);
  });

  it("fails a spec error with exit 1 and shows the spec line", async () => {
    const ctx = makeContext({ "imagespec.yaml": `base_image: ${baseImage()}\nlayers:\n  - commands: {cmd: [\"true\"]}\n  - no_such_layer: {}\n` });
    const r = await imagespecBuild(["--spec", join(ctx, "imagespec.yaml"), "--context", ctx, "--target-image", `${registry()}/client-e2e/bad:${token}`]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/no_such_layer/);
    expect(r.stderr).toMatch(/>>>\s+- no_such_layer: \{\}/);
  });

  it("passes a --secret to the step that mounts it, and to no layer", async () => {
    const secretValue = `s3cret-${token}`;
    const dir = mkdtempSync(join(tmpdir(), "sec-"));
    writeFileSync(join(dir, "tok"), secretValue);
    const ctx = makeContext({
      "spec.json": JSON.stringify({
        base_image: baseImage(),
        layers: [
          {
            commands: {
              cmd: [`: ${token}`, 'echo "len:$(wc -c < "$TOK")" > /evidence'],
              secret_mounts: [{ group: "creds", key: "token", mount_requirement: "FILE", env_var: "TOK" }],
            },
          },
        ],
      }),
    });
    const repo = "client-e2e/secret";
    const r = await imagespecBuild(["--spec", join(ctx, "spec.json"), "--context", ctx, "--target-image", `${registry()}/${repo}:${token}`, "--secret", `id=creds_token,src=${join(dir, "tok")}`]);
    if (r.code !== 0) throw new Error(r.stderr);
    const digest = REF.exec(r.stdout)![3]!;
    expect(await runIn(`${registry()}/${repo}:${token}`, "cat /evidence", { pull: true })).toBe(`len:${secretValue.length}\n`);
    for (const b of await layerBytes(repo, digest)) expect(b.includes(secretValue)).toBe(false);
  });
});

/** A second registry of our own that wants basic auth (htpasswd with a bcrypt hash from libcrypt). */
describe("imagespec-build with a registry that needs basic auth", () => {
  const user = "builder";
  const password = `pw-${token}`;
  const basic = "Basic " + Buffer.from(`${user}:${password}`).toString("base64");
  const dir = mkdtempSync(join(tmpdir(), "auth-registry-"));
  let host = "";
  let stop = () => undefined as void;

  beforeAll(async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    host = `127.0.0.1:${port}`;
    const hash = execFileSync("python3", ["-W", "ignore", "-c", "import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH)))", password], { encoding: "utf8" }).trim();
    writeFileSync(join(dir, "htpasswd"), `${user}:${hash}\n`);
    mkdirSync(join(dir, "data"));
    writeFileSync(
      join(dir, "config.yml"),
      `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, "data")}\nhttp:\n  addr: ${host}\nauth:\n  htpasswd:\n    realm: e2e\n    path: ${join(dir, "htpasswd")}\n`,
    );
    const child = spawn("/usr/bin/docker-registry", ["serve", join(dir, "config.yml")], { stdio: "ignore" });
    stop = () => void child.kill();
    for (let i = 0; i < 100; i++) {
      const status = await fetch(`http://${host}/v2/`).then((r) => r.status, () => 0);
      if (status === 401) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("the auth registry did not start");
  });
  afterAll(() => stop());

  const ctx = () => makeContext({ "imagespec.yaml": JSON.stringify(spec()) });
  const build = (c: string, name: string, env: Record<string, string>) =>
    imagespecBuild(["--spec", join(c, "imagespec.yaml"), "--context", c, "--target-image", `${host}/client-e2e/${name}:${token}`], env);

  it("pushes with credentials from the Docker config's auths", async () => {
    const config = mkdtempSync(join(tmpdir(), "dcfg-"));
    writeFileSync(join(config, "config.json"), JSON.stringify({ auths: { [host]: { auth: Buffer.from(`${user}:${password}`).toString("base64") } } }));
    const r = await build(ctx(), "auths", { DOCKER_CONFIG: config });
    if (r.code !== 0) throw new Error(r.stderr);
    expect(REF.exec(r.stdout)![3]).toBe(await registryDigest("client-e2e/auths", token, host, basic));
  });

  it("pushes with credentials from a credential helper on PATH", async () => {
    const bin = mkdtempSync(join(tmpdir(), "helper-"));
    const helper = join(bin, "docker-credential-e2etest");
    writeFileSync(helper, `#!/bin/sh\nread -r host\n[ "$host" = "${host}" ] || { echo "credentials not found in native keychain"; exit 1; }\nprintf '{"ServerURL":"%s","Username":"${user}","Secret":"${password}"}' "$host"\n`);
    chmodSync(helper, 0o755);
    const config = mkdtempSync(join(tmpdir(), "dcfg-"));
    writeFileSync(join(config, "config.json"), JSON.stringify({ credHelpers: { [host]: "e2etest" } }));
    const r = await build(ctx(), "helper", { DOCKER_CONFIG: config, PATH: `${bin}:${process.env.PATH}` });
    if (r.code !== 0) throw new Error(r.stderr);
    expect(REF.exec(r.stdout)![3]).toBe(await registryDigest("client-e2e/helper", token, host, basic));
  });

  it("fails clearly without credentials", async () => {
    const config = mkdtempSync(join(tmpdir(), "dcfg-"));
    const r = await build(ctx(), "none", { DOCKER_CONFIG: config });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${host} asks for credentials and none are configured for it`);
    const forced = await imagespecBuild(["--spec", join(ctx(), "imagespec.yaml"), "--context", makeContext({}), "--target-image", `${host}/client-e2e/none:${token}`, "--force"], { DOCKER_CONFIG: config });
    expect(forced.code).toBe(1);
    expect(forced.stderr).toMatch(/401|unauthorized|authorization/i);
  });
});

describe("the frontend image as the build task", () => {
  it("runs imagespec-build as its build command, with itself as the default frontend", async () => {
    const ctx = makeContext({ "imagespec.yaml": JSON.stringify(spec([{ commands: { cmd: ["echo task > /task"] } }])) });
    const sock = engineEnv().DOCKER_HOST!.replace(/^unix:\/\//, "");
    const repo = `${registry()}/client-e2e/task`;
    const r = await run("docker", [
      "run", "--rm", "--network", "host", "-v", `${sock}:/var/run/docker.sock`, "-v", `${ctx}:/input:ro`, frontendImage(),
      "build", "--buildkit", "docker", "--spec", "/input/imagespec.yaml", "--context", "/input", "--target-image", `${repo}:${token}`,
      "--opt", "installer=pip", "--network", "host", "--progress", "quiet",
    ]);
    if (r.code !== 0) throw new Error(r.stderr);
    expect(REF.exec(r.stdout)![3]).toBe(await registryDigest("client-e2e/task", token));
  });
});

describe("cache options", () => {
  it("exports the build cache to the registry with --cache-to and reads it with --cache-from", async () => {
    const ctx = makeContext({ "imagespec.yaml": JSON.stringify(spec([{ commands: { cmd: ["echo cached > /cached"] } }])) });
    const cache = `${registry()}/client-e2e/cache:${token}`;
    const args = ["--spec", join(ctx, "imagespec.yaml"), "--context", ctx, "--target-image", `${registry()}/client-e2e/cached:${token}`];
    const first = await imagespecBuild([...args, "--cache-to", `type=registry,ref=${cache},mode=max`]);
    if (first.code !== 0) throw new Error(first.stderr);
    expect(await registryDigest("client-e2e/cache", token)).toMatch(/^sha256:/);
    const second = await imagespecBuild([...args, "--force", "--cache-from", `type=registry,ref=${cache}`]);
    if (second.code !== 0) throw new Error(second.stderr);
    expect(second.stderr).toContain(`importing cache manifest from ${cache}`);
    expect(second.stdout).toBe(first.stdout);
  });

  // optimize's own steps (resolve, inspect) are carried in the image's graph, so the exported
  // cache answers them: an emptied builder runs neither again.
  it("an emptied builder with the registry cache of the same spec takes optimize's resolve and inspect steps from it", async () => {
    const pip = { pip_packages: { packages: ["acme-cli", "ns-alpha"], options: { index_url: indexUrl() } } };
    const ctx = makeContext({ "imagespec.yaml": JSON.stringify({ base_image: baseImage(), python_version: "3.11", layers: [pip, { env: { env_variables: { RUN: token } } }] }) });
    const cache = `${registry()}/client-e2e/probes-cache:${token}`;
    const args = ["--spec", join(ctx, "imagespec.yaml"), "--context", ctx, "--target-image", `${registry()}/client-e2e/probes:${token}`];
    const first = await imagespecBuild([...args, "--cache-to", `type=registry,ref=${cache},mode=max`]);
    if (first.code !== 0) throw new Error(first.stderr);
    const pruned = await run("docker", ["buildx", "prune", "-af"]);
    expect(pruned.code, pruned.stderr).toBe(0);
    const second = await imagespecBuild([...args, "--force", "--cache-from", `type=registry,ref=${cache}`]);
    if (second.code !== 0) throw new Error(second.stderr);
    expect(second.stdout).toBe(first.stdout);
    const cached = (name: RegExp) => new RegExp(`#(\\d+) [^\\n]*${name.source}[^\\n]*\\n#\\1 CACHED`).test(second.stderr);
    expect(second.stderr).toMatch(/resolve: pip install --dry-run/);
    // When BuildKit matches the venv step from the cache (see the next test), the probes on it come from the cache too.
    if (cached(/\] [^\n]*-m venv/)) {
      expect(cached(/resolve: pip install --dry-run/), second.stderr).toBe(true);
      expect(cached(/optimize: read what \d+ package layer/), second.stderr).toBe(true);
    }
  });

  // The shared cache is imported, the shared packages' install step (whose outputs are their
  // layers) comes from it (CACHED), and their layers have the same digests.
  it("a new builder takes a sibling spec's package layers from the default repository's shared cache", async () => {
    const fleet = `${registry()}/client-e2e/fleet-${token}`;
    const pip = (packages: string[]) => ({ pip_packages: { packages, options: { index_url: indexUrl() } } });
    const sibling = (packages: string[], workdir: string, mode: string) =>
      JSON.stringify({ base_image: baseImage(), python_version: "3.11", layers: [pip(packages), { workdir: { workdir } }, { env: { env_variables: { MODE: mode } } }] });
    const build = async (name: string, text: string) => {
      const ctx = makeContext({ "imagespec.yaml": text });
      const r = await imagespecBuild(["--spec", join(ctx, "imagespec.yaml"), "--context", ctx, "--default-repository", fleet, "--target-image", name, "--insecure-registry"]);
      if (r.code !== 0) throw new Error(r.stderr);
      return r;
    };
    // Each build on an empty builder, as a new build pod has.
    const prune = async () => {
      const pruned = await run("docker", ["buildx", "prune", "-af"]);
      expect(pruned.code, pruned.stderr).toBe(0);
    };
    await prune();
    const first = await build(`first:${token}`, sibling(["acme-cli", "ns-alpha"], "/a", "first"));
    expect(await registryDigest(`client-e2e/fleet-${token}/imagespec-cache`, "shared")).toMatch(/^sha256:/);
    await prune();
    const second = await build(`second:${token}`, sibling(["acme-cli", "ns-beta"], "/b", "second"));
    expect(second.stderr).toContain(`${fleet}/imagespec-cache:shared`);
    const cached = (what: string) => new RegExp(`#(\\d+) \\[[^\\n]*install [^\\n]*${what.replace(/[.+]/g, "\\$&")}[^\\n]*\\n#\\1 CACHED`).test(second.stderr);
    // The shared packages' install step runs on the venv step; when BuildKit matches the venv
    // from the imported cache, the install step must come from it too. BuildKit does not always
    // match the venv (its base-image key is sometimes the manifest's, sometimes the config's:
    // README, "shared cache"), and then every step above it runs again; the layers stay equal.
    const venvCached = /#(\d+) \[python\] [^\n]*-m venv[^\n]*\n#\1 CACHED/.test(second.stderr);
    if (venvCached) for (const pin of ["acme-cli==1.0.0", "tinyjson==1.1.0"]) expect(cached(pin), `${pin}\n${second.stderr}`).toBe(true);
    expect(cached("ns-beta==1.0.0")).toBe(false);
    const layers = async (r: Run, repo: string) => {
      const [, , digest] = REF.exec(r.stdout)!;
      return packageLayers(`client-e2e/fleet-${token}/${repo}`, digest!);
    };
    const [a, b] = [await layers(first, "first"), await layers(second, "second")];
    for (const pin of ["acme-cli==1.0.0", "tinyjson==1.1.0"]) expect(b.get(pin), pin).toBe(a.get(pin));
  });
});

/** Each package layer's digest by the pin its history entry names ("acme-cli==1.0.0"). */
async function packageLayers(repo: string, digest: string): Promise<Map<string, string>> {
  const get = async (path: string) => {
    const res = await fetch(`http://${registry()}/v2/${repo}/${path}`, { headers: { Accept: "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json" } });
    if (!res.ok) throw new Error(`${path}: ${res.status}`);
    return res.json() as Promise<any>;
  };
  const manifest = await get(`manifests/${digest}`);
  const config = await get(`blobs/${manifest.config.digest}`);
  const steps: string[] = config.history.filter((h: { empty_layer?: boolean }) => !h.empty_layer).map((h: { created_by?: string }) => h.created_by ?? "");
  const out = new Map<string, string>();
  steps.forEach((s, i) => {
    const pin = /install (\S+==\S+) \(/.exec(s)?.[1];
    if (pin) out.set(pin, manifest.layers[i].digest);
  });
  return out;
}

describe("several builders", () => {
  it("falls over to the next builder of the ring when the spec's own does not answer", async () => {
    const { HashRing } = await import("../../client/src/ring.js");
    const { specKey } = await import("../../client/cli/default-tag.js");
    // A spec and a dead address the ring puts first for it, so the build must fall over to the
    // engine. The ring has one point per node: when the engine's point lies just above a spec's
    // key, almost no address comes first, so the spec varies too (the engine's address holds
    // the random name of the test environment's directory).
    const engine = `docker+${engineEnv().DOCKER_HOST}`;
    const specText = (n: number) => JSON.stringify(spec([{ commands: { cmd: [`echo ring-${n} > /ring`] } }]));
    let found: { text: string; dead: string } | undefined;
    for (let n = 0; n < 200 && !found; n++) {
      const key = specKey(Buffer.from(specText(n)));
      const dead = Array.from({ length: 50 }, (_, i) => `unix:///tmp/imagespec-e2e-dead-${i}.sock`).find((d) => new HashRing([d, engine]).pick(key) === d);
      if (dead) found = { text: specText(n), dead };
    }
    if (!found) throw new Error("no spec and dead address the ring puts first (200 specs × 50 addresses)");
    const { dead } = found;
    const ctx = makeContext({ "imagespec.yaml": found.text });
    const key = specKey(readFileSync(join(ctx, "imagespec.yaml")));
    const ordered = new HashRing([dead, engine]).order(key);
    expect(ordered[0]).toBe(dead);
    const r = await imagespecBuild(["--buildkit", dead, "--buildkit", engine, "--spec", join(ctx, "imagespec.yaml"), "--context", ctx, "--target-image", `${registry()}/client-e2e/ring:${token}`]);
    if (r.code !== 0) throw new Error(r.stderr);
    expect(r.stderr).toContain(`BuildKit ${dead} did not answer`);
    expect(r.stderr).toContain(`building on ${engine}`);
  });
});

describe("the client library", () => {
  it("exports an OCI tarball to a file through the session", async () => {
    const { connectBuilder } = await import("../../client/src/builder.js");
    const { runBuild } = await import("../../client/src/build.js");
    const { parseAddress } = await import("../../client/src/address.js");
    const { noAuth } = await import("../../client/src/auth/provider.js");
    const ctx = makeContext({ "imagespec.yaml": JSON.stringify(spec()) });
    const dest = join(mkdtempSync(join(tmpdir(), "oci-")), "image.tar");
    const builder = await connectBuilder(parseAddress("docker", engineEnv()));
    try {
      const res = await runBuild(builder, {
        frontendImage: frontendImage(),
        frontendAttrs: { filename: "imagespec.yaml", installer: "pip", "force-network-mode": "host" },
        entitlements: ["network.host"],
        exports: [{ type: "oci", attrs: {}, dest }],
        dirs: [
          { name: "context", dir: ctx },
          { name: "dockerfile", dir: ctx },
        ],
        auth: noAuth,
      });
      expect(res["containerimage.digest"]).toMatch(/^sha256:/);
    } finally {
      builder.close();
    }
    const listing = execFileSync("tar", ["-tf", dest], { encoding: "utf8" }).split("\n");
    expect(listing).toContain("index.json");
    expect(listing).toContain("oci-layout");
  });
});
