/** `BytesMessage{data=1}`, by hand: every chunk of a session and of an exported tar is one. */
import { lengthDelimitedHeader } from "../../common/src/wire/length-delimited.js";

export function encodeBytesMessage(data: Uint8Array): Buffer {
  if (data.length === 0) return Buffer.alloc(0);
  return Buffer.concat([lengthDelimitedHeader(1, data.length), data]);
}

export function decodeBytesMessage(buf: Buffer): Buffer {
  let pos = 0;
  let data: Buffer = Buffer.alloc(0);
  const varint = () => {
    let v = 0;
    for (let shift = 0; ; shift += 7) {
      if (pos >= buf.length || shift > 35) throw new Error("malformed BytesMessage");
      const b = buf[pos++]!;
      v += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) return v;
    }
  };
  while (pos < buf.length) {
    const key = varint();
    const wire = key & 7;
    if (wire === 2) {
      const n = varint();
      if (pos + n > buf.length) throw new Error("truncated BytesMessage");
      if (key >> 3 === 1) data = buf.subarray(pos, pos + n);
      pos += n;
    } else if (wire === 0) varint();
    else throw new Error(`unexpected wire type ${wire} in a BytesMessage`);
  }
  return data;
}
