/**
 * A registry the benchmark owns (its own port and storage), so the bytes a push newly stores
 * can be read off its storage directory, and wiped between routes.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const BENCH_REGISTRY = "127.0.0.1:5104";
/** Where test/env/engine.sh installs Debian's docker-registry. */
const BINARY = "/usr/bin/docker-registry";

const MANIFEST_TYPES = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

interface Descriptor {
  digest: string;
  size: number;
  platform?: { os: string; architecture: string };
}

export interface PushedImage {
  layers: number;
  /** Sum of the (compressed) layer sizes in the manifest. */
  imageBytes: number;
}

export class BenchRegistry {
  private readonly dir = mkdtempSync(join(tmpdir(), "imagespec-bench-registry-"));
  private readonly storage = join(this.dir, "storage");
  private proc: ChildProcess | undefined;

  async start(): Promise<void> {
    if (!existsSync(BINARY)) throw new Error(`${BINARY} is missing (test/env/engine.sh up installs it)`);
    if (await this.answers()) throw new Error(`port ${BENCH_REGISTRY.split(":")[1]} is already taken; the benchmark runs its own registry there`);
    const config = join(this.dir, "config.yml");
    writeFileSync(config, ["version: 0.1", "log: {level: warn}", "storage:", `  filesystem: {rootdirectory: ${this.storage}}`, `http: {addr: "${BENCH_REGISTRY}"}`, ""].join("\n"));
    this.proc = spawn(BINARY, ["serve", config], { stdio: "ignore" });
    for (let i = 0; i < 60 && this.proc.exitCode === null; i++) {
      if (await this.answers()) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`the bench registry did not come up on ${BENCH_REGISTRY}`);
  }

  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = undefined;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once("exit", r));
    p.kill();
    await exited;
  }

  /** Stops the registry, empties its storage and starts it again. */
  async wipe(): Promise<void> {
    await this.stop();
    rmSync(this.storage, { recursive: true, force: true });
    await this.start();
  }

  async remove(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Bytes of blob data (layers, configs, manifests) the registry stores. */
  storedBytes(): number {
    const blobs = join(this.storage, "docker/registry/v2/blobs");
    if (!existsSync(blobs)) return 0;
    let total = 0;
    const walk = (d: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(d, e.name));
        else if (e.name === "data") total += statSync(join(d, e.name)).size;
      }
    };
    walk(blobs);
    return total;
  }

  /** Layer count and size of the linux/amd64 image pushed as repo:tag. */
  async pushedImage(repo: string, tag: string): Promise<PushedImage> {
    let manifest = await this.manifest(repo, tag);
    if (manifest.manifests) {
      const amd64 = manifest.manifests.find((m) => m.platform?.os === "linux" && m.platform.architecture === "amd64");
      if (!amd64) throw new Error(`${repo}:${tag}: no linux/amd64 manifest in the index`);
      manifest = await this.manifest(repo, amd64.digest);
    }
    const layers = manifest.layers ?? [];
    return { layers: layers.length, imageBytes: layers.reduce((n, l) => n + l.size, 0) };
  }

  private async manifest(repo: string, ref: string): Promise<{ manifests?: Descriptor[]; layers?: Descriptor[] }> {
    const r = await fetch(`http://${BENCH_REGISTRY}/v2/${repo}/manifests/${ref}`, { headers: { Accept: MANIFEST_TYPES } });
    if (!r.ok) throw new Error(`manifest ${repo}:${ref}: HTTP ${r.status}`);
    return (await r.json()) as { manifests?: Descriptor[]; layers?: Descriptor[] };
  }

  private async answers(): Promise<boolean> {
    try {
      return (await fetch(`http://${BENCH_REGISTRY}/v2/`)).ok;
    } catch {
      return false;
    }
  }
}
