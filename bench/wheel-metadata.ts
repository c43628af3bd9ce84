/**
 * Reads a wheel's core metadata (`<name>-<version>.dist-info/METADATA`) straight from the zip:
 * the end-of-central-directory record, the central directory, then that one entry, so a
 * 700 MB wheel costs a few kilobytes of reading. Zip64 archives are understood.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { basename } from "node:path";
import { inflateRawSync } from "node:zlib";

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const EOCD_MAX = 22 + 0xffff;

interface Entry {
  name: string;
  method: number;
  compressedSize: number;
  localOffset: number;
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buf, done, length - done, position + done);
    if (n === 0) throw new Error(`unexpected end of file at ${position + done}`);
    done += n;
  }
  return buf;
}

/** Offset and size of the central directory, from the (zip64) end record. */
function centralDirectory(fd: number, size: number): { offset: number; size: number } {
  const tailLen = Math.min(size, EOCD_MAX);
  const tail = readAt(fd, size - tailLen, tailLen);
  let at = -1;
  for (let i = tailLen - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD) {
      at = i;
      break;
    }
  }
  if (at < 0) throw new Error("not a zip archive (no end of central directory record)");
  const cdSize = tail.readUInt32LE(at + 12);
  const cdOffset = tail.readUInt32LE(at + 16);
  if (cdSize !== 0xffffffff && cdOffset !== 0xffffffff) return { offset: cdOffset, size: cdSize };
  const locAt = at - 20;
  if (locAt < 0 || tail.readUInt32LE(locAt) !== ZIP64_LOCATOR) throw new Error("zip64 archive without its locator");
  const recOffset = Number(tail.readBigUInt64LE(locAt + 8));
  const rec = readAt(fd, recOffset, 56);
  if (rec.readUInt32LE(0) !== ZIP64_EOCD) throw new Error("zip64 end of central directory record not found");
  return { offset: Number(rec.readBigUInt64LE(48)), size: Number(rec.readBigUInt64LE(40)) };
}

/** The zip64 extra field's 64-bit values, for the header fields that hold 0xFFFFFFFF. */
function zip64Values(extra: Buffer, wanted: { compressed: boolean; offset: boolean; uncompressed: boolean }): { compressed?: number; offset?: number } {
  for (let i = 0; i + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(i);
    const len = extra.readUInt16LE(i + 2);
    if (id === 0x0001) {
      let p = i + 4;
      const out: { compressed?: number; offset?: number } = {};
      if (wanted.uncompressed) p += 8;
      if (wanted.compressed) (out.compressed = Number(extra.readBigUInt64LE(p))), (p += 8);
      if (wanted.offset) out.offset = Number(extra.readBigUInt64LE(p));
      return out;
    }
    i += 4 + len;
  }
  return {};
}

function entries(cd: Buffer): Entry[] {
  const out: Entry[] = [];
  for (let i = 0; i + 46 <= cd.length; ) {
    if (cd.readUInt32LE(i) !== CENTRAL) throw new Error(`bad central directory entry at ${i}`);
    const nameLen = cd.readUInt16LE(i + 28);
    const extraLen = cd.readUInt16LE(i + 30);
    const commentLen = cd.readUInt16LE(i + 32);
    const name = cd.toString("utf8", i + 46, i + 46 + nameLen);
    let compressedSize = cd.readUInt32LE(i + 20);
    let localOffset = cd.readUInt32LE(i + 42);
    const wanted = { uncompressed: cd.readUInt32LE(i + 24) === 0xffffffff, compressed: compressedSize === 0xffffffff, offset: localOffset === 0xffffffff };
    if (wanted.compressed || wanted.offset) {
      const z = zip64Values(cd.subarray(i + 46 + nameLen, i + 46 + nameLen + extraLen), wanted);
      compressedSize = z.compressed ?? compressedSize;
      localOffset = z.offset ?? localOffset;
    }
    out.push({ name, method: cd.readUInt16LE(i + 10), compressedSize, localOffset });
    i += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

const normalize = (s: string) => s.toLowerCase().replace(/[-_.]+/g, "_");

/** The METADATA entry of the wheel's own .dist-info (named after the wheel's name and version). */
function metadataEntry(all: Entry[], wheelFile: string): Entry {
  const found = all.filter((e) => /^[^/]+\.dist-info\/METADATA$/.test(e.name));
  if (found.length === 1) return found[0]!;
  const [name, version] = basename(wheelFile).split("-");
  const own = found.find((e) => normalize(e.name.slice(0, -".dist-info/METADATA".length)) === normalize(`${name}-${version}`));
  if (!own) throw new Error(`${wheelFile}: ${found.length ? "no .dist-info/METADATA named after the wheel" : "no .dist-info/METADATA"}`);
  return own;
}

function readEntry(fd: number, e: Entry): Buffer {
  const header = readAt(fd, e.localOffset, 30);
  if (header.readUInt32LE(0) !== LOCAL) throw new Error(`${e.name}: bad local header`);
  const dataAt = e.localOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
  const data = readAt(fd, dataAt, e.compressedSize);
  if (e.method === 0) return data;
  if (e.method === 8) return inflateRawSync(data);
  throw new Error(`${e.name}: compression method ${e.method} is not supported`);
}

export function readWheelMetadata(wheelFile: string): Buffer {
  const fd = openSync(wheelFile, "r");
  try {
    const cd = centralDirectory(fd, fstatSync(fd).size);
    return readEntry(fd, metadataEntry(entries(readAt(fd, cd.offset, cd.size)), wheelFile));
  } catch (err) {
    throw new Error(`${wheelFile}: ${(err as Error).message}`);
  } finally {
    closeSync(fd);
  }
}
