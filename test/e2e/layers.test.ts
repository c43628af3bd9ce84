/** Issue 5: every layer kind builds into an image that does what a user would check. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../support/paths.js";
import { baseImage, buildx, envOf, expectBuilt, extraIndexUrl, indexUrl, inspect, makeContext, registry, run, runIn, tag } from "./harness.js";

const PIP = { installer: "pip" };

function wheel(dir: string, name: string, version: string, requires: string[] = []): void {
  execFileSync("python3", [join(repoRoot, "test/env/wheels.py"), "wheel", dir, name, version, ...requires.flatMap((r) => ["--requires", r])]);
}

async function build(name: string, spec: object, files: Record<string, string> = {}, extra: Parameters<typeof buildx>[1] = { file: "spec.json" }) {
  const ctx = makeContext({ "spec.json": JSON.stringify(spec, null, 2), ...files });
  const t = tag(name);
  const r = await buildx(ctx, { ...extra, file: "spec.json", tag: t, buildArgs: { ...PIP, ...(extra.buildArgs ?? {}) } });
  return { ctx, t, r };
}

describe("python layers (installer=pip, local indexes)", () => {
  let image: string;
  beforeAll(async () => {
    const ctx = makeContext({
      "deps/requirements.txt": "-r pins/base.txt\n",
      "deps/pins/base.txt": "tinyjson==1.0.0\n",
    });
    wheel(join(ctx, "wheels"), "localonly", "0.1.0", ["tinyjson>=1.0"]);
    const spec = {
      base_image: baseImage(),
      python_version: "3.11",
      layers: [
        { requirements: { file: "deps/requirements.txt", options: { index_url: indexUrl() } } },
        { pip_packages: { packages: ["acme-cli"], options: { index_url: indexUrl() } } },
        { pip_packages: { packages: ["extraonly"], options: { index_url: indexUrl(), extra_index_urls: [extraIndexUrl()] } } },
        { python_wheels: { dir: "wheels", package_name: "localonly", options: { index_url: indexUrl() } } },
      ],
    };
    const { writeFileSync } = await import("node:fs");
    writeFileSync(join(ctx, "spec.json"), JSON.stringify(spec));
    image = tag("python");
    expectBuilt(await buildx(ctx, { file: "spec.json", tag: image, buildArgs: PIP }));
  });

  it("honours a pin from a nested -r file", async () => {
    expect(await runIn(image, 'python -c "import tinyjson; print(tinyjson.__version__)"')).toBe("1.0.0\n");
  });

  it("installs pip packages with their console scripts on PATH", async () => {
    expect(await runIn(image, "acme-cli")).toBe("acme-cli 1.0.0\n");
    expect(await runIn(image, "command -v acme-cli")).toBe("/opt/venv/bin/acme-cli\n");
  });

  it("finds a package that exists only on the extra index", async () => {
    expect(await runIn(image, "extraonly")).toBe("extraonly 0.1.0\n");
  });

  it("installs a local wheel that is on no index, with its dependencies", async () => {
    expect(await runIn(image, 'python -c "import localonly, tinyjson; print(localonly.__version__)"')).toBe("0.1.0\n");
  });

  it("sets the venv env in the config and leaves no build mounts behind", async () => {
    const env = envOf(await inspect(image));
    expect(env).toMatchObject({ VIRTUAL_ENV: "/opt/venv", UV_PYTHON: "/opt/venv/bin/python", VIRTUALENV: "/opt/venv" });
    expect(env.PATH!.startsWith("/opt/venv/bin:")).toBe(true);
    expect(await runIn(image, "ls -A /run; test ! -e /run/imagespec && echo clean")).toContain("clean");
  });

  it("pre: true picks the pre-release", async () => {
    const { t, r } = await build("pre", {
      base_image: baseImage(),
      layers: [{ pip_packages: { packages: ["tinyjson"], options: { index_url: indexUrl(), pre: true } } }],
    });
    expectBuilt(r);
    expect(await runIn(t, 'python -c "import tinyjson; print(tinyjson.__version__)"')).toBe("2.0.0rc1\n");
  });

  it("uv_project under installer=pip installs exactly the versions uv.lock pins", async () => {
    const lock = [
      "version = 1",
      'requires-python = ">=3.11"',
      '[[package]]\nname = "svc"\nversion = "0.1.0"\nsource = { editable = "." }\ndependencies = [{ name = "acme-cli" }]',
      `[[package]]\nname = "acme-cli"\nversion = "1.0.0"\nsource = { registry = "${indexUrl()}" }\ndependencies = [{ name = "tinyjson" }]`,
      `[[package]]\nname = "tinyjson"\nversion = "1.0.0"\nsource = { registry = "${indexUrl()}" }`,
    ].join("\n\n");
    const { t, r } = await build(
      "uvlock",
      { base_image: baseImage(), layers: [{ uv_project: { pyproject: "svc", uvlock: "svc/uv.lock", options: { index_url: indexUrl(), extra_args: "--no-install-project" } } }] },
      { "svc/pyproject.toml": '[project]\nname = "svc"\nversion = "0.1.0"\ndependencies = ["acme-cli"]\n', "svc/uv.lock": lock },
    );
    expectBuilt(r);
    // The index offers tinyjson 1.1.0 too; the lock's 1.0.0 wins, and the project itself is not installed.
    expect(await runIn(t, 'python -c "import tinyjson; print(tinyjson.__version__)"; acme-cli; python -c "import svc" 2>/dev/null || echo "no svc"')).toBe("1.0.0\nacme-cli 1.0.0\nno svc\n");
  });

  it("python_version 3.13 on a 3.11 base fails naming both versions", async () => {
    const { r } = await build("py313", { base_image: baseImage(), python_version: "3.13", layers: [] });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("python_version 3.13 is not available in the base image: it has 3.11 (/usr/bin/python3.11)");
  });
});

describe("system layers", () => {
  it("apt package on PATH; commands' files present; no apt lists left in the image", async () => {
    const { t, r } = await build("apt", {
      base_image: baseImage(),
      layers: [{ apt_packages: { packages: ["jq"] } }, { commands: { cmd: ["echo made > /made.txt", "jq -n '1+1' > /sum.txt"] } }],
    });
    expectBuilt(r);
    expect(await runIn(t, "command -v jq && cat /made.txt /sum.txt")).toBe("/usr/bin/jq\nmade\n2\n");
    expect(await runIn(t, "ls /var/lib/apt/lists | grep -c Packages || true")).toBe("0\n");
    expect(envOf(await inspect(t)).DEBIAN_FRONTEND).toBeUndefined();
  });

  it("copies files to the right paths with the base image's user as owner, honouring .dockerignore", async () => {
    // A base image with a non-root user, made with the engine's own Dockerfile frontend.
    const baseCtx = makeContext({ Dockerfile: `FROM ${baseImage()}\nRUN useradd -u 1234 -m app\nUSER app\n` });
    const userBase = `${registry()}/e2e/user-base:${process.pid}`;
    const b = await run("docker", ["buildx", "build", "--network", "host", "--provenance=false", "-t", userBase, "--push", baseCtx]);
    expectBuilt(b);
    const { t, r } = await build(
      "copy",
      {
        base_image: userBase,
        layers: [
          { workdir: { workdir: "/srv" } },
          { copy_config: { src: "app", dst: "app/" } },
          { copy_config: { src: "conf/settings.ini", dst: "/etc/myapp/" } },
        ],
      },
      { "app/main.py": "print('hi')\n", "app/pkg/mod.py": "x = 1\n", "app/notes.log": "ignored\n", "conf/settings.ini": "[a]\n", ".dockerignore": "**/*.log\n" },
    );
    expectBuilt(r);
    const listing = await runIn(t, "cd /srv/app && find . -type f | sort && stat -c '%u %n' main.py pkg/mod.py /etc/myapp/settings.ini");
    expect(listing).toBe("./main.py\n./pkg/mod.py\n1234 main.py\n1234 pkg/mod.py\n1234 /etc/myapp/settings.ini\n");
    expect((await inspect(t)).Config.User).toBe("app");
  });
});

describe("caching", () => {
  it("editing a copied source file re-runs only the copy, not the installs", async () => {
    const spec = {
      base_image: baseImage(),
      layers: [
        { requirements: { file: "requirements.txt", options: { index_url: indexUrl() } } },
        { copy_config: { src: "src", dst: "/app" } },
      ],
    };
    // Unique contents: BuildKit's cache is content-addressed, so a previous run's files would hit it.
    const token = `${process.pid}-${Date.now()}`;
    const ctx = makeContext({ "spec.json": JSON.stringify(spec), "requirements.txt": "tinyjson==1.0.0\n", "src/app.py": `print("${token}-1")\n` });
    const first = await buildx(ctx, { file: "spec.json", buildArgs: PIP });
    expectBuilt(first);
    const { writeFileSync } = await import("node:fs");
    writeFileSync(join(ctx, "src/app.py"), `print("${token}-2")\n`);
    const t = tag("cache");
    const second = await buildx(ctx, { file: "spec.json", tag: t, buildArgs: PIP });
    expectBuilt(second);
    // Under optimize (the default) the install is one step per package.
    expect(second.stderr).toMatch(/\[1\/2\] pip install tinyjson==1\.0\.0 \(package 1 of 1\)\n#\d+ CACHED/);
    expect(second.stderr).not.toMatch(/\[2\/2\] COPY src \/app\n#\d+ CACHED/);
    expect(await runIn(t, "cat /app/app.py")).toBe(`print("${token}-2")\n`);
  });
});

describe("secrets", () => {
  it("are readable during a command as file and env, and absent from every layer, the config and history", async () => {
    const runToken = `${process.pid}-${Date.now()}`;
    const fileValue = `file-secret-${runToken}`;
    const envValue = `env-secret-${runToken}`;
    const dir = mkdtempSync(join(tmpdir(), "imagespec-secret-"));
    const { writeFileSync } = await import("node:fs");
    writeFileSync(join(dir, "file"), fileValue);
    writeFileSync(join(dir, "env"), envValue);
    const spec = {
      base_image: baseImage(),
      layers: [
        {
          commands: {
            cmd: [
              // BuildKit's cache keys hold no secret: without a first step unique to this run, a
              // warm engine would reuse evidence written with another run's secrets.
              `: run-${runToken}`,
              'test "$TOKEN_PATH" = /etc/flyte/secrets/creds_token && echo "file:$(wc -c < "$TOKEN_PATH")" > /evidence',
              'echo "env:${#API_KEY}" >> /evidence',
            ],
            secret_mounts: [
              { group: "creds", key: "token", mount_requirement: "FILE", env_var: "TOKEN_PATH" },
              { key: "api", env_var: "API_KEY" },
            ],
          },
        },
      ],
    };
    const ctx = makeContext({ "spec.json": JSON.stringify(spec) });
    const t = tag("secrets");
    const r = await buildx(ctx, { file: "spec.json", tag: t, buildArgs: PIP, secrets: [`id=creds_token,src=${join(dir, "file")}`, `id=api,src=${join(dir, "env")}`] });
    expectBuilt(r);
    expect(await runIn(t, "cat /evidence")).toBe(`file:${fileValue.length}\nenv:${envValue.length}\n`);
    expect(await runIn(t, "test ! -e /etc/flyte/secrets/creds_token && echo gone")).toBe("gone\n");
    const info = JSON.stringify(await inspect(t));
    const history = (await run("docker", ["history", "--no-trunc", t])).stdout;
    for (const v of [fileValue, envValue]) {
      expect(info).not.toContain(v);
      expect(history).not.toContain(v);
    }
    // Scan every exported layer tar.
    const out = mkdtempSync(join(tmpdir(), "imagespec-save-"));
    const saved = await run("docker", ["save", "-o", join(out, "image.tar"), t]);
    expectBuilt(saved);
    execFileSync("tar", ["-xf", join(out, "image.tar"), "-C", out]);
    const files: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d)) {
        const p = join(d, e);
        if (statSync(p).isDirectory()) walk(p);
        else files.push(p);
      }
    };
    walk(out);
    const layerFiles = files.filter((f) => !f.endsWith("image.tar"));
    expect(layerFiles.length).toBeGreaterThan(2);
    for (const f of layerFiles) {
      const content = readFileSync(f);
      const unpacked = content[0] === 0x1f && content[1] === 0x8b ? (await import("node:zlib")).gunzipSync(content) : content;
      expect(unpacked.includes(fileValue)).toBe(false);
      expect(unpacked.includes(envValue)).toBe(false);
    }
  });

  it("a secret the client did not provide fails the build naming it", async () => {
    const { r } = await build("nosecret", { base_image: baseImage(), layers: [{ commands: { cmd: ["true"], secret_mounts: [{ group: "pypi", key: "token" }] } }] });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/secret pypi_token not found|pypi_token/);
  });
});

describe("multi-platform", () => {
  it("a two-platform spec yields one index whose variants report their own architecture", async () => {
    const t = `${registry()}/e2e/multi:${process.pid}`;
    const spec = {
      base_image: baseImage(),
      platform: ["linux/amd64", "linux/arm64"],
      layers: [{ commands: { cmd: ["uname -m > /arch"] } }],
    };
    const ctx = makeContext({ "spec.json": JSON.stringify(spec) });
    const r = await buildx(ctx, { file: "spec.json", tag: t, push: true, buildArgs: PIP, timeoutMs: 600_000 });
    expectBuilt(r);
    const manifest = await run("docker", ["buildx", "imagetools", "inspect", "--raw", t]);
    const index = JSON.parse(manifest.stdout) as { manifests: { platform: { architecture: string } }[] };
    expect(index.manifests.map((m) => m.platform.architecture).sort()).toEqual(["amd64", "arm64"]);
    expect(await runIn(t, "cat /arch", { platform: "linux/amd64", pull: true })).toBe("x86_64\n");
    expect(await runIn(t, "cat /arch", { platform: "linux/arm64", pull: true })).toBe("aarch64\n");
  });
});
