/**
 * Simple-index pages as PyPI writes them: PEP 503 HTML whose links carry the PEP 658/714
 * metadata hash (`data-core-metadata` and the older `data-dist-info-metadata`), and the PEP 691
 * JSON form of the same page. Pure: text in, text out.
 */

export interface IndexFile {
  filename: string;
  /** Relative to the page. */
  url: string;
  sha256: string;
  size: number;
  /** sha256 of `<url>.metadata`, for a wheel whose METADATA is served beside it. */
  metadataSha256?: string;
}

export interface PageLink {
  href: string;
  text: string;
}

const ANCHOR = /<a\s[^>]*?href="([^"]*)"[^>]*>([^<]*)<\/a>/gi;

const unescapeHtml = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
const escapeHtml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** The links of a PEP 503 page, unescaped. */
export function parseLinks(html: string): PageLink[] {
  return [...html.matchAll(ANCHOR)].map((m) => ({ href: unescapeHtml(m[1]!), text: unescapeHtml(m[2]!.trim()) }));
}

/** A link's `#sha256=` fragment, if it has one. */
export function linkSha256(href: string): string | undefined {
  return /#sha256=([0-9a-f]{64})$/i.exec(href)?.[1]?.toLowerCase();
}

function page(rows: string[]): string {
  return `<!DOCTYPE html><html><body>\n${rows.join("\n")}\n</body></html>\n`;
}

export function projectHtml(files: readonly IndexFile[]): string {
  return page(
    files.map((f) => {
      const meta = f.metadataSha256 ? ` data-core-metadata="sha256=${f.metadataSha256}" data-dist-info-metadata="sha256=${f.metadataSha256}"` : "";
      return `<a href="${escapeHtml(f.url)}#sha256=${f.sha256}"${meta}>${escapeHtml(f.filename)}</a><br/>`;
    }),
  );
}

function fileVersion(filename: string): string | undefined {
  if (filename.endsWith(".whl")) return filename.split("-")[1];
  const sdist = /-([^-]+)\.(?:tar\.gz|zip|tar\.bz2)$/.exec(filename);
  return sdist?.[1];
}

/**
 * PEP 691 with PEP 700's fields (API 1.1). The metadata hash goes under `core-metadata` (PEP 714)
 * and `data-dist-info-metadata`, the keys PyPI sends; never as a dict under `dist-info-metadata`,
 * which pip 22.3 to 23.1 read as a string and crash on (pypa/pip#12042).
 */
export function projectJson(name: string, files: readonly IndexFile[]): string {
  const versions = [...new Set(files.flatMap((f) => fileVersion(f.filename) ?? []))].sort();
  const out = files.map((f) => ({
    filename: f.filename,
    url: f.url,
    hashes: { sha256: f.sha256 },
    size: f.size,
    ...(f.metadataSha256 ? { "core-metadata": { sha256: f.metadataSha256 }, "data-dist-info-metadata": { sha256: f.metadataSha256 } } : {}),
  }));
  return JSON.stringify({ meta: { "api-version": "1.1" }, name, versions, files: out });
}

/** The root page: one link per project folder (`<name>/`). */
export function rootHtml(projects: readonly string[]): string {
  return page(projects.map((p) => `<a href="${escapeHtml(p)}/">${escapeHtml(p)}</a><br/>`));
}

export function rootJson(projects: readonly string[]): string {
  return JSON.stringify({ meta: { "api-version": "1.1" }, projects: projects.map((name) => ({ name })) });
}
