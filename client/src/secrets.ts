/** Build secrets by id, read when the daemon asks for them (from a file or an env var). */
import { readFile } from "node:fs/promises";

export interface SecretSource {
  id: string;
  file?: string;
  env?: string;
}

/** Returns the secret's bytes, or undefined when there is no such secret. */
export type SecretStore = (id: string) => Promise<Buffer | undefined>;

/** BuildKit's Go provider refuses larger secrets; so do we, before they are sent. */
export const MAX_SECRET_BYTES = 500 * 1024;

export function secretStore(sources: readonly SecretSource[], env: NodeJS.ProcessEnv = process.env): SecretStore {
  const byId = new Map(sources.map((s) => [s.id, s]));
  return async (id) => {
    const s = byId.get(id);
    if (!s) return undefined;
    let data: Buffer;
    if (s.file !== undefined) data = await readFile(s.file);
    else {
      const value = env[s.env ?? s.id];
      if (value === undefined) return undefined;
      data = Buffer.from(value, "utf8");
    }
    if (data.length > MAX_SECRET_BYTES) throw new Error(`secret ${id} is ${data.length} bytes, more than the ${MAX_SECRET_BYTES} BuildKit accepts`);
    return data;
  };
}
