/**
 * The key and length that open a length-delimited field, for a body that is already encoded:
 * the body is sent after it as it is, never copied into a writer (Definitions can be MBs).
 * The varint is the LLB library's, the one protobuf writer of this repository.
 */
import { ProtoWriter } from "../../../llb/src/index.js";

const LENGTH_DELIMITED = 2;

export function lengthDelimitedHeader(field: number, length: number): Uint8Array {
  const w = new ProtoWriter(16);
  w.varint((field << 3) | LENGTH_DELIMITED);
  w.varint(length);
  return w.finish();
}
