import { describe, expect, it } from "vitest";
import { APT_SCRIPT } from "../../../frontend/plan/reproducible.js";
import { CONTEXT_MOUNT, PROJECT_MOUNT } from "../../../frontend/plan/context.js";
import { SECRET_DIR } from "../../../frontend/plan/builder.js";
import { UV_BIN, UV_MOUNT } from "../../../frontend/plan/installer.js";
import { DEFAULT_UV_IMAGE } from "../../../frontend/options/settings.js";
import { baseConfig, compileSpec, PYTHON_311 } from "../../support/compile-fixture.js";
import { decodeOps, envOf, execOps, mountAt } from "../../support/llb-inspect.js";

const BASE = "registry.test/python:3.11";
const marshal = (spec: object, o = {}) => compileSpec(spec, o).state.marshal();

describe("python environment", () => {
  it("creates /opt/venv with uv from the image's own interpreter, never downloading one", () => {
    const [venv] = execOps(marshal({ base_image: BASE, python_version: "3.11", layers: [] }));
    expect(venv!.op.exec.meta.args).toEqual([UV_BIN, "venv", "--python", "/usr/bin/python3.11", "/opt/venv"]);
    expect(envOf(venv!).UV_PYTHON_DOWNLOADS).toBe("never");
    expect(mountAt(venv!, UV_MOUNT)).toMatchObject({ readonly: true });
  });

  it("creates the venv with python -m venv under installer=pip", () => {
    const [venv] = execOps(marshal({ base_image: BASE, python_version: "3.11", layers: [] }, { settings: { installer: "pip" } }));
    expect(venv!.op.exec.meta.args).toEqual(["/usr/bin/python3.11", "-m", "venv", "/opt/venv"]);
  });

  it("reuses a venv of the right version that the base image points at", () => {
    const compiled = compileSpec(
      { base_image: BASE, python_version: "3.11", layers: [{ pip_packages: { packages: ["six"] } }] },
      { config: baseConfig({ Env: ["PATH=/usr/bin:/bin", "VIRTUAL_ENV=/app/venv"] }), python: { ...PYTHON_311, venvs: [{ path: "/app/venv", version: "3.11.9" }] } },
    );
    const execs = execOps(compiled.state.marshal());
    expect(execs).toHaveLength(1);
    expect(execs[0]!.op.exec.meta.args.slice(0, 5)).toEqual([UV_BIN, "pip", "install", "--python", "/app/venv/bin/python"]);
    expect(compiled.config.config?.Env).toContain("VIRTUAL_ENV=/app/venv");
  });

  it("recreates /opt/venv when it holds another Python version", () => {
    const [venv] = execOps(marshal({ base_image: BASE, python_version: "3.11", layers: [] }, { python: { ...PYTHON_311, venvs: [{ path: "/opt/venv", version: "3.10.1" }] } }));
    expect(venv!.op.exec.meta.args).toContain("--clear");
  });

  it("fails naming the wanted and the available versions", () => {
    expect(() => marshal({ base_image: BASE, python_version: "3.13", layers: [] })).toThrow(/python_version 3\.13 is not available in the base image: it has 3\.11 \(\/usr\/bin\/python3\.11\)/);
  });

  it("sets Flyte's env and expands PATH against the base image", () => {
    const env = compileSpec({ base_image: BASE, python_version: "3.11", layers: [] }).config.config!.Env!;
    expect(env).toEqual(
      expect.arrayContaining([
        "VIRTUALENV=/opt/venv",
        "VIRTUAL_ENV=/opt/venv",
        "UV_PYTHON=/opt/venv/bin/python",
        "PATH=/opt/venv/bin:/usr/local/bin:/usr/bin:/bin",
        "UV_COMPILE_BYTECODE=1",
        "UV_LINK_MODE=copy",
        "UV_PYTHON_DOWNLOADS=never",
      ]),
    );
  });

  it("sets up no Python at all for a spec without Python layers or version", () => {
    const compiled = compileSpec({ base_image: BASE, layers: [{ commands: { cmd: ["true"] } }] }, { python: { interpreters: [], venvs: [] } });
    expect(compiled.python).toBeUndefined();
    expect(execOps(compiled.state.marshal())).toHaveLength(1);
  });
});

describe("uv installs", () => {
  const spec = {
    base_image: BASE,
    layers: [
      {
        pip_packages: {
          packages: ["acme-cli>=1.0", "tinyjson[fast]==1.0.0"],
          options: { index_url: "https://idx.test/simple", extra_index_urls: ["https://a.test/simple", "https://b.test/simple"], pre: true, extra_args: "--no-cache-dir '--config-setting=a b'" },
        },
      },
    ],
  };

  it("maps options and packages to argv, never through a shell", () => {
    const install = execOps(marshal(spec)).at(-1)!;
    expect(install.op.exec.meta.args).toEqual([
      UV_BIN,
      "pip",
      "install",
      "--python",
      "/opt/venv/bin/python",
      "--index-url",
      "https://idx.test/simple",
      "--extra-index-url",
      "https://a.test/simple",
      "--extra-index-url",
      "https://b.test/simple",
      "--prerelease=allow",
      "--no-cache-dir",
      "--config-setting=a b",
      "acme-cli>=1.0",
      "tinyjson[fast]==1.0.0",
    ]);
    expect(install.name).toBe("[1/1] uv pip install acme-cli>=1.0 tinyjson[fast]==1.0.0");
  });

  it("mounts uv from its image read-only and a locked uv cache; uv never becomes a layer", () => {
    const def = marshal(spec);
    const install = execOps(def).at(-1)!;
    expect(mountAt(install, "/root/.cache/uv")).toMatchObject({ mountType: "CACHE", cacheOpt: { ID: "uv", sharing: "LOCKED" } });
    const uv = mountAt(install, UV_MOUNT)!;
    expect(uv).toMatchObject({ readonly: true, output: -1 });
    const uvSource = decodeOps(def).find((o) => o.op.source?.identifier === `docker-image://${DEFAULT_UV_IMAGE}`);
    expect(uvSource).toBeDefined();
    expect(install.op.inputs[uv.input].digest).toBe(uvSource!.digest);
    // The root mount is the only output: nothing from the uv mount lands in the image.
    expect((install.op.exec.mounts as { output?: number }[]).filter((m) => (m.output ?? 0) >= 0 && m !== mountAt(install, "/"))).toHaveLength(0);
  });

  it("namespaces cache ids with BUILDKIT_CACHE_MOUNT_NS", () => {
    const install = execOps(marshal(spec, { settings: { cacheNamespace: "tenant-a" } })).at(-1)!;
    expect(mountAt(install, "/root/.cache/uv")!.cacheOpt.ID).toBe("tenant-a/uv");
  });

  it("uses pip's flags and cache under installer=pip", () => {
    const install = execOps(marshal(spec, { settings: { installer: "pip" } })).at(-1)!;
    expect(install.op.exec.meta.args.slice(0, 7)).toEqual(["/opt/venv/bin/python", "-m", "pip", "install", "--disable-pip-version-check", "--no-input", "--root-user-action=ignore"]);
    expect(install.op.exec.meta.args).toContain("--pre");
    expect(mountAt(install, "/root/.cache/pip")).toMatchObject({ mountType: "CACHE", cacheOpt: { ID: "pip", sharing: "LOCKED" } });
    expect(mountAt(install, UV_MOUNT)).toBeUndefined();
  });
});

describe("uv_project", () => {
  it("dependencies only: mounts just pyproject.toml and uv.lock, syncs --locked into the active venv", () => {
    const def = marshal({
      base_image: BASE,
      layers: [{ uv_project: { pyproject: "proj", uvlock: "proj/uv.lock", options: { extra_args: "--no-install-project" } } }],
    });
    const sync = execOps(def).at(-1)!;
    expect(sync.op.exec.meta.args).toEqual([UV_BIN, "sync", "--active", "--inexact", "--locked", "--project", PROJECT_MOUNT, "--no-install-project"]);
    expect(envOf(sync).VIRTUAL_ENV).toBe("/opt/venv");
    const project = mountAt(sync, PROJECT_MOUNT)!;
    expect(project.readonly).toBe(true);
    const prepare = decodeOps(def).find((o) => o.op.file && o.name?.startsWith("[internal] prepare"))!;
    const copies = (prepare.op.file.actions as { copy: { src: string; dest: string } }[]).map((a) => [a.copy.src, a.copy.dest]);
    expect(copies).toEqual([
      ["/proj/pyproject.toml", "/pyproject.toml"],
      ["/proj/uv.lock", "/uv.lock"],
    ]);
  });

  it("install mode: copies the project and installs it --no-editable", () => {
    const sync = execOps(marshal({ base_image: BASE, layers: [{ uv_project: { pyproject: "proj/pyproject.toml", uvlock: "proj/uv.lock" } }] })).at(-1)!;
    expect(sync.op.exec.meta.args).toEqual([UV_BIN, "sync", "--active", "--inexact", "--locked", "--no-editable", "--project", PROJECT_MOUNT]);
    expect(mountAt(sync, PROJECT_MOUNT)!.readonly).toBeUndefined();
  });

  it("install mode with source_dir points uv at the project inside it", () => {
    const sync = execOps(marshal({ base_image: BASE, layers: [{ uv_project: { pyproject: "repo/svc", source_dir: "repo" } }] })).at(-1)!;
    expect(sync.op.exec.meta.args).toEqual([UV_BIN, "sync", "--active", "--inexact", "--no-editable", "--project", `${PROJECT_MOUNT}/svc`]);
  });

  const PYPROJECT = '[project]\nname = "svc"\nversion = "0.1.0"\ndependencies = ["acme-cli>=1", "tinyjson"]\n';
  const LOCK = [
    "version = 1",
    '[[package]]\nname = "svc"\nversion = "0.1.0"\nsource = { editable = "." }\ndependencies = [{ name = "acme-cli" }, { name = "winonly", marker = "sys_platform == \'win32\'" }]',
    '[[package]]\nname = "acme-cli"\nversion = "1.0.0"\nsource = { registry = "https://idx.test/simple" }\ndependencies = [{ name = "tinyjson" }]',
    '[[package]]\nname = "tinyjson"\nversion = "1.0.0"\nsource = { registry = "https://idx.test/simple" }',
    '[[package]]\nname = "winonly"\nversion = "2.0"\nsource = { registry = "https://idx.test/simple" }',
  ].join("\n\n");

  const PACKAGE = PYPROJECT + '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n';

  it("installer=pip installs exactly the lock's pins (with markers), then the project", () => {
    const execs = execOps(
      marshal(
        { base_image: BASE, layers: [{ uv_project: { pyproject: "svc", uvlock: "svc/uv.lock" } }] },
        { settings: { installer: "pip" }, files: { "svc/pyproject.toml": PACKAGE, "svc/uv.lock": LOCK } },
      ),
    );
    const [pins, project] = execs.slice(-2);
    expect(pins!.op.exec.meta.args.slice(7)).toEqual(["--no-deps", "acme-cli==1.0.0", "tinyjson==1.0.0", "winonly==2.0 ; sys_platform == 'win32'"]);
    expect(project!.op.exec.meta.args.slice(7)).toEqual(["--no-deps", PROJECT_MOUNT]);
  });

  describe("a virtual project (no [build-system], or tool.uv.package = false) installs only its dependencies", () => {
    const pipBuild = (pyproject: string) =>
      execOps(marshal({ base_image: BASE, layers: [{ uv_project: { pyproject: "svc", uvlock: "svc/uv.lock" } }] }, { settings: { installer: "pip" }, files: { "svc/pyproject.toml": pyproject, "svc/uv.lock": LOCK } }));
    const uvBuild = (pyproject: string) => marshal({ base_image: BASE, layers: [{ uv_project: { pyproject: "svc", uvlock: "svc/uv.lock" } }] }, { files: { "svc/pyproject.toml": pyproject } });

    it("under pip: the lock's pins, and no step installs the project", () => {
      for (const pyproject of [PYPROJECT, PACKAGE + "[tool.uv]\npackage = false\n"]) {
        const execs = pipBuild(pyproject);
        expect(execs.at(-1)!.op.exec.meta.args.slice(7)).toEqual(["--no-deps", "acme-cli==1.0.0", "tinyjson==1.0.0", "winonly==2.0 ; sys_platform == 'win32'"]);
        expect(execs.some((e) => e.op.exec.meta.args.includes(PROJECT_MOUNT))).toBe(false);
      }
    });

    it("under pip: tool.uv.package = true makes a project without [build-system] a package", () => {
      expect(pipBuild(PYPROJECT + "[tool.uv]\npackage = true\n").at(-1)!.op.exec.meta.args.slice(7)).toEqual(["--no-deps", PROJECT_MOUNT]);
    });

    it("under uv: only the manifest and lock are mounted, and uv syncs --no-install-project", () => {
      const def = uvBuild(PYPROJECT);
      const sync = execOps(def).at(-1)!;
      expect(sync.op.exec.meta.args).toEqual([UV_BIN, "sync", "--active", "--inexact", "--locked", "--no-install-project", "--project", PROJECT_MOUNT]);
      expect(mountAt(sync, PROJECT_MOUNT)!.readonly).toBe(true);
      expect(sync.name).toContain("virtual project: dependencies only");
      const packaged = execOps(uvBuild(PACKAGE)).at(-1)!;
      expect(packaged.op.exec.meta.args).toContain("--no-editable");
    });
  });

  it("installer=pip without a lock installs the declared dependencies (dependencies-only mode)", () => {
    const execs = execOps(
      marshal({ base_image: BASE, layers: [{ uv_project: { pyproject: "svc/pyproject.toml", options: { extra_args: "--no-install-project" } } }] }, { settings: { installer: "pip" }, files: { "svc/pyproject.toml": PYPROJECT } }),
    );
    expect(execs.at(-1)!.op.exec.meta.args.slice(7)).toEqual(["acme-cli>=1", "tinyjson"]);
  });

  it("installer=pip refuses what pip cannot honour from the lock, naming it", () => {
    const gitLock = LOCK.replace('source = { registry = "https://idx.test/simple" }\ndependencies = [{ name = "tinyjson" }]', 'source = { git = "https://git.test/acme?rev=abc" }\ndependencies = [{ name = "tinyjson" }]');
    expect(() =>
      marshal({ base_image: BASE, layers: [{ uv_project: { pyproject: "svc", uvlock: "svc/uv.lock" } }] }, { settings: { installer: "pip" }, files: { "svc/pyproject.toml": PYPROJECT, "svc/uv.lock": gitLock } }),
    ).toThrow(/layers\[0\]\.uv_project: uv\.lock takes "acme-cli" from a git source [^;]*; use installer=uv for this layer$/);
    expect(() =>
      marshal({ base_image: BASE, layers: [{ uv_project: { pyproject: "svc", options: { extra_args: "--frozen" } } }] }, { settings: { installer: "pip" }, files: { "svc/pyproject.toml": PYPROJECT } }),
    ).toThrow(/--frozen are uv options that pip does not have/);
  });
});

describe("poetry_project", () => {
  it("installs poetry into a cache-mounted tool location and runs poetry install with user args as argv", () => {
    const def = marshal({ base_image: BASE, layers: [{ poetry_project: { pyproject: "app", poetry_lock: "app/poetry.lock", extra_args: "--no-root --only main" } }] });
    const run = execOps(def).at(-1)!;
    const args: string[] = run.op.exec.meta.args;
    expect(args.slice(0, 2)).toEqual(["/bin/sh", "-c"]);
    expect(args[2]).toContain("poetry install --no-interaction \"$@\"");
    expect(args.slice(3)).toEqual(["poetry", "--no-root", "--only", "main"]);
    expect(mountAt(run, "/opt/imagespec/poetry")).toMatchObject({ mountType: "CACHE", cacheOpt: { ID: "poetry-tool", sharing: "LOCKED" } });
    expect(mountAt(run, "/root/.cache/pypoetry")).toMatchObject({ mountType: "CACHE" });
    expect(envOf(run)).toMatchObject({ VIRTUAL_ENV: "/opt/venv", POETRY_VIRTUALENVS_CREATE: "false" });
  });
});

describe("apt_packages", () => {
  it("rejects a package name carrying shell syntax before anything runs", () => {
    expect(() => compileSpec({ base_image: BASE, layers: [{ apt_packages: { packages: ["curl", "acme; touch /pwned"] } }] })).toThrow(
      /layers\[0\]\.apt_packages\.packages\[1\]: "acme; touch \/pwned" is not a valid Debian package name/,
    );
  });

  it("passes packages as argv to a fixed script, caches lists and archives, DEBIAN_FRONTEND only in the step", () => {
    const compiled = compileSpec({ base_image: BASE, layers: [{ apt_packages: { packages: ["curl", "jq=1.6-2"] } }] });
    const apt = execOps(compiled.state.marshal()).at(-1)!;
    expect(apt.op.exec.meta.args).toEqual(["/bin/sh", "-c", APT_SCRIPT, "apt-get", "curl", "jq=1.6-2"]);
    expect(mountAt(apt, "/var/cache/apt")).toMatchObject({ mountType: "CACHE", cacheOpt: { sharing: "LOCKED" } });
    expect(mountAt(apt, "/var/lib/apt/lists")).toMatchObject({ mountType: "CACHE", cacheOpt: { sharing: "LOCKED" } });
    expect(envOf(apt).DEBIAN_FRONTEND).toBe("noninteractive");
    expect(compiled.config.config!.Env!.some((e) => e.startsWith("DEBIAN_FRONTEND"))).toBe(false);
  });
});

describe("secrets", () => {
  const spec = {
    base_image: BASE,
    layers: [
      {
        commands: {
          cmd: ["use-secrets"],
          secret_mounts: [
            { group: "pypi", key: "token" },
            { key: "netrc", mount_requirement: "FILE", env_var: "NETRC" },
            { key: "api-key", env_var: "API" },
          ],
        },
      },
    ],
  };

  it("exposes env secrets to the step only, file secrets at /etc/flyte/secrets/<id>, all required", () => {
    const compiled = compileSpec(spec);
    const step = execOps(compiled.state.marshal()).at(-1)!;
    expect(step.op.exec.secretenv).toEqual([
      { ID: "pypi_token", name: "PYPI_TOKEN" },
      { ID: "api-key", name: "API" },
    ]);
    expect(mountAt(step, `${SECRET_DIR}/netrc`)).toMatchObject({ mountType: "SECRET", secretOpt: { ID: "netrc", mode: 0o400 } });
    expect(mountAt(step, `${SECRET_DIR}/netrc`)!.secretOpt.optional).toBeUndefined();
    expect(envOf(step).NETRC).toBe(`${SECRET_DIR}/netrc`);
    expect(JSON.stringify(compiled.config)).not.toMatch(/PYPI_TOKEN|NETRC|netrc/);
  });
});

describe("files, env and workdir", () => {
  it("expands env values in order, Dockerfile style", () => {
    const compiled = compileSpec({
      base_image: BASE,
      layers: [{ env: { env_variables: { A: "1", PATH: "/tool/bin:$PATH", B: "${A}-${MISSING:-dflt}" } } }],
    });
    expect(compiled.config.config!.Env).toEqual(expect.arrayContaining(["A=1", "PATH=/tool/bin:/usr/local/bin:/usr/bin:/bin", "B=1-dflt"]));
  });

  it("creates a relative workdir under the current one and uses it for later steps and the config", () => {
    const compiled = compileSpec({ base_image: BASE, layers: [{ workdir: { workdir: "/srv" } }, { workdir: { workdir: "data/dir" } }, { commands: { cmd: ["pwd"] } }] });
    const def = compiled.state.marshal();
    const mkdirs = decodeOps(def).filter((o) => o.op.file?.actions?.[0]?.mkdir).map((o) => o.op.file.actions[0].mkdir.path);
    expect(mkdirs).toEqual(["/srv", "/srv/data/dir"]);
    expect(execOps(def).at(-1)!.op.exec.meta.cwd).toBe("/srv/data/dir");
    expect(compiled.config.config!.WorkingDir).toBe("/srv/data/dir");
  });

  it("copies with Dockerfile COPY semantics, owned by the base image's user", () => {
    const compiled = compileSpec(
      { base_image: BASE, layers: [{ workdir: { workdir: "/app" } }, { copy_config: { src: "./src/pkg", dst: "lib/" } }] },
      { config: baseConfig({ User: "1000:1000" }), exclude: ["**/*.pyc"] },
    );
    const def = compiled.state.marshal();
    const copy = decodeOps(def).find((o) => o.op.file?.actions?.[0]?.copy)!.op.file.actions[0].copy;
    expect(copy).toMatchObject({
      src: "/src/pkg",
      dest: "/app/lib/",
      dirCopyContents: true,
      createDestPath: true,
      allowWildcard: true,
      followSymlink: true,
      owner: { user: { byID: 1000 }, group: { byID: 1000 } },
      excludePatterns: ["**/*.pyc"],
    });
    const ctx = decodeOps(def).find((o) => o.op.source?.identifier === "local://context")!;
    expect(JSON.parse(ctx.op.source.attrs["local.followpaths"])).toEqual(["src/pkg"]);
    expect(ctx.op.source.attrs["local.session"]).toBe("session-1");
  });

  it("mounts exactly the requirements file and what it includes, each with a selector (content-keyed cache)", () => {
    const def = compileSpec(
      { base_image: BASE, layers: [{ requirements: { file: "deps/requirements.txt" } }] },
      { requirementFiles: { "deps/requirements.txt": ["deps/pins/base.txt", "deps/requirements.txt"] } },
    ).state.marshal();
    const install = execOps(def).at(-1)!;
    expect(install.op.exec.meta.args.slice(-2)).toEqual(["-r", `${CONTEXT_MOUNT}/deps/requirements.txt`]);
    expect(mountAt(install, `${CONTEXT_MOUNT}/deps/requirements.txt`)).toMatchObject({ readonly: true, selector: "deps/requirements.txt" });
    expect(mountAt(install, `${CONTEXT_MOUNT}/deps/pins/base.txt`)).toMatchObject({ readonly: true, selector: "deps/pins/base.txt" });
    expect(mountAt(install, CONTEXT_MOUNT)).toBeUndefined();
    const ctx = decodeOps(def).find((o) => o.op.source?.identifier === "local://context")!;
    expect(JSON.parse(ctx.op.source.attrs["local.followpaths"])).toEqual(["deps/pins/base.txt", "deps/requirements.txt"]);
  });

  it("without the include list, mounts the requirements file's directory", () => {
    const install = execOps(marshal({ base_image: BASE, layers: [{ requirements: { file: "deps/requirements.txt" } }] })).at(-1)!;
    expect(mountAt(install, `${CONTEXT_MOUNT}/deps`)).toMatchObject({ readonly: true, selector: "deps" });
  });

  it("installs wheels in two steps: dependencies from the index, then the local wheel forced", () => {
    const execs = execOps(marshal({ base_image: BASE, layers: [{ python_wheels: { dir: "dist", package_name: "acme-local" } }] }));
    const [deps, force] = execs.slice(-2);
    expect(mountAt(deps!, `${CONTEXT_MOUNT}/dist`)).toMatchObject({ selector: "dist", readonly: true });
    expect(deps!.op.exec.meta.args.slice(5)).toEqual(["--find-links", `${CONTEXT_MOUNT}/dist`, "acme-local"]);
    expect(force!.op.exec.meta.args.slice(5)).toEqual(["--find-links", `${CONTEXT_MOUNT}/dist`, "--no-deps", "--no-index", "--reinstall", "acme-local"]);
  });

  it("installs every wheel of the directory when package_name is empty", () => {
    const execs = execOps(marshal({ base_image: BASE, layers: [{ python_wheels: { dir: "dist" } }] }, { wheels: { dist: ["dist/a-1-py3-none-any.whl", "dist/b-2-py3-none-any.whl"] } }));
    expect(execs.at(-1)!.op.exec.meta.args.slice(-2)).toEqual([`${CONTEXT_MOUNT}/dist/a-1-py3-none-any.whl`, `${CONTEXT_MOUNT}/dist/b-2-py3-none-any.whl`]);
  });

  it("names steps after their spec entry and maps each op to its spec lines", () => {
    const spec = JSON.stringify({ base_image: BASE, layers: [{ commands: { cmd: ["echo one", "echo two"] } }] }, null, 2);
    const def = compileSpec(spec).state.marshal();
    const execs = execOps(def);
    expect(execs.map((e) => e.name)).toEqual(["[1/1] echo one", "[1/1] echo two"]);
    const loc = def.source!.locations.get(execs[0]!.digest)!;
    expect(loc[0]!.ranges[0]!.start.line).toBe(spec.split("\n").findIndex((l) => l.includes('"commands"')));
  });
});

describe("image config", () => {
  it("keeps the base config, adds labels, _F_IMG_ID and a history entry per step", () => {
    const compiled = compileSpec(
      { base_image: BASE, layers: [{ commands: { cmd: ["true"] } }, { env: { env_variables: { X: "1" } } }] },
      { settings: { labels: { team: "ml" }, imageId: "my-image:1" }, config: baseConfig({ Entrypoint: ["/entry"], User: "app", Labels: { base: "yes" } }) },
    );
    const c = compiled.config;
    expect(c.config).toMatchObject({ Entrypoint: ["/entry"], Cmd: ["python3"], User: "app" });
    expect(c.config!.Labels).toMatchObject({ base: "yes", team: "ml", "dev.imagespec.frontend.version": "1.2.3" });
    expect(c.config!.Env).toContain("_F_IMG_ID=my-image:1");
    expect(c.history!.map((h) => h.created_by)).toEqual(["base", "[1/2] true", "ENV X"]);
    expect(c.history![2]!.empty_layer).toBe(true);
  });

  it("defaults _F_IMG_ID to the spec digest", () => {
    expect(compileSpec({ base_image: BASE, layers: [] }).config.config!.Env).toContain("_F_IMG_ID=sha256:" + "c".repeat(64));
  });
});
