/** `--secret id=ID[,type=file|env][,src=PATH|,env=NAME]`, as buildctl reads it. */
import type { SecretSource } from "../src/index.js";
import { parseCsvPairs } from "./csv.js";

export function parseSecretFlag(text: string): SecretSource {
  let id: string | undefined;
  let type: string | undefined;
  let src: string | undefined;
  let env: string | undefined;
  for (const [k, v] of parseCsvPairs(text, "--secret")) {
    if (k === "id") id = v;
    else if (k === "type") type = v;
    else if (k === "src" || k === "source") src = v;
    else if (k === "env") env = v;
    else throw new Error(`--secret: unknown key ${JSON.stringify(k)} (known: id, type, src, env)`);
  }
  if (!id) throw new Error(`--secret ${text}: id is required`);
  if (type !== undefined && type !== "file" && type !== "env") throw new Error(`--secret ${text}: type must be file or env`);
  if (src !== undefined && env !== undefined) throw new Error(`--secret ${text}: give src or env, not both`);
  if (type === "env" && src !== undefined) return { id, env: src };
  if (src !== undefined) return { id, file: src };
  if (env !== undefined) return { id, env };
  // Neither named: buildctl reads the file named like the id for type=file, else the env var.
  return type === "file" ? { id, file: id } : { id, env: id };
}
