/** A claimed build's spec and context as local directories, from the store or from a URL. */
import { createWriteStream } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { prepareContext } from "../../client/cli/inputs.js";
import type { Job } from "../db/queue.js";
import type { BlobStore } from "../store/blob-store.js";
import { checkTarball } from "../uploads/tar-check.js";

export interface PreparedInputs {
  specDir: string;
  contextDir: string;
}

async function download(url: string, file: string, maxBytes: number): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, { redirect: "follow" });
  } catch (e) {
    throw new Error(`context: ${url}: ${(e as Error & { cause?: Error }).cause?.message ?? (e as Error).message}`);
  }
  if (!res.ok || !res.body) throw new Error(`context: ${url}: HTTP ${res.status}`);
  let n = 0;
  const limit = new Transform({
    transform(c: Buffer, _e, done) {
      n += c.length;
      done(n > maxBytes ? new Error(`context: ${url} is larger than ${maxBytes} bytes`) : null, c);
    },
  });
  await pipeline(Readable.fromWeb(res.body as any), limit, createWriteStream(file));
}

export async function prepareInputs(job: Job, store: BlobStore, work: string, maxBytes: number): Promise<PreparedInputs> {
  const specDir = join(work, "spec");
  await mkdir(specDir);
  await writeFile(join(specDir, job.specFilename), job.spec);
  let tarball: string | undefined;
  if (job.contextId) tarball = store.contextPath(job.contextId);
  else if (job.contextUrl) {
    tarball = join(work, "context.download");
    await download(job.contextUrl, tarball, maxBytes);
    // A URL's tarball gets the checks an upload gets, before it is unpacked.
    await checkTarball(tarball);
  }
  if (!tarball) {
    const empty = join(work, "empty-context");
    await mkdir(empty);
    return { specDir, contextDir: empty };
  }
  const unpackInto = join(work, "unpack");
  await mkdir(unpackInto);
  return { specDir, contextDir: await prepareContext(tarball, unpackInto) };
}
