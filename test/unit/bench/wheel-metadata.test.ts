/** Reading a wheel's METADATA straight from its zip, against archives Python's zipfile wrote. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readWheelMetadata } from "../../../bench/wheel-metadata.js";
import { repoRoot } from "../../support/paths.js";

let work: string;

function python(script: string, ...args: string[]): string {
  const r = spawnSync("python3", ["-c", script, ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout;
}

/** What Python's zipfile reads as the archive's .dist-info/METADATA named `member`. */
const zipfileRead = (wheel: string, member: string) => python("import sys, zipfile; sys.stdout.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]).decode())", wheel, member);

/** The same archive with a zip64 end record (as archives over 4 GiB have), the plain one's fields saturated. */
function asZip64(zip: Buffer): Buffer {
  const eocdAt = zip.length - 22;
  expect(zip.readUInt32LE(eocdAt)).toBe(0x06054b50);
  const entries = zip.readUInt16LE(eocdAt + 10);
  const record = Buffer.alloc(56);
  record.writeUInt32LE(0x06064b50, 0);
  record.writeBigUInt64LE(44n, 4);
  record.writeUInt16LE(45, 12);
  record.writeUInt16LE(45, 14);
  record.writeBigUInt64LE(BigInt(entries), 24);
  record.writeBigUInt64LE(BigInt(entries), 32);
  record.writeBigUInt64LE(BigInt(zip.readUInt32LE(eocdAt + 12)), 40);
  record.writeBigUInt64LE(BigInt(zip.readUInt32LE(eocdAt + 16)), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(BigInt(eocdAt), 8);
  locator.writeUInt32LE(1, 16);
  const eocd = Buffer.from(zip.subarray(eocdAt));
  eocd.writeUInt32LE(0xffffffff, 12);
  eocd.writeUInt32LE(0xffffffff, 16);
  return Buffer.concat([zip.subarray(0, eocdAt), record, locator, eocd]);
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "imagespec-wheel-metadata-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("readWheelMetadata", () => {
  it("inflates the METADATA of a deflated wheel, byte for byte what zipfile reads", () => {
    const wheel = python(
      "import subprocess, sys; sys.stdout.write(subprocess.check_output([sys.executable, sys.argv[1], 'wheel', sys.argv[2], 'acme-cli', '1.0.0', '--requires', 'tinyjson>=1.0']).decode())",
      join(repoRoot, "test/env/wheels.py"),
      work,
    ).trim();
    const meta = readWheelMetadata(wheel);
    expect(meta.toString()).toBe(zipfileRead(wheel, "acme_cli-1.0.0.dist-info/METADATA"));
    expect(meta.toString()).toContain("Requires-Dist: tinyjson>=1.0\n");
  });

  it("reads a stored entry, and picks the wheel's own .dist-info when a vendored one is inside too", () => {
    const wheel = join(work, "Own_Pkg-2.0-py3-none-any.whl");
    python(
      [
        "import sys, zipfile",
        "with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_STORED) as z:",
        "    z.writestr('own_pkg/_vendor/dep-1.0.dist-info/METADATA', 'Name: dep\\n')",
        "    z.writestr('dep-1.0.dist-info/METADATA', 'Name: dep\\n')",
        "    z.writestr('own_pkg-2.0.dist-info/METADATA', 'Metadata-Version: 2.1\\nName: Own-Pkg\\nVersion: 2.0\\n')",
      ].join("\n"),
      wheel,
    );
    expect(readWheelMetadata(wheel).toString()).toBe("Metadata-Version: 2.1\nName: Own-Pkg\nVersion: 2.0\n");
  });

  it("finds the central directory through a zip64 end record", () => {
    const plain = python(
      "import subprocess, sys; sys.stdout.write(subprocess.check_output([sys.executable, sys.argv[1], 'wheel', sys.argv[2], 'tinyjson', '1.1.0']).decode())",
      join(repoRoot, "test/env/wheels.py"),
      join(work, "z64"),
    ).trim();
    const wheel = join(work, "tinyjson-1.1.0-py3-none-any.whl");
    writeFileSync(wheel, asZip64(readFileSync(plain)));
    // zipfile agrees the rewritten archive is sound.
    expect(zipfileRead(wheel, "tinyjson-1.1.0.dist-info/METADATA")).toContain("Version: 1.1.0");
    expect(readWheelMetadata(wheel).equals(readWheelMetadata(plain))).toBe(true);
  });

  it("names the file when it is no wheel", () => {
    const bad = join(work, "bad-1.0-py3-none-any.whl");
    writeFileSync(bad, "not a zip");
    expect(() => readWheelMetadata(bad)).toThrow(/bad-1\.0-py3-none-any\.whl: not a zip archive/);
    const empty = join(work, "empty-1.0-py3-none-any.whl");
    python("import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], 'w') as z:\n    z.writestr('empty/__init__.py', '')", empty);
    expect(() => readWheelMetadata(empty)).toThrow(/no \.dist-info\/METADATA/);
  });
});
