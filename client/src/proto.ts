/** Protobuf messages of the client's API (proto/buildkit/control.proto and the session services). */
import descriptor from "virtual:client-proto-descriptor";
import { CodecRegistry } from "../../common/src/wire/codec.js";

export const { messageType, codec } = new CodecRegistry(descriptor);
