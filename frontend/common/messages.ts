/** Protobuf messages of the gateway API and the Flyte spec, from the inlined descriptor. */
import descriptor from "virtual:proto-descriptor";
import { CodecRegistry } from "../../common/src/wire/codec.js";

export const { messageType, codec } = new CodecRegistry(descriptor);
