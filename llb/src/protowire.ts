/**
 * A minimal protobuf binary writer that emits exactly the bytes Go's deterministic marshaller
 * produces, provided callers write fields in Go's order. Zero scalars are skipped by the
 * field helpers (proto3 implicit presence); sub-messages are always written when given.
 */

const NEG_ONE_VARINT = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);

const enum WireType {
  Varint = 0,
  LengthDelimited = 2,
}

/** Lists shorter than this are cheaper to encode than to look up. */
const SHARED_MIN = 8;
const encodedLists = new WeakMap<readonly string[], { field: number; bytes: Uint8Array }>();
const sharedPrefixes = new WeakMap<readonly string[], readonly string[]>();

/**
 * Says that `list` starts with all of `prefix` (an env with variables appended), so that
 * {@link ProtoWriter.sharedStrings} writes the prefix's cached encoding and only the rest anew.
 * Neither list may change afterwards.
 */
export function noteSharedPrefix(list: readonly string[], prefix: readonly string[]): void {
  sharedPrefixes.set(list, prefix);
}

/**
 * Growable byte buffer with protobuf field helpers. Length-delimited values are written in
 * place: one byte is reserved for the length and the body is shifted only in the rare case
 * that it needs a longer length prefix, so nested messages cost no extra allocations.
 *
 * The writer only appends: a finished value can be handed out as a view of the buffer
 * ({@link viewFrom}) instead of a copy, and many small values share one buffer.
 */
export class ProtoWriter {
  private buf!: Uint8Array;
  /** The same memory as `buf`, for Node's native UTF-8 writes (no view per string). */
  private text!: Buffer;
  private pos = 0;

  constructor(initialSize = 256) {
    this.use(new Uint8Array(initialSize));
  }

  private use(buf: Uint8Array): void {
    this.buf = buf;
    this.text = Buffer.from(buf.buffer, buf.byteOffset, buf.length);
  }

  private ensure(extra: number): void {
    if (this.pos + extra > this.buf.length) this.grow(extra);
  }

  /** Moves to a buffer twice as large; offsets already handed out (by {@link begin} or {@link open}) stay valid. */
  private grow(extra: number): void {
    let size = this.buf.length * 2;
    while (size < this.pos + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.use(next);
  }

  /**
   * Starts a value that will be taken with {@link viewFrom}; moves to a fresh buffer of
   * `bufferSize` bytes first when fewer than `reserve` are left (earlier views keep the old one).
   */
  open(reserve: number, bufferSize: number): number {
    if (this.pos + reserve > this.buf.length) {
      this.use(new Uint8Array(Math.max(bufferSize, reserve)));
      this.pos = 0;
    }
    return this.pos;
  }

  /** The bytes written since `start` (from {@link open}), as a view the writer never writes into again. */
  viewFrom(start: number): Uint8Array {
    return this.buf.subarray(start, this.pos);
  }

  /** Writes an unsigned varint for a non-negative safe integer, or a 10-byte varint for a negative one. */
  varint(value: number): void {
    this.ensure(10);
    const buf = this.buf;
    let pos = this.pos;
    if (value >= 0 && value <= 0x7fffffff) {
      while (value > 0x7f) {
        buf[pos++] = (value & 0x7f) | 0x80;
        value >>>= 7;
      }
      buf[pos++] = value;
      this.pos = pos;
      return;
    }
    if (value < 0) {
      this.negativeVarint(value);
      return;
    }
    while (value > 0x7f) {
      buf[pos++] = (value % 0x80) | 0x80;
      value = Math.floor(value / 0x80);
    }
    buf[pos++] = value;
    this.pos = pos;
  }

  private negativeVarint(value: number): void {
    if (value === -1) {
      this.raw(NEG_ONE_VARINT);
      return;
    }
    this.varint64(BigInt(value));
  }

  /** Writes a varint for any 64-bit integer: negative ones as Go writes them, in 10 bytes. */
  varint64(value: bigint): void {
    this.ensure(10);
    let v = BigInt.asUintN(64, value);
    while (v > 0x7fn) {
      this.buf[this.pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.pos++] = Number(v);
  }

  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  private tag(field: number, wireType: WireType): void {
    const key = (field << 3) | wireType;
    if (key < 0x80) {
      this.ensure(1);
      this.buf[this.pos++] = key;
    } else {
      this.varint(key);
    }
  }

  /**
   * Starts a sub-message (or other length-delimited value); returns where its body begins,
   * to pass to {@link end}.
   */
  begin(field: number): number {
    this.tag(field, WireType.LengthDelimited);
    this.ensure(1);
    return ++this.pos; // one byte reserved for the length
  }

  /** Ends a value started with {@link begin}: writes its length, shifting the body if the length needs more bytes. */
  end(start: number): void {
    const len = this.pos - start;
    if (len < 0x80) {
      this.buf[start - 1] = len;
      return;
    }
    let extra = 0;
    for (let v = len; v >= 0x80; v >>>= 7) extra++;
    this.ensure(extra);
    this.buf.copyWithin(start + extra, start, this.pos);
    let at = start - 1;
    let v = len;
    while (v >= 0x80) {
      this.buf[at++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[at] = v;
    this.pos += extra;
  }

  /** int32/int64/uint32/enum field; omitted when 0. */
  int(field: number, value: number | undefined): void {
    if (!value) return;
    this.tag(field, WireType.Varint);
    this.varint(value);
  }

  /** int64/uint64 field held as a bigint (nanosecond times, sizes past 2^53); omitted when 0. */
  int64(field: number, value: bigint | undefined): void {
    if (!value) return;
    this.tag(field, WireType.Varint);
    this.varint64(value);
  }

  /** An integer written even when 0 (a oneof member, or a map value). */
  intAlways(field: number, value: number): void {
    this.tag(field, WireType.Varint);
    this.varint(value);
  }

  bool(field: number, value: boolean | undefined): void {
    if (!value) return;
    this.tag(field, WireType.Varint);
    this.varint(1);
  }

  /** A bool map value or similar that must be written even when false. */
  boolAlways(field: number, value: boolean): void {
    this.tag(field, WireType.Varint);
    this.varint(value ? 1 : 0);
  }

  string(field: number, value: string | undefined): void {
    if (!value) return;
    this.stringAlways(field, value);
  }

  stringAlways(field: number, value: string): void {
    const n = value.length;
    this.tag(field, WireType.LengthDelimited);
    this.ensure(n * 3 + 5);
    const buf = this.buf;
    // Short ASCII strings (most names and paths) are copied by hand: their length is known up
    // front, and the native encoder's call costs more than the loop below ~32 characters.
    if (n <= 32) {
      const at = this.pos + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = value.charCodeAt(i);
        if (c >= 0x80) break;
        buf[at + i] = c;
      }
      if (i === n) {
        buf[this.pos] = n;
        this.pos = at + n;
        return;
      }
    }
    const start = ++this.pos;
    this.pos += this.text.write(value, start);
    this.end(start);
  }

  bytes(field: number, value: Uint8Array | undefined): void {
    if (!value || value.length === 0) return;
    this.bytesAlways(field, value);
  }

  bytesAlways(field: number, value: Uint8Array): void {
    this.tag(field, WireType.LengthDelimited);
    this.varint(value.length);
    this.raw(value);
  }

  /** A sub-message, written even when it encodes to zero bytes (Go writes present messages). */
  message(field: number, encode: (w: ProtoWriter) => void): void {
    const start = this.begin(field);
    encode(this);
    this.end(start);
  }

  /** Packed repeated int32/int64. */
  packedInts(field: number, values: readonly number[] | undefined): void {
    if (!values || values.length === 0) return;
    const start = this.begin(field);
    for (const v of values) this.varint(v);
    this.end(start);
  }

  repeatedStrings(field: number, values: readonly string[] | undefined): void {
    if (!values) return;
    for (const v of values) this.stringAlways(field, v);
  }

  /**
   * repeatedStrings for a list many messages share (an env): encoded once per list and field,
   * then copied. The list must not change afterwards.
   */
  sharedStrings(field: number, values: readonly string[] | undefined): void {
    if (!values || values.length < SHARED_MIN) {
      this.repeatedStrings(field, values);
      return;
    }
    const cached = encodedLists.get(values);
    if (cached?.field === field) {
      this.raw(cached.bytes);
      return;
    }
    const prefix = sharedPrefixes.get(values);
    if (prefix) {
      this.sharedStrings(field, prefix);
      for (let i = prefix.length; i < values.length; i++) this.stringAlways(field, values[i]!);
      return;
    }
    const start = this.pos;
    this.repeatedStrings(field, values);
    encodedLists.set(values, { field, bytes: this.buf.slice(start, this.pos) });
  }

  /** map<string, string> sorted by key, both key and value always written. */
  stringMap(field: number, map: Readonly<Record<string, string>> | undefined): void {
    if (!map) return;
    for (const key of sortedKeys(map)) {
      const start = this.begin(field);
      this.stringAlways(1, key);
      this.stringAlways(2, map[key]!);
      this.end(start);
    }
  }

  /** Everything written, as a view (the writer must not be used afterwards). */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

/** Buffer size for op encodings: thousands of ops share a few buffers instead of owning one each. */
const SLAB_SIZE = 256 * 1024;
/** A new op starts in a fresh slab when less than this is left (larger ops grow it). */
const SLAB_RESERVE = 16 * 1024;

let shared: ProtoWriter | undefined;
let sharedInUse = false;

/**
 * Runs `encode` with a shared, append-only writer and returns the bytes as a view of its
 * buffer: encoding an op allocates only that view.
 */
export function encodeWith(encode: (w: ProtoWriter) => void): Uint8Array {
  if (sharedInUse) {
    const w = new ProtoWriter();
    encode(w);
    return w.finish();
  }
  const w = (shared ??= new ProtoWriter(SLAB_SIZE));
  sharedInUse = true;
  try {
    const start = w.open(SLAB_RESERVE, SLAB_SIZE);
    encode(w);
    return w.viewFrom(start);
  } finally {
    sharedInUse = false;
  }
}

/** Keys in Go's map order for strings: byte-wise, which equals code-point order for UTF-8. */
export function sortedKeys(map: object): string[] {
  return sortInGoOrder(Object.keys(map));
}

/** Sorts strings in place in Go's order (byte-wise UTF-8) and returns them. */
export function sortInGoOrder(keys: string[]): string[] {
  if (keys.length < 2) return keys;
  // Native sort orders by UTF-16 code units, which matches UTF-8 byte order unless a key holds
  // a surrogate pair; only then is the slower exact comparison needed.
  keys.sort();
  if (keys.some((k) => /[\ud800-\udfff]/.test(k))) keys.sort(compareStrings);
  return keys;
}

export function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca !== cb) return utf8Rank(ca) - utf8Rank(cb);
  }
  return a.length - b.length;
}

// UTF-16 code units order like UTF-8 bytes except that surrogates (code points >= U+10000)
// must sort after U+E000..U+FFFF.
function utf8Rank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}
