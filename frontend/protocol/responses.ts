/**
 * The two responses on every build's start-up path, decoded by hand for the fields we read.
 * protobufjs would first generate every codec of every type they hold (worker records, GC
 * policies; the solved ref's whole LLB Definition, which BuildKit sends back and can be MBs):
 * 13–20 ms each on the critical path of each build, for fields we skip.
 */
import protobuf from "protobufjs";
import type { ApiCap } from "../../llb/src/caps.js";

/** The caps of a PongResponse (its field names), as the LLB library's ApiCap. */
export interface Pong {
  FrontendAPICaps: ApiCap[];
  LLBCaps: ApiCap[];
}

/** Calls `onField` for each field before `end`; the fields it does not take (false) are skipped. */
function readFields(reader: protobuf.Reader, end: number, onField: (field: number, wireType: number) => boolean): void {
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (!onField(tag >>> 3, tag & 7)) reader.skipType(tag & 7);
  }
}

/** Reads a length-delimited field's length; returns where its body ends. */
function bodyEnd(reader: protobuf.Reader): number {
  return reader.uint32() + reader.pos;
}

const VARINT = 0;
const LENGTH_DELIMITED = 2;

function decodeCap(reader: protobuf.Reader, end: number): ApiCap {
  const cap: ApiCap = { id: "", enabled: false };
  readFields(reader, end, (field, wire) => {
    if (field === 1 && wire === LENGTH_DELIMITED) cap.id = reader.string();
    else if (field === 2 && wire === VARINT) cap.enabled = reader.bool();
    else if (field === 4 && wire === LENGTH_DELIMITED) cap.disabledReason = reader.string();
    else if (field === 5 && wire === LENGTH_DELIMITED) cap.disabledReasonMsg = reader.string();
    else return false;
    return true;
  });
  return cap;
}

export function decodePong(bytes: Uint8Array): Pong {
  const reader = protobuf.Reader.create(bytes);
  const pong: Pong = { FrontendAPICaps: [], LLBCaps: [] };
  readFields(reader, reader.len, (field, wire) => {
    if ((field !== 1 && field !== 2) || wire !== LENGTH_DELIMITED) return false;
    (field === 1 ? pong.FrontendAPICaps : pong.LLBCaps).push(decodeCap(reader, bodyEnd(reader)));
    return true;
  });
  return pong;
}

/** What a Solve answers that we use: the result's single ref (BuildKit also sends its Definition). */
export interface SolveAnswer {
  result?: { ref?: { id?: string } };
}

export function decodeSolveResponse(bytes: Uint8Array): SolveAnswer {
  const reader = protobuf.Reader.create(bytes);
  const answer: SolveAnswer = {};
  readFields(reader, reader.len, (field, wire) => {
    if (field !== 3 || wire !== LENGTH_DELIMITED) return false; // SolveResponse.result
    const result: NonNullable<SolveAnswer["result"]> = {};
    answer.result = result;
    readFields(reader, bodyEnd(reader), (f, w) => {
      if (f !== 3 || w !== LENGTH_DELIMITED) return false; // Result.ref
      const ref: { id?: string } = {};
      result.ref = ref;
      readFields(reader, bodyEnd(reader), (rf, rw) => {
        if (rf !== 1 || rw !== LENGTH_DELIMITED) return false; // Ref.id
        ref.id = reader.string();
        return true;
      });
      return true;
    });
    return true;
  });
  return answer;
}
