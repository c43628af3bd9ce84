/** The service's settings, read from the environment once, checked, with their defaults. */
import { readFileSync } from "node:fs";
import { parseAddress, type BuildkitAddress } from "../client/src/address.js";
import { readReleaseSettings, ReleaseSettingsError, type ReleaseSettings } from "./release/settings.js";
import type { S3Settings } from "./store/s3-archive.js";

export class SettingsError extends Error {
  override name = "SettingsError";
}

export type Role = "api" | "worker" | "all";

/** Frontend options only the operator sets (the frontend's operator options), by env var. */
export const OPERATOR_OPTIONS: Readonly<Record<string, string>> = {
  SERVICE_BASE_IMAGE_ALLOW: "base-image-allow",
  SERVICE_BASE_IMAGE_DENY: "base-image-deny",
  SERVICE_DEFAULT_INDEX_URL: "default-index-url",
  SERVICE_DEFAULT_EXTRA_INDEX_URLS: "default-extra-index-urls",
  SERVICE_TRUSTED_HOSTS: "trusted-hosts",
  SERVICE_HTTP_PROXY: "http-proxy",
  SERVICE_HTTPS_PROXY: "https-proxy",
  SERVICE_NO_PROXY: "no-proxy",
};

/** BuildKit's attestation option: without a generator, the frontend answers it with its own SBOM (a build's `sbom: true`). */
export const SBOM_OPTION = "attest:sbom";

/** Options a build request may not set: the operator's, and what the service itself decides. */
export const RESERVED_OPTIONS: ReadonlySet<string> = new Set([...Object.values(OPERATOR_OPTIONS), "force-network-mode", "filename", "source", "spec", "image-id"]);

export interface Settings {
  databaseUrl: string;
  role: Role;
  host: string;
  port: number;
  /** Public base URL of the API, for the `url` of a build (default: from the request's Host). */
  publicUrl: string | undefined;
  dataDir: string;
  maxUploadBytes: number;
  leaseSeconds: number;
  maxAttempts: number;
  defaultTimeoutSeconds: number;
  maxTimeoutSeconds: number;
  workerConcurrency: number;
  pollMs: number;
  workerId: string;
  buildkit: BuildkitAddress[];
  frontendImage: string | undefined;
  registryAuth: "docker" | "noop";
  defaultRepository: string | undefined;
  network: "default" | "host";
  operatorOptions: Record<string, string>;
  /** 32 bytes sealing build secrets in the database; without it builds with secrets are refused. */
  secretKey: Buffer | undefined;
  /** The pre-push scanner and the signers (none by default). */
  release: ReleaseSettings;
  /** The bucket ended builds' logs and scan reports go to (else they stay in dataDir). */
  s3: S3Settings | undefined;
}

function s3Settings(env: NodeJS.ProcessEnv): S3Settings | undefined {
  const bucket = env.SERVICE_S3_BUCKET;
  if (!bucket) {
    for (const n of ["SERVICE_S3_PREFIX", "SERVICE_S3_ENDPOINT"]) if (env[n]) throw new SettingsError(`${n} is set but SERVICE_S3_BUCKET is not`);
    return undefined;
  }
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new SettingsError(`SERVICE_S3_BUCKET=${JSON.stringify(bucket)}: not a bucket name`);
  const endpoint = env.SERVICE_S3_ENDPOINT || undefined;
  if (endpoint && !/^https?:\/\//.test(endpoint)) throw new SettingsError(`SERVICE_S3_ENDPOINT=${JSON.stringify(endpoint)}: must be an http(s) URL`);
  let prefix = (env.SERVICE_S3_PREFIX ?? "imagespec-serve/").replace(/^\/+/, "");
  if (prefix && !prefix.endsWith("/")) prefix += "/";
  return { bucket, prefix, endpoint, region: env.SERVICE_S3_REGION || env.AWS_REGION || "us-east-1" };
}

function int(env: NodeJS.ProcessEnv, name: string, dflt: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return dflt;
  if (!/^\d+$/.test(raw)) throw new SettingsError(`${name}=${JSON.stringify(raw)}: not a whole number`);
  const n = Number(raw);
  if (n < min || n > max) throw new SettingsError(`${name}=${raw}: must be between ${min} and ${max}`);
  return n;
}

function oneOf<T extends string>(env: NodeJS.ProcessEnv, name: string, values: readonly T[], dflt: T): T {
  const raw = env[name];
  if (raw === undefined || raw === "") return dflt;
  if (!(values as readonly string[]).includes(raw)) throw new SettingsError(`${name}=${JSON.stringify(raw)}: must be one of ${values.join(", ")}`);
  return raw as T;
}

function secretKey(raw: string | undefined): Buffer | undefined {
  if (!raw) return undefined;
  const key = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, "hex") : Buffer.from(raw, "base64");
  if (key.length !== 32) throw new SettingsError("SERVICE_SECRET_KEY: must be 32 bytes, as 64 hex digits or base64");
  return key;
}

export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const databaseUrl = env.DATABASE_URL;
  if (!databaseUrl) throw new SettingsError("DATABASE_URL is required (postgres://user:password@host:port/database)");
  const leaseSeconds = int(env, "SERVICE_LEASE_SECONDS", 60, 3, 3600);
  const maxTimeoutSeconds = int(env, "SERVICE_MAX_TIMEOUT_SECONDS", 6 * 3600, 1, 7 * 24 * 3600);
  const defaultTimeoutSeconds = int(env, "SERVICE_DEFAULT_TIMEOUT_SECONDS", Math.min(3600, maxTimeoutSeconds), 1, maxTimeoutSeconds);
  const hosts = (env.SERVICE_BUILDKIT_HOSTS || env.UNION_BUILDKIT_URI || env.BUILDKIT_HOST || "unix:///run/buildkit/buildkitd.sock").split(/[\s,]+/).filter(Boolean);
  let buildkit: BuildkitAddress[];
  try {
    buildkit = hosts.map((h) => parseAddress(h, env));
  } catch (e) {
    throw new SettingsError(`SERVICE_BUILDKIT_HOSTS: ${(e as Error).message}`);
  }
  let release: ReleaseSettings;
  try {
    release = readReleaseSettings(env, (p) => readFileSync(p, "utf8"));
  } catch (e) {
    throw e instanceof ReleaseSettingsError ? new SettingsError(e.message) : e;
  }
  const operatorOptions: Record<string, string> = {};
  for (const [name, option] of Object.entries(OPERATOR_OPTIONS)) if (env[name]) operatorOptions[option] = env[name]!;
  return {
    databaseUrl,
    role: oneOf(env, "SERVICE_ROLE", ["api", "worker", "all"] as const, "all"),
    host: env.SERVICE_HOST || "0.0.0.0",
    port: int(env, "SERVICE_PORT", 8080, 0, 65535),
    publicUrl: env.SERVICE_PUBLIC_URL?.replace(/\/+$/, "") || undefined,
    dataDir: env.SERVICE_DATA_DIR || "/var/lib/imagespec-serve",
    maxUploadBytes: int(env, "SERVICE_MAX_UPLOAD_BYTES", 1 << 30, 1, Number.MAX_SAFE_INTEGER),
    leaseSeconds,
    maxAttempts: int(env, "SERVICE_MAX_ATTEMPTS", 2, 1, 10),
    defaultTimeoutSeconds,
    maxTimeoutSeconds,
    workerConcurrency: int(env, "SERVICE_WORKER_CONCURRENCY", 1, 1, 64),
    pollMs: int(env, "SERVICE_POLL_MS", 1000, 10, 60_000),
    workerId: env.SERVICE_WORKER_ID || env.HOSTNAME || `worker-${process.pid}`,
    buildkit,
    frontendImage: env.IMAGESPEC_FRONTEND_IMAGE || undefined,
    registryAuth: oneOf(env, "SERVICE_REGISTRY_AUTH", ["docker", "noop"] as const, "docker"),
    defaultRepository: env.SERVICE_DEFAULT_REPOSITORY || undefined,
    network: oneOf(env, "SERVICE_BUILD_NETWORK", ["default", "host"] as const, "default"),
    operatorOptions,
    secretKey: secretKey(env.SERVICE_SECRET_KEY),
    release,
    s3: s3Settings(env),
  };
}
