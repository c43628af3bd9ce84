/** Protobuf message types of the gateway API and the Flyte spec, from the inlined descriptor. */
import protobuf from "protobufjs";
import descriptor from "virtual:proto-descriptor";

const root = protobuf.Root.fromJSON(descriptor);

export function messageType(name: string): protobuf.Type {
  return root.lookupType(name);
}

/** Options for turning decoded messages into plain objects: int64 as numbers, enums as names. */
export const TO_OBJECT: protobuf.IConversionOptions = { longs: Number, enums: String, bytes: Buffer, defaults: false };
