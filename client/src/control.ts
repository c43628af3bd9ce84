/** The daemon's Control service: Solve, Status, ListWorkers, and Session as a byte stream. */
import { Duplex } from "node:stream";
import { decodeBytesMessage, encodeBytesMessage } from "./bytes-message.js";
import type { Channel, Metadata } from "./grpc/channel.js";
import { codec } from "./proto.js";

const SERVICE = "/moby.buildkit.v1.Control/";

export interface WorkerRecord {
  ID?: string;
  Labels?: Record<string, string>;
  platforms?: { OS?: string; Architecture?: string; Variant?: string }[];
  BuildkitVersion?: { version?: string };
}

export class ControlClient {
  constructor(readonly channel: Channel) {}

  async solve(request: Record<string, any>): Promise<Record<string, string>> {
    const c = codec("moby.buildkit.v1.SolveRequest");
    const res = codec("moby.buildkit.v1.SolveResponse").decode(await this.channel.unary(SERVICE + "Solve", c.encode(request)));
    return (res.ExporterResponse ?? {}) as Record<string, string>;
  }

  async *status(ref: string): AsyncGenerator<Record<string, any>> {
    const call = this.channel.serverStream(SERVICE + "Status", codec("moby.buildkit.v1.StatusRequest").encode({ Ref: ref }));
    const res = codec("moby.buildkit.v1.StatusResponse");
    try {
      for await (const m of call.messages) yield res.decode(m);
    } finally {
      call.cancel();
    }
  }

  async listWorkers(): Promise<WorkerRecord[]> {
    const bytes = await this.channel.unary(SERVICE + "ListWorkers", codec("moby.buildkit.v1.ListWorkersRequest").encode({}));
    return (codec("moby.buildkit.v1.ListWorkersResponse").decode(bytes).record ?? []) as WorkerRecord[];
  }

  /**
   * Control.Session as a byte stream: each BytesMessage is one chunk of the HTTP/2 connection
   * the daemon opens to our session server. The session headers travel as call metadata.
   */
  session(headers: Record<string, string | string[]>): Duplex {
    const metadata: Metadata = {};
    for (const [k, v] of Object.entries(headers)) metadata[k.toLowerCase()] = v;
    const call = this.channel.call(SERVICE + "Session", metadata);
    const duplex = new Duplex({
      write(chunk: Buffer, _enc, cb) {
        call.write(encodeBytesMessage(chunk)).then(() => cb(), cb);
      },
      final(cb) {
        call.end();
        cb();
      },
      read() {},
      destroy(err, cb) {
        call.cancel();
        cb(err);
      },
    });
    (async () => {
      for await (const m of call.messages) duplex.push(decodeBytesMessage(m));
      duplex.push(null);
    })().catch((e: Error) => duplex.destroy(e));
    return duplex;
  }
}
