import protobuf from "protobufjs";
import { describe, expect, it } from "vitest";
import { codec as clientCodec } from "../../../client/src/proto.js";
import { ProgressState } from "../../../client/src/progress/state.js";
import { decodePacket, encodePacket, PacketType } from "../../../client/src/filesync/wire.js";
import { GrpcError } from "../../../common/src/wire/grpc-status.js";
import { lengthDelimitedHeader } from "../../../common/src/wire/length-delimited.js";
import { statusFromError } from "../../../frontend/gateway/errors.js";
import { Gateway } from "../../../frontend/gateway/gateway.js";
import { BridgeError, type LLBBridgeClient } from "../../../frontend/protocol/client.js";
import { codec as frontendCodec, messageType as frontendType } from "../../../frontend/common/messages.js";

const PAST_2_53 = "9007199254740993";

describe("one codec registry, one conversion for the frontend and the client", () => {
  it("gives int64 as exact strings, which the frontend's stat reader turns into numbers", async () => {
    const ReadDir = frontendType("moby.buildkit.v1.frontend.ReadDirResponse");
    const bytes = ReadDir.encode(ReadDir.fromObject({ entries: [{ path: "big", mode: 0o644, size: PAST_2_53 }, { path: "tib", size: 2 ** 40 }] })).finish();
    const decoded = frontendCodec("moby.buildkit.v1.frontend.ReadDirResponse").decode(bytes);
    expect(decoded.entries[0].size).toBe(PAST_2_53);
    const gw = new Gateway({ call: async () => decoded } as unknown as LLBBridgeClient);
    expect(await gw.readDir("ref", ".")).toEqual([
      { path: "big", mode: 0o644, size: 2 ** 53, linkname: "" },
      { path: "tib", mode: 0, size: 2 ** 40, linkname: "" },
    ]);
  });

  it("gives the client's progress counters exactly, and enums as the numbers it answers with", () => {
    const Status = clientCodec("moby.buildkit.v1.StatusResponse");
    const status = Status.decode(Status.encode({ vertexes: [{ digest: "sha256:a", name: "v" }], statuses: [{ ID: "s", vertex: "sha256:a", current: PAST_2_53, total: 7 }] }));
    expect(status.statuses[0].current).toBe(PAST_2_53);
    const events = new ProgressState().apply(status);
    expect(events.find((e) => e.kind === "status")).toMatchObject({ current: 2 ** 53, total: 7 });
    const Health = clientCodec("grpc.health.v1.HealthCheckResponse");
    expect(Health.decode(Health.encode({ status: 1 }))).toEqual({ status: 1 });
  });
});

describe("one varint writer", () => {
  it("opens a length-delimited field exactly as protobufjs does", () => {
    for (const [field, length] of [[1, 0], [1, 1], [1, 127], [1, 128], [3, 300], [16, 2 ** 21], [1, 16 << 20], [2, 2 ** 31 + 5]] as const) {
      const theirs = protobuf.Writer.create().uint32((field << 3) | 2).uint32(length).finish();
      expect(Buffer.from(lengthDelimitedHeader(field, length))).toEqual(Buffer.from(theirs));
    }
  });

  it("writes filesync's 64-bit stat fields exactly, past 2^53 and negative", () => {
    const stat = { path: "é/long-name-that-is-longer-than-thirty-two-chars", mode: 0x80000000 + 0o755, size: 2n ** 60n + 1n, modTime: 1_733_390_000_123_456_789n, devmajor: -1n };
    const bytes = encodePacket({ type: PacketType.STAT, stat });
    const Packet = clientCodec("fsutil.types.Packet");
    expect(Packet.decode(bytes).stat).toEqual({ path: stat.path, mode: stat.mode, size: String(stat.size), modTime: String(stat.modTime), devmajor: "-1" });
    expect(decodePacket(bytes)).toEqual({ type: PacketType.STAT, stat });
  });
});

describe("one gRPC status error", () => {
  it("is what the frontend's daemon errors are, with the daemon's status forwarded unchanged", () => {
    const details = Buffer.from(frontendCodec("google.rpc.Status").encode({ code: 5, message: "not found: x", details: [{ type_url: "t", value: Buffer.from("v") }] }));
    const err = new BridgeError(2, "not found: x", "ReadFile", details);
    expect(err).toBeInstanceOf(GrpcError);
    expect([err.name, err.code, err.details, err.method, err.message]).toEqual(["BridgeError", 2, "not found: x", "ReadFile", "not found: x"]);
    expect(statusFromError(err)).toEqual({ code: 5, message: "not found: x", details: [{ type_url: "t", value: Buffer.from("v") }] });
    expect(statusFromError(new BridgeError(0, "plain", "Solve"))).toEqual({ code: 2, message: "plain", details: [] });
  });
});
