/** gRPC's message framing: 1 flag byte (compressed or not), a 4-byte big-endian length, the message. */
import { MAX_MESSAGE_BYTES } from "../../../common/src/wire/limits.js";

export function frame(message: Uint8Array): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(message.length, 1);
  return Buffer.concat([head, message]);
}

/** Splits a byte stream into messages, whatever the chunk boundaries. */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private readonly maxBytes = MAX_MESSAGE_BYTES) {}

  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const out: Buffer[] = [];
    for (;;) {
      if (this.buffered < 5) return out;
      // Read the header without joining the chunks: a large message arrives in many of them.
      const head = this.head();
      if (head[0] !== 0) throw new Error("received a compressed gRPC message, which was not asked for");
      const len = head.readUInt32BE(1);
      if (len > this.maxBytes) throw new Error(`received a gRPC message of ${len} bytes, more than ${this.maxBytes}`);
      if (this.buffered < 5 + len) return out;
      const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
      out.push(all.subarray(5, 5 + len));
      const rest = all.subarray(5 + len);
      this.chunks = rest.length ? [rest] : [];
      this.buffered = rest.length;
    }
  }

  private head(): Buffer {
    if (this.chunks[0]!.length >= 5) return this.chunks[0]!;
    const parts: Buffer[] = [];
    let n = 0;
    for (const c of this.chunks) {
      parts.push(c);
      n += c.length;
      if (n >= 5) break;
    }
    return Buffer.concat(parts);
  }

  get pending(): number {
    return this.buffered;
  }
}
