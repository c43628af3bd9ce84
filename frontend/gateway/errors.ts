/**
 * Turns any failure into the google.rpc.Status we Return: spec problems carry the spec file
 * and the ranges (BuildKit prints the lines), daemon errors are forwarded unchanged.
 */
import { messageType } from "../common/messages.js";
import { BridgeError } from "../protocol/client.js";
import { SpecError } from "../imagespec/problems.js";
import { toPbRange, type SourceRange } from "../common/positions.js";
import { UserError } from "../common/errors.js";

const GRPC_UNKNOWN = 2;
const SOURCE_DETAIL = "github.com/moby/buildkit/errdefs.Source+json";
const MAX_SOURCE_DETAILS = 20;

export interface RpcStatus {
  code: number;
  message: string;
  details: { type_url: string; value: Uint8Array }[];
}

/** The spec file that problems point into. */
export interface SpecFile {
  filename: string;
  data: Uint8Array;
  language: string;
}


/** The spec file as BuildKit's Source detail carries it (encoded once per error, shared by its problems). */
export function sourceInfo(file: SpecFile) {
  return { filename: file.filename, data: Buffer.from(file.data).toString("base64"), language: file.language };
}


function sourceDetail(info: ReturnType<typeof sourceInfo>, range: SourceRange) {
  const json = { info, ranges: [toPbRange(range)] };
  return { type_url: SOURCE_DETAIL, value: Buffer.from(JSON.stringify(json)) };
}

export function statusFromError(err: unknown, file?: SpecFile, rangeOf?: (path: string) => SourceRange | undefined): RpcStatus {
  if (err instanceof BridgeError && err.statusDetails) {
    try {
      const type = messageType("google.rpc.Status");
      const decoded = type.toObject(type.decode(err.statusDetails), { longs: Number, bytes: Buffer, defaults: true }) as RpcStatus;
      if (decoded.code !== 0) return { code: decoded.code, message: decoded.message, details: decoded.details ?? [] };
    } catch {
      // fall through to the plain message
    }
  }
  if (err instanceof BridgeError) return { code: err.code || GRPC_UNKNOWN, message: err.details, details: [] };
  if (err instanceof SpecError) {
    const info = file && sourceInfo(file);
    const details = info
      ? err.problems
          .filter((p) => p.range)
          .slice(0, MAX_SOURCE_DETAILS)
          .map((p) => sourceDetail(info, p.range!))
      : [];
    return { code: GRPC_UNKNOWN, message: err.message, details };
  }
  if (err instanceof UserError && err.at !== undefined && file && rangeOf) {
    const range = rangeOf(err.at);
    return { code: GRPC_UNKNOWN, message: err.message, details: range ? [sourceDetail(sourceInfo(file), range)] : [] };
  }
  const message = err instanceof Error ? err.message || err.name : String(err);
  return { code: GRPC_UNKNOWN, message: message || "unknown error", details: [] };
}
