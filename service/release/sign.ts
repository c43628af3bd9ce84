/**
 * Signs a pushed digest with each configured signer, in order, as child processes of the
 * worker (argv arrays, no shell). Their output goes to the build's log with secrets blanked;
 * the first failure stops the rest and says which signer failed and why.
 */
import { execFile, spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { signerInvocation, type SignerInvocation } from "./sign-argv.js";
import type { ReleaseSettings } from "./settings.js";

export interface SignOptions {
  release: Pick<ReleaseSettings, "signers" | "insecureRegistries">;
  /** The pushed image as repository@sha256:…. */
  ref: string;
  work: string;
  /** The service's environment (registry credentials: DOCKER_CONFIG; KMS credentials). */
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
  signal: AbortSignal;
}

export type SignOutcome = { ok: true; signed: string[] } | { ok: false; signed: string[]; reason: string };

const KEEP_OUTPUT_LINES = 3;

function run(inv: SignerInvocation, env: NodeJS.ProcessEnv, log: (line: string) => void, signal: AbortSignal): Promise<{ code: number | null; tail: string[]; spawnError?: string }> {
  return new Promise((resolve) => {
    const blank = (t: string) => inv.secrets.reduce((acc, v) => (v.length >= 4 ? acc.split(v).join("****") : acc), t);
    const tail: string[] = [];
    const child = spawn(inv.file, inv.argv, { env: { ...env, ...inv.env }, stdio: ["ignore", "pipe", "pipe"], signal });
    let rest = "";
    const onData = (b: Buffer) => {
      const lines = (rest + b.toString("utf8")).split("\n");
      rest = lines.pop()!;
      for (const l of lines) {
        const clean = blank(l);
        log(`${inv.name}: ${clean}`);
        if (clean.trim()) tail.push(clean.trim());
        if (tail.length > KEEP_OUTPUT_LINES) tail.shift();
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("error", (e: NodeJS.ErrnoException) => resolve({ code: null, tail, spawnError: e.code === "ENOENT" ? `${inv.file} is not installed (set SERVICE_${inv.name.toUpperCase()}_PATH)` : e.message }));
    child.on("close", (code) => {
      if (rest) onData(Buffer.from("\n"));
      resolve({ code, tail });
    });
  });
}

export async function signImage(o: SignOptions): Promise<SignOutcome> {
  const signed: string[] = [];
  for (const s of o.release.signers) {
    const inv = signerInvocation(s, o.ref, o.release.insecureRegistries, o.work);
    for (const [path, text] of Object.entries(inv.files)) {
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      await writeFile(path, text, { mode: 0o600 });
    }
    o.log(`signing ${o.ref} with ${inv.name}`);
    const r = await run(inv, o.env, o.log, o.signal);
    if (o.signal.aborted) return { ok: false, signed, reason: `${inv.name} was stopped` };
    if (r.code !== 0) {
      const why = r.spawnError ?? `exit ${r.code ?? "by a signal"}${r.tail.length ? `: ${r.tail[r.tail.length - 1]}` : ""}`;
      return { ok: false, signed, reason: `${inv.name}: ${why}` };
    }
    signed.push(inv.name);
  }
  return { ok: true, signed };
}

/**
 * Checks, before a worker takes builds, that each configured signer's program runs (`version`),
 * so that a missing tool is a start-up error rather than every build failing after its push.
 */
export async function checkSignerTools(release: Pick<ReleaseSettings, "signers">): Promise<void> {
  for (const s of release.signers) {
    await new Promise<void>((resolve, reject) => {
      execFile(s.path, ["version"], { timeout: 30_000 }, (e) => {
        if (!e) return resolve();
        const code = (e as NodeJS.ErrnoException).code;
        const why = code === "ENOENT" ? "is not installed" : code === "EACCES" ? "cannot be run" : `does not run (${e.message.split("\n")[0]})`;
        reject(new Error(`SERVICE_SIGNERS names ${s.kind}, but ${s.path} ${why}; set SERVICE_${s.kind.toUpperCase()}_PATH`));
      });
    });
  }
}
