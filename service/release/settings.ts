/**
 * The settings of what happens around the push: the pre-push scanner and the signers, read
 * from the environment. Values are checked here so that a worker never starts half-configured.
 */
import type { NetworkMode } from "../../llb/src/exec.js";

export class ReleaseSettingsError extends Error {
  override name = "SettingsError";
}

export interface ScannerSettings {
  /** The scanner's container image; it runs on the BuildKit worker, never in this process. */
  image: string;
  /** Its argv (JSON array); it reads /shared/image.tar and writes /shared/scan-report.json. */
  command: string[];
  env: Record<string, string>;
  /** This service's environment variables handed to the scanner as secret env (tokens), by name. */
  secretEnv: Record<string, string>;
  network: NetworkMode;
}

export interface CosignSettings {
  kind: "cosign";
  path: string;
  /** A key file (from a mounted secret) or a KMS URI (awskms://, gcpkms://, azurekms://, hashivault://, k8s://). */
  key: string;
  /** The key file's password, read from SERVICE_COSIGN_PASSWORD_FILE or COSIGN_PASSWORD. */
  password: string | undefined;
  /** Upload the signature to the transparency log (Rekor); off for private registries. */
  tlog: boolean;
}

export type NotationKey = { kind: "file"; keyFile: string; certFile: string } | { kind: "plugin"; plugin: string; keyId: string; pluginConfig: string[] };

export interface NotationSettings {
  kind: "notation";
  path: string;
  key: NotationKey;
}

export type SignerSettings = CosignSettings | NotationSettings;

export interface ReleaseSettings {
  scanner: ScannerSettings | undefined;
  signers: SignerSettings[];
  /** Registries the signers reach over plain HTTP (loopback registries always may). */
  insecureRegistries: string[];
}

const KMS_URI = /^(awskms|gcpkms|azurekms|hashivault|k8s|pkcs11):\/\//;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function jsonArgv(name: string, raw: string): string[] {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw new ReleaseSettingsError(`${name}: must be a JSON array of strings, e.g. ["trivy","image","--input","/shared/image.tar"]`);
  }
  if (!Array.isArray(v) || v.length === 0 || !v.every((a) => typeof a === "string")) throw new ReleaseSettingsError(`${name}: must be a non-empty JSON array of strings`);
  return v as string[];
}

function jsonEnv(name: string, raw: string | undefined): Record<string, string> {
  if (!raw) return {};
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw new ReleaseSettingsError(`${name}: must be a JSON object of strings, e.g. {"SEVERITY":"HIGH"}`);
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new ReleaseSettingsError(`${name}: must be a JSON object of strings`);
  for (const [k, x] of Object.entries(v)) {
    if (!ENV_NAME.test(k)) throw new ReleaseSettingsError(`${name}: ${JSON.stringify(k)} is not an environment variable name`);
    if (typeof x !== "string") throw new ReleaseSettingsError(`${name}: the value of ${k} must be a string`);
  }
  return v as Record<string, string>;
}

function list(raw: string | undefined): string[] {
  return (raw ?? "").split(/[\s,]+/).filter(Boolean);
}

function readScanner(env: NodeJS.ProcessEnv): ScannerSettings | undefined {
  const image = env.SERVICE_SCANNER_IMAGE;
  if (!image) {
    if (env.SERVICE_SCANNER_COMMAND) throw new ReleaseSettingsError("SERVICE_SCANNER_COMMAND is set but SERVICE_SCANNER_IMAGE is not");
    return undefined;
  }
  if (!env.SERVICE_SCANNER_COMMAND) throw new ReleaseSettingsError("SERVICE_SCANNER_IMAGE needs SERVICE_SCANNER_COMMAND (a JSON array: the scanner's argv)");
  const secretEnv: Record<string, string> = {};
  for (const n of list(env.SERVICE_SCANNER_SECRET_ENV)) {
    if (!ENV_NAME.test(n)) throw new ReleaseSettingsError(`SERVICE_SCANNER_SECRET_ENV: ${JSON.stringify(n)} is not an environment variable name`);
    const value = env[n];
    if (value === undefined) throw new ReleaseSettingsError(`SERVICE_SCANNER_SECRET_ENV names ${n}, which is not set`);
    secretEnv[n] = value;
  }
  const network = env.SERVICE_SCANNER_NETWORK || "none";
  if (!["none", "sandbox", "host"].includes(network)) throw new ReleaseSettingsError(`SERVICE_SCANNER_NETWORK=${JSON.stringify(network)}: must be one of none, sandbox, host`);
  return { image, command: jsonArgv("SERVICE_SCANNER_COMMAND", env.SERVICE_SCANNER_COMMAND), env: jsonEnv("SERVICE_SCANNER_ENV", env.SERVICE_SCANNER_ENV), secretEnv, network: network as NetworkMode };
}

function readCosign(env: NodeJS.ProcessEnv, readFile: (path: string) => string): CosignSettings {
  const key = env.SERVICE_COSIGN_KEY;
  if (!key) throw new ReleaseSettingsError("SERVICE_SIGNERS names cosign but SERVICE_COSIGN_KEY (a key file or a KMS URI) is not set");
  let password = env.COSIGN_PASSWORD;
  if (env.SERVICE_COSIGN_PASSWORD_FILE) {
    try {
      password = readFile(env.SERVICE_COSIGN_PASSWORD_FILE).replace(/\r?\n$/, "");
    } catch (e) {
      throw new ReleaseSettingsError(`SERVICE_COSIGN_PASSWORD_FILE: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }
  if (!KMS_URI.test(key) && key.includes("://")) throw new ReleaseSettingsError(`SERVICE_COSIGN_KEY: ${key.split("://")[0]}:// is not a KMS cosign knows (awskms, gcpkms, azurekms, hashivault, k8s, pkcs11)`);
  const tlog = env.SERVICE_COSIGN_TLOG || "false";
  if (!["true", "false"].includes(tlog)) throw new ReleaseSettingsError(`SERVICE_COSIGN_TLOG=${JSON.stringify(tlog)}: must be true or false`);
  return { kind: "cosign", path: env.SERVICE_COSIGN_PATH || "cosign", key, password: password || undefined, tlog: tlog === "true" };
}

function readNotation(env: NodeJS.ProcessEnv): NotationSettings {
  const path = env.SERVICE_NOTATION_PATH || "notation";
  if (env.SERVICE_NOTATION_PLUGIN) {
    if (!env.SERVICE_NOTATION_KEY_ID) throw new ReleaseSettingsError("SERVICE_NOTATION_PLUGIN needs SERVICE_NOTATION_KEY_ID (e.g. the AWS Signer profile ARN)");
    const pluginConfig = list(env.SERVICE_NOTATION_PLUGIN_CONFIG);
    for (const kv of pluginConfig) if (!/^[^=]+=/.test(kv)) throw new ReleaseSettingsError(`SERVICE_NOTATION_PLUGIN_CONFIG: ${JSON.stringify(kv)} is not key=value`);
    return { kind: "notation", path, key: { kind: "plugin", plugin: env.SERVICE_NOTATION_PLUGIN, keyId: env.SERVICE_NOTATION_KEY_ID, pluginConfig } };
  }
  if (env.SERVICE_NOTATION_KEY_FILE && env.SERVICE_NOTATION_CERT_FILE) {
    return { kind: "notation", path, key: { kind: "file", keyFile: env.SERVICE_NOTATION_KEY_FILE, certFile: env.SERVICE_NOTATION_CERT_FILE } };
  }
  throw new ReleaseSettingsError("SERVICE_SIGNERS names notation but neither SERVICE_NOTATION_KEY_FILE with SERVICE_NOTATION_CERT_FILE nor SERVICE_NOTATION_PLUGIN with SERVICE_NOTATION_KEY_ID is set");
}

export function readReleaseSettings(env: NodeJS.ProcessEnv, readFile: (path: string) => string): ReleaseSettings {
  const names = list(env.SERVICE_SIGNERS);
  const signers: SignerSettings[] = [];
  for (const n of new Set(names)) {
    if (n === "cosign") signers.push(readCosign(env, readFile));
    else if (n === "notation") signers.push(readNotation(env));
    else throw new ReleaseSettingsError(`SERVICE_SIGNERS: ${JSON.stringify(n)} is not a signer (cosign, notation)`);
  }
  return { scanner: readScanner(env), signers, insecureRegistries: list(env.SERVICE_INSECURE_REGISTRIES) };
}

/** The secret values of these settings (to blank wherever they could show: build logs). */
export function releaseSecrets(r: ReleaseSettings): string[] {
  const out = Object.values(r.scanner?.secretEnv ?? {});
  for (const s of r.signers) if (s.kind === "cosign" && s.password) out.push(s.password);
  return out;
}
