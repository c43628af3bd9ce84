import { describe, expect, it } from "vitest";
import { decodeBytesMessage, encodeBytesMessage } from "../../../client/src/bytes-message.js";
import { FrameDecoder, frame } from "../../../client/src/grpc/frames.js";
import { codec } from "../../../client/src/proto.js";

describe("gRPC framing", () => {
  const messages = [Buffer.from("a"), Buffer.alloc(0), Buffer.alloc(70_000, 7), Buffer.from("last")];
  const stream = Buffer.concat(messages.map(frame));

  it("splits messages out of any chunking, one byte at a time included", () => {
    for (const size of [1, 3, 5, 4096, stream.length]) {
      const d = new FrameDecoder();
      const got: Buffer[] = [];
      for (let i = 0; i < stream.length; i += size) got.push(...d.push(stream.subarray(i, i + size)));
      expect(got.length).toBe(messages.length);
      got.forEach((m, i) => expect(m.equals(messages[i]!)).toBe(true));
      expect(d.pending).toBe(0);
    }
  });

  it("refuses compressed and oversized messages", () => {
    expect(() => new FrameDecoder().push(Buffer.from([1, 0, 0, 0, 0]))).toThrow(/compressed/);
    expect(() => new FrameDecoder(10).push(frame(Buffer.alloc(11)))).toThrow(/more than 10/);
  });
});

describe("BytesMessage by hand", () => {
  it("agrees with protobufjs both ways", () => {
    const c = codec("moby.buildkit.v1.BytesMessage");
    for (const data of [Buffer.alloc(0), Buffer.from("x"), Buffer.alloc(300, 1), Buffer.alloc(3 << 20, 2)]) {
      // Buffer.equals: a deep comparison of megabytes is far too slow.
      expect(encodeBytesMessage(data).equals(c.encode({ data }))).toBe(true);
      expect(decodeBytesMessage(c.encode({ data })).equals(data)).toBe(true);
    }
  });
});
