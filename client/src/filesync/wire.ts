/**
 * fsutil's Packet and Stat (proto/fsutil/wire.proto, stat.proto), encoded by hand: DATA packets
 * are the bulk of a transfer and int64 nanosecond times need 64 bits, which plain numbers lack.
 */
import { ProtoWriter } from "../../../llb/src/index.js";

export const PacketType = { STAT: 0, REQ: 1, DATA: 2, FIN: 3, ERR: 4 } as const;

export interface Stat {
  path: string;
  mode: number;
  uid?: number;
  gid?: number;
  size?: bigint;
  modTime?: bigint;
  linkname?: string;
  devmajor?: bigint;
  devminor?: bigint;
}

export interface Packet {
  type: number;
  stat?: Stat;
  id?: number;
  data?: Uint8Array;
}

function encodeStat(w: ProtoWriter, s: Stat): void {
  w.string(1, s.path);
  w.int(2, s.mode);
  w.int(3, s.uid);
  w.int(4, s.gid);
  w.int64(5, s.size);
  w.int64(6, s.modTime);
  w.string(7, s.linkname);
  w.int64(8, s.devmajor);
  w.int64(9, s.devminor);
}

export function encodePacket(p: Packet): Buffer {
  // Room for the data and the fields around it up front: the data is copied in once.
  const w = new ProtoWriter((p.data?.length ?? 0) + 256);
  w.int(1, p.type);
  // A present stat is sent even when empty; the end of the stats is a packet without one.
  const stat = p.stat;
  if (stat) w.message(2, (sw) => encodeStat(sw, stat));
  w.int(3, p.id);
  w.bytes(4, p.data);
  const bytes = w.finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

class Reader {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}
  get done(): boolean {
    return this.pos >= this.buf.length;
  }
  varint(): bigint {
    let result = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (this.pos >= this.buf.length || shift > 63n) throw new Error("malformed varint in a filesync packet");
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
    }
  }
  bytes(): Uint8Array {
    const n = Number(this.varint());
    if (this.pos + n > this.buf.length) throw new Error("truncated filesync packet");
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 2) this.bytes();
    else if (wire === 1) this.pos += 8;
    else if (wire === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wire} in a filesync packet`);
  }
}

const text = (b: Uint8Array) => Buffer.from(b).toString("utf8");

function decodeStat(buf: Uint8Array): Stat {
  const r = new Reader(buf);
  const s: Stat = { path: "", mode: 0 };
  while (!r.done) {
    const key = Number(r.varint());
    const field = key >> 3;
    const wire = key & 7;
    if (field === 1 && wire === 2) s.path = text(r.bytes());
    else if (field === 2 && wire === 0) s.mode = Number(BigInt.asUintN(32, r.varint()));
    else if (field === 3 && wire === 0) s.uid = Number(BigInt.asUintN(32, r.varint()));
    else if (field === 4 && wire === 0) s.gid = Number(BigInt.asUintN(32, r.varint()));
    else if (field === 5 && wire === 0) s.size = BigInt.asIntN(64, r.varint());
    else if (field === 6 && wire === 0) s.modTime = BigInt.asIntN(64, r.varint());
    else if (field === 7 && wire === 2) s.linkname = text(r.bytes());
    else if (field === 8 && wire === 0) s.devmajor = BigInt.asIntN(64, r.varint());
    else if (field === 9 && wire === 0) s.devminor = BigInt.asIntN(64, r.varint());
    else r.skip(wire);
  }
  return s;
}

export function decodePacket(buf: Uint8Array): Packet {
  const r = new Reader(buf);
  const p: Packet = { type: 0 };
  while (!r.done) {
    const key = Number(r.varint());
    const field = key >> 3;
    const wire = key & 7;
    if (field === 1 && wire === 0) p.type = Number(r.varint());
    else if (field === 2 && wire === 2) p.stat = decodeStat(r.bytes());
    else if (field === 3 && wire === 0) p.id = Number(BigInt.asUintN(32, r.varint()));
    else if (field === 4 && wire === 2) p.data = r.bytes();
    else r.skip(wire);
  }
  return p;
}
