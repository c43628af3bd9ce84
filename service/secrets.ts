/**
 * Build secrets at rest: sealed with AES-256-GCM under the service's key before they reach the
 * database, opened only by the worker that runs the build, dropped when the build ends.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

const IV_BYTES = 12;
const TAG_BYTES = 16;

export function sealSecrets(key: Buffer, secrets: Record<string, string>, buildId: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  // The build's id is authenticated with them: a sealed value cannot be moved to another build.
  cipher.setAAD(Buffer.from(buildId));
  const body = Buffer.concat([cipher.update(JSON.stringify(secrets), "utf8"), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

export function openSecrets(key: Buffer, sealed: Buffer, buildId: string): Record<string, string> {
  const decipher = createDecipheriv("aes-256-gcm", key, sealed.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(buildId));
  decipher.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  const plain = Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
  return JSON.parse(plain.toString("utf8")) as Record<string, string>;
}

/** Replaces every occurrence of a secret's value in text (log lines) with `****`. */
export function redactor(values: readonly string[]): (text: string) => string {
  const live = [...new Set(values)].filter((v) => v.length >= 4).sort((a, b) => b.length - a.length);
  if (live.length === 0) return (t) => t;
  return (t) => live.reduce((acc, v) => acc.split(v).join("****"), t);
}
