import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { prepareContext, readSpec, specFileName } from "../../../client/cli/inputs.js";

const src = mkdtempSync(join(tmpdir(), "inputs-src-"));
mkdirSync(join(src, "pkg"));
writeFileSync(join(src, "pkg/a.py"), "a = 1\n");
const tgz = join(mkdtempSync(join(tmpdir(), "inputs-tar-")), "ctx.tar.gz");
execFileSync("tar", ["-czf", tgz, "-C", src, "."]);
const server = http.createServer((req, res) => {
  if (req.url === "/ctx.tar.gz") return res.end(readFileSync(tgz));
  if (req.url === "/specs/imagespec.yaml") return res.end("base_image: x\n");
  res.writeHead(404).end();
});
await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
afterAll(() => void server.close());

describe("specFileName", () => {
  it("keeps a plain own name, else names by content", () => {
    expect(specFileName("/x/spec.pb", Buffer.from([0x0a, 0x01, 0x78]))).toBe("spec.pb");
    expect(specFileName("https://h/a/imagespec.yaml?sig=1", Buffer.from("a: 1"))).toBe("imagespec.yaml");
    expect(specFileName("-", Buffer.from("base_image: x"))).toBe("imagespec.yaml");
    expect(specFileName("-", Buffer.from([0x0a, 0xff, 0xfe]))).toBe("spec.pb");
  });
});

describe("readSpec and prepareContext", () => {
  it("writes the spec alone into a directory, from a file or a URL", async () => {
    const work = mkdtempSync(join(tmpdir(), "w-"));
    const s = await readSpec(`${base}/specs/imagespec.yaml`, work);
    expect(s.filename).toBe("imagespec.yaml");
    expect(readFileSync(join(s.dir, "imagespec.yaml"), "utf8")).toBe("base_image: x\n");
    await expect(readSpec(join(work, "none.yaml"), mkdtempSync(join(tmpdir(), "w-")))).rejects.toThrow(/no such file/);
    await expect(readSpec(`${base}/missing`, mkdtempSync(join(tmpdir(), "w-")))).rejects.toThrow(/HTTP 404/);
  });

  it("uses a directory as it is and unpacks a tarball, from a file or a URL", async () => {
    expect(await prepareContext(src, mkdtempSync(join(tmpdir(), "w-")))).toBe(src);
    for (const source of [tgz, `${base}/ctx.tar.gz`]) {
      const dir = await prepareContext(source, mkdtempSync(join(tmpdir(), "w-")));
      expect(readFileSync(join(dir, "pkg/a.py"), "utf8")).toBe("a = 1\n");
    }
    const notTar = join(mkdtempSync(join(tmpdir(), "w-")), "x.tar");
    writeFileSync(notTar, "not a tarball");
    await expect(prepareContext(notTar, mkdtempSync(join(tmpdir(), "w-")))).rejects.toThrow(/unpacking the context/);
  });
});
