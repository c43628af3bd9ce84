/**
 * What the bench mirror needs to know about a distribution file, computed once per file and
 * kept on disk across runs: a wheel's METADATA, and a file's sha256 when its page gives none.
 * Entries are keyed by the file's real path, size and modification time.
 */
import { createHash } from "node:crypto";
import { createReadStream, existsSync, mkdirSync, readFileSync, realpathSync, renameSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { readWheelMetadata } from "./wheel-metadata.js";

export function defaultCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "imagespec-bench", "wheel-facts");
}

export class WheelFactsCache {
  constructor(private readonly dir: string = defaultCacheDir()) {
    mkdirSync(dir, { recursive: true });
  }

  private entry(file: string, what: string): string {
    const real = realpathSync(file);
    const st = statSync(real);
    const key = createHash("sha256").update(`${real}\0${st.size}\0${st.mtimeMs}`).digest("hex").slice(0, 40);
    return join(this.dir, `${key}.${what}`);
  }

  private remember(path: string, data: Buffer | string): void {
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  }

  /** The wheel's `.dist-info/METADATA` bytes. */
  metadata(wheel: string): Buffer {
    const at = this.entry(wheel, "metadata");
    if (existsSync(at)) return readFileSync(at);
    const data = readWheelMetadata(wheel);
    this.remember(at, data);
    return data;
  }

  /** The file's sha256, hex. */
  async sha256(file: string): Promise<string> {
    const at = this.entry(file, "sha256");
    if (existsSync(at)) return readFileSync(at, "utf8");
    const hash = createHash("sha256");
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
    const hex = hash.digest("hex");
    this.remember(at, hex);
    return hex;
  }
}
