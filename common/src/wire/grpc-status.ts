/** gRPC status codes and the error a failed call rejects with. */

export const Status = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

export class GrpcError extends Error {
  override name = "GrpcError";
  constructor(
    readonly code: number,
    readonly details: string,
    readonly method: string,
    /** `grpc-status-details-bin`: a google.rpc.Status with the error's details, kept for forwarding. */
    readonly statusDetails?: Buffer,
  ) {
    super(details);
  }
}

/** The `grpc-message` trailer, percent-decoded (left as sent when it is not valid percent-encoding). */
export function decodeGrpcMessage(raw: string | undefined): string {
  if (!raw) return "";
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
