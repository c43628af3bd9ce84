/** Helpers for end-to-end tests: build specs with docker buildx against the real engine, run images. */
import { spawn } from "node:child_process";
import { appendFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { GenericContainer, PullPolicy } from "testcontainers";
import { inject } from "vitest";

export const engineEnv = (): NodeJS.ProcessEnv => ({ ...process.env, ...inject("engineEnv") });
export const frontendImage = (): string => inject("frontendImage");
export const registry = (): string => inject("engineEnv").IMAGESPEC_REGISTRY ?? "127.0.0.1:5000";
export const indexUrl = (): string => inject("engineEnv").IMAGESPEC_INDEX_URL!;
export const extraIndexUrl = (): string => inject("engineEnv").IMAGESPEC_EXTRA_INDEX_URL!;
export const baseImage = (tag = "3.11-bookworm"): string => `${registry()}/debian-python:${tag}`;

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command with the engine's environment; never throws on a non-zero exit. */
export function run(cmd: string, args: string[], opts: { cwd?: string; timeoutMs?: number; input?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: { ...engineEnv(), ...opts.env }, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${cmd} ${args.join(" ")} timed out after ${opts.timeoutMs} ms\n${stderr}`));
    }, opts.timeoutMs ?? 300_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(opts.input ?? "");
  });
}

/** A fresh build context holding the given files. */
export function makeContext(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(join(tmpdir(), "imagespec-e2e-"));
  recordContext(files);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

/** With IMAGESPEC_RECORD_SPECS=FILE, every context a test makes is appended to FILE (the plan-digest corpus; binary files by name only). */
function recordContext(files: Record<string, string | Buffer>): void {
  const file = process.env.IMAGESPEC_RECORD_SPECS;
  if (!file) return;
  const text = Object.fromEntries(Object.entries(files).map(([k, v]) => [k, typeof v === "string" ? v : null]));
  appendFileSync(file, JSON.stringify({ source: "e2e", files: text }) + "\n");
}

let counter = 0;
/** A unique local image tag for one test. */
export function tag(name: string): string {
  return `imagespec-e2e/${name}:${process.pid}-${++counter}`;
}

export interface BuildOptions {
  file: string;
  tag?: string;
  buildArgs?: Record<string, string>;
  labels?: Record<string, string>;
  platforms?: string[];
  push?: boolean;
  secrets?: string[];
  syntaxArg?: boolean;
  extra?: string[];
  timeoutMs?: number;
}

/** `docker buildx build` of a spec through our frontend; `--network host` reaches the local indexes. */
export function buildx(ctx: string, o: BuildOptions): Promise<Run> {
  const args = ["buildx", "build", "--progress=plain", "--network", "host", "--provenance=false", "-f", join(ctx, o.file)];
  if (o.syntaxArg !== false) args.push("--build-arg", `BUILDKIT_SYNTAX=${frontendImage()}`);
  for (const [k, v] of Object.entries(o.buildArgs ?? {})) args.push("--build-arg", `${k}=${v}`);
  for (const [k, v] of Object.entries(o.labels ?? {})) args.push("--label", `${k}=${v}`);
  if (o.platforms) args.push("--platform", o.platforms.join(","));
  for (const s of o.secrets ?? []) args.push("--secret", s);
  if (o.tag) args.push("-t", o.tag, o.push ? "--push" : "--load");
  args.push(...(o.extra ?? []), ctx);
  return run("docker", args, { timeoutMs: o.timeoutMs ?? 300_000 });
}

/**
 * Points testcontainers at the test engine. Its reaper image is not reachable here, and the
 * engine has no bridge network for it to find the host through (containers run networkless).
 */
function useEngine(): void {
  const env = inject("engineEnv");
  if (env.DOCKER_HOST) process.env.DOCKER_HOST = env.DOCKER_HOST;
  process.env.TESTCONTAINERS_RYUK_DISABLED = "true";
  process.env.TESTCONTAINERS_HOST_OVERRIDE ??= "127.0.0.1";
}

/**
 * Runs a script in a container of the image under test, with no network (testcontainers starts
 * it and removes it); returns the script's stdout, throws with its stderr on failure.
 */
export async function runIn(image: string, script: string, o: { platform?: string; pull?: boolean } = {}): Promise<string> {
  useEngine();
  let container = new GenericContainer(image).withNetworkMode("none").withEntrypoint(["/bin/sh", "-c"]).withCommand(["exec sleep infinity"]);
  if (o.platform) container = container.withPlatform(o.platform);
  if (o.pull) container = container.withPullPolicy(PullPolicy.alwaysPull());
  const started = await container.start();
  try {
    const r = await started.exec(["/bin/sh", "-c", script]);
    if (r.exitCode !== 0) throw new Error(`script in ${image} failed (${r.exitCode}): ${r.stderr}`);
    return r.stdout;
  } finally {
    await started.stop({ timeout: 0 });
  }
}

export interface ImageInspect {
  Config: { Env?: string[]; WorkingDir?: string; Labels?: Record<string, string>; User?: string; Cmd?: string[] };
  Architecture: string;
  RootFS: { Layers: string[] };
}

export async function inspect(image: string): Promise<ImageInspect> {
  const r = await run("docker", ["image", "inspect", image]);
  if (r.code !== 0) throw new Error(r.stderr);
  return (JSON.parse(r.stdout) as ImageInspect[])[0]!;
}

export function envOf(i: ImageInspect): Record<string, string> {
  return Object.fromEntries((i.Config.Env ?? []).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
}

/** Fails with the build log when a build did not succeed. */
export function expectBuilt(r: Run): void {
  if (r.code !== 0) throw new Error(`build failed (${r.code}):\n${r.stderr.slice(-6000)}`);
}
