/**
 * BuildKit talks to a frontend over one HTTP/2 connection carried on the process's stdin
 * (server to us) and stdout (us to server). @grpc/grpc-js has no public way to use an
 * arbitrary byte stream as its transport, but it does dial Unix sockets; so we listen on a
 * private Unix socket, let grpc-js dial it, and splice its single connection onto stdin/stdout.
 * The splice is byte-for-byte, so grpc-js keeps doing all framing, flow control and limits.
 */
import { mkdtempSync } from "node:fs";
import { Writable } from "node:stream";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface StdioBridge {
  /** The grpc-js target (`unix:/…`). */
  target: string;
}

/**
 * Keeps every other writer off stdout (console and process.stdout go to stderr instead) and
 * returns the transport: process.stdout's own writer, which waits while a pipe is full. A file
 * stream on fd 1 did not: BuildKit's pipe is non-blocking, and when the daemon read slower than
 * a large Solve request was written, the write failed with EAGAIN ("A system error occurred:
 * undefined returned undefined") and the frontend exited.
 */
export function guardStdout(): NodeJS.WritableStream {
  const stdoutWrite = process.stdout.write.bind(process.stdout) as (chunk: Uint8Array, cb: (err?: Error | null) => void) => boolean;
  const transport = new Writable({
    write(chunk: Uint8Array, _encoding, done) {
      stdoutWrite(chunk, (err) => done(err ?? null));
    },
  });
  const toStderr = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
  process.stdout.write = toStderr;
  console.log = console.info = console.debug = console.warn = (...args: unknown[]) => {
    process.stderr.write(args.map(String).join(" ") + "\n");
  };
  return transport;
}

export async function openStdioBridge(
  input: NodeJS.ReadableStream = process.stdin,
  output: NodeJS.WritableStream = guardStdout(),
): Promise<StdioBridge> {
  const dir = mkdtempSync(join(tmpdir(), "imagespec-gw-"));
  const path = join(dir, "llbbridge.sock");
  let connected = false;
  const server: Server = createServer((socket) => {
    if (connected) {
      // BuildKit gives us one connection; a second dial would interleave frames.
      socket.destroy();
      return;
    }
    connected = true;
    input.pipe(socket);
    socket.pipe(output);
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, () => resolve());
  });
  // The socket lives as long as the process; its directory goes with the frontend's container.
  return { target: `unix:${path}` };
}
