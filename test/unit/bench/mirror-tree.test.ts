/**
 * Laying a PEP 503 tree out as PyPI serves it (the bench mirror's step before serving): pages
 * with metadata hashes that match the .metadata files beside the symlinked wheels, links by
 * relative path or by absolute file:// URL, and a find-links folder.
 */
import { createHash } from "node:crypto";
import { cpSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { layFindLinks, layTree } from "../../../bench/mirror-tree.js";
import { parseLinks } from "../../../bench/simple-pages.js";
import { WheelFactsCache } from "../../../bench/wheel-cache.js";
import { writeTestIndexes } from "../../support/index-server.js";

let work: string;
let tree: string;
let served: string;
let cache: WheelFactsCache;
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "imagespec-mirror-tree-"));
  writeTestIndexes(join(work, "indexes"));
  // A plain PEP 503 tree, as the machine's mirror is: pages and files only.
  tree = join(work, "tree");
  cpSync(join(work, "indexes/main/packages"), join(tree, "packages"), { recursive: true, filter: (p) => !p.endsWith(".metadata") });
  for (const p of ["acme-cli", "tinyjson", "built-from-sdist"]) cpSync(join(work, "indexes/main/simple", p, "index.html"), join(tree, "simple", p, "index.html"));
  // One page links its file by absolute file:// URL, as some mirrors write them.
  const page = join(tree, "simple/tinyjson/index.html");
  writeFileSync(page, readFileSync(page, "utf8").replace(/href="\.\.\/\.\.\/packages\//g, `href="file://${join(tree, "packages")}/`));
  served = join(work, "served");
  cache = new WheelFactsCache(join(work, "cache"));
  await layTree(served, "pypi", tree, cache);
}, 60_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("layTree", () => {
  it("writes each project page with every wheel's metadata hash, matching the .metadata beside the symlinked wheel", () => {
    for (const project of ["acme-cli", "tinyjson"]) {
      const pageDir = join(served, "pypi/simple", project);
      const html = readFileSync(join(pageDir, "index.html"), "utf8");
      const links = parseLinks(html);
      expect(links.length).toBeGreaterThan(0);
      for (const link of links) {
        const file = resolve(pageDir, decodeURIComponent(link.href.split("#")[0]!));
        expect(lstatSync(file).isSymbolicLink()).toBe(true);
        expect(readlinkSync(file)).toBe(join(tree, "packages", link.text));
        expect(link.href).toContain(`#sha256=${sha256(readFileSync(file))}`);
        const meta = readFileSync(`${file}.metadata`);
        expect(html).toContain(`data-core-metadata="sha256=${sha256(meta)}"`);
        expect(meta.toString()).toContain(`Name: ${project}\n`);
      }
    }
  });

  it("writes the PEP 691 form beside each page and the root, and offers an sdist without metadata", () => {
    const doc = JSON.parse(readFileSync(join(served, "pypi/simple/built-from-sdist/index.json"), "utf8")) as { files: Record<string, unknown>[] };
    expect(doc.files).toHaveLength(1);
    expect(doc.files[0]).not.toHaveProperty("core-metadata");
    expect(JSON.parse(readFileSync(join(served, "pypi/simple/index.json"), "utf8"))).toEqual({
      meta: { "api-version": "1.1" },
      projects: [{ name: "acme-cli" }, { name: "built-from-sdist" }, { name: "tinyjson" }],
    });
  });

  it("keeps what it read about each wheel on disk, and a second layout gives the same pages from it", async () => {
    const linked = new Set(
      ["acme-cli", "tinyjson"].flatMap((p) => parseLinks(readFileSync(join(tree, "simple", p, "index.html"), "utf8")).map((l) => l.text)),
    );
    const kept = () => readdirSync(join(work, "cache")).filter((f) => f.endsWith(".metadata"));
    expect(kept()).toHaveLength(linked.size);
    const again = join(work, "served-again");
    await layTree(again, "pypi", tree, cache);
    expect(kept()).toHaveLength(linked.size);
    for (const p of ["acme-cli", "tinyjson"])
      expect(readFileSync(join(again, "pypi/simple", p, "index.html"), "utf8")).toBe(readFileSync(join(served, "pypi/simple", p, "index.html"), "utf8"));
  });
});

describe("layFindLinks", () => {
  it("lists a folder's files on one page, each beside it with its metadata", async () => {
    const dir = join(work, "wheels");
    await layFindLinks(dir, join(tree, "packages"), cache);
    const links = parseLinks(readFileSync(join(dir, "index.html"), "utf8"));
    expect(links.map((l) => l.text)).toEqual(readdirSync(join(tree, "packages")).sort());
    for (const l of links) expect(existsSync(join(dir, decodeURIComponent(l.href.split("#")[0]!)))).toBe(true);
    const wheel = links.find((l) => l.text.startsWith("acme_cli"))!;
    expect(existsSync(join(dir, `${wheel.text}.metadata`))).toBe(true);
    const doc = JSON.parse(readFileSync(join(dir, "index.json"), "utf8")) as { files: { filename: string }[] };
    expect(doc.files.map((f) => f.filename)).toEqual(links.map((l) => l.text));
  });
});
