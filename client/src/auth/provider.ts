/** Where a build's registry credentials come from: the Docker config, or nowhere (`noop`). */
import { credentialsFor, readDockerConfig, type Credentials, type HelperRunner } from "./docker-config.js";
import { defaultHelperRunner } from "./cred-helper.js";

export interface RegistryAuth {
  credentials(host: string): Promise<Credentials | undefined>;
}

export const AUTH_TYPES = ["docker", "noop"] as const;
export type AuthType = (typeof AUTH_TYPES)[number];

export const noAuth: RegistryAuth = { credentials: async () => undefined };

/** As BuildKit's Go provider: an answer is kept for 4 min 50 s, so helpers are not run per blob. */
const CACHE_MS = 290_000;

export function dockerConfigAuth(env: NodeJS.ProcessEnv = process.env, runHelper: HelperRunner = defaultHelperRunner, now = () => Date.now()): RegistryAuth {
  const cache = new Map<string, { at: number; value: Promise<Credentials | undefined> }>();
  return {
    credentials(host) {
      const hit = cache.get(host);
      if (hit && now() - hit.at < CACHE_MS) return hit.value;
      const value = Promise.resolve().then(() => credentialsFor(host, readDockerConfig(env), runHelper, env));
      cache.set(host, { at: now(), value });
      value.catch(() => cache.delete(host));
      return value;
    },
  };
}

export function registryAuth(type: AuthType, env: NodeJS.ProcessEnv = process.env): RegistryAuth {
  return type === "noop" ? noAuth : dockerConfigAuth(env);
}
