/**
 * A typed, immutable builder for BuildKit LLB with a byte-exact (Go-compatible) encoder.
 * @packageDocumentation
 */
export { State, ExecState, scratch, image, local, merge, diff, type RunOptions, type RunMount } from "./state.js";
export { FileAction, resolvePath, type CopyOptions, type MkdirOptions, type MkfileOptions, type RmOptions, type SymlinkOptions, type Chown, type UserRef } from "./file.js";
export type { NetworkMode, SecurityModeName, CacheSharingMode, SecretEnv, Mount, ProxyEnv } from "./exec.js";
export type { ImageOptions, LocalOptions, ResolveMode } from "./source.js";
export { randomId } from "./source.js";
export { marshal, Definition, type MarshalOptions } from "./marshal.js";
export { SourceMap, type SourceLocation, type Position, type Range } from "./sourcemap.js";
export type { OpOptions, Output, Vertex, MarshalContext, MarshaledVertex } from "./vertex.js";
export { normalizePlatform, parsePlatform, parseLinuxPlatform, LINUX_ARCHITECTURES, formatPlatform, samePlatform, platformToOCI, LINUX_AMD64, type Platform } from "./platform.js";
export { parseImageReference, normalizeImageReference, formatImageReference, pinImageReference, type ImageReference } from "./reference.js";
export { CapSet, CapabilityError, CAP_SINCE, type ApiCap } from "./caps.js";
export { digestOf } from "./digest.js";
export { encodeOp, encodeDefinition } from "./wire.js";
export { ProtoWriter } from "./protowire.js";
export { decodeOp, decodeDefinition } from "./decode.js";
export type * from "./wire.js";
