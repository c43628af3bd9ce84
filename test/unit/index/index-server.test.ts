/**
 * What the test indexes serve (wheels.py writes, index_server.py answers): PEP 503 pages with
 * PEP 658/714 metadata attributes, PEP 691 JSON chosen by the Accept header, the .metadata files
 * themselves; and, with --no-metadata, exactly what a plain PEP 503 tree serves.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startIndexServer, writeTestIndexes, type IndexServer } from "../../support/index-server.js";

const JSON_TYPE = "application/vnd.pypi.simple.v1+json";
/** What pip (22.2 and later) sends for a project page. */
const PIP_ACCEPT = `${JSON_TYPE}, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01`;
const WHEEL = "acme_cli-1.0.0-py3-none-any.whl";

let work: string;
let withMetadata: IndexServer;
let plain: IndexServer;

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

async function get(server: IndexServer, path: string, accept?: string) {
  const r = await fetch(server.url + path, { headers: accept ? { Accept: accept } : {} });
  return { status: r.status, type: r.headers.get("content-type") ?? "", body: new Uint8Array(await r.arrayBuffer()) };
}
const text = (b: Uint8Array) => new TextDecoder().decode(b);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "imagespec-index-server-"));
  writeTestIndexes(join(work, "indexes"));
  withMetadata = await startIndexServer(join(work, "indexes/main"), join(work, "a.log"), { metadata: true });
  plain = await startIndexServer(join(work, "indexes/main"), join(work, "b.log"), { metadata: false });
}, 60_000);

afterAll(() => {
  withMetadata?.stop();
  plain?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("an index served as PyPI serves it", () => {
  it("serves each wheel's METADATA beside it, with its hash on the project page under both attribute names", async () => {
    const meta = await get(withMetadata, `/packages/${WHEEL}.metadata`);
    expect(meta.status).toBe(200);
    expect(text(meta.body)).toMatch(/^Metadata-Version: 2\.1\nName: acme-cli\nVersion: 1\.0\.0\n[\s\S]*Requires-Dist: tinyjson>=1\.0\n$/);
    const page = await get(withMetadata, "/simple/acme-cli/", "text/html");
    expect(page.type).toMatch(/^text\/html/);
    const h = sha256(meta.body);
    expect(text(page.body)).toContain(`data-core-metadata="sha256=${h}"`);
    expect(text(page.body)).toContain(`data-dist-info-metadata="sha256=${h}"`);
  });

  it("answers pip's Accept header with PEP 691 JSON whose core-metadata hash is the metadata file's", async () => {
    const page = await get(withMetadata, "/simple/acme-cli/", PIP_ACCEPT);
    expect(page.type).toBe(JSON_TYPE);
    const doc = JSON.parse(text(page.body)) as { meta: { "api-version": string }; name: string; files: Record<string, unknown>[] };
    expect(doc.meta["api-version"]).toBe("1.1");
    expect(doc.name).toBe("acme-cli");
    const [file] = doc.files;
    const wheel = await get(withMetadata, `/packages/${WHEEL}`);
    const meta = await get(withMetadata, `/packages/${WHEEL}.metadata`);
    expect(file).toMatchObject({ filename: WHEEL, url: `../../packages/${WHEEL}`, hashes: { sha256: sha256(wheel.body) }, size: wheel.body.length, "core-metadata": { sha256: sha256(meta.body) } });
    // pip 22.3 to 23.1 read this key as a string and fail on PEP 691's dict (pypa/pip#12042); PyPI never sends it.
    expect(file).not.toHaveProperty("dist-info-metadata");
  });

  it("answers a client that accepts anything with HTML, ?format= over the header, and 406 when nothing offered fits", async () => {
    expect((await get(withMetadata, "/simple/acme-cli/")).type).toMatch(/^text\/html/);
    expect((await get(withMetadata, "/simple/acme-cli/", "*/*")).type).toMatch(/^text\/html/);
    expect((await get(withMetadata, `/simple/acme-cli/?format=${encodeURIComponent(JSON_TYPE)}`, "text/html")).type).toBe(JSON_TYPE);
    expect((await get(withMetadata, "/simple/", JSON_TYPE)).type).toBe(JSON_TYPE);
    expect((await get(withMetadata, "/simple/acme-cli/", "application/json")).status).toBe(406);
  });

  it("offers no metadata for an sdist", async () => {
    const doc = JSON.parse(text((await get(withMetadata, "/simple/built-from-sdist/", JSON_TYPE)).body)) as { files: Record<string, unknown>[] };
    expect(doc.files).toHaveLength(1);
    expect(doc.files[0]).not.toHaveProperty("core-metadata");
  });
});

describe("the same tree served without metadata (--no-metadata)", () => {
  it("serves pages without the attributes, no .metadata files and no JSON", async () => {
    const page = await get(plain, "/simple/acme-cli/", PIP_ACCEPT);
    expect(page.type).toBe("application/vnd.pypi.simple.v1+html");
    expect(text(page.body)).toContain(WHEEL);
    expect(text(page.body)).not.toContain("metadata");
    expect((await get(plain, `/packages/${WHEEL}.metadata`)).status).toBe(404);
    expect((await get(plain, "/simple/acme-cli/", JSON_TYPE)).status).toBe(406);
  });

  it("logs every request it answers", async () => {
    await get(plain, "/simple/tinyjson/");
    await get(plain, "/packages/tinyjson-1.1.0-py3-none-any.whl.metadata");
    expect(plain.requests()).toEqual(expect.arrayContaining(["GET /simple/tinyjson/ 200", "GET /packages/tinyjson-1.1.0-py3-none-any.whl.metadata 404"]));
  });
});
