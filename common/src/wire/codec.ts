/**
 * Protobuf messages by name, from a protobufjs JSON descriptor. The frontend and the client each
 * build one registry from the descriptor their bundle inlines (scripts/proto-descriptor.mjs), so
 * each start-up parses only the .proto files it uses; the conversion rules are the same for both.
 */
import protobuf from "protobufjs";

/**
 * How a decoded message becomes a plain object: int64 as decimal strings (nanosecond times and
 * byte counts can exceed 2^53; readers that want a number convert), enums as numbers (what
 * encoding accepts back), bytes as Buffers, fields that are absent stay absent.
 */
export const TO_OBJECT: protobuf.IConversionOptions = { longs: String, enums: Number, bytes: Buffer, defaults: false };

export interface Codec<T = Record<string, any>> {
  encode(value: T): Buffer;
  decode(bytes: Uint8Array): T;
}

/** Its lookups are bound functions, so that a module can export them as they are. */
export class CodecRegistry {
  private readonly root: protobuf.Root;
  private readonly codecs = new Map<string, Codec>();

  constructor(descriptor: protobuf.INamespace) {
    this.root = protobuf.Root.fromJSON(descriptor);
  }

  readonly messageType = (name: string): protobuf.Type => this.root.lookupType(name);

  readonly codec = <T = Record<string, any>>(name: string): Codec<T> => {
    let c = this.codecs.get(name);
    if (!c) {
      const type = this.messageType(name);
      c = {
        encode: (value) => {
          // Two statements on purpose: `type.encode(type.fromObject(…))` reads `encode` before
          // fromObject has generated the codecs, so protobufjs would generate them all twice.
          const message = type.fromObject(value);
          return Buffer.from(type.encode(message).finish());
        },
        decode: (bytes) => type.toObject(type.decode(bytes), TO_OBJECT),
      };
      this.codecs.set(name, c);
    }
    return c as Codec<T>;
  };
}
