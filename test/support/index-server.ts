/**
 * The test package indexes without the engine: wheels.py writes them into a folder, and
 * index_server.py serves one on a free loopback port, logging every request it answers.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { repoRoot } from "./paths.js";

const ENV_DIR = join(repoRoot, "test/env");

/** Writes DIR/main and DIR/extra as engine.sh does. */
export function writeTestIndexes(dir: string): void {
  const r = spawnSync("python3", [join(ENV_DIR, "wheels.py"), "indexes", dir], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`wheels.py indexes failed: ${r.stderr}`);
}

export interface IndexServer {
  /** http://127.0.0.1:PORT (the simple index is at `${url}/simple`). */
  url: string;
  /** "METHOD PATH STATUS" for every request answered so far. */
  requests(): string[];
  stop(): void;
}

export async function startIndexServer(tree: string, log: string, opts: { metadata: boolean }): Promise<IndexServer> {
  const args = [join(ENV_DIR, "index_server.py"), tree, "0", "--log", log, ...(opts.metadata ? [] : ["--no-metadata"])];
  const child: ChildProcess = spawn("python3", args, { stdio: ["ignore", "pipe", "inherit"] });
  const address = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once("line", (line) => {
      const m = /^listening on (\S+)$/.exec(line);
      if (m) resolve(m[1]!);
      else reject(new Error(`index_server.py said: ${line}`));
    });
    child.once("exit", (code) => reject(new Error(`index_server.py exited (${code}) before it listened`)));
  });
  return {
    url: `http://${address}`,
    requests: () => readFileSync(log, "utf8").split("\n").filter(Boolean),
    stop: () => void child.kill(),
  };
}

/** The files a request log shows were downloaded (200), by their last path segment. */
export function fetchedFiles(requests: readonly string[], suffix: string): string[] {
  return requests.flatMap((r) => {
    const [method, path, status] = r.split(" ");
    if (method !== "GET" || status !== "200" || !path) return [];
    const name = decodeURIComponent(path.split("?")[0]!.split("/").pop()!);
    return name.endsWith(suffix) ? [name] : [];
  });
}
