/** Opens the connections of a BuildKit address: the gRPC channel, and the engine's `/session`. */
import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import type { Duplex } from "node:stream";
import tls from "node:tls";
import type { BuildkitAddress, Endpoint, TlsFiles } from "./address.js";
import { Channel } from "./grpc/channel.js";

export const CONNECT_TIMEOUT_MS = 10_000;

function tlsOptions(t: TlsFiles, host: string, alpn: string): tls.ConnectionOptions {
  const o: tls.ConnectionOptions = { ALPNProtocols: [alpn] };
  // With a CA file the roots are only that CA, as buildctl.
  if (t.ca) o.ca = readFileSync(t.ca);
  if (t.cert) o.cert = readFileSync(t.cert);
  if (t.key) o.key = readFileSync(t.key);
  const name = t.serverName ?? host;
  if (!net.isIP(name)) o.servername = name;
  if (t.serverName) o.checkServerIdentity = (_h, cert) => tls.checkServerIdentity(t.serverName!, cert);
  return o;
}

function withTimeout<T extends net.Socket>(socket: T, event: string, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`${what}: no answer within ${CONNECT_TIMEOUT_MS / 1000} s`));
    }, CONNECT_TIMEOUT_MS);
    socket.once(event, () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`${what}: ${e.message}`));
    });
  });
}

function dialEndpoint(e: Endpoint): Promise<net.Socket> {
  if (e.kind === "unix") return withTimeout(net.connect(e.path), "connect", `unix://${e.path}`);
  if (e.tls) return withTimeout(tls.connect({ host: e.host, port: e.port, ...tlsOptions(e.tls, e.host, "h2") }), "secureConnect", `tcp://${e.host}:${e.port}`);
  return withTimeout(net.connect({ host: e.host, port: e.port }), "connect", `tcp://${e.host}:${e.port}`);
}

/**
 * `POST path` with `Upgrade: h2c` to the Docker engine; resolves with the upgraded socket, the
 * bytes read past the 101 answer put back in front.
 */
export function upgradeToH2c(e: Endpoint, path: string, headers: Record<string, string | string[]> = {}): Promise<Duplex> {
  const base = { method: "POST", path, agent: false as const, headers: { Connection: "Upgrade", Upgrade: "h2c", ...headers } };
  const req =
    e.kind === "unix"
      ? http.request({ ...base, socketPath: e.path })
      : e.tls
        ? https.request({ ...base, host: e.host, port: e.port, ...tlsOptions(e.tls, e.host, "http/1.1") })
        : http.request({ ...base, host: e.host, port: e.port });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`the Docker engine did not answer ${path} within ${CONNECT_TIMEOUT_MS / 1000} s`));
    }, CONNECT_TIMEOUT_MS);
    req.on("upgrade", (_res, socket, head) => {
      clearTimeout(timer);
      if (head.length) socket.unshift(head);
      resolve(socket);
    });
    req.on("response", (res) => {
      clearTimeout(timer);
      const body: Buffer[] = [];
      res.on("data", (b: Buffer) => body.push(b));
      res.on("end", () => reject(new Error(`unable to upgrade ${path} to h2c, received ${res.statusCode}: ${Buffer.concat(body).toString().trim()}`)));
    });
    req.on("error", (err) => {
      clearTimeout(timer);
      reject(new Error(`the Docker engine at ${e.kind === "unix" ? e.path : `${e.host}:${e.port}`}: ${err.message}`));
    });
    req.end();
  });
}

export async function openChannel(a: BuildkitAddress): Promise<Channel> {
  if (a.kind === "docker") return Channel.over(await upgradeToH2c(a.endpoint, "/grpc"));
  const socket = await dialEndpoint(a);
  const authority = a.kind === "tcp" ? (a.tls?.serverName ?? a.host) : "localhost";
  return Channel.over(socket, authority);
}
