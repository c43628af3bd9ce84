/** A typed client for BuildKit's LLBBridge service over @grpc/grpc-js. */
import * as grpc from "@grpc/grpc-js";
import type { PbDefinition } from "../../llb/src/wire.js";
import { encodeDefinition } from "../../llb/src/wire.js";
import { GrpcError } from "../../common/src/wire/grpc-status.js";
import { lengthDelimitedHeader } from "../../common/src/wire/length-delimited.js";
import { MAX_MESSAGE_BYTES } from "../../common/src/wire/limits.js";
import { codec } from "../common/messages.js";
import { decodePong, decodeSolveResponse } from "./responses.js";

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
  return Buffer.concat([message, lengthDelimitedHeader(field, defBytes.length), defBytes]);
}

/**
 * A gRPC status error from the daemon on the LLBBridge. Only its name is its own: main.ts tells
 * the errors meant for the user by name, and this one is.
 */
export class BridgeError extends GrpcError {
  override name = "BridgeError";
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
      const req = codec(`moby.buildkit.v1.frontend.${spec.request}`);
      const res = codec(`moby.buildkit.v1.frontend.${spec.response}`);
      this.methods[name] = {
        path: SERVICE + name,
        serialize: (value: Obj) => {
          const { __definition, __definitionField, ...rest } = value;
          const bytes = req.encode(rest);
          return __definition ? appendDefinition(bytes, __definitionField, __definition) : bytes;
        },
        deserialize: "decode" in spec ? spec.decode : res.decode,
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
          reject(new BridgeError(err.code, err.details || err.message, method, Buffer.isBuffer(details) ? details : undefined));
        } else resolve(value ?? {});
      });
    });
  }
}
