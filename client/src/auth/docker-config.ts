/**
 * Registry credentials from a Docker config, looked up as docker/cli does (DOCKER_AUTH_CONFIG,
 * then `credHelpers[host]`, else `credsStore`, else `auths`), plus wildcard entries:
 * `*.example.com` in `auths` or `credHelpers` answers for any host under example.com.
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export interface Credentials {
  username: string;
  /** A password, or an identity token when `username` is empty. */
  secret: string;
}

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

export interface DockerConfig {
  auths?: Record<string, AuthEntry>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

/** Runs `docker-credential-<helper> get` for a server; undefined when it has no credentials. */
export type HelperRunner = (helper: string, server: string) => Promise<Credentials | undefined>;

const HUB_KEY = "https://index.docker.io/v1/";
const HUB_HOSTS = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);

export function configDir(env: NodeJS.ProcessEnv): string {
  return env.DOCKER_CONFIG || join(homedir(), ".docker");
}

/** Reads `config.json` of the Docker config directory; a missing file is an empty config. */
export function readDockerConfig(env: NodeJS.ProcessEnv = process.env): DockerConfig {
  const file = join(configDir(env), "config.json");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw e;
  }
  try {
    return JSON.parse(text) as DockerConfig;
  } catch (e) {
    throw new Error(`${file}: not valid JSON: ${(e as Error).message}`);
  }
}

/** The config key docker uses for a registry host: Docker Hub's is its old v1 URL. */
export function serverKey(host: string): string {
  return HUB_HOSTS.has(host.toLowerCase()) ? HUB_KEY : host;
}

/** `https://host:5000/v1/` → `host:5000`, as docker/cli's ConvertToHostname. */
function hostOf(key: string): string {
  return key.replace(/^[a-z]+:\/\//i, "").split("/")[0]!.toLowerCase();
}

function wildcardMatches(pattern: string, host: string): boolean {
  const hostName = (h: string) => h.replace(/:\d+$/, "");
  const patternPort = /:(\d+)$/.exec(pattern)?.[1];
  const hostPort = /:(\d+)$/.exec(host)?.[1];
  if (patternPort !== hostPort) return false;
  const suffix = hostName(pattern).slice(1); // ".example.com"
  const name = hostName(host);
  return name.endsWith(suffix) && name.length > suffix.length;
}

/**
 * The entry of `map` for a host: exact key, then a key whose host part is the host, then the
 * longest matching `*.` wildcard.
 */
export function lookupHost<T>(map: Record<string, T> | undefined, host: string): T | undefined {
  if (!map) return undefined;
  const key = serverKey(host);
  if (key in map) return map[key];
  const wanted = hostOf(key);
  let wildcard: { pattern: string; value: T } | undefined;
  for (const [k, v] of Object.entries(map)) {
    const h = hostOf(k);
    if (h === wanted) return v;
    if (h.startsWith("*.") && wildcardMatches(h, wanted) && (!wildcard || h.length > wildcard.pattern.length)) wildcard = { pattern: h, value: v };
  }
  return wildcard?.value;
}

function fromEntry(entry: AuthEntry, where: string): Credentials | undefined {
  if (entry.identitytoken) return { username: "", secret: entry.identitytoken };
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) throw new Error(`${where}: "auth" is not base64 of user:password`);
    return { username: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
  }
  if (entry.username !== undefined || entry.password !== undefined) return { username: entry.username ?? "", secret: entry.password ?? "" };
  return undefined;
}

/** The credentials for a registry host, or undefined for anonymous access. */
export async function credentialsFor(host: string, config: DockerConfig, runHelper: HelperRunner, env: NodeJS.ProcessEnv = process.env): Promise<Credentials | undefined> {
  if (env.DOCKER_AUTH_CONFIG) {
    let inline: DockerConfig;
    try {
      inline = JSON.parse(env.DOCKER_AUTH_CONFIG) as DockerConfig;
    } catch (e) {
      throw new Error(`DOCKER_AUTH_CONFIG is not valid JSON: ${(e as Error).message}`);
    }
    const entry = lookupHost(inline.auths, host);
    const found = entry && fromEntry(entry, "DOCKER_AUTH_CONFIG");
    if (found) return found;
  }
  const helper = lookupHost(config.credHelpers, host) ?? config.credsStore;
  // The helper is asked for the host itself, also when a wildcard entry chose it.
  if (helper) return runHelper(helper, serverKey(host));
  const entry = lookupHost(config.auths, host);
  return entry ? fromEntry(entry, `auths of ${host}`) : undefined;
}
