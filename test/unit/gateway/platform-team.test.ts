/** What a platform team configures: operator defaults, base image policy, base pip settings for uv, uv from the frontend image, subrequests. */
import { describe, expect, it } from "vitest";
import { basePipSettings, indexEnv, parsePipConf, pipConfPaths } from "../../../frontend/plan/index-settings.js";
import { UV_MOUNT } from "../../../frontend/plan/installer.js";
import { checkBaseImage, matchesPattern } from "../../../frontend/options/base-policy.js";
import { buildSettings, OptionError, parseOptions } from "../../../frontend/options/options.js";
import { imageOfDefinition, ownPip, ownUv, FRONTEND_DEFINITION, OWN_PIP_DIR, OWN_UV_DIR } from "../../../frontend/gateway/own-image.js";
import { describeResult, lintErrorResult, lintResult, outlineResult, targetsResult } from "../../../frontend/gateway/subrequests.js";
import { installIn, lintSpec } from "../../../frontend/imagespec/lint.js";
import { loadSpec } from "../../../frontend/imagespec/load.js";
import { SpecError } from "../../../frontend/imagespec/problems.js";
import { image } from "../../../llb/src/index.js";
import { compileSpec, PYTHON_311 } from "../../support/compile-fixture.js";
import { decodeOps, envOf, execOps, mountAt } from "../../support/llb-inspect.js";

const amd64 = { os: "linux", architecture: "amd64" };
const opts = (o: Record<string, string>) => parseOptions(new Map(Object.entries(o)), amd64);
const BASE = "registry.test/python:3.11";
const PIP_SPEC = { base_image: BASE, python_version: "3.11", layers: [{ pip_packages: { packages: ["six"] } }] };
const marshal = (spec: object, o = {}) => compileSpec(spec, o).state.marshal();
const lastExec = (spec: object, o = {}) => execOps(marshal(spec, o)).at(-1)!;

describe("pip.conf and PIP_* settings of the base image", () => {
  it("reads [global] then [install], pip's key spellings and continuation lines", () => {
    const conf = "[global]\nindex_url = https://mirror.test/simple\ntrusted-host = mirror.test\n[install]\nextra-index-url =\n  https://a.test/simple\n  https://b.test/simple\n";
    expect(parsePipConf(conf)).toEqual({ indexUrl: "https://mirror.test/simple", trustedHosts: ["mirror.test"], extraIndexUrls: ["https://a.test/simple", "https://b.test/simple"] });
    expect(parsePipConf("; comment\n[freeze]\nindex-url = x\n")).toEqual({});
  });

  it("looks where pip looks, in pip's order", () => {
    const env = new Map([["XDG_CONFIG_DIRS", "/etc/xdg:/opt/conf"], ["HOME", "/home/app"], ["VIRTUAL_ENV", "/venv"], ["PIP_CONFIG_FILE", "/cfg/pip.ini"]]);
    expect(pipConfPaths(env)).toEqual(["/etc/xdg/pip/pip.conf", "/opt/conf/pip/pip.conf", "/etc/pip.conf", "/home/app/.pip/pip.conf", "/home/app/.config/pip/pip.conf", "/venv/pip.conf", "/cfg/pip.ini"]);
    expect(pipConfPaths(new Map([["XDG_CONFIG_HOME", "/xdg"]]))).toEqual(["/etc/xdg/pip/pip.conf", "/etc/pip.conf", "/root/.pip/pip.conf", "/xdg/pip/pip.conf"]);
    expect(pipConfPaths(new Map([["PIP_CONFIG_FILE", "/dev/null"]]))).toEqual([]);
  });

  it("merges files per section first, so [install] anywhere beats [global] anywhere; env beats files", () => {
    const files = ["[install]\nindex-url = https://etc-install.test/simple\n", undefined, undefined, "[global]\nindex-url = https://user-global.test/simple\ntrusted-host = user.test\n"];
    expect(basePipSettings(new Map(), files)).toEqual({ indexUrl: "https://etc-install.test/simple", trustedHosts: ["user.test"] });
    const s = basePipSettings(new Map([["PIP_INDEX_URL", "https://env.test/simple"]]), ["[global]\nindex-url = https://etc.test/simple\ntrusted-host = etc.test\n", undefined, undefined, "[global]\ntrusted-host = user.test\n"]);
    expect(s).toEqual({ indexUrl: "https://env.test/simple", trustedHosts: ["user.test"] });
  });

  it("an empty value clears an earlier one; no-index is read; PIP_CONFIG_FILE that exists replaces the user's files", () => {
    expect(basePipSettings(new Map(), ["[global]\nextra-index-url = https://a.test/simple\nno-index = yes\n", "[global]\nextra-index-url =\n"])).toEqual({ noIndex: true });
    const env = new Map([["PIP_CONFIG_FILE", "/cfg/pip.ini"]]);
    const confs = [undefined, undefined, undefined, "[global]\nindex-url = https://user.test/simple\n", "[global]\ntrusted-host = env.test\n"];
    expect(basePipSettings(env, confs)).toEqual({ trustedHosts: ["env.test"] });
    expect(basePipSettings(env, [...confs.slice(0, 4), undefined])).toEqual({ indexUrl: "https://user.test/simple" });
    expect(indexEnv("uv", undefined, { noIndex: true, findLinks: ["/wheels"] }, new Map())).toEqual({ UV_NO_INDEX: "1", UV_FIND_LINKS: "/wheels" });
  });

  it("stays linear on hostile pip.conf lines", () => {
    expect(parsePipConf(`[global]\nindex-url = x${" ".repeat(64_000)}y\n`).indexUrl).toBe(`x${" ".repeat(64_000)}y`);
  });

  it("maps to uv's variables; a uv variable the base image sets itself is left alone; operator defaults win", () => {
    const base = { indexUrl: "https://base.test/simple", extraIndexUrls: ["https://x.test/simple", "https://y.test/simple"], trustedHosts: ["base.test"], findLinks: ["/wheels", "/more"] };
    expect(indexEnv("uv", undefined, base, new Map())).toEqual({
      UV_INDEX_URL: "https://base.test/simple",
      UV_EXTRA_INDEX_URL: "https://x.test/simple https://y.test/simple",
      UV_INSECURE_HOST: "base.test",
      UV_FIND_LINKS: "/wheels,/more",
    });
    expect(indexEnv("uv", undefined, base, new Map([["UV_INDEX_URL", "https://own.test/simple"]]))).not.toHaveProperty("UV_INDEX_URL");
    expect(indexEnv("uv", { indexUrl: "https://op.test/simple" }, base, new Map()).UV_INDEX_URL).toBe("https://op.test/simple");
    // pip reads the base image's settings itself; only the operator's are added.
    expect(indexEnv("pip", { trustedHosts: ["op.test"] }, base, new Map())).toEqual({ PIP_TRUSTED_HOST: "op.test" });
  });
});

describe("install steps: a layer's options > operator defaults > the base image's settings", () => {
  const basePip = { ...PYTHON_311, pip: { indexUrl: "http://127.0.0.1:5101/simple", trustedHosts: ["127.0.0.1"] } };

  it("installer=uv gets the base image's pip settings in uv's terms", () => {
    const install = lastExec(PIP_SPEC, { python: basePip });
    expect(envOf(install)).toMatchObject({ UV_INDEX_URL: "http://127.0.0.1:5101/simple", UV_INSECURE_HOST: "127.0.0.1" });
    expect(install.op.exec.meta.args).not.toContain("--index-url");
  });

  it("operator defaults override the base image's; the layer's own index is an argument, which uv ranks above env", () => {
    const settings = buildSettings(opts({ "default-index-url": "https://op.test/simple", "default-extra-index-urls": "https://e1.test/simple, https://e2.test/simple" }));
    const install = lastExec({ ...PIP_SPEC, layers: [{ pip_packages: { packages: ["six"], options: { index_url: "https://layer.test/simple" } } }] }, { python: basePip, settings });
    expect(envOf(install)).toMatchObject({ UV_INDEX_URL: "https://op.test/simple", UV_EXTRA_INDEX_URL: "https://e1.test/simple https://e2.test/simple", UV_INSECURE_HOST: "127.0.0.1" });
    expect(install.op.exec.meta.args).toEqual(expect.arrayContaining(["--index-url", "https://layer.test/simple"]));
  });

  it("installer=pip leaves the base image's settings to pip and sets the operator's as PIP_*", () => {
    const settings = { ...buildSettings(opts({ installer: "pip", "trusted-hosts": "mirror.test:8080" })) };
    const install = lastExec(PIP_SPEC, { python: basePip, settings });
    expect(envOf(install).PIP_TRUSTED_HOST).toBe("mirror.test:8080");
    expect(envOf(install)).not.toHaveProperty("PIP_INDEX_URL");
    expect(envOf(install)).not.toHaveProperty("UV_INDEX_URL");
  });

  it("proxies reach every build step as BuildKit proxy settings (not env, so not cache keys), never the image config or its history", () => {
    const proxyOpts = { "http-proxy": "http://proxy.test:3128", "build-arg:HTTPS_PROXY": "http://sproxy.test:3128", "no-proxy": "127.0.0.1,localhost", "build-arg:all_proxy": "socks5://all.test:1080" };
    const spec = { ...PIP_SPEC, layers: [{ apt_packages: { packages: ["jq"] } }, { pip_packages: { packages: ["six"] } }, { commands: { cmd: ["true"] } }] };
    const compiled = compileSpec(spec, { settings: buildSettings(opts(proxyOpts)) });
    const def = compiled.state.marshal();
    const execs = execOps(def);
    expect(execs.length).toBe(4);
    for (const e of execs) {
      expect(e.op.exec.meta.proxyEnv).toEqual({ httpProxy: "http://proxy.test:3128", httpsProxy: "http://sproxy.test:3128", noProxy: "127.0.0.1,localhost", allProxy: "socks5://all.test:1080" });
      expect(JSON.stringify(e.op.exec.meta.env)).not.toContain("proxy.test");
      expect(def.metadata.get(e.digest)?.caps?.["exec.meta.proxyenv"]).toBe(true);
    }
    const config = JSON.stringify(compiled.config);
    expect(config).not.toContain("proxy.test");
    expect(config).not.toMatch(/proxy/i);
    // Another proxy changes the proxy settings only: the ops are otherwise the same bytes.
    const other = execOps(compileSpec(spec, { settings: buildSettings(opts({ ...proxyOpts, "http-proxy": "http://other.test:3128" })) }).state.marshal());
    expect(other.map((e) => ({ ...e.op.exec.meta, proxyEnv: undefined }))).toEqual(execs.map((e) => ({ ...e.op.exec.meta, proxyEnv: undefined })));
  });
});

describe("uv projects and list settings", () => {
  const LOCK = 'version = 1\n[[package]]\nname = "svc"\nversion = "0.1.0"\nsource = { virtual = "." }\n';
  const uvProject = (pyproject: string, o: object = {}) =>
    execOps(marshal({ base_image: BASE, layers: [{ uv_project: { pyproject: "svc", uvlock: "svc/uv.lock" } }] }, { files: { "svc/pyproject.toml": pyproject, "svc/uv.lock": LOCK }, ...o })).at(-1)!;

  it("uv sync gets trusted hosts but not the default indexes (the project's own indexes and lock decide)", () => {
    const settings = buildSettings(opts({ "default-index-url": "https://op.test/simple", "trusted-hosts": "op.test" }));
    const sync = uvProject('[project]\nname = "svc"\nversion = "0.1.0"\n', { settings, python: { ...PYTHON_311, pip: { indexUrl: "https://base.test/simple" } } });
    expect(envOf(sync)).toMatchObject({ UV_INSECURE_HOST: "op.test" });
    expect(envOf(sync)).not.toHaveProperty("UV_INDEX_URL");
  });

  it("a virtual workspace root or a project with path sources is synced with its whole tree", () => {
    for (const extra of ['[tool.uv.workspace]\nmembers = ["packages/*"]\n', '[tool.uv.sources]\nlib = { path = "../lib" }\n']) {
      const sync = uvProject(`[project]\nname = "svc"\nversion = "0.1.0"\n${extra}`);
      expect(sync.op.exec.meta.args).toContain("--no-editable");
      expect(sync.op.exec.meta.args).not.toContain("--no-install-project");
      expect(mountAt(sync, "/run/imagespec/project")!.readonly).toBeUndefined();
    }
  });

  it("under uv a layer's extra indexes add to the defaults, as they do under pip", () => {
    const settings = buildSettings(opts({ "default-extra-index-urls": "https://op-extra.test/simple" }));
    const install = lastExec({ ...PIP_SPEC, layers: [{ pip_packages: { packages: ["six"], options: { extra_index_urls: ["https://layer.test/simple"] } } }] }, { settings });
    const args: string[] = install.op.exec.meta.args;
    expect(args.slice(args.indexOf("--extra-index-url"))).toEqual(["--extra-index-url", "https://layer.test/simple", "--extra-index-url", "https://op-extra.test/simple", "six"]);
  });
});

describe("operator options", () => {
  it("are accepted as options and build args and checked", () => {
    const o = opts({ "build-arg:default-index-url": "HTTPS://mirror.test/simple", "trusted-hosts": "a.test, b.test:8443", "base-image-deny": "docker.io/internal/*, *:latest", "base-image-allow": "registry.test/*" });
    expect(o.indexDefaults).toEqual({ indexUrl: "HTTPS://mirror.test/simple", trustedHosts: ["a.test", "b.test:8443"] });
    expect(o.basePolicy).toEqual({ allow: ["registry.test/*"], deny: ["docker.io/internal/*", "*:latest"] });
    expect(() => opts({ "default-index-url": "mirror.test/simple" })).toThrow(OptionError);
    expect(() => opts({ "trusted-hosts": "a b" })).toThrow(/trusted-hosts: "a b" is not a host/);
    expect(() => opts({ "http-proxy": "http://p\n" })).toThrow(/control character/);
  });
});

describe("base image policy", () => {
  const policy = (allow: string[], deny: string[] = []) => ({ allow, deny });

  it("matches * across / and :, on the normalized reference", () => {
    expect(matchesPattern("docker.io/library/*", "docker.io/library/python:3.12")).toBe(true);
    expect(matchesPattern("*/internal/*", "registry.test/internal/base:1")).toBe(true);
    expect(matchesPattern("a*b*c", "axxbyyc")).toBe(true);
    expect(matchesPattern("a*b*c", "axxbyy")).toBe(false);
    expect(() => checkBaseImage("python:3.12", policy([], ["python:*"]))).toThrow(/denied by the operator's base-image-deny pattern "python:\*"/);
    expect(() => checkBaseImage("docker.io/library/python:3.12", policy([], ["python:*"]))).toThrow(/python:\*/);
  });

  it("deny wins over allow; outside the allow list fails naming the patterns", () => {
    expect(() => checkBaseImage("registry.test/internal/x:1", policy(["registry.test/*"], ["registry.test/internal/*"]))).toThrow(/base-image-deny pattern "registry.test\/internal\/\*"/);
    expect(() => checkBaseImage("python:3.12", policy(["registry.test/*"]))).toThrow(/matches none of the operator's base-image-allow patterns \("registry.test\/\*"\)/);
    expect(() => checkBaseImage("registry.test/python:3.12", policy(["registry.test/*"]))).not.toThrow();
    expect(() => checkBaseImage("anything:1", policy([]))).not.toThrow();
  });

  it("is not bypassed by how the reference is spelled: digests, host case, Docker Hub's other names", () => {
    const digest = "sha256:" + "e".repeat(64);
    for (const deny of ["python:*", "python", "docker.io/library/python"]) {
      expect(() => checkBaseImage(`python@${digest}`, policy([], [deny])), deny).toThrow(/base-image-deny/);
      expect(() => checkBaseImage(`registry-1.docker.io/library/python:3.12`, policy([], [deny])), deny).toThrow(/base-image-deny/);
      expect(() => checkBaseImage(`index.docker.io/library/python:3.12@${digest}`, policy([], [deny])), deny).toThrow(/base-image-deny/);
    }
    expect(() => checkBaseImage("MyReg.Example.com/team/base:1", policy([], ["myreg.example.com/*"]))).toThrow(/base-image-deny/);
    expect(() => checkBaseImage("python:3.12", policy([], ["python:3.11-*"]))).not.toThrow();
    expect(() => checkBaseImage(`python@${digest}`, policy([], [`python@${digest}`]))).toThrow(/base-image-deny/);
  });

  it("a tag pattern does not allow a reference pinned by digest (the digest is what is pulled)", () => {
    const digest = "sha256:" + "e".repeat(64);
    expect(() => checkBaseImage(`python:3.12-slim@${digest}`, policy(["python:3.12-*"]))).toThrow(/its tag matches, but it is pinned by digest/);
    expect(() => checkBaseImage("python:3.12-slim", policy(["python:3.12-*"]))).not.toThrow();
    expect(() => checkBaseImage(`python:3.12-slim@${digest}`, policy(["python"]))).not.toThrow();
    expect(() => checkBaseImage(`python@${digest}`, policy([`python@sha256:*`]))).not.toThrow();
  });

  it("stays fast on patterns full of stars", () => {
    expect(matchesPattern("*a".repeat(200) + "b", "a".repeat(5000))).toBe(false);
  });
});

describe("uv from the frontend's own image", () => {
  const ownRef = "registry.test/imagespec-frontend@sha256:" + "d".repeat(64);

  it("finds the pinned image in the Definition BuildKit mounts", () => {
    const bytes = image(ownRef).marshal().encode();
    expect(imageOfDefinition(bytes)).toBe(ownRef);
    const fs = (files: Record<string, Uint8Array>) => ({ exists: (p: string) => p in files, read: (p: string) => files[p]! });
    expect(ownUv(fs({ [FRONTEND_DEFINITION]: bytes, [`${OWN_UV_DIR}/uv`]: new Uint8Array() }))).toEqual({ image: ownRef, dir: OWN_UV_DIR.slice(1) });
    expect(ownUv(fs({ [FRONTEND_DEFINITION]: bytes }))).toBeUndefined();
    expect(ownUv(fs({ [FRONTEND_DEFINITION]: new Uint8Array([255, 1]), [`${OWN_UV_DIR}/uv`]: new Uint8Array() }))).toBeUndefined();
    expect(ownPip(fs({ [FRONTEND_DEFINITION]: bytes, [`${OWN_PIP_DIR}/pip.whl`]: new Uint8Array() }))).toEqual({ image: ownRef, dir: OWN_PIP_DIR.slice(1) });
    expect(ownPip(fs({ [FRONTEND_DEFINITION]: bytes, [`${OWN_UV_DIR}/uv`]: new Uint8Array() }))).toBeUndefined();
  });

  it("install steps mount uv from the frontend image (a selector on its uv directory); no uv image is pulled", () => {
    const settings = buildSettings(opts({}), { uv: { image: ownRef, dir: OWN_UV_DIR.slice(1) } });
    const def = marshal(PIP_SPEC, { settings });
    const install = execOps(def).at(-1)!;
    const uv = mountAt(install, UV_MOUNT)!;
    expect(uv).toMatchObject({ readonly: true, selector: OWN_UV_DIR.slice(1) });
    const sources = decodeOps(def).filter((o) => o.op.source).map((o) => o.op.source.identifier as string);
    expect(sources).toContain(`docker-image://${ownRef}`);
    expect(sources.some((s) => s.includes("astral-sh/uv"))).toBe(false);
  });

  it("without it (or when uv-image is given) the uv image is mounted whole", () => {
    const def = marshal(PIP_SPEC, { settings: buildSettings(opts({ "uv-image": "registry.test/uv:1" })) });
    const uv = mountAt(execOps(def).at(-1)!, UV_MOUNT)!;
    expect(uv.selector).toBeUndefined();
    expect(decodeOps(def).some((o) => o.op.source?.identifier === "docker-image://registry.test/uv:1")).toBe(true);
  });
});

const load = (text: string) => loadSpec(new TextEncoder().encode(text), "imagespec.yaml");
const meta = (r: Record<string, unknown>) => {
  const m = r.metadata as Record<string, Buffer>;
  return { json: JSON.parse(m["result.json"]!.toString()), text: m["result.txt"]!.toString(), version: m.version!.toString(), status: m["result.statuscode"]?.toString() };
};

const LINTY = `base_image: python
layers:
  - pip_packages:
      packages: ["numpy==1.26.4", pandas]
      options: {index_url: "https://user:token@pypi.corp.test/simple"}
  - commands:
      cmd: ["apt-get -y install curl", "echo ok"]
      secret_mounts: [{group: pypi, key: token, env_var: PIP_TOKEN}, {key: cfg, mount_requirement: FILE}]
`;

describe("lint rules", () => {
  it("reports each rule at its spec line", () => {
    const l = load(LINTY);
    const got = lintSpec(l.spec, l.ranges).map((w) => [w.rule, w.range?.start.line]);
    expect(got).toEqual([
      ["BaseImageLatestTag", 1],
      ["BaseImageNotPinned", 1],
      ["PythonVersionMissing", 3],
      ["MixedPinning", 4],
      ["CredentialsInIndexUrl", 5],
      ["InstallInCommands", 7],
    ]);
  });

  it("says whether latest was written or implied", () => {
    const detail = (base: string) => lintSpec(load(`base_image: ${base}\n`).spec, new Map()).find((w) => w.rule === "BaseImageLatestTag")?.detail;
    expect(detail("python")).toContain("uses no tag (latest)");
    expect(detail("python:latest")).toContain("uses the latest tag");
    expect(detail("python:3.12")).toBeUndefined();
  });

  it("a pinned base, python_version and consistent packages pass", () => {
    const l = load(`base_image: "python:3.12@sha256:${"a".repeat(64)}"\npython_version: "3.12"\nlayers:\n  - pip_packages: {packages: ["a==1", "b==2"]}\n  - commands: {cmd: ["pip --version"]}\n`);
    expect(lintSpec(l.spec, l.ranges)).toEqual([]);
  });

  it("spots installs in commands by words, not by a regex over the line", () => {
    expect(installIn("python -m pip install x")).toBe("pip install");
    expect(installIn("/usr/bin/pip3 install x")).toBe("pip3 install");
    expect(installIn("apt-get -qq -y install jq")).toBe("apt-get install");
    expect(installIn("apt-get -o Dpkg::Options::=--force-confold install jq")).toBe("apt-get install");
    expect(installIn("pip --no-cache-dir install x")).toBe("pip install");
    expect(installIn("python -m pip -q install x")).toBe("pip install");
    expect(installIn('echo "pip install x"')).toBeUndefined();
    expect(installIn("echo apt-get is not run && ls")).toBeUndefined();
    expect(installIn("x ".repeat(30_000))).toBeUndefined();
  });
});

describe("subrequests", () => {
  it("describe lists outline, targets and lint", () => {
    const { json } = meta(describeResult());
    expect(json.map((r: { name: string }) => r.name)).toEqual(["frontend.outline", "frontend.targets", "frontend.lint", "frontend.subrequests.describe"]);
  });

  it("outline: our options with their values, every secret with its id, kind and layers", () => {
    const { json, text } = meta(outlineResult(load(LINTY), opts({ installer: "pip" })));
    expect(json.args).toContainEqual(expect.objectContaining({ name: "installer", value: "pip" }));
    expect(json.secrets).toEqual([
      expect.objectContaining({ name: "pypi_token", required: true, type: "env", env: "PIP_TOKEN", layers: ["layers[1]"], location: { sourceIndex: 0, ranges: [expect.objectContaining({ start: { line: 8, character: 22 } })] } }),
      expect.objectContaining({ name: "cfg", type: "file", file: "/etc/flyte/secrets/cfg", layers: ["layers[1]"] }),
    ]);
    expect(text).toMatch(/SECRET\s+REQUIRED\s+MOUNTED AS\s+USED BY\npypi_token\s+true\s+env PIP_TOKEN\s+layers\[1\]\ncfg\s+true\s+file \/etc\/flyte\/secrets\/cfg\s+layers\[1\]/);
    expect(text).toMatch(/installer\s+pip\s+uv \(default\) or pip/);
  });

  it("targets: one default target described from the spec", () => {
    const { json, text } = meta(targetsResult(load(LINTY), [amd64]));
    expect(json.targets).toEqual([expect.objectContaining({ default: true, base: "python", platform: "linux/amd64", description: "2 layer(s) on python" })]);
    expect(text).toBe("TARGET    DESCRIPTION\n(default) 2 layer(s) on python\n");
  });

  it("lint: warnings with rule names, URLs and locations; status 1 when a rule fails, 0 when none", () => {
    const failing = meta(lintResult(load(LINTY), "yaml"));
    expect(failing.status).toBe("1");
    expect(failing.json.warnings[0]).toMatchObject({ ruleName: "BaseImageLatestTag", url: expect.stringMatching(/README\.md#baseimagelatesttag$/), location: { sourceIndex: 0 } });
    expect(failing.json.sources[0]).toMatchObject({ filename: "imagespec.yaml", language: "yaml" });
    expect(failing.text).toContain("WARNING: InstallInCommands - ");
    const clean = meta(lintResult(load(`base_image: "python:3.12@sha256:${"a".repeat(64)}"\n`), "yaml"));
    expect([clean.status, clean.json.warnings]).toEqual(["0", []]);
  });

  it("lint of a spec that does not load: the problems as the build error, status 1", () => {
    const data = new TextEncoder().encode("base_image: python:3.12\nlayers: [{pip_packages: {packages: []}}]\n");
    let err: SpecError | undefined;
    try {
      loadSpec(data, "imagespec.yaml");
    } catch (e) {
      err = e as SpecError;
    }
    const r = meta(lintErrorResult(err!, { filename: "imagespec.yaml", data }, "yaml"));
    expect(r.status).toBe("1");
    expect(r.json.buildError).toMatchObject({ message: expect.stringContaining("the package list is empty"), location: { sourceIndex: 0 } });
  });
});
