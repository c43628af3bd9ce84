/**
 * A BuildKit session: a gRPC server we host, reached by the daemon over one connection we hand
 * it (a Control.Session stream or the engine's upgraded `/session`), on which the daemon is the
 * HTTP/2 client.
 */
import { randomBytes } from "node:crypto";
import type { Duplex } from "node:stream";
import * as grpc from "@grpc/grpc-js";
import { MAX_MESSAGE_BYTES } from "../../../common/src/wire/limits.js";
import type { RegistryAuth } from "../auth/provider.js";
import type { SecretStore } from "../secrets.js";
import { authService, fileSendService, fileSyncService, healthService, secretsService, type LocalDir, type Registration } from "./services.js";

export interface SessionOptions {
  dirs?: readonly LocalDir[];
  auth?: RegistryAuth;
  secrets?: SecretStore;
  /** Exporter index → file, for exporters that send their archive to the client. */
  outputs?: ReadonlyMap<number, string>;
  /** Makes repeated transfers of the same directories incremental on the daemon. */
  sharedKey?: string;
}

/** 25 lowercase base-36 characters, as BuildKit's identity.NewID (never a `:`). */
export function newId(): string {
  let id = "";
  for (const b of randomBytes(25)) id += (b % 36).toString(36);
  return id;
}

export class Session {
  readonly id = newId();
  readonly sharedKey: string;
  readonly methods: string[];
  private readonly server: grpc.Server;
  private readonly injector: ReturnType<grpc.Server["createConnectionInjector"]>;

  constructor(o: SessionOptions = {}) {
    this.sharedKey = o.sharedKey ?? "";
    const registrations: Registration[] = [
      ...healthService(),
      ...(o.auth ? authService(o.auth) : []),
      ...(o.secrets ? secretsService(o.secrets) : []),
      ...(o.dirs?.length ? fileSyncService(o.dirs) : []),
      ...(o.outputs?.size ? fileSendService(o.outputs) : []),
    ];
    this.methods = registrations.map((r) => r.path);
    this.server = new grpc.Server({ "grpc.max_receive_message_length": MAX_MESSAGE_BYTES, "grpc.max_send_message_length": MAX_MESSAGE_BYTES });
    for (const r of registrations) this.server.register(r.path, r.handler as Parameters<grpc.Server["register"]>[1], r.serialize, r.deserialize, r.type);
    this.injector = this.server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  }

  /** The daemon's end of a connection to serve. */
  serve(connection: Duplex): void {
    this.injector.injectConnection(connection);
  }

  /** The headers that announce the session (one Grpc-Method entry per method). */
  headers(): Record<string, string | string[]> {
    return {
      "X-Docker-Expose-Session-Uuid": this.id,
      "X-Docker-Expose-Session-Name": "imagespec-build",
      "X-Docker-Expose-Session-Sharedkey": this.sharedKey,
      "X-Docker-Expose-Session-Grpc-Method": this.methods,
    };
  }

  close(): void {
    this.injector.destroy();
    this.server.forceShutdown();
  }
}
