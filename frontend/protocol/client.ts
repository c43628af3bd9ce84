/** A typed client for BuildKit's LLBBridge service over @grpc/grpc-js. */
import * as grpc from "@grpc/grpc-js";
import type { PbDefinition } from "../../llb/src/index.js";
import { encodeDefinition } from "../../llb/src/index.js";
import { messageType, TO_OBJECT } from "./messages.js";
import { decodePong, decodeSolveResponse } from "./responses.js";

/** BuildKit's gRPC limits for this connection (16 MiB each way). */
export const MAX_MESSAGE_BYTES = 16 << 20;

const SERVICE = "/moby.buildkit.v1.frontend.LLBBridge/";

type Obj = Record<string, any>;

interface MethodSpec {
  request: string;
  response: string;
  /** A hand-written decoder for the response, where protobufjs's generated one costs too much. */
  decode?: (bytes: Uint8Array) => Obj;
}

const METHODS = {
  Ping: { request: "PingRequest", response: "PongResponse", decode: decodePong },
  Solve: { request: "SolveRequest", response: "SolveResponse", decode: decodeSolveResponse },
  ReadFile: { request: "ReadFileRequest", response: "ReadFileResponse" },
  ReadDir: { request: "ReadDirRequest", response: "ReadDirResponse" },
  StatFile: { request: "StatFileRequest", response: "StatFileResponse" },
  ResolveImageConfig: { request: "ResolveImageConfigRequest", response: "ResolveImageConfigResponse" },
  ResolveSourceMeta: { request: "ResolveSourceMetaRequest", response: "ResolveSourceMetaResponse" },
  Evaluate: { request: "EvaluateRequest", response: "EvaluateResponse" },
  Inputs: { request: "InputsRequest", response: "InputsResponse" },
  Warn: { request: "WarnRequest", response: "WarnResponse" },
  Return: { request: "ReturnRequest", response: "ReturnResponse" },
} satisfies Record<string, MethodSpec>;

export type Method = keyof typeof METHODS;

/**
 * Appends a pre-encoded Definition as field `field` of an already encoded message. Protobuf
 * parsers merge fields in any order, so this keeps our canonical op bytes untouched.
 */
function appendDefinition(message: Uint8Array, field: number, def: PbDefinition): Buffer {
  const defBytes = encodeDefinition(def);
  const header: number[] = [(field << 3) | 2];
  let n = defBytes.length;
  while (n > 0x7f) {
    header.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  header.push(n);
  return Buffer.concat([message, Buffer.from(header), defBytes]);
}

/** A gRPC status error from the daemon, with its raw details kept for forwarding. */
export class BridgeError extends Error {
  constructor(
    readonly code: number,
    readonly details: string,
    readonly statusDetails: Buffer | undefined,
    readonly method: string,
  ) {
    super(details);
    this.name = "BridgeError";
  }
}

export class LLBBridgeClient {
  private readonly client: grpc.Client;
  /** Per method: its path and the two codecs a client uses (request out, response in). */
  private readonly methods: Record<string, { path: string; serialize: (value: Obj) => Buffer; deserialize: (bytes: Buffer) => Obj }> = {};

  constructor(target: string) {
    this.client = new grpc.Client(target, grpc.credentials.createInsecure(), {
      "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
      "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
      "grpc.max_metadata_size": MAX_MESSAGE_BYTES,
      "grpc.default_authority": "localhost",
      "grpc.client_idle_timeout_ms": 2 ** 31 - 1,
      "grpc.enable_retries": 0,
    });
    for (const [name, spec] of Object.entries(METHODS)) {
      const req = messageType(`moby.buildkit.v1.frontend.${spec.request}`);
      const res = messageType(`moby.buildkit.v1.frontend.${spec.response}`);
      this.methods[name] = {
        path: SERVICE + name,
        serialize: (value: Obj) => {
          const { __definition, __definitionField, ...rest } = value;
          // Two statements on purpose: `req.encode(req.fromObject(…))` reads `encode` before
          // fromObject has generated the codecs, so protobufjs would generate them all twice.
          const message = req.fromObject(rest);
          const bytes = req.encode(message).finish();
          return __definition ? appendDefinition(bytes, __definitionField, __definition) : Buffer.from(bytes);
        },
        deserialize:
          "decode" in spec
            ? spec.decode
            : (b: Buffer) => {
                const message = res.decode(b);
                return res.toObject(message, TO_OBJECT);
              },
      };
    }
  }

  call(method: Method, request: Obj, definition?: { field: number; def: PbDefinition }): Promise<Obj> {
    const def = this.methods[method]!;
    const payload = definition ? { ...request, __definition: definition.def, __definitionField: definition.field } : request;
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(def.path, def.serialize, def.deserialize, payload, (err, value) => {
        if (err) {
          const details = err.metadata?.get("grpc-status-details-bin")?.[0];
          reject(new BridgeError(err.code, err.details || err.message, Buffer.isBuffer(details) ? details : undefined, method));
        } else resolve(value ?? {});
      });
    });
  }
}
