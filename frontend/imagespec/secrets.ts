/** How a spec secret is named in BuildKit and in a step's env. */
import type { Secret } from "./model.js";

/** The BuildKit secret id of a Flyte secret: `<group>_<key>`, or `<key>` without a group. */
export function secretId(s: Secret): string {
  return s.group ? `${s.group}_${s.key}` : s.key;
}

/** Flyte's default env var name for a secret: the id upper-cased with `-` and `.` turned into `_`. */
export function defaultSecretEnv(s: Secret): string {
  return secretId(s).toUpperCase().replace(/[-.]/g, "_");
}

/** The env var a secret sets in its step: its env_var, or for env secrets the derived name. */
export function secretEnvName(s: Secret): string | undefined {
  if (s.envVar) return s.envVar;
  return s.mount === "FILE" ? undefined : defaultSecretEnv(s);
}
