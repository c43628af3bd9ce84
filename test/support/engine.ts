/** Brings up the test environment and the frontend image (shared by e2e setup and benchmarks). */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "./paths.js";

export interface Engine {
  env: Record<string, string>;
  frontendImage: string;
}

export function startEngine(): Engine {
  const out = execFileSync("bash", [join(repoRoot, "test/env/engine.sh"), "up"], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  const env: Record<string, string> = {};
  for (const line of out.split("\n")) {
    const m = /^export ([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) env[m[1]!] = m[2]!.replace(/\$PATH/, process.env.PATH ?? "");
  }
  // IMAGESPEC_FRONTEND_TAG builds the image under another tag, so that a second checkout's tests
  // (a worktree) do not replace the image another run is using.
  const tagArg = process.env.IMAGESPEC_FRONTEND_TAG ? [process.env.IMAGESPEC_FRONTEND_TAG] : [];
  const image = execFileSync("bash", [join(repoRoot, "docker/build-image.sh"), ...tagArg], {
    encoding: "utf8",
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  }).trim();
  return { env, frontendImage: image.split("\n").pop()! };
}
