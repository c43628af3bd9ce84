/**
 * Brings up the real test environment (engine, registry, base images, indexes) and builds and
 * pushes the frontend image, once per e2e run. Both steps are idempotent and fast when done.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { repoRoot } from "../support/paths.js";

export default function setup(project: TestProject): void {
  const out = execFileSync("bash", [join(repoRoot, "test/env/engine.sh"), "up"], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  const env: Record<string, string> = {};
  for (const line of out.split("\n")) {
    const m = /^export ([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) env[m[1]!] = m[2]!.replace(/\$PATH/, process.env.PATH ?? "");
  }
  const image = execFileSync("bash", [join(repoRoot, "docker/build-image.sh")], {
    encoding: "utf8",
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  }).trim();
  project.provide("engineEnv", env);
  project.provide("frontendImage", image.split("\n").pop()!);
}

declare module "vitest" {
  export interface ProvidedContext {
    engineEnv: Record<string, string>;
    frontendImage: string;
  }
}
