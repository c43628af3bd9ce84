/**
 * How each signer is invoked on a pushed digest: its argv, the environment it needs on top of
 * the service's, and the files it reads. Pure, so that the invocation is checked without the
 * tools; secrets (the cosign key's password) travel in the environment, never in the argv.
 */
import { join } from "node:path";
import type { CosignSettings, NotationSettings, SignerSettings } from "./settings.js";

export interface SignerInvocation {
  name: "cosign" | "notation";
  file: string;
  argv: string[];
  env: Record<string, string>;
  /** Files to write first (path → contents), e.g. notation's key list. */
  files: Record<string, string>;
  /** Values to blank in the signer's output. */
  secrets: string[];
}

function isLoopback(host: string): boolean {
  const name = host.replace(/:\d+$/, "").replace(/^\[|\]$/g, "");
  return name === "localhost" || name === "::1" || /^127\./.test(name);
}

/** The registry host of `repo@digest` (the first path part, when it looks like a host). */
export function registryOf(ref: string): string {
  const first = ref.split("/")[0]!;
  return ref.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost") ? first : "docker.io";
}

export function plainHttp(ref: string, insecure: readonly string[]): boolean {
  const host = registryOf(ref);
  return isLoopback(host) || insecure.includes(host);
}

function cosign(s: CosignSettings, ref: string, insecure: boolean): SignerInvocation {
  const argv = ["sign", "--key", s.key, "--yes", `--tlog-upload=${s.tlog}`];
  if (!s.tlog) argv.push("--use-signing-config=false");
  if (insecure) argv.push("--allow-http-registry", "--allow-insecure-registry");
  argv.push(ref);
  const env: Record<string, string> = {};
  // cosign reads an encrypted key's password from COSIGN_PASSWORD; an empty one means "none".
  env.COSIGN_PASSWORD = s.password ?? "";
  return { name: "cosign", file: s.path, argv, env, files: {}, secrets: s.password ? [s.password] : [] };
}

/** Notation's name for the key the service gives it in its private configuration. */
export const NOTATION_KEY_NAME = "imagespec-serve";

function notation(s: NotationSettings, ref: string, insecure: boolean, work: string): SignerInvocation {
  const argv = ["sign"];
  const env: Record<string, string> = {};
  const files: Record<string, string> = {};
  if (s.key.kind === "file") {
    // A private configuration directory naming the operator's key and certificate files.
    const config = join(work, "notation-config");
    env.XDG_CONFIG_HOME = config;
    files[join(config, "notation", "signingkeys.json")] = JSON.stringify({ default: NOTATION_KEY_NAME, keys: [{ name: NOTATION_KEY_NAME, keyPath: s.key.keyFile, certPath: s.key.certFile }] });
    argv.push("--key", NOTATION_KEY_NAME);
  } else {
    argv.push("--plugin", s.key.plugin, "--id", s.key.keyId);
    for (const kv of s.key.pluginConfig) argv.push("--plugin-config", kv);
  }
  if (insecure) argv.push("--insecure-registry");
  argv.push(ref);
  return { name: "notation", file: s.path, argv, env, files, secrets: [] };
}

/** The invocation of `s` signing `ref` (repository@sha256:…); `work` holds its private files. */
export function signerInvocation(s: SignerSettings, ref: string, insecureRegistries: readonly string[], work: string): SignerInvocation {
  const insecure = plainHttp(ref, insecureRegistries);
  return s.kind === "cosign" ? cosign(s, ref, insecure) : notation(s, ref, insecure, work);
}
