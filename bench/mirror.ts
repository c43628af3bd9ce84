/**
 * The machine's local mirror of real Python packages (two PEP 503 trees and a find-links dir
 * holding the CPU torch wheel), served over loopback HTTP so pip inside build steps reaches it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";

/** bench/specs/ml names http://127.0.0.1:5103/{pypi,pypi-more}/simple and /wheels/. */
export const MIRROR_PORT = 5103;
const TREES: Record<string, string> = { pypi: "/opt/pypi", "pypi-more": "/opt/pypi-more" };
const WHEELS = "/opt/wheels";
const TORCH_WHEEL = "torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl";

/** Why the mirror cannot serve the ml specs here, or undefined when it can. */
export function mirrorMissing(): string | undefined {
  for (const tree of Object.values(TREES)) if (!existsSync(join(tree, "simple"))) return `no package tree at ${tree}/simple`;
  if (!existsSync(join(WHEELS, TORCH_WHEEL))) return `no ${TORCH_WHEEL} in ${WHEELS}`;
  return undefined;
}

const ABSOLUTE_LINK = /href="file:\/\/([^"#]+)/g;

/**
 * A tree whose pages link their files relatively is served as it is; one linking them by
 * absolute file:// URLs gets rewritten pages, each file reached through a symlink to its folder.
 */
function layTree(root: string, name: string, tree: string): void {
  const pages = readdirSync(join(tree, "simple")).flatMap((p) => {
    const page = join(tree, "simple", p, "index.html");
    return existsSync(page) ? [[p, readFileSync(page, "utf8")] as const] : [];
  });
  if (!pages.some(([, html]) => html.includes('href="file://'))) {
    symlinkSync(tree, join(root, name));
    return;
  }
  const folders = new Map<string, string>();
  for (const [p, html] of pages) {
    const rewritten = html.replace(ABSOLUTE_LINK, (_, path: string) => {
      const folder = dirname(decodeURIComponent(path));
      if (!folders.has(folder)) folders.set(folder, `f${folders.size}`);
      return `href="/${name}/files-abs/${folders.get(folder)}/${basename(path)}`;
    });
    mkdirSync(join(root, name, "simple", p), { recursive: true });
    writeFileSync(join(root, name, "simple", p, "index.html"), rewritten);
  }
  mkdirSync(join(root, name, "files-abs"));
  for (const [folder, link] of folders) symlinkSync(folder, join(root, name, "files-abs", link));
}

/**
 * A static server that answers with the cache headers PyPI's file host sends (files are
 * immutable, pages fresh for ten minutes), so pip's HTTP cache behaves as it does against PyPI.
 * Python's plain http.server sends none, and pip would download every file again each time.
 */
const PYPI_LIKE_SERVER = `
import functools, http.server, sys
class Handler(http.server.SimpleHTTPRequestHandler):
    def end_headers(self):
        page = self.path.endswith("/") or self.path.endswith(".html")
        self.send_header("Cache-Control", "max-age=600, public" if page else "max-age=365000000, immutable, public")
        super().end_headers()
    def log_message(self, *args):
        pass
handler = functools.partial(Handler, directory=sys.argv[1])
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2])), handler).serve_forever()
`;

export interface Mirror {
  url: string;
  stop(): void;
}

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).ok;
  } catch {
    return false;
  }
}

export async function serveMirror(): Promise<Mirror> {
  const root = mkdtempSync(join(tmpdir(), "imagespec-bench-mirror-"));
  for (const [name, tree] of Object.entries(TREES)) layTree(root, name, tree);
  symlinkSync(WHEELS, join(root, "wheels"));
  const url = `http://127.0.0.1:${MIRROR_PORT}`;
  if (await answers(`${url}/`)) throw new Error(`port ${MIRROR_PORT} is already taken; the ml specs need it for the package mirror`);
  const server: ChildProcess = spawn("python3", ["-c", PYPI_LIKE_SERVER, root, String(MIRROR_PORT)], { stdio: "ignore" });
  const stop = () => {
    server.kill();
    rmSync(root, { recursive: true, force: true });
  };
  for (let i = 0; i < 40 && server.exitCode === null; i++) {
    if (await answers(`${url}/wheels/`)) return { url, stop };
    await new Promise((r) => setTimeout(r, 250));
  }
  stop();
  throw new Error(`the package mirror did not come up on ${url}`);
}
