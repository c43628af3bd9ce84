/** The largest gRPC message either side sends or accepts: BuildKit's own limit (16 MiB). */
export const MAX_MESSAGE_BYTES = 16 << 20;
