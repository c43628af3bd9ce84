/** The gRPC services a client hosts on its session: health, registry auth, secrets, filesync. */
import { createWriteStream } from "node:fs";
import { once } from "node:events";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type * as grpc from "@grpc/grpc-js";
import type { RegistryAuth } from "../auth/provider.js";
import type { SecretStore } from "../secrets.js";
import { codec } from "../proto.js";
import { decodeBytesMessage } from "../bytes-message.js";
import { makeFilter } from "../filesync/filter.js";
import { parseDockerignore } from "../../../common/src/context/dockerignore.js";
import { sendFiles, type PacketConn } from "../filesync/sender.js";
import { walk } from "../filesync/walk.js";
import { decodePacket, encodePacket, type Packet } from "../filesync/wire.js";
import { Status } from "../../../common/src/wire/grpc-status.js";

export interface Registration {
  path: string;
  type: "unary" | "bidi";
  handler: grpc.handleUnaryCall<any, any> | grpc.handleBidiStreamingCall<any, any>;
  serialize: (value: any) => Buffer;
  deserialize: (bytes: Buffer) => any;
}

/** A directory the daemon may read as a local source of this name. */
export interface LocalDir {
  name: string;
  dir: string;
  /** Apply the directory's own .dockerignore on top of what the daemon asks for. */
  dockerignore?: boolean;
}

type ServiceError = Partial<grpc.StatusObject>;

const err = (code: number, details: string): ServiceError => ({ code, details });

function unary(name: string, request: string, response: string, fn: (req: any, call: grpc.ServerUnaryCall<any, any>) => Promise<any>): Registration {
  const req = codec(request);
  const res = codec(response);
  return {
    path: name,
    type: "unary",
    serialize: res.encode,
    deserialize: req.decode,
    handler: (call: grpc.ServerUnaryCall<any, any>, callback: grpc.sendUnaryData<any>) => {
      fn(call.request, call).then(
        (value) => callback(null, value),
        (e: ServiceError & Error) => callback(e.code !== undefined ? e : err(Status.UNKNOWN, e.message)),
      );
    },
  };
}

export function healthService(): Registration[] {
  return [unary("/grpc.health.v1.Health/Check", "grpc.health.v1.HealthCheckRequest", "grpc.health.v1.HealthCheckResponse", async () => ({ status: 1 }))];
}

/**
 * Only Credentials: the daemon then fetches tokens itself. FetchToken and the token authority
 * stay unregistered, which the daemon reads (UNIMPLEMENTED) as "ask for credentials".
 */
export function authService(auth: RegistryAuth): Registration[] {
  return [
    unary("/moby.filesync.v1.Auth/Credentials", "moby.filesync.v1.CredentialsRequest", "moby.filesync.v1.CredentialsResponse", async (req) => {
      const host = String(req.Host ?? "");
      let c;
      try {
        c = await auth.credentials(host);
      } catch (e) {
        throw err(Status.UNAVAILABLE, `registry credentials for ${host}: ${(e as Error).message}`);
      }
      return c ? { Username: c.username, Secret: c.secret } : {};
    }),
  ];
}

export function secretsService(store: SecretStore): Registration[] {
  return [
    unary("/moby.buildkit.secrets.v1.Secrets/GetSecret", "moby.buildkit.secrets.v1.GetSecretRequest", "moby.buildkit.secrets.v1.GetSecretResponse", async (req) => {
      const id = String(req.ID ?? "");
      let data;
      try {
        data = await store(id);
      } catch (e) {
        throw err(Status.UNKNOWN, `secret ${id}: ${(e as Error).message}`);
      }
      if (!data) throw err(Status.NOT_FOUND, `secret ${id} not found`);
      return { data };
    }),
  ];
}

/**
 * Values of a metadata key, url-decoded when the daemon marked them `<key>-encoded`. The daemon
 * sends one header field per value, but node:http2 joins repeated fields with ", ", so they are
 * split there again (a pattern that itself holds ", " cannot be told apart).
 */
export function metadataValues(md: grpc.Metadata, key: string): string[] {
  const values = md.get(key).flatMap((v) => String(v).split(", "));
  if (md.get(`${key}-encoded`).length === 0) return values;
  return values.map((v) => decodeURIComponent(v.replace(/\+/g, " ")));
}

function packetConn(call: grpc.ServerDuplexStream<Packet, Packet>): PacketConn {
  let cancelled = false;
  // A cancelled call never drains nor ends: destroying it ends the waits below and the reads.
  call.once("cancelled", () => {
    cancelled = true;
    call.destroy();
  });
  return {
    send: (p) =>
      new Promise((resolve, reject) => {
        if (cancelled || call.destroyed) return reject(new Error("the transfer was cancelled"));
        if (call.write(p)) return resolve();
        const onDrain = () => (call.off("close", onClose), resolve());
        const onClose = () => (call.off("drain", onDrain), reject(new Error("the transfer was cancelled")));
        call.once("drain", onDrain);
        call.once("close", onClose);
      }),
    // Iterating must not destroy the call: its status is still to be sent.
    incoming: call.iterator({ destroyOnReturn: false }) as AsyncIterable<Packet>,
  };
}

async function dockerignoreOf(dir: string): Promise<string[]> {
  try {
    return parseDockerignore(await readFile(join(dir, ".dockerignore"), "utf8"));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
}

export function fileSyncService(dirs: readonly LocalDir[]): Registration[] {
  const byName = new Map(dirs.map((d) => [d.name, d]));
  return [
    {
      path: "/moby.filesync.v1.FileSync/DiffCopy",
      type: "bidi",
      serialize: encodePacket,
      deserialize: decodePacket,
      handler: (call: grpc.ServerDuplexStream<Packet, Packet>) => {
        const md = call.metadata;
        const name = metadataValues(md, "dir-name")[0] ?? "";
        const local = byName.get(name);
        if (!local) {
          call.emit("error", err(Status.NOT_FOUND, `no access allowed to dir ${JSON.stringify(name)}`));
          return;
        }
        const run = async () => {
          // The .dockerignore itself is always sent: the frontend reads it to know the excludes.
          const ignore = local.dockerignore ? [...(await dockerignoreOf(local.dir)), "!.dockerignore"] : [];
          const filter = await makeFilter(
            local.dir,
            {
              includePatterns: metadataValues(md, "include-patterns"),
              excludePatterns: metadataValues(md, "exclude-patterns"),
              followPaths: metadataValues(md, "followpaths"),
            },
            [ignore],
          );
          await sendFiles(walk(local.dir, filter), packetConn(call));
        };
        run().then(
          () => call.end(),
          (e: Error) => call.emit("error", err(Status.UNKNOWN, `sending ${name} (${local.dir}): ${e.message}`)),
        );
      },
    },
  ];
}

/** Files the `tar`/`oci`/`docker` exporters write to, by exporter index. */
export function fileSendService(outputs: ReadonlyMap<number, string>): Registration[] {
  return [
    {
      path: "/moby.filesync.v1.FileSend/DiffCopy",
      type: "bidi",
      serialize: (b: Buffer) => b,
      deserialize: decodeBytesMessage,
      handler: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
        const index = Number(call.metadata.get("buildkit-attachable-exporter-id")[0] ?? 0);
        const file = outputs.get(index);
        if (file === undefined) {
          call.emit("error", err(Status.NOT_FOUND, `no output file for exporter ${index}`));
          return;
        }
        const run = async () => {
          const out = createWriteStream(file);
          for await (const chunk of call.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) if (!out.write(chunk)) await once(out, "drain");
          out.end();
          await once(out, "close");
        };
        run().then(
          () => call.end(),
          (e: Error) => call.emit("error", err(Status.UNKNOWN, `writing ${file}: ${e.message}`)),
        );
      },
    },
  ];
}
