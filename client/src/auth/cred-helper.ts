/** Runs `docker-credential-*` helpers the way docker does: `get`, the server on stdin, JSON on stdout. */
import { spawn } from "node:child_process";
import type { Credentials, HelperRunner } from "./docker-config.js";

const NOT_FOUND = "credentials not found in native keychain";
const TIMEOUT_MS = 30_000;

export class HelperError extends Error {
  override name = "HelperError";
}

export function runCredentialHelper(helper: string, server: string, env: NodeJS.ProcessEnv = process.env): Promise<Credentials | undefined> {
  const program = `docker-credential-${helper}`;
  return new Promise((resolve, reject) => {
    const child = spawn(program, ["get"], { env, stdio: ["pipe", "pipe", "pipe"], timeout: TIMEOUT_MS });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", (e: NodeJS.ErrnoException) =>
      reject(new HelperError(e.code === "ENOENT" ? `${program} not found on PATH (named by the Docker config)` : `${program}: ${e.message}`)),
    );
    child.on("close", (code, signal) => {
      const stdout = Buffer.concat(out).toString("utf8").trim();
      if (code !== 0) {
        if (stdout.includes(NOT_FOUND)) return resolve(undefined);
        const why = stdout || Buffer.concat(err).toString("utf8").trim() || (signal ? `killed by ${signal}` : `exit status ${code}`);
        return reject(new HelperError(`${program} get ${server}: ${why}`));
      }
      let reply: { Username?: string; Secret?: string };
      try {
        reply = JSON.parse(stdout);
      } catch {
        return reject(new HelperError(`${program} get ${server}: the output is not JSON`));
      }
      if (reply.Username === "<token>") resolve({ username: "", secret: reply.Secret ?? "" });
      else resolve({ username: reply.Username ?? "", secret: reply.Secret ?? "" });
    });
    child.stdin.on("error", () => undefined);
    child.stdin.end(server);
  });
}

export const defaultHelperRunner: HelperRunner = (helper, server) => runCredentialHelper(helper, server);
