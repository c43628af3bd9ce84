/** Protobuf messages of the client's API (proto/buildkit/control.proto and the session services). */
import descriptor from "virtual:client-proto-descriptor";
import { CodecRegistry, type Codec } from "../../common/src/wire/codec.js";

const messages = new CodecRegistry(descriptor);

export type { Codec };

export function messageType(name: string) {
  return messages.messageType(name);
}

export function codec<T = Record<string, any>>(name: string): Codec<T> {
  return messages.codec<T>(name);
}
