/**
 * BuildKit addresses: `unix:///path`, `tcp://host:port` (optionally with TLS), and the Docker
 * engine's embedded BuildKit (`docker`, from DOCKER_HOST; `docker+unix:///path`, `docker+tcp://h:p`).
 */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** TLS settings as file paths, the way buildctl takes them. */
export interface TlsFiles {
  ca?: string;
  cert?: string;
  key?: string;
  serverName?: string;
}

export type Endpoint = { kind: "unix"; path: string } | { kind: "tcp"; host: string; port: number; tls?: TlsFiles };

/** A buildkitd endpoint, or the Docker engine at `endpoint` (reached through its `/grpc` and `/session`). */
export type BuildkitAddress = Endpoint | { kind: "docker"; endpoint: Endpoint };

export class AddressError extends Error {
  override name = "AddressError";
}

const TLS_QUERY: Record<string, keyof TlsFiles> = { tlscacert: "ca", tlscert: "cert", tlskey: "key", tlsservername: "serverName" };

/** Reads `ca.pem|ca.crt`, `cert.pem|tls.crt`, `key.pem|tls.key` from a directory, as `buildctl --tlsdir`. */
export function tlsFromDir(dir: string): TlsFiles {
  const first = (...names: string[]) => names.map((n) => join(dir, n)).find((p) => existsSync(p));
  const tls: TlsFiles = {};
  const ca = first("ca.pem", "ca.crt");
  const cert = first("cert.pem", "tls.crt");
  const key = first("key.pem", "tls.key");
  if (ca) tls.ca = ca;
  if (cert) tls.cert = cert;
  if (key) tls.key = key;
  if (!ca && !cert && !key) throw new AddressError(`no ca.pem, cert.pem or key.pem in the TLS directory ${dir}`);
  return tls;
}

function parseHostPort(text: string, address: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:/?#\s]+)):(\d{1,5})$/.exec(text);
  if (!m) throw new AddressError(`${address}: expected tcp://HOST:PORT`);
  const port = Number(m[3]);
  if (port < 1 || port > 65535) throw new AddressError(`${address}: port ${m[3]} is out of range`);
  return { host: (m[1] ?? m[2])!, port };
}

function parseTcp(rest: string, address: string, defaultTls: TlsFiles | undefined): Endpoint {
  const [hostPort, query] = rest.split("?", 2) as [string, string | undefined];
  const { host, port } = parseHostPort(hostPort, address);
  let tls: TlsFiles | undefined = defaultTls ? { ...defaultTls } : undefined;
  if (query) {
    for (const [k, v] of new URLSearchParams(query)) {
      if (k === "tlsdir") tls = { ...tls, ...tlsFromDir(v) };
      else if (k in TLS_QUERY) (tls ??= {})[TLS_QUERY[k]!] = v;
      else throw new AddressError(`${address}: unknown option ${JSON.stringify(k)} (known: tlsdir, ${Object.keys(TLS_QUERY).join(", ")})`);
    }
  }
  return tls ? { kind: "tcp", host, port, tls } : { kind: "tcp", host, port };
}

function parseUnix(rest: string, address: string): Endpoint {
  if (!rest) throw new AddressError(`${address}: expected unix:///PATH`);
  return { kind: "unix", path: rest };
}

/** The Docker engine's own address, from DOCKER_HOST (and DOCKER_TLS_VERIFY, DOCKER_CERT_PATH for tcp). */
export function dockerEndpoint(env: NodeJS.ProcessEnv): Endpoint {
  const host = env.DOCKER_HOST || "unix:///var/run/docker.sock";
  if (host.startsWith("unix://")) return parseUnix(host.slice(7), `DOCKER_HOST=${host}`);
  if (host.startsWith("tcp://")) {
    const verify = env.DOCKER_TLS_VERIFY !== undefined && env.DOCKER_TLS_VERIFY !== "" && env.DOCKER_TLS_VERIFY !== "0";
    const tls = verify ? tlsFromDir(env.DOCKER_CERT_PATH || join(homedir(), ".docker")) : undefined;
    return parseTcp(host.slice(6).replace(/\/+$/, ""), `DOCKER_HOST=${host}`, tls);
  }
  throw new AddressError(`DOCKER_HOST=${host}: only unix:// and tcp:// are supported`);
}

/**
 * Parses one address. `defaultTls` (the CLI's --tls* flags) applies to tcp addresses that name
 * no TLS options of their own.
 */
export function parseAddress(address: string, env: NodeJS.ProcessEnv = process.env, defaultTls?: TlsFiles): BuildkitAddress {
  const a = address.trim();
  if (a.startsWith("unix://")) return parseUnix(a.slice(7), a);
  if (a.startsWith("tcp://")) return parseTcp(a.slice(6), a, defaultTls);
  if (a === "docker" || a === "docker://") return { kind: "docker", endpoint: dockerEndpoint(env) };
  if (a.startsWith("docker+unix://")) return { kind: "docker", endpoint: parseUnix(a.slice(14), a) };
  if (a.startsWith("docker+tcp://")) return { kind: "docker", endpoint: parseTcp(a.slice(13), a, defaultTls) };
  const scheme = /^([a-z0-9+.-]+):\/\//i.exec(a)?.[1];
  throw new AddressError(
    scheme
      ? `${a}: the scheme ${scheme}:// is not supported (use unix://, tcp://, docker, docker+unix:// or docker+tcp://)`
      : `${a}: expected unix:///PATH, tcp://HOST:PORT or docker`,
  );
}

/** A stable display form, also the node name in the builder ring. */
export function formatAddress(a: BuildkitAddress): string {
  const endpoint = (e: Endpoint) => (e.kind === "unix" ? `unix://${e.path}` : `tcp://${e.host.includes(":") ? `[${e.host}]` : e.host}:${e.port}`);
  return a.kind === "docker" ? `docker+${endpoint(a.endpoint)}` : endpoint(a);
}
