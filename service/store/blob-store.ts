/**
 * Where contexts, logs, scan reports and SBOMs are kept: a directory (a shared volume when service and
 * workers run apart). Files appear under their final name only once complete (written aside,
 * then renamed), except logs, which grow while a build runs and are read while they grow.
 */
import { createReadStream } from "node:fs";
import { appendFile, mkdir, open, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { randomUUID } from "node:crypto";

export class BlobStore {
  constructor(readonly root: string) {}

  async init(): Promise<void> {
    for (const d of ["contexts", "logs", "reports", "sboms", "incoming"]) await mkdir(join(this.root, d), { recursive: true });
  }

  /** A fresh path to write an incoming file to, on the same filesystem as its final place. */
  incomingPath(): string {
    return join(this.root, "incoming", randomUUID());
  }

  contextPath(id: string): string {
    return join(this.root, "contexts", `${id}.tar`);
  }

  async keepContext(incoming: string, id: string): Promise<void> {
    await rename(incoming, this.contextPath(id));
  }

  async discard(path: string): Promise<void> {
    await rm(path, { force: true });
  }

  logPath(buildId: string): string {
    return join(this.root, "logs", `${buildId}.log`);
  }

  async appendLog(buildId: string, text: string): Promise<void> {
    await appendFile(this.logPath(buildId), text);
  }

  /** The log's bytes from `offset` on (at most `max`), and its size when read. */
  async readLog(buildId: string, offset: number, max = 1 << 20): Promise<{ data: Buffer; size: number }> {
    let fh;
    try {
      fh = await open(this.logPath(buildId), "r");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return { data: Buffer.alloc(0), size: 0 };
      throw e;
    }
    try {
      const { size } = await fh.stat();
      const n = Math.max(0, Math.min(max, size - offset));
      const data = Buffer.alloc(n);
      if (n > 0) await fh.read(data, 0, n, offset);
      return { data, size };
    } finally {
      await fh.close();
    }
  }

  reportPath(buildId: string): string {
    return join(this.root, "reports", `${buildId}.json`);
  }

  sbomPath(buildId: string): string {
    return join(this.root, "sboms", `${buildId}.json`);
  }

  /** Writes a build's SBOMs under their final name once complete. */
  async keepSbom(buildId: string, text: string): Promise<void> {
    const incoming = this.incomingPath();
    await writeFile(incoming, text);
    await rename(incoming, this.sbomPath(buildId));
  }

  async exists(path: string): Promise<boolean> {
    return stat(path).then(
      () => true,
      () => false,
    );
  }

  readStream(path: string): NodeJS.ReadableStream {
    return createReadStream(path);
  }
}
