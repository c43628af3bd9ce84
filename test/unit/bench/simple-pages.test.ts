/** The bench mirror's simple-index pages: PEP 503 links parsed, PEP 658/714 and PEP 691 written. */
import { describe, expect, it } from "vitest";
import { linkSha256, parseLinks, projectHtml, projectJson, rootHtml, rootJson, type IndexFile } from "../../../bench/simple-pages.js";

const H1 = "a".repeat(64);
const H2 = "b".repeat(64);
const M1 = "c".repeat(64);
const FILES: IndexFile[] = [
  { filename: "torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl", url: "torch-2.13.0%2Bcpu-cp311-cp311-manylinux_2_28_x86_64.whl", sha256: H1, size: 10, metadataSha256: M1 },
  { filename: "odd&name-1.0.tar.gz", url: "../../files/0/odd%26name-1.0.tar.gz", sha256: H2, size: 20 },
];

describe("parseLinks", () => {
  it("reads each link's href and text, unescaped, whatever other attributes it has", () => {
    const html = `<html><body><a href="../../files/x-1.0-py3-none-any.whl#sha256=${H1.toUpperCase()}" data-requires-python="&gt;=3.8">x-1.0-py3-none-any.whl</a>\n<a data-yanked="" href="y&amp;z/">y&amp;z</a></body></html>`;
    expect(parseLinks(html)).toEqual([
      { href: `../../files/x-1.0-py3-none-any.whl#sha256=${H1.toUpperCase()}`, text: "x-1.0-py3-none-any.whl" },
      { href: "y&z/", text: "y&z" },
    ]);
    expect(linkSha256(parseLinks(html)[0]!.href)).toBe(H1);
    expect(linkSha256("y&z/")).toBeUndefined();
  });
});

describe("projectHtml", () => {
  it("gives a wheel with metadata both attribute names, an sdist neither, and parses back to the same links", () => {
    const html = projectHtml(FILES);
    expect(html).toContain(`data-core-metadata="sha256=${M1}" data-dist-info-metadata="sha256=${M1}">torch-2.13.0+cpu`);
    expect(html.match(/data-core-metadata/g)).toHaveLength(1);
    expect(parseLinks(html)).toEqual(FILES.map((f) => ({ href: `${f.url}#sha256=${f.sha256}`, text: f.filename })));
  });
});

describe("projectJson", () => {
  it("is PEP 691 with PEP 700's fields and the metadata keys PyPI sends", () => {
    const doc = JSON.parse(projectJson("torch", FILES)) as { meta: unknown; name: string; versions: string[]; files: Record<string, unknown>[] };
    expect(doc.meta).toEqual({ "api-version": "1.1" });
    expect(doc.name).toBe("torch");
    expect(doc.versions).toEqual(["1.0", "2.13.0+cpu"]);
    expect(doc.files[0]).toEqual({
      filename: FILES[0]!.filename,
      url: FILES[0]!.url,
      hashes: { sha256: H1 },
      size: 10,
      "core-metadata": { sha256: M1 },
      "data-dist-info-metadata": { sha256: M1 },
    });
    expect(doc.files[0]).not.toHaveProperty("dist-info-metadata");
    expect(doc.files[1]).toEqual({ filename: FILES[1]!.filename, url: FILES[1]!.url, hashes: { sha256: H2 }, size: 20 });
  });
});

describe("the root page", () => {
  it("links every project folder, in HTML and JSON", () => {
    expect(parseLinks(rootHtml(["numpy", "scikit-learn"]))).toEqual([
      { href: "numpy/", text: "numpy" },
      { href: "scikit-learn/", text: "scikit-learn" },
    ]);
    expect(JSON.parse(rootJson(["numpy"]))).toEqual({ meta: { "api-version": "1.1" }, projects: [{ name: "numpy" }] });
  });
});
