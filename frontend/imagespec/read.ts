/**
 * Reads a spec from a file, device, FIFO or standard input with the size limit enforced while
 * reading: at most limit + 1 bytes are read, so `/dev/zero` or an endless pipe ends promptly
 * (and the caller sees "too large") instead of filling memory.
 */
import { closeSync, openSync, readSync } from "node:fs";

const CHUNK = 64 * 1024;
const STDIN_NAMES = new Set(["-", "/dev/stdin"]);

/** Waits a little without spinning, for a non-blocking stdin that has no data yet. */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function openInput(path: string): { fd: number; close: boolean } {
  if (!STDIN_NAMES.has(path)) return { fd: openSync(path, "r"), close: true };
  try {
    // A fresh descriptor is blocking even when the process's fd 0 is not.
    return { fd: openSync("/dev/stdin", "r"), close: true };
  } catch {
    return { fd: 0, close: false };
  }
}

/** Up to `limit + 1` bytes of `path` ("-" or "/dev/stdin" for standard input). */
export function readBounded(path: string, limit: number): Uint8Array {
  const { fd, close } = openInput(path);
  try {
    const chunks: Uint8Array[] = [];
    let total = 0;
    while (total <= limit) {
      const chunk = new Uint8Array(Math.min(CHUNK, limit + 1 - total));
      let n: number;
      try {
        n = readSync(fd, chunk, 0, chunk.length, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "EAGAIN") {
          pause(10);
          continue;
        }
        throw e;
      }
      if (n === 0) break;
      chunks.push(n === chunk.length ? chunk : chunk.subarray(0, n));
      total += n;
    }
    const out = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  } finally {
    if (close) closeSync(fd);
  }
}

/** A readable reason a spec input could not be read, from a file system error. */
export function readFailure(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case "ENOENT":
      return "no such file";
    case "EISDIR":
      return "is a directory, not a spec file";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    default:
      return `cannot be read (${code ?? (e as Error).message})`;
  }
}
