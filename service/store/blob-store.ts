/**
 * Where contexts, logs, scan reports and SBOMs are kept: a directory (a shared volume when service and
 * workers run apart). Files appear under their final name only once complete (written aside,
 * then renamed), except logs, which grow while a build runs and are read while they grow.
 */
import { createReadStream } from "node:fs";
import { appendFile, mkdir, open, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import type { Archive } from "./s3-archive.js";

const logKey = (buildId: string) => `logs/${buildId}.log`;
const reportKey = (buildId: string) => `scan-reports/${buildId}.json`;
const MAX_REPORT_BYTES = 64 << 20;

export class BlobStore {
  /**
   * @param archive where ended builds' logs and scan reports go (S3); without one they stay in
   *   the directory. A log is written here while its build runs (and read here while it grows).
   */
  constructor(
    readonly root: string,
    readonly archive?: Archive,
  ) {}

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

  /** Moves an ended build's log to the archive (if there is one); the local copy goes once it is there. */
  async archiveLog(buildId: string): Promise<string | undefined> {
    if (!this.archive) return undefined;
    let data: Buffer;
    try {
      data = await readFile(this.logPath(buildId));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
    await this.archive.put(logKey(buildId), data, "text/plain; charset=utf-8");
    await rm(this.logPath(buildId), { force: true });
    return this.archive.describe(logKey(buildId));
  }

  /** The log's bytes from `offset` on (at most `max`), and its size when read: here, else in the archive. */
  async readLog(buildId: string, offset: number, max = 1 << 20): Promise<{ data: Buffer; size: number }> {
    let fh;
    try {
      fh = await open(this.logPath(buildId), "r");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      // An archived log (a file that goes away mid-read was archived meanwhile: the same bytes).
      return (await this.archive?.read(logKey(buildId), offset, max)) ?? { data: Buffer.alloc(0), size: 0 };
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

  /**
   * Keeps a build's scan report (complete before it appears; a retry's report replaces it): in
   * the archive if there is one, here if there is none or it cannot be reached. Says where.
   */
  async keepReport(buildId: string, data: Buffer): Promise<string> {
    let archiveError = "";
    if (this.archive) {
      try {
        await this.archive.put(reportKey(buildId), data, "application/json");
        return this.archive.describe(reportKey(buildId));
      } catch (e) {
        archiveError = ` (the archive failed: ${(e as Error).message})`;
      }
    }
    const incoming = this.incomingPath();
    await writeFile(incoming, data);
    await rename(incoming, this.reportPath(buildId));
    return `${this.reportPath(buildId)}${archiveError}`;
  }

  /** A build's scan report, from here or the archive; undefined if it has none. */
  async readReport(buildId: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.reportPath(buildId));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
    return (await this.archive?.read(reportKey(buildId), 0, MAX_REPORT_BYTES))?.data;
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
