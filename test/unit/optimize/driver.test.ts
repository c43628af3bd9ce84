/**
 * The driver's resolve command, run with this machine's python3 and a stand-in resolver that
 * writes the report pip or uv would: the pins it passes on to the next layer's resolve are the
 * ones the optimizer keeps itself (what the layer installs package by package).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DRIVER_PY } from "../../../frontend/optimize/driver.js";

const python = "python3";

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
