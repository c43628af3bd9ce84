/**
 * BuildKit talks to a frontend over one HTTP/2 connection carried on the process's stdin
 * (server to us) and stdout (us to server). @grpc/grpc-js has no public way to use an
 * arbitrary byte stream as its transport, but it does dial Unix sockets; so we listen on a
 * private Unix socket, let grpc-js dial it, and splice its single connection onto stdin/stdout.
 * The splice is byte-for-byte, so grpc-js keeps doing all framing, flow control and limits.
 */
import { createWriteStream, mkdtempSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface StdioBridge {
  /** The grpc-js target (`unix:/…`). */
  target: string;
}

/** Keeps every other writer off stdout: console and process.stdout go to stderr instead. */
export function guardStdout(): NodeJS.WritableStream {
  // A file stream on fd 1 works whatever fd 1 is (pipe under buildkitd, file or tty in tests).
  const transport = createWriteStream("", { fd: 1, autoClose: false });
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
