/**
 * Lays the machine's package mirror out for serving as PyPI serves it: every project page
 * rewritten with each wheel's metadata hash (PEP 658/714) beside its PEP 691 JSON form, each
 * file reached through a symlink with its `.metadata` next to it, and a find-links page for the
 * loose wheels folder. The mirror itself is only read.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { linkSha256, parseLinks, projectHtml, projectJson, rootHtml, rootJson, type IndexFile } from "./simple-pages.js";
import type { WheelFactsCache } from "./wheel-cache.js";

type ServedFile = Omit<IndexFile, "url"> & { path: string };

/** Files placed under one folder: folder k of the originals becomes `<dir>/<k>/`. */
class Shelf {
  private readonly folders = new Map<string, string>();
  constructor(
    private readonly dir: string,
    private readonly prefix: string,
    private readonly cache: WheelFactsCache,
  ) {}

  async place(file: string, knownSha256: string | undefined): Promise<ServedFile> {
    const folder = dirname(file);
    if (!this.folders.has(folder)) this.folders.set(folder, String(this.folders.size));
    const sub = this.folders.get(folder)!;
    return placeFile(join(this.dir, sub), `${this.prefix}${sub}/`, file, knownSha256, this.cache);
  }
}

async function placeFile(dir: string, urlPrefix: string, file: string, knownSha256: string | undefined, cache: WheelFactsCache): Promise<ServedFile> {
  const filename = basename(file);
  mkdirSync(dir, { recursive: true });
  const link = join(dir, filename);
  if (!existsSync(link)) symlinkSync(file, link);
  const served: ServedFile = { filename, path: urlPrefix + encodeURIComponent(filename), sha256: knownSha256 ?? (await cache.sha256(file)), size: statSync(file).size };
  if (filename.endsWith(".whl")) {
    try {
      const metadata = cache.metadata(file);
      writeFileSync(`${link}.metadata`, metadata);
      served.metadataSha256 = createHash("sha256").update(metadata).digest("hex");
    } catch (err) {
      // As on PyPI, a wheel whose metadata cannot be read is offered without it.
      console.warn(`bench mirror: ${(err as Error).message}; served without metadata`);
    }
  }
  return served;
}

function writePage(dir: string, html: string, json: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "index.html"), html);
  writeFileSync(join(dir, "index.json"), json);
}

function localTarget(href: string, pageDir: string): string {
  const target = href.split("#")[0]!;
  return target.startsWith("file://") ? decodeURIComponent(new URL(target).pathname) : resolve(pageDir, decodeURIComponent(target));
}

/** `<root>/<name>/simple/…` and `<root>/<name>/files/…` for the PEP 503 tree at `tree`. */
export async function layTree(root: string, name: string, tree: string, cache: WheelFactsCache): Promise<void> {
  const simple = join(tree, "simple");
  const projects = readdirSync(simple).filter((p) => existsSync(join(simple, p, "index.html"))).sort();
  const shelf = new Shelf(join(root, name, "files"), "files/", cache);
  for (const project of projects) {
    const pageDir = join(simple, project);
    const files: IndexFile[] = [];
    for (const link of parseLinks(readFileSync(join(pageDir, "index.html"), "utf8"))) {
      const { path, ...file } = await shelf.place(localTarget(link.href, pageDir), linkSha256(link.href));
      files.push({ ...file, url: `../../${path}` });
    }
    writePage(join(root, name, "simple", project), projectHtml(files), projectJson(project, files));
  }
  writePage(join(root, name, "simple"), rootHtml(projects), rootJson(projects));
}

/** `<dir>/`: a find-links page (HTML and JSON) listing every file of `folder`, each beside it. */
export async function layFindLinks(dir: string, folder: string, cache: WheelFactsCache): Promise<void> {
  const names = readdirSync(folder).filter((f) => statSync(join(folder, f)).isFile()).sort();
  const files: IndexFile[] = [];
  for (const f of names) {
    const { path, ...file } = await placeFile(dir, "", join(folder, f), undefined, cache);
    files.push({ ...file, url: path });
  }
  writePage(dir, projectHtml(files), projectJson(basename(dir), files));
}
