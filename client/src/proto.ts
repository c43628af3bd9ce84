/** Protobuf message types of the client's API (proto/buildkit/control.proto and the session services). */
import protobuf from "protobufjs";
import descriptor from "virtual:client-proto-descriptor";

const root = protobuf.Root.fromJSON(descriptor);

export function messageType(name: string): protobuf.Type {
  return root.lookupType(name);
}

/** int64 as strings (nanosecond times and sizes exceed 2^53), enums as numbers, bytes as Buffers. */
export const TO_OBJECT: protobuf.IConversionOptions = { longs: String, enums: Number, bytes: Buffer, defaults: false };

export interface Codec<T = Record<string, any>> {
  encode(value: T): Buffer;
  decode(bytes: Buffer): T;
}

export function codec<T = Record<string, any>>(name: string): Codec<T> {
  const type = messageType(name);
  return {
    encode: (value) => {
      const message = type.fromObject(value as Record<string, any>);
      return Buffer.from(type.encode(message).finish());
    },
    decode: (bytes) => type.toObject(type.decode(bytes), TO_OBJECT) as T,
  };
}
