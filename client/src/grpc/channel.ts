/**
 * A gRPC client on node:http2 over any connection we hand it: a unix socket, TCP, TLS, or a
 * socket the Docker engine upgraded to h2c on `/grpc` (grpc-js cannot take an existing socket).
 */
import http2 from "node:http2";
import type { Duplex } from "node:stream";
import { FrameDecoder, frame } from "./frames.js";
import { decodeGrpcMessage, GrpcError, Status } from "../../../common/src/wire/grpc-status.js";

export type Metadata = Record<string, string | string[]>;

export interface Call {
  write(message: Buffer): Promise<void>;
  end(): void;
  cancel(): void;
  /** The response messages; iteration throws the call's GrpcError when it fails. */
  readonly messages: AsyncIterable<Buffer>;
  /** Response headers, once received. */
  readonly headers: Promise<http2.IncomingHttpHeaders>;
}

function statusOf(h: http2.IncomingHttpHeaders, method: string): GrpcError | undefined {
  const raw = h["grpc-status"];
  if (raw === undefined) return undefined;
  const code = Number(raw);
  if (code === Status.OK) return undefined;
  const bin = h["grpc-status-details-bin"];
  const details = typeof bin === "string" ? Buffer.from(bin, "base64") : undefined;
  return new GrpcError(code, decodeGrpcMessage(h["grpc-message"] as string | undefined) || `gRPC status ${code}`, method, details);
}

export class Channel {
  private closed = false;

  constructor(
    private readonly session: http2.ClientHttp2Session,
    private readonly authority = "localhost",
  ) {
    session.on("error", () => undefined);
  }

  /** Opens an HTTP/2 session over `connection` (already connected, for example an upgraded socket). */
  static over(connection: Duplex, authority = "localhost"): Channel {
    const session = http2.connect(`http://${authority}`, { createConnection: () => connection, settings: { initialWindowSize: 1 << 20 } });
    return new Channel(session, authority);
  }

  static wrap(session: http2.ClientHttp2Session, authority: string): Channel {
    return new Channel(session, authority);
  }

  call(method: string, metadata: Metadata = {}): Call {
    const stream = this.session.request({
      ":method": "POST",
      ":path": method,
      ":authority": this.authority,
      "content-type": "application/grpc",
      te: "trailers",
      ...metadata,
    });
    const decoder = new FrameDecoder();
    const queue: Buffer[] = [];
    let failure: Error | undefined;
    let ended = false;
    let statusSeen = false;
    let wake: (() => void) | undefined;
    const notify = () => {
      wake?.();
      wake = undefined;
    };
    let resolveHeaders!: (h: http2.IncomingHttpHeaders) => void;
    const headers = new Promise<http2.IncomingHttpHeaders>((r) => (resolveHeaders = r));

    stream.on("response", (h) => {
      resolveHeaders(h);
      // A trailers-only response carries its status in the headers.
      if (h["grpc-status"] !== undefined) statusSeen = true;
      const err = statusOf(h, method);
      if (err) failure = err;
      notify();
    });
    stream.on("data", (chunk: Buffer) => {
      try {
        queue.push(...decoder.push(chunk));
      } catch (e) {
        failure = e as Error;
        stream.close(http2.constants.NGHTTP2_CANCEL);
      }
      notify();
    });
    stream.on("trailers", (h) => {
      if (h["grpc-status"] !== undefined) statusSeen = true;
      const err = statusOf(h, method);
      if (err) failure ??= err;
      else if (h["grpc-status"] === undefined) failure ??= new GrpcError(Status.INTERNAL, "response without a gRPC status", method);
    });
    stream.on("error", (e) => {
      failure ??= new GrpcError(Status.UNAVAILABLE, `${method}: ${e.message}`, method);
      notify();
    });
    // The response is complete at "end"; "close" waits for our side too, which a failed call may never end.
    const finish = () => {
      if (!failure && stream.rstCode && stream.rstCode !== http2.constants.NGHTTP2_NO_ERROR) {
        failure = new GrpcError(Status.CANCELLED, `${method}: stream reset (${stream.rstCode})`, method);
      }
      if (!failure && !statusSeen) failure = new GrpcError(Status.UNAVAILABLE, `${method}: the connection closed before the call's status`, method);
      ended = true;
      resolveHeaders({});
      notify();
      if (!stream.writableEnded) stream.close(http2.constants.NGHTTP2_NO_ERROR);
    };
    stream.on("end", finish);
    stream.on("close", finish);

    return {
      headers,
      write: (message) =>
        new Promise<void>((resolve, reject) => {
          if (stream.destroyed || stream.writableEnded) return reject(failure ?? new GrpcError(Status.CANCELLED, `${method}: the call is closed`, method));
          if (stream.write(frame(message))) resolve();
          else {
            const onDrain = () => (stream.off("close", onClose), resolve());
            const onClose = () => (stream.off("drain", onDrain), reject(failure ?? new GrpcError(Status.CANCELLED, `${method}: closed`, method)));
            stream.once("drain", onDrain);
            stream.once("close", onClose);
          }
        }),
      end: () => {
        if (!stream.writableEnded) stream.end();
      },
      cancel: () => stream.close(http2.constants.NGHTTP2_CANCEL),
      messages: {
        async *[Symbol.asyncIterator]() {
          for (;;) {
            while (queue.length) yield queue.shift()!;
            if (failure) throw failure;
            if (ended) {
              if (decoder.pending) throw new GrpcError(Status.INTERNAL, `${method}: the response ended inside a message`, method);
              return;
            }
            await new Promise<void>((r) => (wake = r));
          }
        },
      },
    };
  }

  async unary(method: string, request: Buffer, metadata: Metadata = {}): Promise<Buffer> {
    const call = this.call(method, metadata);
    await call.write(request);
    call.end();
    let reply: Buffer | undefined;
    for await (const m of call.messages) reply ??= m;
    if (!reply) throw new GrpcError(Status.INTERNAL, `${method}: no response message`, method);
    return reply;
  }

  serverStream(method: string, request: Buffer, metadata: Metadata = {}): Call {
    const call = this.call(method, metadata);
    call.write(request).then(() => call.end(), () => undefined);
    return call;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.session.close();
    setTimeout(() => this.session.destroy(), 1000).unref();
  }

  destroy(): void {
    this.closed = true;
    this.session.destroy();
  }
}
