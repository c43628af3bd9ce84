/**
 * Brings up the real test environment (engine, registry, base images, indexes) and builds and
 * pushes the frontend image, once per e2e run. Both steps are idempotent and fast when done.
 */
import type { TestProject } from "vitest/node";
import { startEngine } from "../support/engine.js";

export default function setup(project: TestProject): void {
  const { env, frontendImage } = startEngine();
  project.provide("engineEnv", env);
  project.provide("frontendImage", frontendImage);
}

declare module "vitest" {
  export interface ProvidedContext {
    engineEnv: Record<string, string>;
    frontendImage: string;
  }
}
