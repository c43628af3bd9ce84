import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { resolveInside } from "../../../service/uploads/paths.js";
import { checkTarball } from "../../../service/uploads/tar-check.js";

/** A tar header block by hand, for entries GNU tar will not write (`..`, absolute names). */
function header(name: string, type: string, size: number, link = ""): Buffer {
  const b = Buffer.alloc(512);
  b.write(name, 0, 100);
  b.write("0000644\0", 100);
  b.write("0000000\0", 108);
  b.write("0000000\0", 116);
  b.write(size.toString(8).padStart(11, "0") + "\0", 124);
  b.write("00000000000\0", 136);
  b.write("        ", 148);
  b.write(type, 156);
  b.write(link, 157, 100);
  b.write("ustar\0", 257);
  b.write("00", 263);
  let sum = 0;
  for (const x of b) sum += x;
  b.write(sum.toString(8).padStart(6, "0") + "\0 ", 148);
  return b;
}
function archive(entries: Array<{ name: string; type?: string; body?: string; link?: string }>): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const body = Buffer.from(e.body ?? "");
    parts.push(header(e.name, e.type ?? "0", body.length, e.link));
    if (body.length) parts.push(Buffer.concat([body, Buffer.alloc((512 - (body.length % 512)) % 512)]));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}
function file(data: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), "svc-tar-"));
  const f = join(dir, "ctx.tar");
  writeFileSync(f, data);
  return f;
}

describe("resolveInside", () => {
  const links = new Map([
    ["up", ".."],
    ["here", "."],
    ["sub/back", "../x"],
    ["viaHere", "here/.."],
    ["loop1", "loop2"],
    ["loop2", "loop1"],
    ["abs", "/etc"],
  ]);
  it("follows links through the archive's own links", () => {
    expect(resolveInside("sub/back", links)).toEqual({ ok: true, path: "x" });
    expect(resolveInside("here/a", links)).toEqual({ ok: true, path: "a" });
  });
  it("refuses what leaves the root, lexically or through another link", () => {
    expect(resolveInside("up", links)).toEqual({ ok: false, why: "escapes" });
    // "here/.." looks inside when read as text, but here is the root itself.
    expect(resolveInside("viaHere", links)).toEqual({ ok: false, why: "escapes" });
    expect(resolveInside("abs", links)).toEqual({ ok: false, why: "absolute" });
    expect(resolveInside("loop1", links)).toEqual({ ok: false, why: "loop" });
  });
});

describe("checkTarball", () => {
  it("accepts a tar and a tar.gz made by tar, links inside included", async () => {
    const dir = mkdtempSync(join(tmpdir(), "svc-ctx-"));
    mkdirSync(join(dir, "app"));
    writeFileSync(join(dir, "app/main.py"), "print(1)\n");
    symlinkSync("app/main.py", join(dir, "main.py"));
    const tarFile = join(dir, "..", `ok-${process.pid}.tar`);
    execFileSync("tar", ["-cf", tarFile, "-C", dir, "."]);
    expect((await checkTarball(tarFile)).entries).toBe(4);
    const gz = file(gzipSync(readFileSync(tarFile)));
    expect((await checkTarball(gz)).entries).toBe(4);
  });
  it("refuses '..', absolute names, escaping symlinks and hard links, devices, garbage, truncation and emptiness", async () => {
    await expect(checkTarball(file(archive([{ name: "a/../../x", body: "x" }])))).rejects.toThrow(/climbs out/);
    await expect(checkTarball(file(archive([{ name: "/etc/passwd", body: "x" }])))).rejects.toThrow(/absolute path/);
    await expect(checkTarball(file(archive([{ name: "l", type: "2", link: "../../etc" }])))).rejects.toThrow(/link "l" -> "..\/..\/etc" leads out/);
    await expect(checkTarball(file(archive([{ name: "l", type: "2", link: "/etc/passwd" }])))).rejects.toThrow(/leads out/);
    await expect(checkTarball(file(archive([{ name: "d", type: "2", link: "." }, { name: "e", type: "2", link: "d/.." }])))).rejects.toThrow(/"e" .* leads out/);
    await expect(checkTarball(file(archive([{ name: "h", type: "1", link: "../x" }])))).rejects.toThrow(/climbs out/);
    await expect(checkTarball(file(archive([{ name: "dev", type: "3" }])))).rejects.toThrow(/only files, directories and links/);
    await expect(checkTarball(file(Buffer.from("this is not a tarball at all".repeat(40))))).rejects.toThrow(/not a readable tar/);
    const good = archive([{ name: "a.txt", body: "x".repeat(2000) }]);
    await expect(checkTarball(file(good.subarray(0, 900)))).rejects.toThrow(/not a readable tar/);
    await expect(checkTarball(file(Buffer.alloc(1024)))).rejects.toThrow(/not a readable tar|no files/);
  });
});
