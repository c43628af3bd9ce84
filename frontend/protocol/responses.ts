/**
 * The two responses on every build's start-up path, decoded by hand for the fields we read.
 * protobufjs would first generate every codec of every type they hold (worker records, GC
 * policies; the solved ref's whole LLB Definition, which BuildKit sends back and can be MBs):
 * 13–20 ms each on the critical path of each build, for fields we skip.
 */
import protobuf from "protobufjs";

/** One capability as BuildKit reports it (moby.buildkit.v1.apicaps.APICap). */
export interface ApiCap {
  ID: string;
  Enabled: boolean;
  DisabledReason?: string;
  DisabledReasonMsg?: string;
}

export interface Pong {
  FrontendAPICaps: ApiCap[];
  LLBCaps: ApiCap[];
}

function decodeCap(reader: protobuf.Reader, end: number): ApiCap {
  const cap: ApiCap = { ID: "", Enabled: false };
  while (reader.pos < end) {
    const tag = reader.uint32();
    switch (tag >>> 3) {
      case 1:
        cap.ID = reader.string();
        break;
      case 2:
        cap.Enabled = reader.bool();
        break;
      case 4:
        cap.DisabledReason = reader.string();
        break;
      case 5:
        cap.DisabledReasonMsg = reader.string();
        break;
      default:
        reader.skipType(tag & 7);
    }
  }
  return cap;
}

export function decodePong(bytes: Uint8Array): Pong {
  const reader = protobuf.Reader.create(bytes);
  const pong: Pong = { FrontendAPICaps: [], LLBCaps: [] };
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const field = tag >>> 3;
    if ((field === 1 || field === 2) && (tag & 7) === 2) {
      const end = reader.uint32() + reader.pos;
      (field === 1 ? pong.FrontendAPICaps : pong.LLBCaps).push(decodeCap(reader, end));
    } else {
      reader.skipType(tag & 7);
    }
  }
  return pong;
}

/** What a Solve answers that we use: the result's single ref (BuildKit also sends its Definition). */
export interface SolveAnswer {
  result?: { ref?: { id?: string } };
}

/** Reads a length-delimited sub-message's fields with `onField`, skipping the rest. */
function readMessage(reader: protobuf.Reader, end: number, onField: (field: number, wireType: number) => boolean): void {
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (!onField(tag >>> 3, tag & 7)) reader.skipType(tag & 7);
  }
}

export function decodeSolveResponse(bytes: Uint8Array): SolveAnswer {
  const reader = protobuf.Reader.create(bytes);
  const answer: SolveAnswer = {};
  readMessage(reader, reader.len, (field, wire) => {
    if (field !== 3 || wire !== 2) return false; // SolveResponse.result
    const resultEnd = reader.uint32() + reader.pos;
    const result: NonNullable<SolveAnswer["result"]> = {};
    answer.result = result;
    readMessage(reader, resultEnd, (f, w) => {
      if (f !== 3 || w !== 2) return false; // Result.ref
      const refEnd = reader.uint32() + reader.pos;
      const ref: { id?: string } = {};
      result.ref = ref;
      readMessage(reader, refEnd, (rf, rw) => {
        if (rf !== 1 || rw !== 2) return false; // Ref.id
        ref.id = reader.string();
        return true;
      });
      return true;
    });
    return true;
  });
  return answer;
}
