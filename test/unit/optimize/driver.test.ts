/**
 * The driver's resolve command, run with this machine's python3 and a stand-in resolver that
 * writes the report pip or uv would: the pins it passes on to the next layer's resolve are the
 * ones the optimizer keeps itself (what the layer installs package by package).
 */
import { execFile, execFileSync } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DRIVER_PY } from "../../../frontend/optimize/driver.js";

const python = "python3";
const run = promisify(execFile);

function installedHere(): Record<string, string> {
  const code = "import json, re\nfrom importlib import metadata\nprint(json.dumps({re.sub(r'[-_.]+', '-', d.metadata['Name']).lower(): d.version for d in metadata.distributions() if d.metadata['Name']}))";
  return JSON.parse(execFileSync(python, ["-I", "-c", code], { encoding: "utf8" })) as Record<string, string>;
}

/** Runs `driver.py resolve` with a resolver that writes `file` (report.json or pylock.toml) with `text`; returns OUT. */
function resolve(pinFiles: Record<string, string>, file: string, text: string, exit = 0): string {
  const dir = mkdtempSync(join(tmpdir(), "driver-"));
  const out = join(dir, "out");
  mkdirSync(out);
  writeFileSync(join(dir, "driver.py"), DRIVER_PY);
  const fake = `import sys\nopen(${JSON.stringify(join(out, file))}, "w").write(${JSON.stringify(text)})\nsys.exit(${exit})\n`;
  writeFileSync(join(dir, "resolver.py"), fake);
  const paths = Object.entries(pinFiles).map(([name, body]) => (writeFileSync(join(dir, name), body), join(dir, name)));
  execFileSync(python, ["-I", join(dir, "driver.py"), "resolve", out, paths.length ? paths.join(",") : "-", "0", "--", python, join(dir, "resolver.py")], { stdio: "pipe" });
  return out;
}

const lines = (path: string) => readFileSync(path, "utf8").split("\n").filter(Boolean);
const report = (dists: [string, string][]) => JSON.stringify({ install: dists.map(([name, version]) => ({ metadata: { name, version } })) });

describe("driver.py resolve: the pins it passes on", () => {
  const [installedName, installedVersion] = Object.entries(installedHere())[0]!;

  it("adds what the layer installs to the pins it was given, leaving out what is installed at that version and what is already pinned", () => {
    const out = resolve({ "a.txt": "Alpha==1.0\n", "b.txt": "beta==2.0\nAlpha==1.0\n" }, "report.json", report([["Gamma_Lib", "3.1"], [installedName, installedVersion], ["beta", "2.0"]]));
    expect(lines(join(out, "pins-in.txt"))).toEqual(["Alpha==1.0", "beta==2.0"]);
    expect(lines(join(out, "pins-out.txt"))).toEqual(["Alpha==1.0", "Gamma_Lib==3.1", "beta==2.0"]);
  });

  it("pins an upgrade of something installed", () => {
    const out = resolve({}, "report.json", report([[installedName, "0.0.0.dev0"]]));
    expect(lines(join(out, "pins-in.txt"))).toEqual([]);
    expect(lines(join(out, "pins-out.txt"))).toEqual([`${installedName}==0.0.0.dev0`]);
  });

  it("reads uv's pylock.toml", () => {
    const lock = 'lock-version = "1.0"\ncreated-by = "uv"\n\n[[packages]]\nname = "delta"\nversion = "4.0"\n\n[[packages]]\nname = "epsilon"\nversion = "5.0"\n';
    const out = resolve({ "p.txt": "alpha==1.0\n" }, "pylock.toml", lock);
    expect(lines(join(out, "pins-out.txt"))).toEqual(["alpha==1.0", "delta==4.0", "epsilon==5.0"]);
  });

  it("passes on only the pins it was given when the resolve fails, and says it failed", () => {
    const out = resolve({ "p.txt": "alpha==1.0\n" }, "report.json", report([["zeta", "6.0"]]), 1);
    expect(JSON.parse(readFileSync(join(out, "status.json"), "utf8")).exit).toBe(1);
    expect(lines(join(out, "pins-out.txt"))).toEqual(["alpha==1.0"]);
  });
});

describe("driver.py resolve: the sizes of the pure-Python wheels it chose", () => {
  it("asks the index with HEAD (credentials as a header for that host only, not in the URL) and stats local files; what it cannot learn it leaves out", async () => {
    const dir = mkdtempSync(join(tmpdir(), "driver-sizes-"));
    const local = join(dir, "local-1.0-py3-none-any.whl");
    writeFileSync(local, "x".repeat(1234));
    const seen: { method?: string; url?: string; auth?: string }[] = [];
    const server = createServer((req, res) => {
      seen.push({ method: req.method, url: req.url, auth: req.headers.authorization });
      if (req.url?.startsWith("/private/") && req.headers.authorization !== `Basic ${Buffer.from("me:s3cret").toString("base64")}`) return void res.writeHead(401).end();
      if (req.url?.includes("missing")) return void res.writeHead(404).end();
      res.writeHead(200, { "Content-Length": "4321" }).end();
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const item = (name: string, url: string) => ({ metadata: { name, version: "1.0" }, download_info: { url } });
    const text = JSON.stringify({
      install: [
        item("pub", `${base}/files/pub-1.0-py3-none-any.whl#sha256=abc`),
        item("priv", `http://me:s3cret@127.0.0.1:${(server.address() as AddressInfo).port}/private/priv-1.0-py3-none-any.whl`),
        item("compiled", `${base}/files/compiled-1.0-cp311-cp311-linux_x86_64.whl`),
        item("an-sdist", `${base}/files/an-sdist-1.0.tar.gz`),
        item("gone", `${base}/files/missing-1.0-py3-none-any.whl`),
        item("local", `file://${local}`),
      ],
    });
    const out = join(dir, "out");
    mkdirSync(out);
    writeFileSync(join(dir, "driver.py"), DRIVER_PY);
    writeFileSync(join(dir, "resolver.py"), `open(${JSON.stringify(join(out, "report.json"))}, "w").write(${JSON.stringify(text)})\n`);
    try {
      await run(python, ["-I", join(dir, "driver.py"), "resolve", out, "-", "0", "--", python, join(dir, "resolver.py")]);
    } finally {
      server.close();
    }
    expect(JSON.parse(readFileSync(join(out, "sizes.json"), "utf8"))).toEqual({
      "pub-1.0-py3-none-any.whl": 4321,
      "priv-1.0-py3-none-any.whl": 4321,
      "compiled-1.0-cp311-cp311-linux_x86_64.whl": 4321,
      "local-1.0-py3-none-any.whl": 1234,
    });
    expect(seen.every((r) => r.method === "HEAD")).toBe(true);
    expect(seen.some((r) => r.url?.includes("an-sdist"))).toBe(false);
    expect(seen.find((r) => r.url === "/private/priv-1.0-py3-none-any.whl")?.auth).toBe(`Basic ${Buffer.from("me:s3cret").toString("base64")}`);
    expect(seen.find((r) => r.url?.startsWith("/files/pub"))?.auth).toBeUndefined();
    // A 404 is asked twice at most (one retry), never more.
    expect(seen.filter((r) => r.url?.includes("missing")).length).toBeLessThanOrEqual(2);
  });

  it("writes none when the resolve failed", () => {
    const out = resolve({}, "report.json", report([["zeta", "6.0"]]), 1);
    expect(existsSync(join(out, "sizes.json"))).toBe(false);
  });
});

describe("driver.py venv: a venv of its own to resolve in, beside the real one", () => {
  it("makes a venv at the path given with only the metadata of what ensurepip installs (as a real venv lists it), then runs the resolve command in its place, with that venv's python", () => {
    const dir = mkdtempSync(join(tmpdir(), "driver-beside-"));
    const out = join(dir, "out");
    mkdirSync(out);
    writeFileSync(join(dir, "driver.py"), DRIVER_PY);
    const venv = join(dir, "opt", "venv");
    const probe = `import json, sys; from importlib import metadata; json.dump({"prefix": sys.prefix, "dists": sorted(d.metadata["Name"] for d in metadata.distributions())}, open(${JSON.stringify(join(out, "seen.json"))}, "w"))`;
    execFileSync(python, ["-I", join(dir, "driver.py"), "venv", out, venv, "0", "--", join(venv, "bin", "python"), "-I", "-c", probe], { stdio: "pipe" });
    const seen = JSON.parse(readFileSync(join(out, "seen.json"), "utf8")) as { prefix: string; dists: string[] };
    expect(seen.prefix).toBe(venv);
    // What a venv made as the real one is (ensurepip and all) lists, and no file of theirs.
    const real = join(dir, "real");
    execFileSync(python, ["-m", "venv", real]);
    const listed = (py: string) => execFileSync(py, ["-I", "-c", "from importlib import metadata; print(sorted('%s %s' % (d.metadata['Name'], d.version) for d in metadata.distributions()))"], { encoding: "utf8" });
    expect(listed(join(venv, "bin", "python"))).toBe(listed(join(real, "bin", "python")));
    expect(seen.dists.length).toBeGreaterThan(0);
    expect(existsSync(join(venv, "bin", "pip"))).toBe(false);
  });

  it("says it failed in status.json, as a failed resolve does, when the venv cannot be made", () => {
    const dir = mkdtempSync(join(tmpdir(), "driver-beside-"));
    const out = join(dir, "out");
    mkdirSync(out);
    writeFileSync(join(dir, "driver.py"), DRIVER_PY);
    writeFileSync(join(dir, "file"), "not a directory");
    execFileSync(python, ["-I", join(dir, "driver.py"), "venv", out, join(dir, "file", "venv"), "0", "--", "false"], { stdio: "pipe" });
    const status = JSON.parse(readFileSync(join(out, "status.json"), "utf8")) as { exit: number; stderr: string };
    expect(status.exit).not.toBe(0);
    expect(status.stderr).toContain("making a venv to resolve in failed");
    expect(readFileSync(join(out, "pins-in.txt"), "utf8")).toBe("");
  });
});

/** A venv (no pip) and a stand-in installer that writes distributions as an installer would. */
function venvWithInstaller(dists: { name: string; files: Record<string, string>; extra?: string }[]): { dir: string; python: string; site: string; installer: string } {
  const dir = mkdtempSync(join(tmpdir(), "driver-venv-"));
  execFileSync(python, ["-m", "venv", "--without-pip", join(dir, "venv")]);
  const py = join(dir, "venv", "bin", "python");
  const site = execFileSync(py, ["-I", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], { encoding: "utf8" }).trim();
  const code = [
    "import os, sys",
    `site = ${JSON.stringify(site)}`,
    `dists = ${JSON.stringify(dists)}`,
    "for d in dists:",
    "    info = os.path.join(site, d['name'] + '-1.0.dist-info')",
    "    os.makedirs(info, exist_ok=True)",
    "    rows = []",
    "    for rel, text in d['files'].items():",
    "        path = os.path.normpath(os.path.join(site, rel))",
    "        os.makedirs(os.path.dirname(path), exist_ok=True)",
    "        open(path, 'w').write(text)",
    "        rows.append('%s,sha256=x,%d' % (rel, len(text)))",
    "    open(os.path.join(info, 'METADATA'), 'w').write('Metadata-Version: 2.1\\nName: %s\\nVersion: 1.0\\n' % d['name'])",
    "    open(os.path.join(info, 'REQUESTED'), 'w').write('')",
    "    rows += [d['name'] + '-1.0.dist-info/' + f + ',,' for f in ('METADATA', 'REQUESTED', 'RECORD')]",
    "    open(os.path.join(info, 'RECORD'), 'w').write('\\n'.join(rows) + '\\n')",
    "    if d.get('extra'):",
    "        open(os.path.join(site, d['extra']), 'w').write('not in any RECORD')",
  ].join("\n");
  writeFileSync(join(dir, "installer.py"), code + "\n");
  writeFileSync(join(dir, "driver.py"), DRIVER_PY);
  return { dir, python: py, site, installer: join(dir, "installer.py") };
}

describe("driver.py install-group: one install, one layer per distribution", () => {
  it("moves what each distribution wrote (its RECORD's files and their bytecode) to its own directory, with file times 0", () => {
    const v = venvWithInstaller([
      { name: "alpha", files: { "alpha/__init__.py": "a = 1\n", "../../../bin/alpha": "#!/bin/sh\n" } },
      { name: "beta", files: { "beta/__init__.py": "b = 2\n" } },
    ]);
    const pyc = join(v.site, "alpha", "__pycache__", "__init__.cpython-311.pyc");
    const out = join(v.dir, "out");
    mkdirSync(join(out, "0"), { recursive: true });
    mkdirSync(join(out, "1"));
    // The installer also compiles alpha, as pip does; the bytecode is not in this RECORD.
    writeFileSync(v.installer, readFileSync(v.installer, "utf8") + `os.makedirs(${JSON.stringify(join(v.site, "alpha", "__pycache__"))})\nopen(${JSON.stringify(pyc)}, "w").write("x")\n`);
    const facts = join(v.dir, "facts");
    mkdirSync(facts);
    execFileSync(v.python, ["-I", join(v.dir, "driver.py"), "install-group", out, facts, "--force-reinstall", "alpha", "1", "alpha==1.0", "0", "beta", "0", "beta==1.0", "1", "--", v.python, v.installer], { stdio: "pipe" });
    const at = (i: number, path: string) => join(out, String(i)) + path;
    expect(readFileSync(at(0, join(v.site, "alpha", "__init__.py")), "utf8")).toBe("a = 1\n");
    expect(readFileSync(at(0, join(v.dir, "venv", "bin", "alpha")), "utf8")).toBe("#!/bin/sh\n");
    expect(readFileSync(at(0, pyc), "utf8")).toBe("x");
    expect(readFileSync(at(1, join(v.site, "beta", "__init__.py")), "utf8")).toBe("b = 2\n");
    expect(existsSync(at(1, join(v.site, "alpha", "__init__.py")))).toBe(false);
    // beta was installed as a dependency: no REQUESTED marker, nor its RECORD row.
    expect(existsSync(at(0, join(v.site, "alpha-1.0.dist-info", "REQUESTED")))).toBe(true);
    expect(existsSync(at(1, join(v.site, "beta-1.0.dist-info", "REQUESTED")))).toBe(false);
    expect(readFileSync(at(1, join(v.site, "beta-1.0.dist-info", "RECORD")), "utf8")).not.toContain("REQUESTED");
    // Moved, not copied: the environment no longer has them.
    expect(existsSync(join(v.site, "alpha", "__init__.py"))).toBe(false);
    expect(statSync(at(0, join(v.site, "alpha", "__init__.py"))).mtimeMs).toBe(0);
    expect(statSync(at(0, v.site)).mtimeMs).toBe(0);
    // Each layer summed up as the inspect step reads it: the summaries give the answer the layers give.
    const record = JSON.parse(readFileSync(join(facts, "0", "record.json"), "utf8"));
    expect(record.site).toBe(v.site.slice(1));
    expect(record.files).toContain(`${v.site.slice(1)}/alpha/__init__.py`);
    expect(inspectOver(v.dir, out, v.site.slice(1))).toEqual(inspectOver(v.dir, facts, v.site.slice(1)));
  });

  it("fails, naming the file, when a group's install writes a file no RECORD names", () => {
    const v = venvWithInstaller([{ name: "alpha", files: { "alpha/__init__.py": "" }, extra: "stray.txt" }, { name: "beta", files: { "beta/__init__.py": "" } }]);
    const out = join(v.dir, "out");
    mkdirSync(join(out, "0"), { recursive: true });
    mkdirSync(join(out, "1"));
    const run = () => execFileSync(v.python, ["-I", join(v.dir, "driver.py"), "install-group", out, join(v.dir, "facts"), "--force-reinstall", "alpha", "1", "alpha==1.0", "0", "beta", "1", "beta==1.0", "1", "--", v.python, v.installer], { stdio: "pipe" });
    expect(run).toThrow(/no RECORD of alpha, beta names .*stray\.txt/);
  });
});

/** A wheel file of `tiny` 1.0 (a module and a console script), written as a build backend would. */
function tinyWheel(dir: string): string {
  const path = join(dir, "tiny-1.0-py3-none-any.whl");
  const code = [
    "import base64, hashlib, sys, zipfile",
    "files = {",
    "    'tiny/__init__.py': 'def main():\\n    print(1)\\n',",
    "    'tiny-1.0.dist-info/METADATA': 'Metadata-Version: 2.1\\nName: tiny\\nVersion: 1.0\\n',",
    "    'tiny-1.0.dist-info/WHEEL': 'Wheel-Version: 1.0\\nGenerator: hand\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n',",
    "    'tiny-1.0.dist-info/entry_points.txt': '[console_scripts]\\ntiny = tiny:main\\n',",
    "}",
    "rows = []",
    "with zipfile.ZipFile(sys.argv[1], 'w') as z:",
    "    for name, text in files.items():",
    "        data = text.encode()",
    "        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()",
    "        rows.append('%s,sha256=%s,%d' % (name, digest, len(data)))",
    "        z.writestr(name, data)",
    "    z.writestr('tiny-1.0.dist-info/RECORD', '\\n'.join(rows + ['tiny-1.0.dist-info/RECORD,,']) + '\\n')",
  ].join("\n");
  execFileSync(python, ["-c", code, path]);
  return path;
}

describe("driver.py install-into: a lone distribution installed straight into its layer", () => {
  it("has pip write the files below OUT at their absolute paths (nothing in the environment), a dependency's REQUESTED marker removed, times 0", () => {
    const dir = mkdtempSync(join(tmpdir(), "driver-into-"));
    writeFileSync(join(dir, "driver.py"), DRIVER_PY);
    const wheel = tinyWheel(dir);
    const out = join(dir, "out");
    mkdirSync(out);
    const paths = JSON.parse(execFileSync(python, ["-I", "-c", "import json, sysconfig; print(json.dumps(sysconfig.get_paths()))"], { encoding: "utf8" })) as Record<string, string>;
    const pip = [python, "-m", "pip", "install", "--disable-pip-version-check", "--no-index", "--no-deps", "--root", out, "--no-warn-script-location"];
    // The pin is the requirements line the driver writes and hands pip with -r (here the wheel's path).
    execFileSync(python, ["-I", join(dir, "driver.py"), "install-into", out, join(dir, "facts"), "tiny", "0", wheel, "--", ...pip], { stdio: "pipe" });
    const site = out + paths.purelib!;
    expect(readFileSync(join(site, "tiny", "__init__.py"), "utf8")).toContain("def main");
    expect(readFileSync(out + join(paths.scripts!, "tiny"), "utf8")).toMatch(/^#!.*python/);
    expect(existsSync(join(paths.purelib!, "tiny", "__init__.py"))).toBe(false);
    expect(existsSync(join(site, "tiny-1.0.dist-info", "REQUESTED"))).toBe(false);
    expect(readFileSync(join(site, "tiny-1.0.dist-info", "RECORD"), "utf8")).not.toContain("REQUESTED");
    expect(statSync(join(site, "tiny", "__init__.py")).mtimeMs).toBe(0);
    expect(statSync(out).mtimeMs).toBe(0);
    const record = JSON.parse(readFileSync(join(dir, "facts", "0", "record.json"), "utf8"));
    expect(record.files).toContain(`${paths.purelib!.slice(1)}/tiny/__init__.py`);
    expect(record.size).toBeGreaterThan(0);
  });

  it("fails, naming the distribution, when the install left no .dist-info below OUT", () => {
    const dir = mkdtempSync(join(tmpdir(), "driver-into-"));
    writeFileSync(join(dir, "driver.py"), DRIVER_PY);
    const out = join(dir, "out");
    mkdirSync(out);
    const run = () => execFileSync(python, ["-I", join(dir, "driver.py"), "install-into", out, join(dir, "facts"), "tiny", "1", "tiny==1.0", "--", python, "-c", "pass"], { stdio: "pipe" });
    expect(run).toThrow(/no \.dist-info for tiny/);
  });
});

describe("driver.py install-group: members that write the same file", () => {
  it("installs them again one by one in the group's order, so the file ends as the last one leaves it", () => {
    const dir = mkdtempSync(join(tmpdir(), "driver-clash-"));
    execFileSync(python, ["-m", "venv", "--without-pip", join(dir, "venv")]);
    const py = join(dir, "venv", "bin", "python");
    const site = execFileSync(py, ["-I", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], { encoding: "utf8" }).trim();
    // Installs the -r file's distributions in reverse order (as an installer may), each writing
    // shared/data.txt with its name; logs each run's names and flags.
    const installer = [
      "import os, sys",
      `site = ${JSON.stringify(site)}`,
      "names = [l.split('==')[0] for l in open(sys.argv[sys.argv.index('-r') + 1]).read().split()]",
      `open(${JSON.stringify(join(dir, "runs.log"))}, 'a').write(' '.join(names + [a for a in sys.argv if a.startswith('--')]) + '\\n')`,
      "for name in reversed(names):",
      "    info = os.path.join(site, name + '-1.0.dist-info')",
      "    os.makedirs(info, exist_ok=True)",
      "    os.makedirs(os.path.join(site, 'shared'), exist_ok=True)",
      "    open(os.path.join(site, 'shared', 'data.txt'), 'w').write(name)",
      "    open(os.path.join(site, name + '.py'), 'w').write('')",
      "    open(os.path.join(info, 'METADATA'), 'w').write('Name: %s\\nVersion: 1.0\\n' % name)",
      "    open(os.path.join(info, 'RECORD'), 'w').write('shared/data.txt,,\\n%s.py,,\\n%s-1.0.dist-info/METADATA,,\\n%s-1.0.dist-info/RECORD,,\\n' % (name, name, name))",
    ].join("\n");
    writeFileSync(join(dir, "installer.py"), installer + "\n");
    writeFileSync(join(dir, "driver.py"), DRIVER_PY);
    const out = join(dir, "out");
    for (const i of ["0", "1", "2"]) mkdirSync(join(out, i), { recursive: true });
    execFileSync(py, ["-I", join(dir, "driver.py"), "install-group", out, join(dir, "facts"), "--force-reinstall", "first", "1", "first==1.0", "0", "alone", "1", "alone==1.0", "1", "second", "1", "second==1.0", "2", "--", py, join(dir, "installer.py")], { stdio: "pipe" });
    expect(lines(join(dir, "runs.log"))).toEqual(["first alone second", "first --force-reinstall", "alone --force-reinstall", "second --force-reinstall"]);
    for (const i of ["0", "1", "2"]) expect(readFileSync(join(out, i) + join(site, "shared", "data.txt"), "utf8")).toBe("second");
  });
});

describe("driver.py install-group: members that share a layer", () => {
  it("puts the members of one slot in one directory, summed up once, and a file two of them write there once", () => {
    const v = venvWithInstaller([
      { name: "alpha", files: { "alpha.py": "a\n", "common/__init__.py": "" } },
      { name: "beta", files: { "beta.py": "bb\n" } },
      { name: "gamma", files: { "gamma.py": "ccc\n", "common/__init__.py": "" } },
    ]);
    const out = join(v.dir, "out");
    for (const i of ["0", "1"]) mkdirSync(join(out, i), { recursive: true });
    const facts = join(v.dir, "facts");
    execFileSync(v.python, ["-I", join(v.dir, "driver.py"), "install-group", out, facts, "--force-reinstall", "alpha", "1", "alpha==1.0", "0", "beta", "1", "beta==1.0", "1", "gamma", "1", "gamma==1.0", "0", "--", v.python, v.installer], { stdio: "pipe" });
    const at = (i: number, rel: string) => join(out, String(i)) + join(v.site, rel);
    expect(readFileSync(at(0, "alpha.py"), "utf8")).toBe("a\n");
    expect(readFileSync(at(0, "gamma.py"), "utf8")).toBe("ccc\n");
    expect(existsSync(at(0, "common/__init__.py"))).toBe(true);
    expect(existsSync(at(0, "beta.py"))).toBe(false);
    expect(readFileSync(at(1, "beta.py"), "utf8")).toBe("bb\n");
    expect(existsSync(at(1, "common/__init__.py"))).toBe(false);
    expect(existsSync(join(out, "2"))).toBe(false);
    const summed = (i: number) => JSON.parse(readFileSync(join(facts, String(i), "record.json"), "utf8")) as { size: number; files: string[] };
    expect(summed(0).size).toBe("a\n".length + "ccc\n".length);
    expect(summed(0).files).toEqual(expect.arrayContaining([`${v.site.slice(1)}/alpha.py`, `${v.site.slice(1)}/gamma.py`, `${v.site.slice(1)}/alpha-1.0.dist-info/RECORD`, `${v.site.slice(1)}/gamma-1.0.dist-info/RECORD`]));
    expect(summed(1).files).not.toContain(`${v.site.slice(1)}/alpha.py`);
    expect(existsSync(join(facts, "2"))).toBe(false);
  });
});

/** driver.py inspect over DIR/0, DIR/1 (layers or their install steps' summaries): its layers.json. */
function inspectOver(dir: string, top: string, site: string): unknown {
  const out = mkdtempSync(join(dir, "inspect-"));
  execFileSync(python, ["-I", join(dir, "driver.py"), "inspect", out, top, site, "--", "a==1", "b==1"], { stdio: "pipe" });
  return JSON.parse(readFileSync(join(out, "layers.json"), "utf8"));
}

describe("driver.py inspect: what package layers hold", () => {
  it("sums RECORD's sizes, counts the files and lists only those another layer also writes", () => {
    const dir = mkdtempSync(join(tmpdir(), "driver-inspect-"));
    const site = "opt/venv/lib/python3.11/site-packages";
    const layer = (i: number, name: string, rows: string[]) => {
      const info = join(dir, "layers", String(i), site, `${name}-1.0.dist-info`);
      mkdirSync(info, { recursive: true });
      writeFileSync(join(info, "RECORD"), rows.join("\n") + "\n");
    };
    layer(0, "nvidia_a", ["nvidia/__init__.py,sha256=x,0", "nvidia/a/lib.so,sha256=y,1000", '"odd,name.txt",sha256=z,10', "../../../bin/a,sha256=s,20", "nvidia_a-1.0.dist-info/RECORD,,"]);
    layer(1, "nvidia_b", ["nvidia/__init__.py,sha256=x,0", "nvidia/b/lib.so,sha256=y,500", "nvidia_b-1.0.dist-info/RECORD,,"]);
    mkdirSync(join(dir, "out"));
    writeFileSync(join(dir, "driver.py"), DRIVER_PY);
    execFileSync(python, ["-I", join(dir, "driver.py"), "inspect", join(dir, "out"), join(dir, "layers"), site, "--", "a==1", "b==1"], { stdio: "pipe" });
    const got = JSON.parse(readFileSync(join(dir, "out", "layers.json"), "utf8"));
    expect(got).toEqual({
      "a==1": { size: 1030, count: 5, shared: [`${site}/nvidia/__init__.py`] },
      "b==1": { size: 500, count: 3, shared: [`${site}/nvidia/__init__.py`] },
    });
  });

  it("reads an install step's summary where one is mounted instead of the layer, and refuses one summed up under another site", () => {
    const dir = mkdtempSync(join(tmpdir(), "driver-inspect-"));
    const site = "opt/venv/lib/python3.11/site-packages";
    writeFileSync(join(dir, "driver.py"), DRIVER_PY);
    const summary = (i: number, record: object) => {
      mkdirSync(join(dir, "mounted", String(i)), { recursive: true });
      writeFileSync(join(dir, "mounted", String(i), "record.json"), JSON.stringify(record));
    };
    summary(0, { site, size: 1000, files: [`${site}/nvidia/__init__.py`, `${site}/nvidia/a/lib.so`] });
    const info = join(dir, "mounted", "1", site, "nvidia_b-1.0.dist-info");
    mkdirSync(info, { recursive: true });
    writeFileSync(join(info, "RECORD"), "nvidia/__init__.py,sha256=x,0\nnvidia/b/lib.so,sha256=y,500\n");
    expect(inspectOver(dir, join(dir, "mounted"), site)).toEqual({
      "a==1": { size: 1000, count: 2, shared: [`${site}/nvidia/__init__.py`] },
      "b==1": { size: 500, count: 2, shared: [`${site}/nvidia/__init__.py`] },
    });
    summary(0, { site: "usr/lib/python3/dist-packages", size: 1, files: [] });
    expect(() => inspectOver(dir, join(dir, "mounted"), site)).toThrow(/a==1 was summed up under usr\/lib\/python3\/dist-packages/);
  });
});
