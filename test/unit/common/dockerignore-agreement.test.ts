/**
 * The frontend reads the context's .dockerignore and sends its patterns as the context's
 * excludes; the build task's sender applies them, and its own reading of the same file. Both
 * must select the files `docker build` would send.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeFilter, parseDockerignore } from "../../../client/src/index.js";
import { walk } from "../../../client/src/filesync/walk.js";
import { readDockerignore } from "../../../frontend/gateway/facts.js";
import type { Gateway } from "../../../frontend/gateway/gateway.js";
import type { FrontendOptions } from "../../../frontend/options/options.js";

const DOCKERIGNORE = [
  "# build output",
  " # not a comment",
  "*.log",
  "!keep.log",
  "./build/",
  "/dist",
  "docs//internal/",
  "tmp/../cache",
  "../outside",
  "**/__pycache__",
  "**/*.pyc",
  "!src/**/important.pyc",
  "secret?.txt",
  "  spaced*.txt  ",
  "!  spaced-keep.txt\t",
  "\\#hash.txt",
  "[ab]x.bin",
  "data/**",
].join("\r\n");

const FILES = [
  "# not a comment", "#hash.txt", "app.log", "keep.log", "ax.bin", "cx.bin", "build/out", "cache/c", "data/d", "dist/x",
  "docs/internal/x", "docs/public/y", "main.py", "outside/o", "secret1.txt", "secret12.txt", "spaced.txt", "spaced-keep.txt",
  "src/__pycache__/m.pyc", "src/a.pyc", "src/deep/important.pyc", "tmp/t",
];

/** What docker build sends of this context (directories included). */
const SENT = [
  ".dockerignore", "cx.bin", "data", "docs", "docs/public", "docs/public/y", "keep.log", "main.py", "outside", "outside/o",
  "secret12.txt", "spaced-keep.txt", "src", "src/deep", "src/deep/important.pyc", "tmp", "tmp/t",
];

function context(): string {
  const root = mkdtempSync(join(tmpdir(), "dockerignore-"));
  writeFileSync(join(root, ".dockerignore"), DOCKERIGNORE);
  for (const f of FILES) {
    mkdirSync(dirname(join(root, f)), { recursive: true });
    writeFileSync(join(root, f), f);
  }
  return root;
}

async function sent(root: string, daemonExcludes: string[], ownExcludes: string[][]): Promise<string[]> {
  const filter = await makeFilter(root, { excludePatterns: daemonExcludes }, ownExcludes);
  const paths: string[] = [];
  for await (const e of walk(root, filter)) paths.push(e.path);
  return paths.sort();
}

describe("the frontend and the build task agree on what a context holds", () => {
  it("the frontend's exclude patterns and the task's own reading send the same files, Docker's", async () => {
    const root = context();
    const text = readFileSync(join(root, ".dockerignore"));
    const gw = { solve: async () => "ref", readFileIfExists: async () => new Uint8Array(text) } as unknown as Gateway;
    const fromFrontend = await readDockerignore(gw, { contextLocal: "context" } as FrontendOptions, "session");
    const ownReading = parseDockerignore(text.toString("utf8"));

    expect(fromFrontend).toEqual(ownReading);
    expect(await sent(root, fromFrontend, [])).toEqual(SENT);
    expect(await sent(root, [], [ownReading])).toEqual(SENT);
    expect(await sent(root, fromFrontend, [ownReading])).toEqual(SENT);
  });
});
