/** Streams a request body to a file, stopping (and removing the file) past a size limit. */
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";

export class TooLargeError extends Error {
  override name = "TooLargeError";
}

export async function receiveToFile(body: Readable, path: string, maxBytes: number): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash("sha256");
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > maxBytes) return done(new TooLargeError(`the upload is larger than ${maxBytes} bytes (SERVICE_MAX_UPLOAD_BYTES)`));
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(body, counter, createWriteStream(path, { flags: "wx" }));
  } catch (e) {
    await rm(path, { force: true });
    throw e;
  }
  return { bytes, sha256: hash.digest("hex") };
}
