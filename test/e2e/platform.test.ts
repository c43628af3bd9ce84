/** Issue 12: what a platform team configures, through a real BuildKit. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../support/paths.js";
import { baseImage, buildx, envOf, expectBuilt, indexUrl, inspect, makeContext, registry, run, runIn, tag } from "./harness.js";

const PIP = { installer: "pip" };

/** A base image derived from the test base with the built-in Dockerfile frontend, pushed to the local registry. */
async function deriveBase(name: string, dockerfile: string, files: Record<string, string> = {}): Promise<string> {
  const ctx = makeContext({ Dockerfile: dockerfile, ...files });
  const ref = `${registry()}/imagespec-e2e-${name}:${process.pid}`;
  const r = await run("docker", ["buildx", "build", "--progress=plain", "--provenance=false", "--network", "host", "-t", ref, "--push", ctx]);
  expectBuilt(r);
  return ref;
}

function specFile(spec: object | string, file = typeof spec === "string" ? "spec.yaml" : "spec.json"): { ctx: string; file: string } {
  const ctx = makeContext({ [file]: typeof spec === "string" ? spec : JSON.stringify(spec, null, 2) });
  return { ctx, file };
}

/** A spec that installs from whatever index the build is given, with no index options of its own. */
const noIndexSpec = (base: string) => ({ base_image: base, python_version: "3.11", layers: [{ pip_packages: { packages: ["acme-cli"] } }] });

describe("the base image's pip settings (installer=pip reads them itself)", () => {
  it("a base image with PIP_INDEX_URL builds a spec that has no index options", async () => {
    const base = await deriveBase("pip-env", `FROM ${baseImage()}\nENV PIP_INDEX_URL=${indexUrl()}\n`);
    const { ctx, file } = specFile(noIndexSpec(base));
    const t = tag("pip-env");
    expectBuilt(await buildx(ctx, { file, tag: t, buildArgs: PIP }));
    expect(await runIn(t, "acme-cli")).toBe("acme-cli 1.0.0\n");
  });

  it("a base image with /etc/pip.conf builds it too", async () => {
    const base = await deriveBase("pip-conf", `FROM ${baseImage()}\nCOPY pip.conf /etc/pip.conf\n`, { "pip.conf": `[global]\nindex-url = ${indexUrl()}\n` });
    const { ctx, file } = specFile(noIndexSpec(base));
    const t = tag("pip-conf");
    expectBuilt(await buildx(ctx, { file, tag: t, buildArgs: PIP }));
    expect(await runIn(t, "acme-cli")).toBe("acme-cli 1.0.0\n");
  });
});

describe("operator defaults", () => {
  const proxy = "http://127.0.0.1:9";
  let t: string;
  beforeAll(async () => {
    const spec = { ...noIndexSpec(baseImage()), layers: [...noIndexSpec(baseImage()).layers, { commands: { cmd: ['printf "%s|%s" "$HTTP_PROXY" "$no_proxy" > /proxy-seen'] } }] };
    const { ctx, file } = specFile(spec);
    t = tag("operator");
    // The proxy does not exist; no-proxy lets the steps reach the local index directly.
    const buildArgs = { ...PIP, "default-index-url": indexUrl(), "http-proxy": proxy, "no-proxy": "127.0.0.1,localhost" };
    expectBuilt(await buildx(ctx, { file, tag: t, buildArgs }));
  });

  it("the default index reaches the install step of a spec without index options", async () => {
    expect(await runIn(t, "acme-cli")).toBe("acme-cli 1.0.0\n");
  });

  it("the proxy reaches the build steps as env, and neither the image config nor its history", async () => {
    expect(await runIn(t, "cat /proxy-seen")).toBe(`${proxy}|127.0.0.1,localhost`);
    const config = await inspect(t);
    expect(Object.keys(envOf(config)).filter((k) => /proxy|PIP_INDEX/i.test(k))).toEqual([]);
    const history = await run("docker", ["history", "--no-trunc", "--format", "{{.CreatedBy}}", t]);
    expect(history.code).toBe(0);
    expect(history.stdout).not.toContain("127.0.0.1:9");
    expect(history.stdout).not.toContain(indexUrl());
  });
});

describe("base image policy", () => {
  const spec = () => ({ base_image: baseImage(), layers: [{ commands: { cmd: ["true"] } }] });

  it("a denied base image fails before anything is pulled, naming the pattern", async () => {
    const { ctx, file } = specFile(spec());
    const r = await buildx(ctx, { file, buildArgs: { "base-image-deny": `${registry()}/debian-python:*` } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`denied by the operator's base-image-deny pattern "${registry()}/debian-python:*"`);
    expect(r.stderr).not.toMatch(/load metadata for 127\.0\.0\.1:5000\/debian-python/);
  });

  it("a base image outside the allow list fails the same way", async () => {
    const { ctx, file } = specFile(spec());
    const r = await buildx(ctx, { file, buildArgs: { "base-image-allow": "registry.corp.test/*,docker.io/library/python:*" } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`matches none of the operator's base-image-allow patterns ("registry.corp.test/*", "docker.io/library/python:*")`);
    expect(r.stderr).not.toMatch(/load metadata for 127\.0\.0\.1:5000\/debian-python/);
  });

  it("an allowed one builds", async () => {
    const { ctx, file } = specFile(spec());
    expectBuilt(await buildx(ctx, { file, buildArgs: { "base-image-allow": `${registry()}/*`, "base-image-deny": "*/internal/*" } }));
  });
});

describe("--call and --check", () => {
  const spec = () => `base_image: ${baseImage()}
python_version: "3.11"
layers:
  - pip_packages:
      packages: [acme-cli]
      secret_mounts: [{group: pypi, key: token, env_var: PIP_INDEX_URL}]
  - commands:
      cmd: ["cat /etc/flyte/secrets/cfg"]
      secret_mounts: [{key: cfg, mount_requirement: FILE}]
`;

  it("--call outline lists our options and every secret with how it is mounted and where", async () => {
    const { ctx, file } = specFile(spec());
    const r = await buildx(ctx, { file, extra: ["--call", "outline"], buildArgs: PIP });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/installer\s+pip\s+uv \(default\) or pip/);
    expect(r.stdout).toMatch(/SECRET\s+REQUIRED\s+MOUNTED AS\s+USED BY/);
    expect(r.stdout).toMatch(/pypi_token\s+true\s+env PIP_INDEX_URL\s+layers\[0\]/);
    expect(r.stdout).toMatch(/cfg\s+true\s+file \/etc\/flyte\/secrets\/cfg\s+layers\[1\]/);
  });

  it("--call targets shows the one default target", async () => {
    const { ctx, file } = specFile(spec());
    const r = await buildx(ctx, { file, extra: ["--call", "targets"] });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/TARGET\s+DESCRIPTION\n\(default\)\s+2 layer\(s\) on 127\.0\.0\.1:5000\/debian-python:3\.11-bookworm, Python 3\.11/);
  });

  it("--check prints the failing rules with their lines and exits non-zero", async () => {
    const { ctx, file } = specFile(spec() + "  - commands:\n      cmd: [\"apt-get install -y jq\"]\n");
    const r = await buildx(ctx, { file, extra: ["--check"] });
    expect(r.code).not.toBe(0);
    const out = r.stdout + r.stderr;
    expect(out).toMatch(/Check complete, 2 warnings have been found!/);
    expect(out).toMatch(/WARNING: BaseImageNotPinned - \S+README\.md#baseimagenotpinned/);
    expect(out).toMatch(/WARNING: InstallInCommands - \S+#installincommands/);
    expect(out).toContain('runs "apt-get install"');
    expect(r.stdout + r.stderr).not.toContain("pip install acme-cli");
  });

  it("--check of a clean spec passes", async () => {
    const pinned = `${baseImage()}@sha256:${"0".repeat(64)}`;
    const { ctx, file } = specFile(`base_image: "${pinned}"\npython_version: "3.11"\nlayers:\n  - pip_packages: {packages: [acme-cli]}\n`);
    const r = await buildx(ctx, { file, extra: ["--check"] });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toContain("Check complete, no warnings found.");
  });
});

describe("uv_project without [build-system]", () => {
  it("installs only its dependencies under installer=pip", async () => {
    const spec = { base_image: baseImage(), python_version: "3.11", layers: [{ uv_project: { pyproject: "svc", options: { index_url: indexUrl() } } }] };
    const ctx = makeContext({ "spec.json": JSON.stringify(spec), "svc/pyproject.toml": '[project]\nname = "svc"\nversion = "0.1.0"\ndependencies = ["acme-cli"]\n', "svc/svc.py": "" });
    const t = tag("virtual");
    const r = await buildx(ctx, { file: "spec.json", tag: t, buildArgs: PIP });
    expectBuilt(r);
    // Under optimize (the default) each dependency is installed on its own; the project never.
    expect(r.stderr).toMatch(/pip install [^\n]*acme-cli==1\.0\.0[^\n]* \((package \d+|\d+ packages) of \d+/);
    expect(r.stderr).not.toContain("(the project");
    expect(await runIn(t, "acme-cli; /opt/venv/bin/python -m pip show svc >/dev/null 2>&1 || echo no-svc")).toBe("acme-cli 1.0.0\nno-svc\n");
  });
});

describe("YAML aliases (issue 11)", () => {
  it("a layer whose index options are an alias installs from that index", async () => {
    const spec = `base_image: ${baseImage()}
python_version: "3.11"
layers:
  - pip_packages:
      packages: [tinyjson==1.0.0]
      options: &local {index_url: "${indexUrl()}"}
  - pip_packages:
      packages: [acme-cli]
      options: *local
`;
    const ctx = makeContext({ "spec.yaml": spec });
    writeFileSync(join(ctx, "marker"), String(process.pid));
    const t = tag("alias");
    expectBuilt(await buildx(ctx, { file: "spec.yaml", tag: t, buildArgs: PIP }));
    expect(await runIn(t, "acme-cli")).toBe("acme-cli 1.0.0\n");
  });
});

describe("uv carried by the frontend image", () => {
  // No uv is reachable here: a stand-in that records its argv and env and hands the work to the
  // venv's pip shows that install steps get uv from the frontend's own image, with the base
  // image's pip settings in uv's terms, and that no uv image is pulled.
  const fakeUv = `#!/bin/sh
set -e
log=/var/log/fake-uv.log
printf 'uv %s | UV_INDEX_URL=%s\\n' "$*" "\${UV_INDEX_URL:-}" >> "$log"
unset PIP_INDEX_URL
case "$1" in
  venv) shift; while [ "$1" != "\${1#-}" ]; do [ "$1" = --python ] && { py=$2; shift; }; shift; done; exec "$py" -m venv "$1" ;;
  pip) shift 2; py=$2; shift 2; exec "$py" -m pip install --disable-pip-version-check --root-user-action=ignore --index-url "$UV_INDEX_URL" "$@" ;;
esac
echo "fake uv: unsupported: $*" >&2; exit 2
`;

  it("install steps mount uv from the frontend image and receive the base image's pip index as UV_INDEX_URL", async () => {
    const uvImage = `${registry()}/imagespec-e2e-fake-uv:${process.pid}`;
    const uvCtx = makeContext({ Dockerfile: "FROM scratch\nCOPY --chmod=755 uv /uv\n", uv: fakeUv });
    expectBuilt(await run("docker", ["buildx", "build", "--progress=plain", "--provenance=false", "-t", uvImage, "--push", uvCtx]));
    const frontend = `${registry()}/imagespec-frontend:with-uv-${process.pid}`;
    const img = await run("bash", [join(repoRoot, "docker/build-image.sh"), frontend], { env: { UV_IMAGE: uvImage } });
    expect(img.code, img.stderr).toBe(0);

    const base = await deriveBase("uv-pip-env", `FROM ${baseImage()}\nENV PIP_INDEX_URL=${indexUrl()}\n`);
    const { ctx, file } = specFile(noIndexSpec(base));
    const t = tag("own-uv");
    const r = await buildx(ctx, { file, tag: t, syntaxArg: false, buildArgs: { BUILDKIT_SYNTAX: frontend } });
    expectBuilt(r);
    expect(await runIn(t, "acme-cli")).toBe("acme-cli 1.0.0\n");
    const log = await runIn(t, "cat /var/log/fake-uv.log");
    expect(log).toContain("uv venv --python /usr/bin/python3.11 /opt/venv");
    expect(log).toContain(`uv pip install --python /opt/venv/bin/python acme-cli | UV_INDEX_URL=${indexUrl()}`);
    expect(r.stderr).toMatch(new RegExp(`\\[internal\\] uv from ${registry().replace(/\./g, "\\.")}/imagespec-frontend:with-uv-\\d+@sha256:[0-9a-f]{64}`));
    expect(r.stderr).not.toContain("astral-sh/uv");
    expect(r.stderr).not.toContain(uvImage);
  });
});
