/** Protobuf messages of the gateway API and the Flyte spec, from the inlined descriptor. */
import descriptor from "virtual:proto-descriptor";
import { CodecRegistry, type Codec } from "../../common/src/wire/codec.js";

const messages = new CodecRegistry(descriptor);

export function messageType(name: string) {
  return messages.messageType(name);
}

export function codec<T = Record<string, any>>(name: string): Codec<T> {
  return messages.codec<T>(name);
}
