/**
 * fsutil's Packet and Stat (proto/fsutil/wire.proto, stat.proto), encoded by hand: DATA packets
 * are the bulk of a transfer and int64 nanosecond times need 64 bits, which plain numbers lack.
 */

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

/** Collects protobuf fields in order; byte payloads are kept as they are, not copied. */
class Writer {
  private readonly parts: Uint8Array[] = [];
  private head: number[] = [];

  private varint(v: bigint): void {
    let x = BigInt.asUintN(64, v);
    while (x > 0x7fn) {
      this.head.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.head.push(Number(x));
  }

  int(field: number, v: bigint | number | undefined): void {
    if (v === undefined || v === 0 || v === 0n) return;
    this.varint(BigInt((field << 3) | 0));
    this.varint(BigInt(v));
  }

  bytes(field: number, b: Uint8Array | undefined, always = false): void {
    if (!b || (!b.length && !always)) return;
    this.varint(BigInt((field << 3) | 2));
    this.varint(BigInt(b.length));
    this.parts.push(Buffer.from(this.head));
    this.head = [];
    this.parts.push(b);
  }

  str(field: number, v: string | undefined): void {
    if (v) this.bytes(field, Buffer.from(v, "utf8"));
  }

  finish(): Buffer {
    this.parts.push(Buffer.from(this.head));
    this.head = [];
    return Buffer.concat(this.parts);
  }
}

function encodeStat(s: Stat): Buffer {
  const w = new Writer();
  w.str(1, s.path);
  w.int(2, s.mode);
  w.int(3, s.uid);
  w.int(4, s.gid);
  w.int(5, s.size);
  w.int(6, s.modTime);
  w.str(7, s.linkname);
  w.int(8, s.devmajor);
  w.int(9, s.devminor);
  return w.finish();
}

export function encodePacket(p: Packet): Buffer {
  const w = new Writer();
  w.int(1, p.type);
  // A present stat is sent even when empty; the end of the stats is a packet without one.
  if (p.stat) w.bytes(2, encodeStat(p.stat), true);
  w.int(3, p.id);
  w.bytes(4, p.data);
  return w.finish();
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
